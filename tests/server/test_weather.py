"""Stalls are weather, not abuse: stale inputs are dropped, a burst after a stall is the
catch-up it is, and a player whose network stalls for 15 s is still playing after it.

The room-level rules run without sockets (a Host that never listens); the stalls run with a
real host, real clients and `tests.proxy.Proxy` between them on 127.0.0.1."""

from __future__ import annotations

import asyncio
import time

from game.client.link import Link
from game.client.online import Online
from game.net.records import Buttons, input_values
from game.net.schema import Kind, Message
from game.remote import Remote
from game.sim.intent import Intent
from game.sim.level import Level, Realm
from game.sim.roles import Role
from game.sim.world import World
from server.host import Host
from server.room import Member, Pending, Room, RoomState
from tests.proxy import Proxy
from tests.server.conftest import Site, serve_and, until
from tests.server.netplay import bot_playing

STALL_SECONDS = 15.0


# ---------------------------------------------------------------- the rules, no sockets
def a_room(level: Level) -> tuple[Room, Member, World]:
    """A room playing a match on `level` with one seated member (no connection needed)."""
    member = Member(1, "Mira", None, "token")
    room = Room(Site(), "ABCDE", password="", max_dreamers=1, public=False, hazard=1,
                bot_fill=False, levels=[level])
    room.members[member.id] = member
    world = World(level, seed=1)
    member.dreamer = world.add_dreamer(Realm.SANCTUARY, Role.ARCHITECT, "Mira")
    room.world, room.state = world, RoomState.PLAYING
    return room, member, world


def pending(seq: int, seen_tick: int, move: float = 1.0, buttons: int = 0) -> Pending:
    return Pending(seq, seen_tick, (move, 0.0), (10.0, 0.0), buttons, 0)


def step(room: Room, member: Member, world: World) -> Intent:
    """One tick as the room plays it; the intent the member's dreamer got."""
    intent = room._input_of(member).intent()
    world.step({member.dreamer: intent})
    return intent


def test_inputs_are_applied_in_order_and_old_or_repeated_ones_are_dropped(field: Level) -> None:
    room, m, world = a_room(field)
    assert room.take_input(m, pending(1, 0)) and room.take_input(m, pending(2, 0))
    assert not room.take_input(m, pending(2, 0))  # already waiting
    assert step(room, m, world).move == (1.0, 0.0) and m.last_seq == 1
    assert step(room, m, world).move == (1.0, 0.0) and m.last_seq == 2
    assert not room.take_input(m, pending(1, world.tick))  # already applied
    assert not room.take_input(m, pending(2, world.tick))
    assert room.take_input(m, pending(3, world.tick, move=-1.0))
    assert step(room, m, world).move == (-1.0, 0.0) and m.last_seq == 3


def test_inputs_made_on_a_picture_older_than_two_seconds_are_dropped(field: Level) -> None:
    room, m, world = a_room(field)
    limit = 2 * room.site.config.tick_rate
    for _ in range(limit + 5):
        world.step({})
    now = world.tick
    assert not room.take_input(m, pending(1, now - limit - 1))
    assert room.take_input(m, pending(2, now - limit))  # two seconds: still fresh enough
    assert not room.take_input(m, pending(3, now + 1))  # a tick this night has not had
    assert room.take_input(m, pending(4, now))


def test_after_a_stall_the_held_back_burst_is_dropped_and_the_newest_inputs_play(
        field: Level) -> None:
    room, m, world = a_room(field)
    assert room.take_input(m, pending(1, 0, buttons=Buttons.PAINT))
    step(room, m, world)
    seen = world.tick
    # the network stalls for 15 s: the room plays on without this player's inputs
    coasting = [step(room, m, world) for _ in range(int(STALL_SECONDS * 30))]
    assert coasting[0].move == (1.0, 0.0) and coasting[0].paint  # a late packet: keep going
    assert coasting[-1] == Intent()  # then it stands still, brush down
    # then the inputs made during the stall arrive at once, with a shove pressed in them
    burst = [room.take_input(m, pending(seq, seen, move=-1.0, buttons=Buttons.SHOVE))
             for seq in range(2, 2 + int(STALL_SECONDS * 30))]
    assert not any(burst)
    assert m.last_seq == 1 and not m.inputs
    # the first inputs made after the client saw the dream again are played at once
    fresh = 2 + int(STALL_SECONDS * 30)
    assert room.take_input(m, pending(fresh, world.tick - 3, move=0.5))
    assert step(room, m, world) == Intent(move=(0.5, 0.0), aim=(10.0, 0.0))
    assert m.last_seq == fresh


