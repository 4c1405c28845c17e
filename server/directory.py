"""The host's directory: rooms by code, reconnect tokens, the id pool, and the caps on who may
create a room.

Imports game.net (the token bucket and wire records) and the server's config, ids and room
modules (for types); never the host, websockets or a socket.

Everything is kept in step here: a seat's token is known exactly while its seat lasts, and a
seat holds its member id in the `IdPool` for as long (so a held seat's id is never handed to a
new connection). `seat_ended` is the one way a seat ends (LEAVE, a lobby disconnect, a kick,
an expired hold, the room closing), so no token outlives its seat. Time is passed in.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from game.net.records import RoomEntry
from game.net.session import TokenBucket
from server.config import ServerConfig
from server.ids import IdPool

if TYPE_CHECKING:
    from server.room import Member, Room

__all__ = ["Directory", "Refusal", "entry_of", "new_token"]

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_ENDED_TOKENS = 1024
"""how many ended seats' tokens the directory remembers the end of (for the 4007 reason)"""


def new_token() -> str:
    return secrets.token_urlsafe(18)


def entry_of(room: Room) -> RoomEntry:
    """`room` as a room list shows it."""
    owner = room.members.get(room.owner)
    return RoomEntry(room.code, (owner.name if owner else "")[:32], room.level.name,
                     room.dreamer_count(), room.max_dreamers, bool(room.password),
                     room.under_way)


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a request is refused: `reason` for the metrics (a fixed word), `text` for the
    player, `code` for the ERROR message."""

    reason: str
    text: str
    code: int


class Directory:
    """Rooms by code, tokens -> seats, ids, and per-address room creation budgets."""

    def __init__(self, config: ServerConfig, ids: IdPool | None = None) -> None:
        self.config = config
        self.rooms: dict[str, Room] = {}
        self.tokens: dict[str, tuple[str, int]] = {}
        """reconnect token -> (room code, member id), for every seat that lasts"""
        self.ids = ids if ids is not None else IdPool()
        self.ended: OrderedDict[str, str] = OrderedDict()
        """the last ended seats' tokens -> why they open no seat any more"""
        self._seated: set[tuple[str, int]] = set()
        """(room code, member id) of the seats holding their id"""
        self._creations: dict[str, TokenBucket] = {}
        """address -> its room creation budget (forgotten once full again)"""

    # ------------------------------------------------------------------ rooms
    def new_code(self) -> str:
        """A short join code (5 characters, no look-alikes) not yet in use."""
        while True:
            code = "".join(secrets.choice(_ALPHABET) for _ in range(5))
            if code not in self.rooms:
                return code

    def add(self, room: Room) -> None:
        self.rooms[room.code] = room

    def remove(self, room: Room) -> None:
        """The room is closing: forget it and end every seat it still has."""
        if self.rooms.get(room.code) is room:
            del self.rooms[room.code]
        for member in list(room.members.values()):
            self.seat_ended(room.code, member, f"room {room.code} has closed")

    def room_list(self) -> list[RoomEntry]:
        return [entry_of(r) for r in self.rooms.values() if r.public and not r.closed][:256]

    # ------------------------------------------------------------------ seats
    def seat(self, code: str, member: Member, *, taken_up: bool = False) -> None:
        """`member` sits in room `code` with its current token (a new token for a seat already
        known replaces nothing: the caller forgets the old one). Its id is held while it sits
        (`taken_up`: the seat of a room taken up after a crash, whose id need not be live
        here yet)."""
        self.tokens[member.token] = (code, member.id)
        if (code, member.id) not in self._seated:
            self._seated.add((code, member.id))
            if taken_up:
                self.ids.claim(member.id)
            else:
                self.ids.hold(member.id)

    def seat_ended(self, code: str, member: Member, why: str) -> None:
        """The seat is over: its token is forgotten (a later try with it is told `why`) and
        its id let go."""
        if self.tokens.pop(member.token, None) is not None:
            self.ended[member.token] = why
            while len(self.ended) > _ENDED_TOKENS:
                self.ended.popitem(last=False)
        if (code, member.id) in self._seated:
            self._seated.discard((code, member.id))
            self.ids.release(member.id)

    def why_ended(self, token: str) -> str:
        """Why `token` opens no seat (it is not a live seat's)."""
        return self.ended.get(token, "unknown reconnect token (never given out here, or its "
                                     "seat ended long ago)")

    # ------------------------------------------------------------------ caps
    def refuse_creation(self, own: list[str], address: str, now: float) -> Refusal | None:
        """Whether a connection that created the rooms `own` (codes, open or not), from
        `address`, may create another now; None if it may (and then its address's budget is
        charged), else why not. Checked in this order: the server's room limit, the
        connection's, the address's, then the address's creation rate."""
        cfg = self.config
        if len(self.rooms) >= cfg.max_rooms:
            return Refusal("server_rooms_full", "the server has no room for another room", 503)
        if sum(1 for code in own if code in self.rooms) >= cfg.rooms_per_connection:
            n = cfg.rooms_per_connection
            return Refusal("rooms_per_connection",
                           f"you already have {n} room{'s' if n > 1 else ''} open: leave one "
                           "(it closes once empty) before creating another", 429)
        if sum(1 for r in self.rooms.values() if r.creator_address == address) \
                >= cfg.rooms_per_address:
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

    def prune(self, now: float) -> None:
        """Forget the creation budgets that have filled up again (they hold nothing)."""
        for address, b in list(self._creations.items()):
            if b.tokens + (now - b.last) * b.rate >= b.burst:
                del self._creations[address]
