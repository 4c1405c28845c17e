"""Abuse a host must survive, over real websockets: room creation capped per connection and per
address and rate-limited, clients that never say HELLO or say nothing closed, abandoned rooms
that cost nothing and close, and tokens that end with their seats (100 rooms leave none).
The host's clock is moved by hand where a rule is about time. Every test runs against one
process and against a host of two workers behind a supervisor (the caps are the whole
host's, and a client whose room is in the other worker is relayed there)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from websockets.asyncio.client import ClientConnection

from game.net.records import input_values
from game.net.schema import Kind, encode
from game.remote import Remote, RemoteError
from game.sim.intent import Intent
from server.host import Host
from server.lifetimes import TIMED_OUT
from server.room import Room
from tests.server.conftest import Clock, serve_and, until
from tests.server.test_host import closed_with, hello, raw

pytestmark = pytest.mark.parametrize("workers", [1, 2], ids=["one_process", "two_workers"])


async def create_and_leave(r: Remote, **room: object) -> str:
    """Create a room and go back to the lobby (the room stays open, empty, for its grace).
    Its roster is read first: a LOBBY still on its way would cross the LEAVE."""
    code = str((await r.create_room(**room))["code"])  # type: ignore[arg-type]
    await r.expect(Kind.LOBBY)
    await r.send(Kind.LEAVE)
    return code


def paused(room: Room) -> Callable[[], bool]:
    return lambda: room.paused


def emptied(room: Room) -> Callable[[], bool]:
    return lambda: not room.connected() or room.closed


def rejected(host: Host, reason: str) -> float:
    return host.metrics.value("dreamlayer_messages_rejected_total", reason=reason)


# ------------------------------------------------------------------ room caps
def test_one_connection_cannot_keep_more_rooms_open_than_its_cap(workers: int) -> None:
    async def go(host: Host, url: str) -> None:
        r = await Remote.connect(url, "Hoarder")
        await create_and_leave(r)
        await create_and_leave(r)
        with pytest.raises(RemoteError, match="you already have 2 rooms open") as err:
            await r.create_room()
        assert err.value.code == 429 and len(host.rooms) == 2
        assert rejected(host, "rooms_per_connection") == 1
        honest = await Remote.connect(url, "Honest")  # anyone else still can
        assert (await honest.create_room())["code"] in host.rooms

    serve_and(go, workers=workers, rooms_per_connection=2, room_creation_burst=10)


def test_one_address_cannot_keep_more_rooms_open_than_its_cap(workers: int) -> None:
    async def go(host: Host, url: str) -> None:
        made = 0
        with pytest.raises(RemoteError, match="your address already has 5 rooms open"):
            while True:
                r = await Remote.connect(url, f"hoarder {made}")
                await create_and_leave(r)
                made += 1
                await create_and_leave(r)
                made += 1
        assert made == 5 and len(host.rooms) == 5
        assert rejected(host, "rooms_per_address") == 1

    serve_and(go, workers=workers, rooms_per_address=5, room_creation_burst=10)


def test_an_address_cannot_create_rooms_faster_than_its_rate(workers: int) -> None:
    clock = Clock()

    async def go(host: Host, url: str) -> None:
        for k in range(3):
            await create_and_leave(await Remote.connect(url, f"quick {k}"))
        r = await Remote.connect(url, "too quick")
        with pytest.raises(RemoteError, match="created too fast") as err:
            await r.create_room()
        assert err.value.code == 429 and rejected(host, "room_creation_rate") == 1
        clock.advance(10)  # 6 a minute: one more after 10 s
        assert (await r.create_room())["code"] in host.rooms

    serve_and(go, workers=workers, clock=clock, room_creations_per_minute=6, room_creation_burst=3)


# ------------------------------------------------------------------ silent clients
async def registered(host: Host, n: int) -> None:
    await until(lambda: len(host.connections) == n, f"{n} connections on the host")


def test_a_client_that_never_says_hello_is_closed(workers: int) -> None:
    clock = Clock()

    async def go(host: Host, url: str) -> None:
        mute = await raw(url)
        talker = await raw(url)
        await registered(host, 2)
        clock.advance(4.9)
        await hello(talker)
        host.sweep()
        clock.advance(0.2)
        host.sweep()
        code, reason = await closed_with(mute)
        assert (code, reason) == (TIMED_OUT, "no HELLO within 5 s of connecting")
        assert host.metrics.value("dreamlayer_disconnects_total", reason="no_hello") == 1
        assert talker.close_code is None  # it said HELLO in time
        await talker.close()

    serve_and(go, workers=workers, clock=clock, hello_seconds=5)


def test_a_silent_client_is_closed_and_pings_are_not_activity(workers: int) -> None:
    clock = Clock()

    async def go(host: Host, url: str) -> None:
        pinger = await raw(url)
        await hello(pinger)
        chooser = await raw(url)
        await hello(chooser)
        player = await Remote.connect(url, "Mira")  # in a match: idle is only idle
        await player.create_room(bot_fill=True)
        await player.send(Kind.START)
        await player.expect(Kind.MATCH_START)
        await registered(host, 3)
        for t in range(1, 12):
            clock.advance(10)
            await pinger.send(encode(Kind.PING, {"t": t}))
            await pinger.recv()  # its PONG
            if t == 6:
                await chooser.send(encode(Kind.LIST_ROOMS, {}))  # a real message
                await chooser.recv()
            host.sweep()
        code, reason = await closed_with(pinger)
        assert (code, reason) == (TIMED_OUT, "nothing but pings for 100 s")
        assert chooser.close_code is None  # heard from 50 s ago
        clock.advance(60)
        host.sweep()
        assert (await closed_with(chooser))[0] == TIMED_OUT
        assert host.metrics.value("dreamlayer_disconnects_total", reason="idle") == 2
        await registered(host, 1)
        assert player.ws.close_code is None

    serve_and(go, workers=workers, clock=clock, idle_seconds=100)


def test_in_a_room_what_changes_the_room_keeps_everyone_in_it(workers: int) -> None:
    clock = Clock()

    async def go(host: Host, url: str) -> None:
        owner = await Remote.connect(url, "Mira")
        code = (await owner.create_room())["code"]
        quiet = await Remote.connect(url, "Liam")
        await quiet.join_room(code)
        for _ in range(3):
            clock.advance(60)
            await owner.send(Kind.READY, {"ready": True})  # the room changes
            await quiet.expect(Kind.LOBBY)
            host.sweep()
        assert quiet.ws.close_code is None
        clock.advance(101)
        host.sweep()
        for r in (owner, quiet):
            with pytest.raises(RemoteError) as err:
                while True:
                    await r.recv()
            assert err.value.code == TIMED_OUT

    serve_and(go, workers=workers, clock=clock, idle_seconds=100)


# ------------------------------------------------------------------ abandoned rooms
async def night(url: str, name: str) -> tuple[Remote, dict[str, object]]:
    r = await Remote.connect(url, name)
    joined = await r.create_room(bot_fill=True, max_dreamers=8, hazard=5)
    await r.send(Kind.START)
    await r.expect(Kind.MATCH_START)
    await r.send(Kind.INPUT, input_values(1, Intent(), 0))
    return r, dict(joined.values)


def test_an_abandoned_room_costs_nothing_closes_after_its_holds_and_resumes_if_back(
        workers: int) -> None:
    clock = Clock()

    async def go(host: Host, url: str) -> None:
        a, joined = await night(url, "Mira")
        b, other_joined = await night(url, "Liam")
        room, other = host.rooms[str(joined["code"])], host.rooms[str(other_joined["code"])]
        assert room.world is not None and other.world is not None
        await until(lambda: room.world is not None and room.world.tick > 5, "the night")
        await a.close()
        await until(lambda: room.paused, "the abandoned room to pause")
        assert room.ticker is not None and not room.ticking
        frozen = room.world.tick
        now = other.world.tick
        await until(lambda: other.world is not None and other.world.tick >= now + 30,
                    "a second of the other room's night")
        assert room.world.tick == frozen  # its eight ally bots and the cadre stood still
        # back within the hold: the same night goes on
        back = await Remote.connect(url, "Mira")
        await back.join_room(str(joined["code"]), token=str(joined["token"]))
        await until(lambda: room.world is not None and room.world.tick > frozen,
                    "the night to resume")
        await back.close()
        await until(lambda: room.paused, "the room to pause again")
        clock.advance(31)  # past the empty grace, not past the 60 s hold: still open
        host.sweep()
        assert not room.closed
        clock.advance(30)
        host.sweep()
        assert room.closed and room.code not in host.rooms
        assert set(host.tokens.values()) == {(other.code, other_joined["player"])}
        assert not other.closed and b.ws.close_code is None

    serve_and(go, workers=workers, clock=clock, empty_room_grace_seconds=30, reconnect_seconds=60)


# ------------------------------------------------------------------ tokens
def test_a_hundred_rooms_created_and_closed_leave_no_token(workers: int) -> None:
    clock = Clock()

    async def go(host: Host, url: str) -> None:
        for k in range(100):
            owner = await Remote.connect(url, "Mira")
            code = str((await owner.create_room(bot_fill=False, max_dreamers=2))["code"])
            guest = await Remote.connect(url, "Liam")
            guest_id = (await guest.join_room(code))["player"]
            room = host.rooms[code]
            assert len(host.tokens) == 2
            way = k % 5
            if way == 0:  # both leave
                await guest.send(Kind.LEAVE)
                await owner.send(Kind.LEAVE)
            elif way == 1:  # both drop in the lobby
                await guest.close()
                await owner.close()
            elif way == 2:  # a kick, then the owner leaves
                await owner.send(Kind.KICK, {"player": guest_id})
                await owner.send(Kind.LEAVE)
            elif way == 3:  # both drop in a match: seats held, then run out
                await owner.send(Kind.START)
                await owner.expect(Kind.MATCH_START)
                await guest.close()
                await owner.close()
                await until(paused(room), "the held room to pause")
                clock.advance(61)
            else:  # the room is closed under them
                host.close_room(room, "closing time")
            await until(emptied(room), "the room to empty")
            clock.advance(1)
            host.sweep()
            assert room.closed and host.tokens == {}, (k, host.tokens)
            for r in (owner, guest):
                await r.close()
        await until(lambda: not host.connections, "every connection to end")
        assert host.rooms == {} and host.tokens == {} and len(host.directory.ids) == 0

    serve_and(go, workers=workers, clock=clock, empty_room_grace_seconds=0, reconnect_seconds=60,
              rooms_per_address=1000, room_creation_burst=1000, timeout=120)


def test_a_spent_seat_token_cannot_be_replayed_after_a_leave(workers: int) -> None:
    async def go(host: Host, url: str) -> None:
        owner = await Remote.connect(url, "Mira")
        code = str((await owner.create_room())["code"])
        guest = await Remote.connect(url, "Liam")
        token = (await guest.join_room(code))["token"]
        await guest.send(Kind.LEAVE)
        await until(lambda: len(host.tokens) == 1, "the guest's token to be forgotten")
        ws: ClientConnection = await raw(url)
        await hello(ws)
        await ws.send(encode(Kind.JOIN_ROOM, {"code": code, "password": "", "spectate": False,
                                              "token": token}))
        assert (await closed_with(ws))[0] == 4007

    serve_and(go, workers=workers)

