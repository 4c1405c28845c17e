"""A host process: its connections, its rooms and the janitor that keeps lifetimes.

`Host(config).start()` listens on `config.host:config.port` (a single-process host). In a host
with workers (`server.supervisor`), each worker runs a Host that listens nowhere: `open()`, and
the worker hands it the sockets the supervisor accepted (`server.gate`). Either way the Host
sees the same websockets connections and does the same things.

What the Host holds, and what it leaves to the pieces beside it (issue 12's split by concern):
- the websocket side (options, listening or adopting sockets): `server.gate`;
- the plain HTTP answers (`/healthz`, `/metrics`, `/replays`): `server.pages` (a worker
  answers none: the supervisor answers them for the whole host);
- its rooms by code, reconnect tokens and ids: `server.directory`;
- who may open a room and under which code: a `Registry` (`server.registrar`), the Host's
  own in a single process, the supervisor's (asked over the channel) in a worker, so the
  caps hold for the whole host;
- the rooms of the other processes (LIST_ROOMS, where a code lives): a `server.board.Board`,
  posted on every change and each janitor second;
- who sits where (create, join, reconnect with a token, kick) and where a room that runs
  elsewhere is reached (a sibling worker: `server.relay`; another node): `server.seating`.
The Host keeps the connections' lifecycle (the reader, the janitor, the drain) and is the
site its rooms and its seating rules see. Beside those:
- with `cluster.redis_url`, a single-process host's board is a `server.cluster.RedisBoard`
  (a worker's board is its supervisor's, which is the Redis one then);
- the web page (`server.webpage`: `GET /`, `GET /api/status`, the admin actions under
  `/admin/` when `[admin] token` is set), answered by a listening host (the supervisor
  answers it for a host with workers, merging its workers' `status_report`s);
- rooms that outlive a crash of their process: every room's card is kept in the spool
  (`server.spool`, beside the replays) whenever it changes, with a checkpoint of its night
  now and then (`server.recording`), and a host taking up (`take_up`, at start) runs the
  rooms a dead process left, from their cards, checkpoints and replays (each `reclaim`ed on
  the board first: one another node took meanwhile is left to it);
- with a cluster, rooms that outlive their whole node: the board copies the spool to Redis
  (`server.mirror`) and a `server.rescue.Rescue` takes up here the rooms of nodes that die
  (in a host with workers, the supervisor does both).

Connections beyond `max_connections`, or beyond `max_connections_per_ip` from one address, are
refused at the handshake with HTTP 503 (by the supervisor, in a host with workers; one that
slips past in a race is closed with 4009, SERVER_FULL). `shutdown()` (wired to SIGTERM and
SIGINT by `run()`, or by the worker) stops accepting, closes every connection with 1001 and a
reason, and returns within seconds.

Connection and member ids come from the directory's `IdPool`: never the id of a live
connection or of a seat held for a dropped player. The janitor, once a second, closes
connections that never said HELLO or stay silent (`server.lifetimes`), ends held seats that
ran out, closes rooms left empty past their grace, and hands the memory of closed rooms back
to the system. The host's clock (`now`) is passed in, so tests need not sleep.

Imports game.net, game.retreats and the rest of the server package.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from collections import Counter as Tally
from collections.abc import Callable, Coroutine
from http import HTTPStatus
from typing import Any

from websockets.asyncio.server import Server, ServerConnection
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from game.net.records import RoomEntry
from game.net.schema import CloseCode, ProtocolError
from game.net.session import Phase
from game.replay.format import ReplayError
from game.retreats import UnknownLevel, campaign
from game.sim.world import World
from server import memory
from server.board import Board, LocalBoard
from server.cluster import RedisBoard
from server.codes import CodeSpace
from server.config import ServerConfig
from server.connection import Connection
from server.directory import Directory
from server.gate import Gate, GateConnection, HandedConnection, HandOver
from server.health import Health
from server.ids import IdsExhausted
from server.lifetimes import TIMED_OUT, overdue, room_expired
from server.metrics import ServerMetrics
from server.pages import Pages
from server.recording import Recording, Replays
from server.registrar import Registrar
from server.relay import Siblings
from server.rescue import Rescue
from server.room import Member, Room, RoomState
from server.seating import Registry, Seating
from server.spool import RoomCard, Spool
from server.status import Chronicle, Rates
from server.status import report as status_of
from server.webpage import WebPage, header_map

__all__ = ["Host", "run"]

log = logging.getLogger("dreamlayer.host")

_TRIM_EVERY = 10.0
"""seconds at least between two hand-backs of freed memory (each stalls the loop a few ms)"""


class Host:
    """Everything one server process holds: connections, the directory of rooms, health.

    It is also the `RoomSite` its rooms see (`config`, `metrics`, `now`, `seat_ended`,
    `room_failed`, `tick_done`).

    A worker's Host gets the worker's `board` (`NodeBoard`), `registry` (its supervisor's),
    `codes` (its slot's) and `siblings` (to relay a client to the worker of its room);
    a single-process host makes its own (`LocalBoard`, `Registrar`, every code, none)."""

    def __init__(self, config: ServerConfig, *,
                 clock: Callable[[], float] = time.monotonic, board: Board | None = None,
                 registry: Registry | None = None, codes: CodeSpace | None = None,
                 siblings: Siblings | None = None) -> None:
        self.config = config
        self.clock = clock
        self.metrics = ServerMetrics()
        self.directory = Directory(config)
        if board is None:
            board = RedisBoard(config.redis_url, config.public_url) if config.redis_url \
                else LocalBoard()
        self.board: Board = board
        self.registry: Registry = registry if registry is not None \
            else Registrar(config, self.board)
        self.codes = codes if codes is not None else CodeSpace()
        self.seating = Seating(self, self.directory, self.registry, self.board, self.codes,
                               siblings)
        self.health = Health(config, self.metrics)
        self.connections: dict[int, Connection] = {}
        self.per_ip: Tally[str] = Tally()
        # looked up at each connection, so a wrapper set on the host (the net bench counts
        # bytes that way) serves
        self.gate = Gate(config, lambda ws: self.handler(ws),
                         lambda ws, request: self.process_request(ws, request))
        self.on_open: Callable[[HandOver], None] = lambda hand_over: None
        """called when a handed-over connection's handshake is done (a worker reports it)"""
        self._server: Server | None = None
        self._listens = False
        self._janitor: asyncio.Task[None] | None = None
        self.rescue: Rescue | None = None
        """takes up the rooms of cluster nodes that die (a listening host with Redis)"""
        self._tasks: set[asyncio.Task[None]] = set()
        self._rooms_closed = 0
        """rooms closed since memory was last handed back"""
        self._trimmed_at = -_TRIM_EVERY
        self.started = self.now()
        self.stopping = False
        self.levels = campaign(config.levels_folder())
        for lv in self.levels:
            lv.district_labels  # noqa: B018  (worked out now, not when a room starts)
        self.replays = Replays(config)
        self.replays.note_levels(self.levels)
        self.pages = Pages(self._report, self._metrics_text, self.replays)
        self.spool: Spool | None = Spool(self.replays.directory.folder / "rooms") \
            if self.replays.enabled else None
        """room cards, so that a room outlives a crash of this process (needs replays)"""
        if self.spool is not None:
            self.replays.in_use = self.spool.replays_in_use
            self.replays.spool = self.spool
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
            connections=lambda: float(self.clients()))

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

    def clients(self) -> int:
        """Client connections held here (a sibling's relay line to this process is its
        client's connection, counted there)."""
        return sum(1 for c in self.connections.values() if not c.relayed)

    # ------------------------------------------------------------------ serving
    async def start(self) -> Server:
        """Start listening (a single-process host), join the board, take up the rooms a
        crashed process left (`take_up`); returns the websockets Server (its sockets tell
        the port). Raises BoardError if the board cannot be reached, OSError if the port
        cannot be had."""
        self._server = await self.gate.listen(self.config.host, self.config.port)
        self._listens = True
        if isinstance(self.board, RedisBoard) and not self.config.public_url:
            self.board.url = self.public_url
        try:
            await self.board.start()
        except BaseException:
            self._server.close()
            await self._server.wait_closed()
            raise
        await self.take_up()
        self.post_board()
        self._start_janitor()
        self._start_rescue()
        log.info("%s listening on %s", self.config.name, ", ".join(self.addresses()))
        return self._server

    async def open(self, mine: Callable[[str], bool] = lambda code: True) -> Server:
        """Start without listening (a worker): the rooms a crashed process left with codes
        this one runs (`mine`) taken up, then sockets come in through `gate.adopt`."""
        await self.board.start()
        await self.take_up(mine)
        self._server = await self.gate.open()
        self._start_janitor()
        return self._server

    def _start_rescue(self) -> None:
        """With a cluster and a spool: this node's rooms copied to Redis, and the rooms of
        nodes that die taken up here (`server.rescue`)."""
        if not isinstance(self.board, RedisBoard) or self.spool is None:
            return
        self.board.keep_spool(self.spool, self.replays.directory.folder)

        async def run(code: str) -> bool:
            return bool(await self.take_up(lambda c: c == code))

        self.rescue = Rescue(self.board, self.spool, self.replays.directory.folder,
                             {lv.name for lv in self.levels}, run)
        self.rescue.start()

    def _start_janitor(self) -> None:
        self._janitor = asyncio.get_running_loop().create_task(self._sweep_forever(),
                                                               name="janitor")

    def addresses(self) -> list[str]:
        if self._server is None or not self._listens:
            return []
        out = []
        for sock in self._server.sockets:
            host, port = sock.getsockname()[:2]
            out.append(f"ws://{host}:{port}")
        return out

    @property
    def public_url(self) -> str:
        """Where players reach this host: `cluster.public_url`, else the address it listens
        on (once it does)."""
        if isinstance(self.board, RedisBoard) and self.board.url:
            return self.board.url
        if self.config.public_url:
            return self.config.public_url
        host = f"[{self.config.host}]" if ":" in self.config.host else self.config.host
        return f"ws://{host}:{self.port}" if self._server is not None else ""

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
            self.board.release(room.code)
        if self._janitor is not None:
            self._janitor.cancel()
        if self.rescue is not None:
            await self.rescue.stop()
        if self._server is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._server.wait_closed(), timeout=5.0)
        await self.board.stop()
        self.finished.set()

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run a short job (a close, a room shutdown) without waiting for it, keeping a
        reference until it is done."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ------------------------------------------------------------------ HTTP side
    async def process_request(self, ws: ServerConnection, request: Request) -> Response | None:
        """Before a handshake: the plain HTTP pages, the connection caps (a listening host:
        in a worker the supervisor has answered both), and no new client while stopping."""
        if self._listens:
            page = await self.pages.answer(request.path) or self.web.answer(
                request.path, header_map(request.headers.raw_items()), _peer_of(ws)[0],
                getattr(request, "method", "GET"))  # websockets >= 17 passes other methods
            if page is not None:
                return _http(ws, *page)
        if self.stopping:
            return _http(ws, HTTPStatus.SERVICE_UNAVAILABLE, b"the server is shutting down\n")
        if not self._listens:
            return None
        ip = _peer_of(ws)[0]
        if len(self.connections) >= self.config.max_connections:
            self.metrics.messages_rejected.labels(reason="server_full").inc()
            return _http(ws, HTTPStatus.SERVICE_UNAVAILABLE, b"the server is full\n")
        if self.per_ip[ip] >= self.config.max_connections_per_ip:
            self.metrics.messages_rejected.labels(reason="too_many_from_ip").inc()
            return _http(ws, HTTPStatus.SERVICE_UNAVAILABLE,
                         b"too many connections from your address\n")
        return None

    def health_report(self) -> dict[str, Any]:
        """What /healthz answers now (for this process; with a cluster, its part under
        "cluster")."""
        report = self.health.report(
            list(self.rooms.values()), connections=self.clients(),
            levels=[lv.name for lv in self.levels], stopping=self.stopping,
            uptime=self.now() - self.started, now=asyncio.get_running_loop().time())
        if isinstance(self.board, RedisBoard):
            report["cluster"] = self.board.status()
            if self.rescue is not None:
                report["cluster"]["rooms_taken_up"] = self.rescue.taken
        return report

    async def _report(self) -> dict[str, Any]:
        return self.health_report()

    async def _metrics_text(self) -> str:
        return self.metrics.render()

    # ------------------------------------------------------------------ websocket side
    async def handler(self, ws: ServerConnection) -> None:
        hand_over = ws.hand_over if isinstance(ws, HandedConnection) else None
        peer = hand_over.peer if hand_over is not None else _peer_of(ws)
        relayed = hand_over is not None and hand_over.relayed
        ip = peer[0]
        if hand_over is not None:
            self.on_open(hand_over)
        try:
            if len(self.connections) >= self.config.max_connections:
                raise IdsExhausted("the server is at its connection limit")
            cid = self.directory.ids.take()
        except IdsExhausted:
            self.metrics.messages_rejected.labels(reason="server_full").inc()
            await ws.close(int(CloseCode.SERVER_FULL), "the server is full")
            return
        conn = Connection(self, ws, cid, peer, relayed=relayed)
        conn.opened_at = conn.heard_at = self.now()
        self.connections[cid] = conn
        if not relayed:
            self.per_ip[ip] += 1
        conn.start_writer()
        assert isinstance(ws, GateConnection), "every connection comes through the gate"
        ws.quick = conn.quick
        try:
            while (data := await ws.read()) is not None:
                if not conn.arrived(data):
                    continue  # keep reading while closing, so the close handshake completes
                if conn.relay is not None:
                    await conn.relay.send(data)
                    continue
                msg = conn.check(data)
                if msg is not None:
                    try:
                        await conn.handle(msg)
                    except ProtocolError as e:
                        conn.refuse(e)
        except ConnectionClosed as e:
            if not conn.closing and conn.relay is None:
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
            if conn.relay is not None:
                rcvd = ws.protocol.close_rcvd
                await conn.relay.end(None if rcvd is None else rcvd.code,
                                     "" if rcvd is None else rcvd.reason)
            self.connections.pop(cid, None)
            self.directory.ids.release(cid)
            if not relayed:
                self.per_ip[ip] -= 1
                if self.per_ip[ip] <= 0:
                    del self.per_ip[ip]
            if conn.room is not None and conn.member is not None:
                conn.room.drop(conn.member)

    # ------------------------------------------------------------------ rooms
    def room_list(self) -> list[RoomEntry]:
        """What LIST_ROOMS answers: the public rooms of every process the board knows."""
        self.post_board()
        return [e.entry for e in self.board.listing()][:256]

    def post_board(self) -> None:
        """Tell the board what this process runs now (on every change, and each second)."""
        self.board.post(self.directory.board_entries())

    def close_room(self, room: Room, reason: str) -> None:
        """Close `room`: out of the directory (its seats end) and off the board, its players
        told `reason`."""
        room.closed = True
        self.directory.remove(room)
        if self.spool is not None:
            self.spool.drop(room.code)
        self.registry.unregister(room.code)
        self.board.release(room.code)
        self.post_board()
        self._rooms_closed += 1
        self.spawn(room.close(CloseCode.ROOM_CLOSED, reason))

    # ------------------------------------------------------------------ what rooms need
    def seat_ended(self, room: Room, member: Member, why: str) -> None:
        if self.rooms.get(room.code) is room:  # a closed room's seats ended as it closed
            self.directory.seat_ended(room.code, member, why)
            self.post_board()

    def room_failed(self, room: Room, reason: str) -> None:
        self.close_room(room, reason)

    def tick_done(self, room: Room, seconds: float) -> None:
        self.health.note_tick(seconds)
        if room.world is not None and not room.world.running:
            # the night's last tick: the room ends it (and its recording) right after
            self.chronicle.night_ended(room, room.recording)

    def record(self, room: Room, world: World, seed: int, people: set[int],
               companions: set[int]) -> Recording | None:
        return self.replays.begin(room.code, room.level, world, seed, room.hazard, people,
                                  companions, private=bool(room.password) or not room.public)

    def room_changed(self, room: Room) -> None:
        if self.spool is not None and self.rooms.get(room.code) is room:
            self.spool.save(room.card(os.getpid()))

    # ------------------------------------------------------------------ surviving a crash
    async def take_up(self, mine: Callable[[str], bool] = lambda code: True) -> list[Room]:
        """Run here the rooms whose process stopped without closing them (their cards are
        orphans in the spool; `mine` says which codes this process runs): each night under
        way re-simulated from its replay (from its checkpoint, when it has one that holds)
        and played on, every seat held for its player's token. A room the board says
        another running node holds now (`Board.reclaim`) is not taken up, and its card
        dropped; one that cannot be taken up is logged once and its card dropped.
        Re-simulating blocks this process for a few milliseconds per second of night
        since the checkpoint (a few percent of the night without one); at start it is done
        before this process serves anyone."""
        if self.spool is None:
            return []
        out = []
        for card in self.spool.orphans(mine):
            if card.code in self.rooms:
                continue
            if not await self.board.reclaim(card.code):
                log.warning("room %s runs on another server now: its card here is dropped",
                            card.code)
                self.spool.drop(card.code)
                continue
            try:
                room = self._take_up(card)
            except (ReplayError, ValueError, OSError, UnknownLevel) as e:
                log.error("room %s could not be taken up after its process stopped (%s)",
                          card.code, e)
                self.spool.drop(card.code)
                self.board.release(card.code)
                self.board.settled(card.code)
                continue
            self.directory.add(room)
            self.registry.adopt(room.code, room.creator_address)
            self.seating.lost.pop(room.code, None)
            for member in room.members.values():
                self.directory.seat(room.code, member, taken_up=True)
            self.spool.save(room.card(os.getpid()))
            self.post_board()
            self.board.settled(room.code)
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
            checkpoint = self.spool.checkpoint(card.code) if self.spool is not None else None
            night = self.replays.take_up(card.code, card.replay, levels[card.level_index],
                                         checkpoint)
        return Room.take_up(self, card, levels, night)

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
        self.seating.expel(room, member, reason)

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
            if conn.closing or conn.relay is not None:  # a relayed client's lifetime is
                continue                                # kept where its room runs
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
        self.registry.prune(now)
        self.post_board()
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


def _http(ws: ServerConnection, status: HTTPStatus, body: bytes,
          headers: dict[str, str] | None = None) -> Response:
    response = ws.respond(status, "")
    del response.headers["Content-Type"], response.headers["Content-Length"]
    headers = {"Content-Type": "text/plain; charset=utf-8", **(headers or {})}
    if status is not HTTPStatus.NOT_MODIFIED:  # a 304 has no body, nor its length
        headers["Content-Length"] = str(len(body))
    for name, value in headers.items():
        response.headers[name] = value
    response.body = body
    return response


def _peer_of(ws: ServerConnection) -> tuple[str, int]:
    peer = ws.remote_address
    return (str(peer[0]), int(peer[1])) if peer else ("?", 0)


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
