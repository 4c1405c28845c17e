"""Who may open a room, and under which code: the caps on room creation and the codes of the
rooms open, for a whole host (every worker process of it).

Imports game.net.session (the token bucket) and the server's board, codes and config; never
the host, websockets or a socket.

A single-process host keeps its `Registrar` itself. A host with workers keeps one in its
supervisor, and every worker asks it (over the control channel) before it opens a room, so
the caps hold for the host as a whole, whichever worker a connection landed on: the server's
`rooms.max`, an address's `rooms.max_per_address` and its creation rate. The connection's own
cap (`rooms.max_per_connection`) is counted by the worker that holds the connection and
passed in. Time is passed in.

A code is claimed on the host's `Board` before it is given out (unique across every host
sharing the board) and released when its room closes (`unregister`). Codes of rooms lost
with a worker that died stay out of use for a while (`lose`), so a player coming back to
one is told what happened instead of landing in a stranger's room.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from game.net.session import TokenBucket
from server.board import Board
from server.codes import CodeSpace
from server.config import ServerConfig

__all__ = ["LOST_KEEP", "Refusal", "Registrar"]

LOST_KEEP = 4096
"""how many lost codes a registrar remembers at most (the oldest are forgotten first)"""
_CLAIM_TRIES = 64


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a request is refused: `reason` for the metrics (a fixed word), `text` for the
    player, `code` for the ERROR message."""

    reason: str
    text: str
    code: int


class Registrar:
    """The open rooms' codes and creators' addresses, and the per-address creation
    budgets."""

    def __init__(self, config: ServerConfig, board: Board) -> None:
        self.config = config
        self.board = board
        self.opened: dict[str, str] = {}
        """code -> the address of the connection that created the room"""
        self.lost: OrderedDict[str, tuple[str, float]] = OrderedDict()
        """code -> (why the room is gone, until when the code stays out of use)"""
        self._creations: dict[str, TokenBucket] = {}
        """address -> its room creation budget (forgotten once full again)"""

    def refuse(self, own_open: int, address: str, now: float) -> Refusal | None:
        """Whether a connection with `own_open` rooms open, from `address`, may create
        another now; None if it may (and then its address's budget is charged), else why
        not. Checked in this order: the server's room limit, the connection's, the
        address's, then the address's creation rate."""
        cfg = self.config
        if len(self.opened) >= cfg.max_rooms:
            return Refusal("server_rooms_full", "the server has no room for another room", 503)
        if own_open >= cfg.rooms_per_connection:
            n = cfg.rooms_per_connection
            return Refusal("rooms_per_connection",
                           f"you already have {n} room{'s' if n > 1 else ''} open: leave one "
                           "(it closes once empty) before creating another", 429)
        if sum(1 for a in self.opened.values() if a == address) >= cfg.rooms_per_address:
            return Refusal("rooms_per_address", f"your address already has "
                           f"{cfg.rooms_per_address} rooms open on this server", 429)
        bucket = self._creations.get(address)
        if bucket is None:
            bucket = self._creations[address] = TokenBucket(
                cfg.room_creations_per_minute / 60.0, cfg.room_creation_burst)
        if not bucket.take(now):
            return Refusal("room_creation_rate", "rooms are being created too fast from your "
                           "address: wait a minute and try again", 429)
        return None

    async def register(self, own_open: int, address: str, now: float,
                       codes: CodeSpace) -> str | Refusal:
        """A fresh code of `codes`, claimed on the board and counted as `address`'s open
        room; or the `Refusal` of `refuse` (or of a board that had no code to give)."""
        refusal = self.refuse(own_open, address, now)
        if refusal is not None:
            return refusal
        for _ in range(_CLAIM_TRIES):
            code = codes.new_code(self)
            if await self.board.claim(code):
                self.opened[code] = address
                return code
        return Refusal("no_code", "the server found no free room code: try again", 503)

    def __contains__(self, code: object) -> bool:
        """Whether `code` is out of use here: open, or lost not long ago."""
        return code in self.opened or code in self.lost

    def unregister(self, code: str) -> None:
        """The room `code` closed: its code goes back to the board."""
        if self.opened.pop(code, None) is not None:
            self.board.release(code)

    def adopt(self, code: str, address: str) -> None:
        """The room `code`, lost with its worker, was taken up by the replacement."""
        self.lost.pop(code, None)
        self.opened[code] = address

    def lose(self, code: str, why: str, until: float) -> None:
        """The room `code` is gone without closing (its worker died): unregistered, and
        answered with `why` until `until`."""
        self.unregister(code)
        self.lost[code] = (why, until)
        self.lost.move_to_end(code)
        while len(self.lost) > LOST_KEEP:
            self.lost.popitem(last=False)

    def prune(self, now: float) -> None:
        """Forget the creation budgets that have filled up again (they hold nothing), and
        the lost codes whose time is over."""
        for address, b in list(self._creations.items()):
            if b.tokens + (now - b.last) * b.rate >= b.burst:
                del self._creations[address]
        for code, (_, until) in list(self.lost.items()):
            if until <= now:
                del self.lost[code]
