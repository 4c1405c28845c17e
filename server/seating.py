"""The seating rules of a host process: who sits where. Creating a room (its code from the
registry, its creator its host), joining by code and password as a dreamer or a spectator,
coming back with a reconnect token (taking a seat over from a link gone silent), kicking; and
where a JOIN_ROOM goes for a code this process does not run: a room lost with a worker that
died (said so), a sibling worker's room (relayed there: `server.relay`), another node's (the
board's `locate`; the cluster's hook is `send_elsewhere`).

Imports game.net, game.retreats and the server's board, codes, directory, registrar, relay and
room modules; it sees its host only as a `SeatingSite` (the `RoomSite` its rooms see, and a
few more things), and its connections as `server.connection.Connection`s (for types).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, Protocol

from game.net.schema import CloseCode, Kind, Message, ProtocolError
from game.retreats import UnknownLevel, level_names, load_retreat
from game.sim.level import Level
from game.tmx import LevelError
from server.board import Board
from server.codes import CodeSpace, normal, well_formed
from server.directory import Directory, new_token
from server.registrar import Refusal
from server.relay import REROUTE, RelayFailed, Siblings, open_relay
from server.room import Member, Room, RoomSite

if TYPE_CHECKING:
    from server.connection import Connection

__all__ = ["Registry", "Seating", "SeatingSite"]

log = logging.getLogger("dreamlayer.host")


class Registry(Protocol):
    """Who may open a room, and its code (`server.registrar.Registrar`, or a worker's
    question to its supervisor's)."""

    async def register(self, own_open: int, address: str, now: float,
                       codes: CodeSpace) -> str | Refusal:
        """A fresh code of `codes` for a room `address` opens, or why not."""

    def unregister(self, code: str) -> None:
        """The room `code` closed."""

    def adopt(self, code: str, address: str) -> None:
        """The room `code` (opened from `address`), whose process died, runs here now (taken
        up from its card): its code is open again, not lost."""

    def prune(self, now: float) -> None:
        """Forget what has run out (called by the janitor)."""


class SeatingSite(RoomSite, Protocol):
    """What the seating rules need of their host, besides what its rooms need."""

    @property
    def levels(self) -> list[Level]:
        """The retreats this host serves (the campaign, in order)."""

    @property
    def stopping(self) -> bool:
        """The host is draining: no new room."""

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run a short job without waiting for it."""

    def post_board(self) -> None:
        """The rooms changed: tell the board."""


class Seating:
    """The seating rules over `directory` (this process's rooms, tokens and ids), with
    codes from `registry` (of `codes`' slot), the rooms of others on `board`, and
    `siblings` to relay to (a worker's; None in a single process)."""

    def __init__(self, site: SeatingSite, directory: Directory, registry: Registry,
                 board: Board, codes: CodeSpace, siblings: Siblings | None) -> None:
        self.site = site
        self.directory = directory
        self.registry = registry
        self.board = board
        self.codes = codes
        self.siblings = siblings
        self.lost: dict[str, str] = {}
        """codes of rooms lost with a worker that died -> what to tell who asks for one"""

    async def create_room(self, conn: Connection, msg: Message) -> None:
        """CREATE_ROOM: a room with a code from the registry, its creator seated as its
        host; or an ERROR saying why not (the server's password, an unknown retreat, a
        cap)."""
        cfg = self.site.config
        if cfg.password and msg["password"] != cfg.password:
            conn.error("creating rooms on this server needs the server's password "
                       "(as the room password)", 403)
            return
        try:
            levels = self._levels_from(msg["level"])
        except (UnknownLevel, LevelError) as e:
            conn.error(str(e), 404)
            return
        own_open = sum(1 for code in conn.rooms_created if code in self.directory.rooms)
        got = await self.registry.register(own_open, conn.ip, self.site.now(), self.codes)
        if isinstance(got, Refusal):
            self.site.metrics.messages_rejected.labels(reason=got.reason).inc()
            log.info("%s (%s) may not create a room: %s", conn.name, conn.ip, got.reason)
            conn.error(got.text, got.code)
            return
        code = got
        if conn.closing or self.site.stopping:  # gone while the code was being found
            self.registry.unregister(code)
            return
        room = Room(self.site, code, password="" if cfg.password else msg["password"],
                    max_dreamers=min(msg["max_dreamers"], cfg.max_players_per_room),
                    public=msg["public"], hazard=msg["hazard"] or cfg.hazard,
                    bot_fill=msg["bot_fill"] and cfg.bot_fill, levels=levels,
                    creator_address=conn.ip)
        self.directory.add(room)
        conn.rooms_created.append(code)
        owner = Member(conn.id, conn.name, conn, new_token())
        room.add(owner)
        self._seat(conn, room, owner)
        log.info("room %s created by %s (%s)", code, conn.name,
                 room.level.title if len(levels) == 1 else "the campaign")

    async def join_room(self, conn: Connection, msg: Message) -> None:
        """JOIN_ROOM: seated in the room (by code and password, as a dreamer or a
        spectator), or back in a held seat with its token; a room elsewhere is reached
        there. Raises ProtocolError(STALE_TOKEN) for a token that opens no seat."""
        token = msg["token"]
        code = normal(msg["code"])
        if code not in self.directory.rooms and await self._elsewhere(conn, code, msg):
            return
        if token:
            self._reconnect(conn, code, token)
            return
        room = self.directory.rooms.get(code)
        if room is None or room.closed:
            conn.error(f"no room with code {code!r}", 404)
            return
        if room.password and msg["password"] != room.password:
            conn.error("wrong password for this room", 403)
            return
        spectate = msg["spectate"]
        if spectate and len(room.spectators) >= self.site.config.spectator_slots:
            conn.error("no spectator seat left in this room", 409)
            return
        if not spectate and room.dreamer_count() >= room.max_dreamers:
            conn.error("the room is full", 409)
            return
        member = Member(conn.id, conn.name, conn, new_token(), spectator=spectate)
        room.add(member)
        self._seat(conn, room, member)

    async def _elsewhere(self, conn: Connection, code: str, msg: Message) -> bool:
        """JOIN_ROOM for a code this process does not run: True if it was answered here
        (a lost room, a relay to the sibling worker that runs it, a room on another node),
        False to answer as for an unknown code."""
        lost = self.lost.get(code)
        if lost is not None:
            if msg["token"]:
                raise ProtocolError(CloseCode.STALE_TOKEN, lost)
            conn.error(lost, 404)
            return True
        if not well_formed(code):
            return False
        if self.siblings is not None and not self.codes.owns(code):
            if conn.relayed:  # its relaying worker handles it (no relay of a relay)
                self.site.spawn(conn.close(REROUTE, code, counted=False))
            else:
                await self._relay(conn, msg)
            return True
        url = await self.board.locate(code)
        if url:
            self.send_elsewhere(conn, code, url)
            return True
        why = await self.board.why_gone(code)
        if why is not None:
            if msg["token"]:
                raise ProtocolError(CloseCode.STALE_TOKEN, why)
            conn.error(why, 410)
            return True
        return False

    async def _relay(self, conn: Connection, msg: Message) -> None:
        assert self.siblings is not None
        code = normal(msg["code"])
        try:
            relay = await open_relay(self.siblings.line_to(code, conn.peer), conn, msg)
        except RelayFailed as e:
            log.warning("%s (%s): %s", conn.name, conn.ip, e)
            conn.error(f"room {code}'s server process cannot be reached: try again", 503)
            return
        if conn.closing:
            await relay.end(1000, "")
            return
        conn.relay = relay
        log.debug("%s (%s) relayed to room %s's worker", conn.name, conn.ip, code)

        async def rerouted(join: Message) -> None:
            conn.relay = None
            await conn.handle(join)

        self.site.spawn(relay.run(rerouted))

    def send_elsewhere(self, conn: Connection, code: str, url: str) -> None:
        """Room `code` runs on another node of the cluster, at `url`: MOVED there (the
        client connects there and sends its JOIN_ROOM again)."""
        log.info("%s asked for room %s: sent to %s", conn.name, code, url)
        conn.post(Kind.MOVED, {"code": code, "url": url})

    def _seat(self, conn: Connection, room: Room, member: Member) -> None:
        conn.room, conn.member = room, member
        self.directory.seat(room.code, member)
        room.note_presence()
        conn.post(Kind.JOINED, {"code": room.code, "token": member.token, "player": member.id,
                                "host": room.owner == member.id,
                                "spectator": member.spectator,
                                "hold_seconds": math.ceil(self.site.config.reconnect_seconds)})
        room.broadcast_lobby()
        room.join_running(member)
        self.site.post_board()

    def _reconnect(self, conn: Connection, code: str, token: str) -> None:
        """JOIN_ROOM with a token: back into the seat it holds, for as long as the seat lasts
        (the token stays the same, so a client whose JOINED got lost on the way can try again
        with it). A seat that still has a link (one gone silent, whose end this server has
        not noticed yet) is taken over: that link is closed with 4011 and this one seated at
        once. Raises ProtocolError(STALE_TOKEN) saying why the token opens no seat."""
        seat = self.directory.tokens.get(token)
        if seat is None:
            raise ProtocolError(CloseCode.STALE_TOKEN, self.directory.why_ended(token))
        room = self.directory.rooms.get(seat[0])
        if seat[0] != code:
            raise ProtocolError(CloseCode.STALE_TOKEN,
                                f"that reconnect token is room {seat[0]}'s, not {code}'s")
        member = room.members.get(seat[1]) if room is not None and not room.closed else None
        if room is None or room.closed:
            raise ProtocolError(CloseCode.STALE_TOKEN, f"room {code} has closed")
        if member is None:
            raise ProtocolError(CloseCode.STALE_TOKEN, "that seat has ended: its player left, "
                                                       "or dropped outside a match")
        old = member.conn
        if old is not None and old is not conn:
            old.give_up_seat()
            self.site.spawn(old.close(CloseCode.REPLACED, "replaced by a new connection with this "
                                                     "seat's reconnect token"))
        room.reclaim(member, conn)
        self._seat(conn, room, member)

    def kick(self, conn: Connection, room: Room, member: Member, target_id: int) -> None:
        """KICK from `member` of `room`: only its host may, and not itself."""
        if member.id != room.owner:
            conn.error("only the room's host can kick", 403)
            return
        target = room.members.get(target_id)
        if target is None or target is member:
            conn.error("no such player to kick", 404)
            return
        self.expel(room, target, "kicked by the room's host")

    def expel(self, room: Room, member: Member, reason: str) -> None:
        """End `member`'s seat in `room` for good (its dreamer goes on with an ally bot)
        and close its connection with 4006 (KICKED) and `reason`."""
        conn = member.conn
        room.remove(member, "kicked")
        if conn is not None:
            conn.room, conn.member = None, None
            self.site.spawn(conn.close(CloseCode.KICKED, reason))

    def _levels_from(self, name: str) -> list[Level]:
        """The retreats a room plays: the whole campaign for "", else that one retreat."""
        if not name:
            return list(self.site.levels)
        if name not in level_names():
            load_retreat(name)  # raises UnknownLevel with the list of levels
        return [lv for lv in self.site.levels if lv.name == name]
