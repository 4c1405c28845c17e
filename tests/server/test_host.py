"""The server over real websockets on 127.0.0.1: matches, rooms, reconnection, hosting,
and hostile clients answered with specific close codes while others play on."""

from __future__ import annotations

import asyncio
from typing import Any

import msgpack
import numpy as np
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from game.net.records import input_values
from game.net.schema import PROTOCOL_VERSION, CloseCode, Kind, encode
from game.net.snapshot import Mirror
from game.remote import Remote, RemoteError
from game.sim.intent import Intent
from game.swarm import swarm
from server.host import Host
from tests.server.conftest import Clock, serve_and, until


async def closed_with(ws: ClientConnection, within: float = 5.0) -> tuple[int, str]:
    """Read until the server closes; its close code and reason."""
    try:
        async with asyncio.timeout(within):
            while True:
                await ws.recv()
    except ConnectionClosed as e:
        assert e.rcvd is not None, "closed without a close frame"
        return e.rcvd.code, e.rcvd.reason
    raise AssertionError("not closed")


async def raw(url: str) -> ClientConnection:
    return await connect(url, compression=None, max_size=1 << 21)


async def hello(ws: ClientConnection) -> None:
    await ws.send(encode(Kind.HELLO, {"version": PROTOCOL_VERSION, "name": "raw"}))
    await ws.recv()


async def playing(url: str, name: str = "host", **room: Any) -> tuple[Remote, str, Mirror]:
    """A player who created a bot-filled room, started its match and closed the story card
    (sent a first input, standing still), so the night's clock runs."""
    r = await Remote.connect(url, name)
    joined = await r.create_room(**{"bot_fill": True, "max_dreamers": 4, **room})
    await r.send(Kind.START)
    start = await r.expect(Kind.MATCH_START)
    await r.send(Kind.INPUT, input_values(1, Intent(), 0))
    return r, joined["code"], Mirror(start["state"])


class Counter:
    """Counts a remote's snapshots in the background."""

    def __init__(self, remote: Remote, mirror: Mirror) -> None:
        self.remote, self.mirror, self.snapshots = remote, mirror, 0
        self.task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        try:
            while True:
                msg = await self.remote.recv()
                if msg.kind is Kind.SNAPSHOT:
                    self.mirror.apply(msg)
                    self.snapshots += 1
        except RemoteError:
            pass


# ------------------------------------------------------------------ playing
def test_network_bots_play_a_whole_match() -> None:
    async def go(host: Host, url: str) -> None:
        bots = asyncio.get_running_loop().create_task(
            swarm(url, 2, seconds=600.0, level="first-retreat"))
        await until(lambda: host.metrics.value("dreamlayer_matches_total", outcome="dawn")
                    + host.metrics.value("dreamlayer_matches_total", outcome="sealed")
                    + host.metrics.value("dreamlayer_matches_total", outcome="fracture"),
                    "the night to end", within=60)
        (room,) = host.rooms.values()
        ticks = host.metrics.value("dreamlayer_tick_seconds_count")
        await until(lambda: all(c.flushed for c in host.connections.values()),
                    "the results to be sent")
        host.close_room(room, "the night is over")  # the bots stop when their room closes
        stats = await bots
        for s in stats:
            assert s.matches == 1 and len(s.outcomes) == 1, s.summary()
            assert s.snapshots and s.inputs and s.ack_ms, s.summary()
            assert s.ended.startswith("The room was closed"), s.ended
        # every tick of the night was run: 3 s of night at 30 ticks a second
        assert ticks >= 90

    serve_and(go, night_seconds=3)


def test_a_client_rebuilds_the_servers_paint_grid_cell_for_cell(
        paint_history: dict[int, np.ndarray]) -> None:
    history = paint_history

    async def go(host: Host, url: str) -> None:
        r, _, mirror = await playing(url, hazard=3)
        compared = 0
        for seq in range(2, 62):
            msg = await r.expect(Kind.SNAPSHOT)
            mirror.apply(msg)
            assert (mirror.codes == history[msg["tick"]]).all()
            compared += 1
            # the player paints as it walks (the companion bot follows the player's lead)
            await r.send(Kind.INPUT, input_values(seq, Intent(move=(1.0, 0.2), aim=(24.0, 0.0),
                                                              paint=True), msg["tick"]))
        painted = int(np.count_nonzero(mirror.state == 1)) + int(
            np.count_nonzero(mirror.state == 2))
        assert compared == 60 and painted > 0

    serve_and(go)


