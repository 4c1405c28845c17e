"""A host process's directory: its rooms by code, reconnect tokens and the id pool. (Who may
create a room, and the codes, are the `server.registrar`'s: one for a whole host.)

Imports game.net (wire records) and the server's board, config, ids and room modules (rooms
for types); never the host, websockets or a socket.

Everything is kept in step here: a seat's token is known exactly while its seat lasts, and a
seat holds its member id in the `IdPool` for as long (so a held seat's id is never handed to a
new connection). `seat_ended` is the one way a seat ends (LEAVE, a lobby disconnect, a kick,
an expired hold, the room closing), so no token outlives its seat. Time is passed in.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from typing import TYPE_CHECKING

from game.net.records import RoomEntry
from server.board import BoardEntry
from server.config import ServerConfig
from server.ids import IdPool

if TYPE_CHECKING:
    from server.room import Member, Room

__all__ = ["Directory", "entry_of", "new_token"]

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


class Directory:
    """Rooms by code, tokens -> seats, ids."""

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

    # ------------------------------------------------------------------ rooms
    def add(self, room: Room) -> None:
        self.rooms[room.code] = room

    def remove(self, room: Room) -> None:
        """The room is closing: forget it and end every seat it still has."""
        if self.rooms.get(room.code) is room:
            del self.rooms[room.code]
        for member in list(room.members.values()):
            self.seat_ended(room.code, member, f"room {room.code} has closed")

    def board_entries(self) -> list[BoardEntry]:
        """Every open room as the board knows it (private ones too: the board lists only
        the public ones, but can tell where any room is)."""
        return [BoardEntry(entry_of(r), r.public, "") for r in self.rooms.values()
                if not r.closed]

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
