"""The board: the seam between a host process and the rooms it does not run itself.

Imports game.net.records (`RoomEntry`) and the server's codes module; never the host,
websockets or a socket.

A process posts the rooms it runs (`post`, on every change and at least once a second: the
post is also its heartbeat), claims a fresh code before it opens a room (`claim`; a code is
unique across the whole board), lets it go when the room closes (`release`), reads the public
rooms of every process for LIST_ROOMS (`listing`) and asks where a code it does not run lives
(`locate`, for a room on another machine). The interface is the one agreed with the lead
(`/work/board-interface.md`); names and signatures stay, implementations add.

- `LocalBoard`: one process, everything in memory; a code is free when no room has it. It is
  the board of a single-process host, and of a supervisor for its whole machine (the workers'
  posts merged).
- `NodeBoard`: the board a worker process sees. Its posts go up to the supervisor, which
  merges every worker's rooms into its own board (a `LocalBoard`, or the cluster's board when
  several machines share one) and sends the merged listing back down to every worker at least
  once a second and on every change (`take_listing`). Its own rooms it always lists fresh.
  `claim` and `locate` are questions to the supervisor's board (over the `Uplink`).

Inside one machine a code's worker is known from the code itself (`server.codes`), so no board
is asked where a room of a sibling worker is: `locate` answers only for other machines.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple, Protocol

from game.net.records import RoomEntry
from server.codes import slot_of

__all__ = ["Board", "BoardEntry", "BoardError", "LocalBoard", "NodeBoard", "Uplink",
           "pack_entries", "unpack_entries"]

log = logging.getLogger("dreamlayer.board")

HEARTBEAT = 1.0
"""seconds at most between two posts a `NodeBoard` sends up, changed or not"""
LOCATE_SECONDS = 8.0
"""how long a worker waits for its supervisor to locate a code (a cluster's board may wait
for a room in transit: `server.cluster.TRANSIT_SECONDS`)"""


class BoardEntry(NamedTuple):
    """A room as the board knows it."""

    entry: RoomEntry
    """what ROOM_LIST shows"""
    public: bool
    """listed for everyone (private rooms are locatable, never listed)"""
    url: str
    """the public ws:// URL of the node that runs it ("" = this node)"""


class BoardError(Exception):
    """The board cannot be reached at start (a clear, one-line reason for the host's
    log/CLI)."""


class Board(Protocol):
    """Where a host process's rooms meet everyone else's."""

    async def start(self) -> None:
        """Connect; raise BoardError (clear message) if the board cannot be reached at
        start."""

    async def stop(self) -> None:
        """Withdraw everything this process posted, close connections; never raises."""

    async def claim(self, code: str) -> bool:
        """Reserve a fresh room code across the whole board; False if it is taken
        anywhere."""

    def post(self, rooms: Sequence[BoardEntry]) -> None:
        """Everything this process runs now (replaces its previous post). Never blocks,
        never raises: a remote board sends in the background. The host calls it on every
        change and at least once a second, which is also this process's heartbeat: entries
        of a process that stops posting vanish within a few seconds (TTL)."""

    def release(self, code: str) -> None:
        """A room of this process closed (never blocks, never raises)."""

    def listing(self) -> list[BoardEntry]:
        """Every PUBLIC room the board knows, this process's included (may be ~1 s old)."""

    async def locate(self, code: str) -> str | None:
        """The public URL of the OTHER node that runs `code`; None if it runs on this node
        or nowhere. A board that cannot answer returns None and logs once."""

    async def why_gone(self, code: str) -> str | None:
        """Why room `code` cannot be joined anywhere when the board knows (its node stopped
        running); None when it does not."""

    async def reclaim(self, code: str) -> bool:
        """Room `code` was found orphaned on this process's spool (its process stopped):
        True if this process may take it up now (no other running node holds it), and
        then holds its code (in transit until `settled`)."""

    def settled(self, code: str) -> None:
        """Room `code`, reclaimed or taken up, runs here now or was given up (never
        blocks, never raises)."""


def pack_entries(entries: Sequence[BoardEntry]) -> list[list[Any]]:
    """Board entries as plain lists (for msgpack)."""
    return [[list(e.entry), e.public, e.url] for e in entries]