def test_reconnecting_reclaims_the_same_dreamer_and_stale_tokens_are_refused() -> None:
    async def go(host: Host, url: str) -> None:
        a = await Remote.connect(url, "Jade")
        joined = await a.create_room(bot_fill=True, max_dreamers=2)
        await a.send(Kind.START)
        dreamer = (await a.expect(Kind.MATCH_START))["dreamer"]
        seat = host.rooms[joined["code"]].members[joined["player"]]
        await a.close()
        await until(lambda: seat.conn is None, "the server to notice the drop")
        back = await Remote.connect(url, "Jade")
        again = await back.join_room(joined["code"], token=joined["token"])
        # the token lasts as long as the seat (a lost JOINED can be tried again)
        assert again["token"] == joined["token"]
        assert again["hold_seconds"] == host.config.reconnect_seconds
        assert (await back.expect(Kind.MATCH_START))["dreamer"] == dreamer
        await back.expect(Kind.SNAPSHOT)
        # a token from another room is refused, saying whose it is
        other = await Remote.connect(url, "Liam")
        elsewhere = await other.create_room()
        ws = await raw(url)
        await hello(ws)
        await ws.send(encode(Kind.JOIN_ROOM, {"code": elsewhere["code"], "password": "",
                                              "spectate": False, "token": joined["token"]}))
        code, reason = await closed_with(ws)
        assert code == CloseCode.STALE_TOKEN and f"room {joined['code']}'s" in reason
        # once its player has left, the seat has ended and the token is spent
        await back.send(Kind.LEAVE)
        room = host.rooms[joined["code"]]
        async with asyncio.timeout(10):
            while again["player"] in room.members:
                await asyncio.sleep(0.02)
        ws = await raw(url)
        await hello(ws)
        await ws.send(encode(Kind.JOIN_ROOM, {"code": joined["code"], "password": "",
                                              "spectate": False, "token": joined["token"]}))
        code, reason = await closed_with(ws)
        assert code == CloseCode.STALE_TOKEN and "seat has ended" in reason

    serve_and(go)


def test_passwords_full_rooms_and_wrong_codes_are_told_not_fatal() -> None:
    async def go(host: Host, url: str) -> None:
        a = await Remote.connect(url, "Mira")
        code = (await a.create_room(password="moon", max_dreamers=2, bot_fill=False))["code"]
        b = await Remote.connect(url, "Liam")
        with pytest.raises(RemoteError, match="wrong password") as err:
            await b.join_room(code, password="sun")
        assert err.value.code == 403
        with pytest.raises(RemoteError, match="no room with code"):
            await b.join_room("ZZZZZ")
        assert (await b.join_room(code, password="moon"))["code"] == code
        c = await Remote.connect(url, "Jade")
        with pytest.raises(RemoteError, match="full"):
            await c.join_room(code, password="moon")
        listed = await c.send(Kind.LIST_ROOMS)
        assert listed > 0
        rooms = (await c.expect(Kind.ROOM_LIST))["rooms"]
        assert [r[0] for r in rooms] == [code] and rooms[0][5] is True  # locked

    serve_and(go)


def test_the_host_can_kick_and_chat_reaches_the_room_cleaned() -> None:
    async def go(host: Host, url: str) -> None:
        a = await Remote.connect(url, "Mira")
        code = (await a.create_room(bot_fill=False))["code"]
        b = await Remote.connect(url, "Ethan's fan")
        joined = await b.join_room(code)
        await a.send(Kind.CHAT, {"text": "together\x00\x07 we\n paint " + "!" * 150})
        msg = await b.expect(Kind.CHAT_MSG)
        assert msg["name"] == "Mira"
        assert msg["text"].startswith("together we paint !")
        assert len(msg["text"]) == host.config.max_chat_length
        await a.send(Kind.KICK, {"player": joined["player"]})
        with pytest.raises(RemoteError, match="kicked") as err:
            await b.expect(Kind.SNAPSHOT)
        assert err.value.code == CloseCode.KICKED

    serve_and(go)


