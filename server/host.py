"""The dedicated host: websockets' asyncio server, the rooms, health and metrics.

`Host(config).serve()` listens on `config.host:config.port` with
`websockets.asyncio.server.serve`. The same port answers plain HTTP `GET /healthz` (JSON)
and `GET /metrics` (Prometheus text). Connections beyond `max_connections`, or beyond
`max_connections_per_ip` from one address, are refused at the handshake with HTTP 503.
`shutdown()` (wired to SIGTERM and SIGINT by `run()`) stops accepting, closes every
connection with 1001 and a reason, and returns within seconds.

Imports game.net, game.retreats and the rest of the server package.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import signal
import time
from collections import Counter as Tally
from collections import OrderedDict, deque
from collections.abc import Coroutine
from http import HTTPStatus
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from game.net.records import RoomEntry
from game.net.schema import CloseCode, Kind, Message, ProtocolError
from game.percentile import percentile
from game.retreats import UnknownLevel, campaign, level_names, load_retreat
from game.tmx import LevelError
from server.config import ServerConfig
from server.connection import Connection
from server.metrics import ServerMetrics
from server.room import Member, Room, RoomState, new_code, new_token

__all__ = ["Host", "run"]

log = logging.getLogger("dreamlayer.host")

_ENDED_TOKENS = 1024
"""how many forgotten reconnect tokens the host remembers the end of (for the 4007 reason)"""


class Host:
    """Everything one server process holds: connections, rooms, reconnect tokens."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.metrics = ServerMetrics()
        self.rooms: dict[str, Room] = {}
        self.tokens: dict[str, tuple[str, int]] = {}
        """reconnect token -> (room code, member id)"""
        self.ended_tokens: OrderedDict[str, str] = OrderedDict()
        """the last forgotten tokens -> why they no longer open a seat (for the 4007 reason)"""
        self.connections: dict[int, Connection] = {}
        self.per_ip: Tally[str] = Tally()
        self._next_id = 1
        self._server: Server | None = None
        self._janitor: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.started = time.monotonic()
        self.stopping = False
        self.tick_times: deque[float] = deque(maxlen=3000)
        """the last ticks' durations over all rooms, for /healthz"""
        self.levels = campaign()
        for lv in self.levels:
            lv.district_labels  # noqa: B018  (worked out now, not when a room starts)
        m = self.metrics
        m.rooms.set_function(lambda: float(len(self.rooms)))
        m.connections.set_function(lambda: float(len(self.connections)))
        m.dreamers.set_function(lambda: float(sum(r.dreamer_count() for r in self.rooms.values())))
        m.spectators.set_function(
            lambda: float(sum(len(r.spectators) for r in self.rooms.values())))

    # ------------------------------------------------------------------ serving
    async def start(self) -> Server:
        """Start listening; returns the websockets Server (its sockets tell the port)."""
        cfg = self.config
        self._server = await serve(
            self.handler, cfg.host, cfg.port, compression=None, max_size=cfg.max_message_bytes,
            max_queue=16, write_limit=16384, ping_interval=cfg.ping_interval_seconds,
            ping_timeout=cfg.ping_timeout_seconds,
            process_request=self.process_request, server_header="Dreamlayer")
        self._janitor = asyncio.get_running_loop().create_task(self._sweep(), name="janitor")
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
        self.rooms.clear()
        if self._janitor is not None:
            self._janitor.cancel()
        if self._server is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._server.wait_closed(), timeout=5.0)

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run a short job (a close, a room shutdown) without waiting for it, keeping a
        reference until it is done."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ------------------------------------------------------------------ HTTP side
    def process_request(self, ws: ServerConnection, request: Request) -> Response | None:
        path = request.path.split("?", 1)[0]
        if path == "/healthz":
            return _http(ws, HTTPStatus.OK, json.dumps(self.health()), "application/json")
        if path == "/metrics":
            return _http(ws, HTTPStatus.OK, self.metrics.render(),
                         "text/plain; version=0.0.4; charset=utf-8")
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

    def health(self) -> dict[str, Any]:
        return {
            "status": "stopping" if self.stopping else "ok",
            "name": self.config.name,
            "uptime_seconds": round(time.monotonic() - self.started, 1),
            "rooms": len(self.rooms),
            "playing": sum(1 for r in self.rooms.values() if r.state is RoomState.PLAYING),
            "connections": len(self.connections),
            "dreamers": sum(r.dreamer_count() for r in self.rooms.values()),
            "spectators": sum(len(r.spectators) for r in self.rooms.values()),
            "levels": [lv.name for lv in self.levels],
            "tick_ms": _quantiles(self.tick_times),
            "tick_lag_ms_max": round(max((r.lag for r in self.rooms.values()), default=0.0)
                                     * 1000, 2),
            "rooms_behind": sum(1 for r in self.rooms.values()
                                if r.state is RoomState.PLAYING
                                and r.lag > 2.0 / self.config.tick_rate),
        }

    # ------------------------------------------------------------------ websocket side
    async def handler(self, ws: ServerConnection) -> None:
        cid = self._next_id
        self._next_id = self._next_id % 65535 + 1
        ip = _ip_of(ws)
        conn = Connection(self, ws, cid, ip)
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
            self.per_ip[ip] -= 1
            if self.per_ip[ip] <= 0:
                del self.per_ip[ip]
            if conn.room is not None and conn.member is not None:
                conn.room.drop(conn.member)

    # ------------------------------------------------------------------ rooms
    def room_list(self) -> list[RoomEntry]:
        out = []
        for r in self.rooms.values():
            if not r.public or r.closed:
                continue
            owner = r.members.get(r.owner)
            out.append(RoomEntry(r.code, (owner.name if owner else "")[:32], r.level.name,
                                 r.dreamer_count(), r.max_dreamers, bool(r.password),
                                 r.state is not RoomState.LOBBY))
        return out[:256]

    def create_room(self, conn: Connection, msg: Message) -> None:
        cfg = self.config
        if len(self.rooms) >= cfg.max_rooms:
            conn.error("the server has no room for another room", 503)
            return
        if cfg.password and msg["password"] != cfg.password:
            conn.error("creating rooms on this server needs the server's password "
                       "(as the room password)", 403)
            return
        try:
            levels = self._levels_from(msg["level"])
        except (UnknownLevel, LevelError) as e:
            conn.error(str(e), 404)
            return
        code = new_code(lambda c: c in self.rooms)
        owner = Member(conn.id, conn.name, conn, new_token())
        room = Room(self, code, owner, password="" if cfg.password else msg["password"],
                    max_dreamers=min(msg["max_dreamers"], cfg.max_players_per_room),
                    public=msg["public"], hazard=msg["hazard"] or cfg.hazard,
                    bot_fill=msg["bot_fill"] and cfg.bot_fill,
                    levels=levels)
        room.members.clear()
        self.rooms[code] = room
        room.add(owner)
        self._seat(conn, room, owner)
        log.info("room %s created by %s (%s)", code, conn.name, room.level.title)

    def join_room(self, conn: Connection, msg: Message) -> None:
        token = msg["token"]
        code = msg["code"].strip().upper()
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
        self.tokens[member.token] = (room.code, member.id)
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
        seat = self.tokens.get(token)
        if seat is None:
            raise ProtocolError(CloseCode.STALE_TOKEN, self.ended_tokens.get(
                token, "unknown reconnect token (never given out here, or its seat ended "
                       "long ago)"))
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

    def forget_token(self, token: str, why: str = "that seat has ended") -> None:
        """The seat of `token` has ended: the token opens nothing any more, and a later try
        with it is told `why`."""
        self.tokens.pop(token, None)
        self.ended_tokens[token] = why
        while len(self.ended_tokens) > _ENDED_TOKENS:
            self.ended_tokens.popitem(last=False)

    def kick(self, conn: Connection, room: Room, member: Member, target_id: int) -> None:
        if member.id != room.owner:
            conn.error("only the room's host can kick", 403)
            return
        target = room.members.get(target_id)
        if target is None or target is member:
            conn.error("no such player to kick", 404)
            return
        self.forget_token(target.token, f"its player was kicked from room {room.code}")
        tconn = target.conn
        room.remove(target, "kicked")
        if tconn is not None:
            tconn.room, tconn.member = None, None
            self.spawn(tconn.close(CloseCode.KICKED, "kicked by the room's host"))

    def close_room(self, room: Room, reason: str) -> None:
        self.rooms.pop(room.code, None)
        for m in room.members.values():
            self.forget_token(m.token, f"room {room.code} has closed ({reason})")
        self.spawn(room.close(CloseCode.ROOM_CLOSED, reason))

    def _levels_from(self, name: str) -> list[Any]:
        if not name:
            return list(self.levels)
        if name not in level_names():
            load_retreat(name)  # raises UnknownLevel with the list of levels
        names = [lv.name for lv in self.levels]
        return self.levels[names.index(name):]

    async def _sweep(self) -> None:
        """Close rooms that stayed empty past the grace period; expire held seats."""
        while True:
            await asyncio.sleep(1.0)
            now = time.monotonic()
            for room in list(self.rooms.values()):
                if room.empty_since is not None and not room.connected() and \
                        now - room.empty_since > self.config.empty_room_grace_seconds:
                    log.info("room %s closed: empty for %.0f s", room.code,
                             now - room.empty_since)
                    self.close_room(room, "the room was empty")


def _quantiles(values: deque[float]) -> dict[str, float]:
    """p50, p99 and max in milliseconds of recent tick durations."""
    if not values:
        return {"p50": 0.0, "p99": 0.0, "max": 0.0, "samples": 0}
    return {"p50": round(percentile(values, 50) * 1000, 3),
            "p99": round(percentile(values, 99) * 1000, 3),
            "max": round(max(values) * 1000, 3), "samples": len(values)}


def _http(ws: ServerConnection, status: HTTPStatus, body: str,
          content_type: str = "text/plain; charset=utf-8") -> Response:
    response = ws.respond(status, body)
    response.headers["Content-Type"] = content_type
    return response


def _ip_of(ws: ServerConnection) -> str:
    peer = ws.remote_address
    return str(peer[0]) if peer else "?"


async def run(config: ServerConfig) -> None:
    """Serve until SIGTERM or SIGINT, then shut down cleanly."""
    host = Host(config)
    await host.start()
    stop: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def on_signal(signum: int) -> None:
        if not stop.done():
            stop.set_result(signum)

    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            asyncio.get_running_loop().add_signal_handler(sig, on_signal, int(sig))
    signum = await stop
    await host.shutdown(f"the server is shutting down ({signal.Signals(signum).name})")