def test_a_member_that_came_back_numbers_its_inputs_afresh(field: Level) -> None:
    room, m, world = a_room(field)
    for seq in (1, 2, 3):
        room.take_input(m, pending(seq, world.tick))
        step(room, m, world)
    assert m.last_seq == 3
    room.reclaim(m, m.conn)  # type: ignore[arg-type]  # no socket in this test
    assert m.last_seq == 0 and m.last_input is None
    assert step(room, m, world) == Intent()  # stands still until its first input
    assert room.take_input(m, pending(1, world.tick))
    assert step(room, m, world).move == (1.0, 0.0)


# ---------------------------------------------------------------- the weather, real sockets
def test_a_15_second_stall_does_not_cost_a_bot_player_its_seat() -> None:
    """A link that outlives the stall (no client keepalive): everything held back arrives at
    once, the server takes it as catch-up, drops what is stale, and play goes on."""

    async def go(host: Host, url: str) -> None:
        proxy = await Proxy(host.port).start()
        try:
            bot = await bot_playing(host, proxy.url, "Wi-Fi", ping=False)
            member = bot.member
            await until(lambda: member.last_seq > 30, "inputs applied before the stall", 20)
            conn = member.conn
            proxy.stall()
            await asyncio.sleep(STALL_SECONDS)  # the weather: 15 s of it
            sent_in_stall = bot.stats.inputs
            proxy.resume()
            await until(lambda: member.last_seq > sent_in_stall,
                        "an input made after the stall applied", 20)
            assert member.conn is conn and conn is not None and not conn.closing
            assert bot.line.reconnects == 0 and not bot.task.done()
            assert host.metrics.value(
                "dreamlayer_disconnects_total", reason="flood") == 0
            assert host.metrics.value(
                "dreamlayer_messages_rejected_total", reason="stale_input") > 0
            assert bot.stats.dreamers == [member.dreamer]
            await bot.stop()
        finally:
            await proxy.close()

    serve_and(go)


def test_a_15_second_stall_shows_the_client_reconnecting_then_the_same_dreamer_plays_on(
        ) -> None:
    """The pygame client's link notices the silence (its keepalive), says it is
    reconnecting, and is back in its seat when the network returns."""

    async def go(host: Host, url: str) -> None:
        proxy = await Proxy(host.port).start()
        link = Link()
        online = Online(link)

        async def create(remote: Remote) -> Message:
            joined = await remote.create_room(max_dreamers=1, bot_fill=False)
            await remote.send(Kind.START)
            return joined

        seq = 0
        seen = {"reconnecting": 0, "errors": 0}

        def pump() -> bool:
            """What the match scene does each frame: read, and send an input while not
            reconnecting."""
            nonlocal seq
            for name in online.pump():
                seen["errors"] += name == "error"
            seen["reconnecting"] = max(seen["reconnecting"], online.reconnecting)
            if online.match is not None and not online.reconnecting:
                seq += 1
                link.send(Kind.INPUT, input_values(seq, Intent(move=(0.3, 0.0)),
                                                   online.match.mirror.tick))
            return True

        try:
            link.connect(proxy.url, "Mira", create)
            await until(lambda: pump() and online.match is not None
                        and online.match.mirror.tick > 30, "playing", 20)
            first = online.match
            assert first is not None
            room = host.rooms[online.code]
            began = time.monotonic()
            proxy.stall()
            await until(lambda: pump() and online.reconnecting > 0,
                        "the client shows it is reconnecting", STALL_SECONDS)
            await until(lambda: pump() and time.monotonic() - began >= STALL_SECONDS,
                        "the stall's end", STALL_SECONDS + 1)
            proxy.resume()
            await until(lambda: pump() and online.match is not first and online.match
                        is not None and online.reconnecting == 0
                        and online.match.mirror.tick > 0, "back in the match", 20)
            assert online.match is not None and online.match.dreamer == first.dreamer
            member = room.members[online.player]
            await until(lambda: pump() and member.last_seq > 0, "inputs applied again", 10)
            assert member.connected and member.dreamer == first.dreamer
            assert seen["errors"] == 0, online.error
            assert seen["reconnecting"] >= 1
            assert host.metrics.value(
                "dreamlayer_disconnects_total", reason="flood") == 0
        finally:
            await asyncio.get_running_loop().run_in_executor(None, link.close)
            await proxy.close()

    serve_and(go)


def test_a_slow_link_plays_with_its_inputs_applied() -> None:
    """A 300 ms round trip or more: seen ticks lag by ten ticks or so, far from stale."""

    async def go(host: Host, url: str) -> None:
        proxy = await Proxy(host.port).start()
        proxy.delay = 0.15
        try:
            bot = await bot_playing(host, proxy.url, "far away")
            await until(lambda: bot.member.last_seq > 90, "three seconds of inputs applied", 30)
            assert host.metrics.value(
                "dreamlayer_messages_rejected_total", reason="stale_input") == 0
            await bot.stop()
        finally:
            await proxy.close()

    serve_and(go)