def test_an_empty_room_closes_after_its_grace_period() -> None:
    clock = Clock()

    async def go(host: Host, url: str) -> None:
        a = await Remote.connect(url, "Mira")
        code = (await a.create_room())["code"]
        room = host.rooms[code]
        await a.close()
        await until(lambda: room.empty_since is not None, "the room to be empty")
        clock.advance(29)
        host.sweep()
        assert host.rooms == {code: room}
        clock.advance(2)
        host.sweep()
        assert host.rooms == {} and room.closed

    serve_and(go, clock=clock, empty_room_grace_seconds=30)


# ------------------------------------------------------------------ hosting
async def http_get(port: int, path: str) -> tuple[int, dict[str, str], str]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    await writer.drain()
    head = (await reader.readuntil(b"\r\n\r\n")).decode()
    status = int(head.split()[1])
    headers = {k.lower(): v.strip() for k, v in
               (line.split(":", 1) for line in head.split("\r\n")[1:] if ":" in line)}
    body = await reader.readexactly(int(headers["content-length"]))
    writer.close()
    return status, headers, body.decode()


def test_shutdown_tells_every_client_why() -> None:
    async def go(host: Host, url: str) -> None:
        r, _, _ = await playing(url)
        await host.shutdown("maintenance at dawn")
        with pytest.raises(RemoteError, match="shut down: maintenance at dawn") as err:
            while True:
                await r.recv()
        assert err.value.code == CloseCode.GOING_AWAY

    serve_and(go)


def test_connections_per_address_are_capped() -> None:
    async def go(host: Host, url: str) -> None:
        keep = [await raw(url) for _ in range(2)]
        with pytest.raises(Exception, match="503"):
            await raw(url)
        for ws in keep:
            await ws.close()

    serve_and(go, max_connections_per_ip=2)


# ------------------------------------------------------------------ hostile clients
def _nested(depth: int) -> bytes:
    return b"\x91" * depth + b"\x01"


HOSTILE_BEFORE_HELLO = [
    ("random bytes", b"\xc1\xff\x00\x13garbage", CloseCode.MALFORMED),
    ("truncated", encode(Kind.HELLO, {"version": 1, "name": "cut"})[:5], CloseCode.MALFORMED),
    ("deeply nested", _nested(1000), CloseCode.MALFORMED),
    ("not an array", msgpack.packb({"hello": 1}), CloseCode.MALFORMED),
    ("unknown message", msgpack.packb([99, 1]), CloseCode.MALFORMED),
    ("wrong types", msgpack.packb([1, "1", 5]), CloseCode.BAD_MESSAGE),
    ("wrong field count", msgpack.packb([1, 1]), CloseCode.BAD_MESSAGE),
    ("wrong phase", encode(Kind.INPUT, {"seq": 1, "seen_tick": 0, "move_x": 0.0,
                                        "move_y": 0.0, "aim_x": 0.0, "aim_y": 0.0,
                                        "buttons": 0, "ping": 0}),
     CloseCode.WRONG_PHASE),
    ("server's message", encode(Kind.PONG, {"t": 1}), CloseCode.WRONG_PHASE),
    ("old version", msgpack.packb([1, 99, "time traveller"]), CloseCode.VERSION_MISMATCH),
    ("protocol 1", msgpack.packb([1, 1, "last year's build"]), CloseCode.VERSION_MISMATCH),
    ("huge", msgpack.packb([9, "x" * 20000]), CloseCode.TOO_BIG),
]