def unpack_entries(raw: object) -> list[BoardEntry]:
    """The entries `pack_entries` packed; ValueError for anything else."""
    if not isinstance(raw, list):
        raise ValueError("board entries are a list")
    out = []
    for item in raw:
        try:
            fields, public, url = item
            out.append(BoardEntry(RoomEntry(*fields), bool(public), str(url)))
        except (TypeError, ValueError) as e:
            raise ValueError(f"not a board entry: {item!r:.80}") from e
    return out


class LocalBoard:
    """A board in one process's memory: a code is taken while it is claimed or posted."""

    def __init__(self) -> None:
        self._posted: dict[str, BoardEntry] = {}
        self._claimed: set[str] = set()

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        self._posted.clear()
        self._claimed.clear()

    async def claim(self, code: str) -> bool:
        if code in self._claimed or code in self._posted:
            return False
        self._claimed.add(code)
        return True

    def post(self, rooms: Sequence[BoardEntry]) -> None:
        self._posted = {e.entry.code: e for e in rooms}

    def release(self, code: str) -> None:
        self._claimed.discard(code)
        self._posted.pop(code, None)

    def listing(self) -> list[BoardEntry]:
        return [e for e in self._posted.values() if e.public]

    def entries(self) -> list[BoardEntry]:
        """Every posted room, private ones too."""
        return list(self._posted.values())

    async def locate(self, code: str) -> str | None:
        return None

    async def why_gone(self, code: str) -> str | None:
        return None

    async def reclaim(self, code: str) -> bool:
        return True

    def settled(self, code: str) -> None:
        return None


class Uplink(Protocol):
    """A worker's line to its supervisor (a `server.channel.Channel`)."""

    def tell(self, message: dict[str, Any]) -> None:
        """Send without waiting for an answer (never blocks, never raises)."""

    async def ask(self, message: dict[str, Any], timeout: float) -> dict[str, Any] | None:
        """Send and wait for the answer; None when none came within `timeout`."""


class NodeBoard:
    """The board of worker `slot` of `slots`: its posts go to the supervisor, its listing
    is the supervisor's merged one with this worker's own rooms fresh."""

    def __init__(self, uplink: Uplink, slot: int, slots: int, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.uplink = uplink
        self.slot, self.slots = slot, slots
        self.clock = clock
        self._own: list[BoardEntry] = []
        self._others: list[BoardEntry] = []
        self._sent: list[BoardEntry] | None = None
        self._sent_at = float("-inf")

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        self._own = []
        self.uplink.tell({"t": "board", "rooms": []})

    async def claim(self, code: str) -> bool:
        if any(e.entry.code == code for e in self._own):
            return False
        answer = await self.uplink.ask({"t": "claim", "code": code}, 2.0)
        return bool(answer and answer.get("ok"))

    def post(self, rooms: Sequence[BoardEntry]) -> None:
        self._own = list(rooms)
        now = self.clock()
        if self._own != self._sent or now - self._sent_at >= HEARTBEAT:
            self._sent, self._sent_at = self._own, now
            self.uplink.tell({"t": "board", "rooms": pack_entries(self._own)})

    def release(self, code: str) -> None:
        self._own = [e for e in self._own if e.entry.code != code]

    def listing(self) -> list[BoardEntry]:
        return [*(e for e in self._own if e.public), *self._others]

    async def locate(self, code: str) -> str | None:
        answer = await self.uplink.ask({"t": "locate", "code": code}, LOCATE_SECONDS)
        url = answer.get("url") if answer else None
        return str(url) if url else None

    async def reclaim(self, code: str) -> bool:
        answer = await self.uplink.ask({"t": "reclaim", "code": code}, 5.0)
        return bool(answer and answer.get("ok"))

    def settled(self, code: str) -> None:
        self.uplink.tell({"t": "settled", "code": code})

    async def why_gone(self, code: str) -> str | None:
        answer = await self.uplink.ask({"t": "why_gone", "code": code}, 2.0)
        why = answer.get("why") if answer else None
        return str(why) if why else None

    def take_listing(self, entries: Sequence[BoardEntry]) -> None:
        """The supervisor's merged listing: every public room it knows. This worker's own
        entries in it (this machine's, of this slot) are dropped: `listing` adds the fresh
        ones."""
        self._others = [e for e in entries
                        if e.url or slot_of(e.entry.code, self.slots) != self.slot]
