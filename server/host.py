"""The dedicated host: websockets' asyncio server, its connections, and the janitor that keeps
lifetimes; the rooms' directory, the health answers and the rooms themselves live in their own
modules (`server.directory`, `server.health`, `server.room`).

`Host(config).start()` listens on `config.host:config.port` with
`websockets.asyncio.server.serve`. The same port answers plain HTTP `GET /healthz` (JSON;
`?strict=1` makes anything but "ok" an HTTP 503), `GET /metrics` (Prometheus text), and
`GET /replays` / `GET /replays/ID`, the replays of the nights played here (every room's
night is recorded: `server.recording`), and the web page (`server.webpage`: `GET /`, the live
status at `GET /api/status`, and the admin actions under `/admin/` when `[admin] token` is
set; the host's part is in "the web page" below).
Connections beyond `max_connections`, or beyond `max_connections_per_ip` from one address, are
refused at the handshake with HTTP 503 (one that slips past in a race is closed with 4009,
SERVER_FULL). `shutdown()` (wired to SIGTERM and SIGINT by `run()`) stops accepting, closes
every connection with 1001 and a reason, and returns within seconds.

Connection and member ids come from the directory's `IdPool`: never the id of a live
connection or of a seat held for a dropped player. Room creation is capped per connection and
per address, and rate-limited per address (`Directory.refuse_creation`). The janitor, once a
second, closes connections that never said HELLO or stay silent (`server.lifetimes`), ends
held seats that ran out, closes rooms left empty past their grace, and hands the memory of
closed rooms back to the system. The host's clock (`now`) is passed in, so tests need not
sleep.

With `cluster.redis_url` the host is one node of a cluster and its `board` is a
`server.cluster.RedisBoard` (without it `board` is None and the directory is this process's
own): a new room's code is claimed on the board first (unique across the cluster), every
change and every janitor round posts this node's rooms (the heartbeat), a closed room is
released, LIST_ROOMS answers the board's listing (every node's public rooms), and a
JOIN_ROOM for a code this node does not run is answered with MOVED to the node that does,
or refused here (saying so when that node is no longer running). The board's calls that
wait on Redis run in their own task, never in the reader's.

Imports game.net, game.retreats and the rest of the server package.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import os
import signal
import time
from collections import Counter as Tally
from collections.abc import Callable, Coroutine
from http import HTTPStatus
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from game.net.records import RoomEntry
from game.net.schema import CloseCode, Kind, Message, ProtocolError
from game.net.session import Phase
from game.replay.format import ReplayError
from game.retreats import UnknownLevel, campaign, level_names, load_retreat
from game.sim.level import Level
from game.sim.world import World
from game.tmx import LevelError
from server import memory
from server.cluster import Board, BoardEntry, RedisBoard
from server.config import ServerConfig
from server.connection import Connection
from server.directory import Directory, entry_of, new_token
from server.health import Health
from server.ids import IdsExhausted
from server.lifetimes import TIMED_OUT, overdue, room_expired
from server.metrics import ServerMetrics
from server.recording import Recording, Replays
from server.room import Member, Room, RoomState
from server.spool import RoomCard, Spool
from server.status import Chronicle, Rates
from server.status import report as status_of
from server.webpage import FileAnswer, WebPage, header_map

__all__ = ["Host", "run"]

log = logging.getLogger("dreamlayer.host")

_TRIM_EVERY = 10.0
"""seconds at least between two hand-backs of freed memory (each stalls the loop a few ms)"""
_CLAIM_TRIES = 8
"""fresh codes a new room tries before giving up (each taken one is 1 in 33 million)"""


class Host:
    """Everything one server process holds: connections, the directory of rooms, health.

    It is also the `RoomSite` its rooms see (`config`, `metrics`, `now`, `seat_ended`,
    `room_failed`, `tick_done`)."""

    def __init__(self, config: ServerConfig, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self.clock = clock
        self.metrics = ServerMetrics()
        self.directory = Directory(config)
        self.health = Health(config, self.metrics)
        self.connections: dict[int, Connection] = {}
        self.per_ip: Tally[str] = Tally()
        self._server: Server | None = None
        self._janitor: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._rooms_closed = 0
        """rooms closed since memory was last handed back"""
        self._trimmed_at = -_TRIM_EVERY
        self.started = self.now()
        self.stopping = False
        self.board: Board | None = None
        """the cluster's room directory (`cluster.redis_url`); None: this process's own"""
        self.public_url = config.public_url
        """where players reach this host (ws://HOST:PORT when not configured, once it
        listens)"""
        self._creating: set[int] = set()
        """connections whose new room waits for its code to be claimed on the board"""
        self.levels = campaign()
        for lv in self.levels:
            lv.district_labels  # noqa: B018  (worked out now, not when a room starts)
        self.replays = Replays(config)
        self.replays.note_levels(self.levels)
        self.spool: Spool | None = Spool(self.replays.directory.folder / "rooms") \
            if self.replays.enabled else None
        """room cards, so that a room outlives a crash of this process (needs replays)"""
        if self.spool is not None:
            self.replays.in_use = self.spool.replays_in_use
        self.chronicle = Chronicle()
        self.rates = Rates(self.started)
        self.web = WebPage(self)
        self.finished = asyncio.Event()
        """set once `shutdown()` is done (by a signal, or the admin's drain)"""
        rooms = self.directory.rooms
        self.metrics.watch(
            rooms=lambda: float(len(rooms)),
            dreamers=lambda: float(sum(r.dreamer_count() for r in rooms.values())),
            spectators=lambda: float(sum(len(r.spectators) for r in rooms.values())),
            connections=lambda: float(len(self.connections)))

    @property
    def rooms(self) -> dict[str, Room]:
        """The open rooms by code (the directory's table)."""
        return self.directory.rooms

    @property
    def tokens(self) -> dict[str, tuple[str, int]]:
        """Reconnect token -> (room code, member id) (the directory's table)."""
        return self.directory.tokens

    def now(self) -> float:
        return self.clock()

    # ------------------------------------------------------------------ serving
    async def start(self) -> Server:
        """Take up the rooms a crashed process left (`take_up`), then start listening;
        returns the websockets Server (its sockets tell the port)."""
        cfg = self.config
        self.take_up()
        self._server = await serve(
            self.handler, cfg.host, cfg.port, compression=None, max_size=cfg.max_message_bytes,
            max_queue=16, write_limit=16384, ping_interval=cfg.ping_interval_seconds,
            ping_timeout=cfg.ping_timeout_seconds,
            process_request=self.process_request, server_header="Dreamlayer")
        if not self.public_url:
            host = f"[{cfg.host}]" if ":" in cfg.host else cfg.host
            self.public_url = f"ws://{host}:{self.port}"
        if cfg.redis_url:
            board = RedisBoard(cfg.redis_url, self.public_url)
            try:
                await board.start()
            except BaseException:
                self._server.close()
                await self._server.wait_closed()
                raise
            self.board = board
        self._janitor = asyncio.get_running_loop().create_task(self._sweep_forever(),
                                                               name="janitor")
        log.info("%s listening on %s", cfg.name, ", ".join(self.addresses()))
        return self._server

    def addresses(self) -> list[str]:
        if self._server is None:
            return []
        out = []
        for sock in self._server.sockets:
            host, port = sock.getsockname()[:2]
            out.append(f"ws://{host}:{port}")
        return out

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    async def shutdown(self, reason: str = "the server is shutting down") -> None:
        """Stop accepting, tell every client why (1001), stop the rooms."""
        if self.stopping:
            return
        self.stopping = True
        log.info("shutting down: %s", reason)
        if self._server is not None:
            self._server.close(close_connections=False)
        for room in list(self.rooms.values()):
            room.closed = True
        await asyncio.gather(*(c.close(CloseCode.GOING_AWAY, reason)
                               for c in list(self.connections.values())),
                             return_exceptions=True)
        for room in list(self.rooms.values()):
            await room.close(CloseCode.GOING_AWAY, reason)
            self.directory.remove(room)
            if self.spool is not None:
                self.spool.drop(room.code)
        if self._janitor is not None:
            self._janitor.cancel()
        if self.board is not None:
            await self.board.stop()
        if self._server is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._server.wait_closed(), timeout=5.0)
        self.finished.set()

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run a short job (a close, a room shutdown) without waiting for it, keeping a
        reference until it is done."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ------------------------------------------------------------------ HTTP side
    def process_request(self, ws: ServerConnection, request: Request) -> Response | None:
        answer = self.health.answer(request.path, self.health_report)
        if answer is not None:
            return _http(ws, *answer)
        shared = self.replays.answer(request.path) or self.web.answer(
            request.path, header_map(request.headers.raw_items()), _ip_of(ws),
            getattr(request, "method", "GET"))  # websockets >= 17 passes on other methods
        if shared is not None:
            return _respond(ws, shared)
        if self.stopping:
            return _http(ws, HTTPStatus.SERVICE_UNAVAILABLE, "the server is shutting down\n")
        ip = _ip_of(ws)
        if len(self.connections) >= self.config.max_connections:
            self.metrics.messages_rejected.labels(reason="server_full").inc()
            return _http(ws, HTTPStatus.SERVICE_UNAVAILABLE, "the server is full\n")
        if self.per_ip[ip] >= self.config.max_connections_per_ip:
            self.metrics.messages_rejected.labels(reason="too_many_from_ip").inc()
            return _http(ws, HTTPStatus.SERVICE_UNAVAILABLE,
                         "too many connections from your address\n")
        return None

    def health_report(self) -> dict[str, Any]:
        """What /healthz answers now (with a cluster, its part under "cluster")."""
        report = self.health.report(
            list(self.rooms.values()), connections=len(self.connections),
            levels=[lv.name for lv in self.levels], stopping=self.stopping,
            uptime=self.now() - self.started, now=asyncio.get_running_loop().time())
        if isinstance(self.board, RedisBoard):
            report["cluster"] = self.board.status()
        return report

    # ------------------------------------------------------------------ websocket side
    async def handler(self, ws: ServerConnection) -> None:
        ip = _ip_of(ws)
        try:
            if len(self.connections) >= self.config.max_connections:
                raise IdsExhausted("the server is at its connection limit")
            cid = self.directory.ids.take()
        except IdsExhausted:
            self.metrics.messages_rejected.labels(reason="server_full").inc()
            await ws.close(int(CloseCode.SERVER_FULL), "the server is full")
            return
        conn = Connection(self, ws, cid, ip)
        conn.opened_at = conn.heard_at = self.now()
        self.connections[cid] = conn
        self.per_ip[ip] += 1
        conn.start_writer()
        loop = asyncio.get_running_loop()
        try:
            async for data in ws:
                self.metrics.bytes_received.inc(len(data) + 6)
                if conn.closing:
                    continue  # keep reading while closing, so the close handshake completes
                try:
                    msg = conn.session.receive(data, loop.time())
                    if msg.kind is not Kind.PING:
                        conn.heard_at = self.now()
                    await conn.handle(msg)
                except ProtocolError as e:
                    self.metrics.messages_rejected.labels(reason=e.code.name.lower()).inc()
                    self.spawn(conn.close(e.code, e.reason))
        except ConnectionClosed as e:
            if not conn.closing:
                rcvd = e.rcvd
                reason = "client_gone" if rcvd is None or rcvd.code in (1000, 1001) \
                    else f"closed_{rcvd.code}"
                if rcvd is None and e.sent is not None and e.sent.code == 1009:
                    reason = "too_big"
                self.metrics.disconnects.labels(reason=reason).inc()
                conn.closing = True
        finally:
            conn.closing = True
            await conn.stop_writer()
            self.connections.pop(cid, None)
            self.directory.ids.release(cid)
            self.per_ip[ip] -= 1
            if self.per_ip[ip] <= 0:
                del self.per_ip[ip]
            if conn.room is not None and conn.member is not None:
                conn.room.drop(conn.member)

    # ------------------------------------------------------------------ rooms
    def room_list(self) -> list[RoomEntry]:
        if self.board is not None:
            return [b.entry for b in self.board.listing()]
        return self.directory.room_list()

    def post_rooms(self) -> None:
        """Tell the board every room this node runs (its heartbeat too)."""
        if self.board is not None:
            self.board.post([BoardEntry(entry_of(r), r.public, "")
                             for r in self.rooms.values() if not r.closed])

    def create_room(self, conn: Connection, msg: Message) -> None:
        cfg = self.config
        if cfg.password and msg["password"] != cfg.password:
            conn.error("creating rooms on this server needs the server's password "
                       "(as the room password)", 403)
            return
        try:
            levels = self._levels_from(msg["level"])
        except (UnknownLevel, LevelError) as e:
            conn.error(str(e), 404)
            return
        if conn.id in self._creating:
            conn.error("your last room is still being made: wait for it", 429)
            return
        refusal = self.directory.refuse_creation(conn.rooms_created, conn.ip, self.now())
        if refusal is not None:
            self.metrics.messages_rejected.labels(reason=refusal.reason).inc()
            log.info("%s (%s) may not create a room: %s", conn.name, conn.ip, refusal.reason)
            conn.error(refusal.text, refusal.code)
            return
        if self.board is None:
            self._open_room(conn, msg, levels, self.directory.new_code())
        else:
            self._creating.add(conn.id)
            self.spawn(self._open_claimed(conn, msg, levels, self.board))

    async def _open_claimed(self, conn: Connection, msg: Message, levels: list[Level],
                            board: Board) -> None:
        """A room whose code no node of the cluster holds."""
        try:
            for _ in range(_CLAIM_TRIES):
                code = self.directory.new_code()
                if await board.claim(code) and code not in self.rooms:
                    break
            else:
                conn.error("no free room code was found: try again", 503)
                return
            if conn.closing or self.stopping or conn.room is not None:  # gone, or seated
                board.release(code)                                   # elsewhere meanwhile
                return
            self._open_room(conn, msg, levels, code)
        finally:
            self._creating.discard(conn.id)

    def _open_room(self, conn: Connection, msg: Message, levels: list[Level],
                   code: str) -> None:
        cfg = self.config
        room = Room(self, code, password="" if cfg.password else msg["password"],
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

    def join_room(self, conn: Connection, msg: Message) -> None:
        code = msg["code"].strip().upper()
        if self.board is not None and code not in self.rooms:
            self.spawn(self._join_elsewhere(conn, msg, code, self.board))
            return
        self._join_here(conn, msg, code)

    async def _join_elsewhere(self, conn: Connection, msg: Message, code: str,
                              board: Board) -> None:
        """A code this node does not run: MOVED to the node that runs it, or the refusal
        (the board's, when that node stopped running; else this node's own)."""
        url = await board.locate(code)
        why = await board.why_gone(code) if url is None else None
        if conn.closing:
            return
        if url is not None and url != self.public_url:
            log.info("%s asked for room %s: sent to %s", conn.name, code, url)
            conn.post(Kind.MOVED, {"code": code, "url": url})
        elif why is not None and msg["token"]:
            self.spawn(conn.close(CloseCode.STALE_TOKEN, why))
        elif why is not None:
            conn.error(why, 410)
        else:
            try:
                self._join_here(conn, msg, code)
            except ProtocolError as e:
                self.metrics.messages_rejected.labels(reason=e.code.name.lower()).inc()
                self.spawn(conn.close(e.code, e.reason))

    def _join_here(self, conn: Connection, msg: Message, code: str) -> None:
        token = msg["token"]
        if token:
            self._reconnect(conn, code, token)
            return
        room = self.rooms.get(code)
        if room is None or room.closed:
            conn.error(f"no room with code {code!r}", 404)
            return
        if room.password and msg["password"] != room.password:
            conn.error("wrong password for this room", 403)
            return
        spectate = msg["spectate"]
        if spectate and len(room.spectators) >= self.config.spectator_slots:
            conn.error("no spectator seat left in this room", 409)
            return
        if not spectate and room.dreamer_count() >= room.max_dreamers:
            conn.error("the room is full", 409)
            return
        member = Member(conn.id, conn.name, conn, new_token(), spectator=spectate)
        room.add(member)
        self._seat(conn, room, member)

    def _seat(self, conn: Connection, room: Room, member: Member) -> None:
        conn.room, conn.member = room, member
        self.directory.seat(room.code, member)
        room.note_presence()
        self.post_rooms()
        conn.post(Kind.JOINED, {"code": room.code, "token": member.token, "player": member.id,
                                "host": room.owner == member.id,
                                "spectator": member.spectator,
                                "hold_seconds": math.ceil(self.config.reconnect_seconds)})
        room.broadcast_lobby()
        room.join_running(member)

    def _reconnect(self, conn: Connection, code: str, token: str) -> None:
        """JOIN_ROOM with a token: back into the seat it holds, for as long as the seat lasts
        (the token stays the same, so a client whose JOINED got lost on the way can try again
        with it). A seat that still has a link (one gone silent, whose end this server has
        not noticed yet) is taken over: that link is closed with 4011 and this one seated at
        once. Raises ProtocolError(STALE_TOKEN) saying why the token opens no seat."""
        seat = self.directory.tokens.get(token)
        if seat is None:
            raise ProtocolError(CloseCode.STALE_TOKEN, self.directory.why_ended(token))
        room = self.rooms.get(seat[0])
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
            self.spawn(old.close(CloseCode.REPLACED, "replaced by a new connection with this "
                                                     "seat's reconnect token"))
        room.reclaim(member, conn)
        self._seat(conn, room, member)

    def kick(self, conn: Connection, room: Room, member: Member, target_id: int) -> None:
        if member.id != room.owner:
            conn.error("only the room's host can kick", 403)
            return
        target = room.members.get(target_id)
        if target is None or target is member:
            conn.error("no such player to kick", 404)
            return
        self.expel(room, target, "kicked by the room's host")

    def close_room(self, room: Room, reason: str) -> None:
        """Close `room`: out of the directory (its seats end), its players told `reason`."""
        room.closed = True
        self.directory.remove(room)
        if self.spool is not None:
            self.spool.drop(room.code)
        if self.board is not None:
            self.board.release(room.code)
            self.post_rooms()
        self._rooms_closed += 1
        self.spawn(room.close(CloseCode.ROOM_CLOSED, reason))

    def _levels_from(self, name: str) -> list[Level]:
        """The retreats a room plays: the whole campaign for "", else that one retreat."""
        if not name:
            return list(self.levels)
        if name not in level_names():
            load_retreat(name)  # raises UnknownLevel with the list of levels
        return [lv for lv in self.levels if lv.name == name]

    # ------------------------------------------------------------------ what rooms need
    def seat_ended(self, room: Room, member: Member, why: str) -> None:
        if self.rooms.get(room.code) is room:  # a closed room's seats ended as it closed
            self.directory.seat_ended(room.code, member, why)

    def room_failed(self, room: Room, reason: str) -> None:
        self.close_room(room, reason)

    def room_changed(self, room: Room) -> None:
        if self.spool is not None and self.rooms.get(room.code) is room:
            self.spool.save(room.card(os.getpid()))

    # ------------------------------------------------------------------ surviving a crash
    def take_up(self, mine: Callable[[str], bool] = lambda code: True) -> list[Room]:
        """Run here the rooms whose process stopped without closing them (their cards are
        orphans in the spool; `mine` says which codes this process runs): each night under
        way re-simulated from its replay and played on, every seat held for its player's
        token. A room that cannot be taken up is logged once and its card dropped.
        Re-simulating costs a few percent of the night's length per room; it is done
        before this process serves anyone."""
        if self.spool is None:
            return []
        out = []
        for card in self.spool.orphans(mine):
            if card.code in self.rooms:
                continue
            try:
                room = self._take_up(card)
            except (ReplayError, ValueError, OSError, UnknownLevel) as e:
                log.error("room %s could not be taken up after its process stopped (%s)",
                          card.code, e)
                self.spool.drop(card.code)
                continue
            self.directory.add(room)
            for member in room.members.values():
                self.directory.seat(room.code, member, taken_up=True)
            self.spool.save(room.card(os.getpid()))
            out.append(room)
        return out

    def _take_up(self, card: RoomCard) -> Room:
        by_name = {lv.name: lv for lv in self.levels}
        missing = [n for n in card.levels if n not in by_name]
        if missing:
            raise ValueError(f"this server has no retreat {missing[0]!r}")
        levels = [by_name[n] for n in card.levels]
        night = None
        if card.state == RoomState.PLAYING:
            if not card.replay:
                raise ValueError("its night was not recorded")
            night = self.replays.take_up(card.code, card.replay, levels[card.level_index])
        return Room.take_up(self, card, levels, night)

    def tick_done(self, room: Room, seconds: float) -> None:
        self.health.note_tick(seconds)
        if room.world is not None and not room.world.running:
            # the night's last tick: the room ends it (and its recording) right after
            self.chronicle.night_ended(room, room.recording)

    def record(self, room: Room, world: World, seed: int, people: set[int],
               companions: set[int]) -> Recording | None:
        return self.replays.begin(room.code, room.level, world, seed, room.hazard, people,
                                  companions, private=bool(room.password) or not room.public)

    # ------------------------------------------------------------------ the web page
    def status_report(self, private: bool) -> dict[str, Any]:
        """What /api/status answers (`private`: /admin/status, with the private rooms);
        server.status.merge joins several processes' reports."""
        metrics = self.metrics
        rates = self.rates.per_second(self.now(), metrics.value("dreamlayer_bytes_sent_total"),
                                      metrics.value("dreamlayer_bytes_received_total"))
        return status_of(self.health_report(), self.rooms.values(), self.chronicle,
                         rates=rates, spectator_slots=self.config.spectator_slots,
                         admin=self.web.admin.enabled, with_private=private,
                         replay_kept=lambda rid: self.replays.directory.path_of(rid) is not None)

    def expel(self, room: Room, member: Member, reason: str) -> None:
        """End `member`'s seat in `room` for good (its dreamer goes on with an ally bot)
        and close its connection with 4006 (KICKED) and `reason`."""
        conn = member.conn
        room.remove(member, "kicked")
        if conn is not None:
            conn.room, conn.member = None, None
            self.spawn(conn.close(CloseCode.KICKED, reason))

    def drain(self, reason: str) -> None:
        """Shut the server down (in the background): `run()` returns once it is done."""
        self.spawn(self.shutdown(reason))

    # ------------------------------------------------------------------ lifetimes
    def sweep(self) -> None:
        """One round of the janitor (the host's clock says when): close connections that
        never said HELLO or stay silent, end held seats that ran out, close rooms empty past
        their grace, forget full creation budgets, and hand back freed memory."""
        now = self.now()
        for conn in list(self.connections.values()):
            if conn.closing:
                continue
            heard = conn.heard_at
            if conn.room is not None and conn.session.phase is Phase.ROOM:
                heard = max(heard, conn.room.changed_at)
            late = overdue(conn.session.phase, conn.opened_at, heard, now, self.config)
            if late is not None:
                self.spawn(conn.close(TIMED_OUT, late[1], label=late[0]))
        grace = self.config.empty_room_grace_seconds
        for room in list(self.rooms.values()):
            room.expire_held(now)
            if room_expired(room.empty_since, room.hold_deadlines(), now, grace):
                assert room.empty_since is not None
                log.info("room %s closed: empty for %.0f s", room.code, now - room.empty_since)
                self.close_room(room, "the room was empty")
        self.directory.prune(now)
        self.post_rooms()
        if self._rooms_closed and now - self._trimmed_at >= _TRIM_EVERY:
            self._rooms_closed = 0
            self._trimmed_at = now
            self.spawn(self._give_back_memory())

    async def _give_back_memory(self) -> None:
        memory.collect()  # the closed rooms' pymunk cycles
        if await asyncio.to_thread(memory.trim):  # the heap's free pages
            self.metrics.memory_trims.inc()

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            try:
                self.sweep()
            except Exception:
                log.exception("the janitor failed; it carries on")


def _respond(ws: ServerConnection, answer: FileAnswer) -> Response:
    """An HTTP response with `answer`'s status, body and headers."""
    status, body, headers = answer
    response = ws.respond(status, "")
    del response.headers["Content-Type"], response.headers["Content-Length"]
    if status is not HTTPStatus.NOT_MODIFIED:  # a 304 has no body, nor its length
        headers = {**headers, "Content-Length": str(len(body))}
    for name, value in headers.items():
        response.headers[name] = value
    response.body = body
    return response


def _http(ws: ServerConnection, status: HTTPStatus, body: str,
          content_type: str = "text/plain; charset=utf-8") -> Response:
    response = ws.respond(status, body)
    response.headers["Content-Type"] = content_type
    return response


def _ip_of(ws: ServerConnection) -> str:
    peer = ws.remote_address
    return str(peer[0]) if peer else "?"


async def run(config: ServerConfig) -> None:
    """Serve until SIGTERM or SIGINT (or the admin's drain), then shut down cleanly."""
    host = Host(config)
    await host.start()

    def on_signal(signum: int) -> None:
        host.drain(f"the server is shutting down ({signal.Signals(signum).name})")

    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            asyncio.get_running_loop().add_signal_handler(sig, on_signal, int(sig))
    await host.finished.wait()