def test_hostile_clients_get_specific_close_codes_while_a_match_plays_on() -> None:
    async def go(host: Host, url: str) -> None:
        good, code, mirror = await playing(url, name="steady")
        watch = Counter(good, mirror)
        await until(lambda: watch.snapshots, "the first snapshots")
        before = watch.snapshots
        answers: dict[str, int] = {}
        for label, data, expected in HOSTILE_BEFORE_HELLO:
            ws = await raw(url)
            await ws.send(data)
            answers[label] = (await closed_with(ws))[0]
            assert answers[label] == expected, (label, answers[label])
        # a text frame
        ws = await raw(url)
        await ws.send("hello?")
        assert (await closed_with(ws))[0] == CloseCode.MALFORMED
        # a flood of pings
        ws = await raw(url)
        await hello(ws)
        for t in range(400):
            await ws.send(encode(Kind.PING, {"t": t}))
        assert (await closed_with(ws))[0] == CloseCode.FLOOD
        # a player in the same room sending NaN, then one sending a wrong-phase message
        ws = await raw(url)
        await hello(ws)
        await ws.send(encode(Kind.JOIN_ROOM, {"code": code, "password": "", "spectate": False,
                                              "token": ""}))
        await ws.send(msgpack.packb([8, 1, 0, float("nan"), 0.0, 0.0, 0.0, 0, 0]))
        assert (await closed_with(ws))[0] == CloseCode.BAD_MESSAGE
        ws = await raw(url)
        await hello(ws)
        await ws.send(encode(Kind.JOIN_ROOM, {"code": code, "password": "", "spectate": True,
                                              "token": ""}))
        await ws.send(encode(Kind.HELLO, {"version": 1, "name": "twice"}))
        assert (await closed_with(ws))[0] == CloseCode.WRONG_PHASE
        # an out-of-range input from a player: clamped by the schema's ranges -> refused
        ws = await raw(url)
        await hello(ws)
        await ws.send(encode(Kind.JOIN_ROOM, {"code": code, "password": "", "spectate": False,
                                              "token": ""}))
        await ws.send(msgpack.packb([8, 1, 0, 5.0, 0.0, 0.0, 0.0, 0, 0]))
        assert (await closed_with(ws))[0] == CloseCode.BAD_MESSAGE
        # the steady player never noticed: its snapshots keep coming
        await until(lambda: watch.snapshots >= before + 20, "snapshots to keep coming")
        assert not watch.task.done()
        assert good.ws.close_code is None
        watch.task.cancel()

    serve_and(go)


def test_a_client_that_never_reads_is_dropped_as_too_slow() -> None:
    import socket

    async def go(host: Host, url: str) -> None:
        assert host._server is not None
        for listening in host._server.sockets:  # small kernel buffers: it fills up sooner
            listening.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 2048)
        sock.connect(("127.0.0.1", host.port))
        sloth = await connect(url, sock=sock, compression=None, max_queue=1)
        await hello(sloth)
        await sloth.send(encode(Kind.CREATE_ROOM, {
            "level": "night-of-unity", "max_dreamers": 8, "password": "", "public": True,
            "hazard": 5, "bot_fill": True}))
        code = msgpack.unpackb(await sloth.recv())[1]
        steady = await Remote.connect(url, "steady")
        await steady.join_room(code, spectate=True)
        await sloth.send(encode(Kind.START, {}))
        await sloth.send(encode(Kind.INPUT, input_values(1, Intent(), 0)))  # the night runs
        mirror = Mirror((await steady.expect(Kind.MATCH_START))["state"])
        watch = Counter(steady, mirror)
        await until(lambda: host.metrics.value("dreamlayer_disconnects_total",
                                                reason="too_slow"), "the sloth to be dropped",
                    within=40)
        seen = watch.snapshots
        await until(lambda: watch.snapshots >= seen + 15, "the spectator's snapshots")
        room = host.rooms[code]
        assert room.state.name == "PLAYING"
        # its seat is held for it, played by an ally bot
        await until(lambda: [m.name for m in room.members.values() if m.conn is None]
                    == ["raw"], "the sloth's seat to be held")
        watch.task.cancel()
        sloth.transport.abort()

    serve_and(go, snapshot_every=1, slow_client_seconds=1.0)
