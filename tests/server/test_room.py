"""A room without sockets or a host: its members' links are stand-ins that record what the
room sends, its site a stand-in with a hand-moved clock, and its ticks are stepped by hand
(the ticker stopped), so nothing here waits on time."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import TYPE_CHECKING, Any, cast

from game.net.schema import Kind
from game.net.session import Phase
from game.retreats import campaign
from game.sim.level import Level
from server.config import ServerConfig
from server.room import Member, Pending, Room, RoomState
from server.roster import distinct_name
from server.ticker import Ticker
from tests.server.conftest import Clock, Site

if TYPE_CHECKING:
    from server.connection import Connection

SHORT = [dataclasses.replace(lv, night_seconds=1) for lv in campaign()]
"""the campaign with one-second nights (30 ticks)"""


class Link:
    """Stands in for a member's connection: records what the room sends it."""

    def __init__(self) -> None:
        self.latency = 0.0
        self.session = type("S", (), {"phase": Phase.ROOM})()
        self.sent: list[tuple[Kind, dict[str, Any]]] = []
        self.errors: list[str] = []
        self.snapshots_due = 0

    def post(self, kind: Kind, values: dict[str, Any] | None = None) -> None:
        self.sent.append((kind, values or {}))

    def error(self, text: str, code: int = 0) -> None:
        self.errors.append(text)

    def start_match(self, room: Room, observer: object, values: dict[str, Any]) -> None:
        self.session.phase = Phase.PLAYING
        self.post(Kind.MATCH_START, values)

    def end_match(self, values: dict[str, Any]) -> None:
        self.session.phase = Phase.ROOM
        self.post(Kind.MATCH_END, values)

    def tick_done(self, events: object, ack: int, snapshot_due: bool) -> None:
        self.snapshots_due += snapshot_due

    def last(self, kind: Kind) -> dict[str, Any]:
        return [v for k, v in self.sent if k is kind][-1]


def member(mid: int, name: str = "Dreamer", spectator: bool = False) -> tuple[Member, Link]:
    link = Link()
    return Member(mid, name, cast("Connection", link), f"token-{mid}",
                  spectator=spectator), link


def new_room(site: Site, levels: list[Level], **kw: Any) -> Room:
    return Room(site, "ROOMA", password="", max_dreamers=kw.pop("max_dreamers", 4),
                public=True, hazard=1, bot_fill=kw.pop("bot_fill", True), levels=levels, **kw)


async def started(room: Room, by: Member) -> None:
    """`by` starts the night; the ticker is stopped so the test steps the ticks."""
    room.start(by)
    assert room.ticker is not None
    await room.ticker.stop()


def play_out(room: Room) -> None:
    """Step the night to its end, the players' inputs given (one each)."""
    for m in room.dreamer_members:
        room.take_input(m, Pending(1, 0, (0.0, 0.0), (1.0, 0.0), 0, 0))
    while room._tick():
        pass


# ------------------------------------------------------------------ names
def test_a_second_dreamer_of_the_same_name_is_dreamer_2_and_names_fit() -> None:
    assert distinct_name("Dreamer", []) == "Dreamer"
    assert distinct_name("Dreamer", ["dreamer"]) == "Dreamer 2"
    assert distinct_name("Dreamer", ["Dreamer", "Dreamer 2", "DREAMER 3"]) == "Dreamer 4"
    long = "Ethan's most faithful follower of all"  # 37 characters
    assert distinct_name(long, []) == long[:32]
    second = distinct_name(long, [long[:32]])
    assert second == long[:30].rstrip() + " 2" and len(second) <= 32
    assert distinct_name("x" * 32, ["x" * 32, "x" * 30 + " 2"]) == "x" * 30 + " 3"


def test_a_room_gives_each_member_a_name_of_its_own() -> None:
    site = Site()
    room = new_room(site, SHORT[:1])
    names = []
    for mid in (1, 2, 3):
        m, _ = member(mid)
        room.add(m)
        names.append(m.name)
    assert names == ["Dreamer", "Dreamer 2", "Dreamer 3"]
    players = room.lobby_values()["players"]
    assert [p.name for p in players] == names


# ------------------------------------------------------------------ one retreat or a campaign
def test_a_chosen_retreat_is_played_once_and_the_room_goes_back_to_its_lobby() -> None:
    async def go() -> None:
        site = Site()
        room = new_room(site, SHORT[1:2])
        host, link = member(1)
        room.add(host)
        await started(room, host)
        play_out(room)
        assert link.last(Kind.MATCH_END)["next_level"] == ""
        assert room.state is RoomState.LOBBY and room.level.name == SHORT[1].name
        assert link.last(Kind.LOBBY)["state"] == 0
        await started(room, host)  # the host may play it again
        assert room.state.name == "PLAYING"
        assert link.last(Kind.MATCH_START)["level"] == SHORT[1].name

    asyncio.run(go())


def test_a_campaign_waits_for_its_host_between_retreats() -> None:
    async def go() -> None:
        site = Site()
        room = new_room(site, SHORT)
        host, link = member(1, "Mira")
        guest, guest_link = member(2, "Liam")
        room.add(host)
        room.add(guest)
        await started(room, host)
        play_out(room)
        end = link.last(Kind.MATCH_END)
        won = end["outcome"] in (1, 2)  # sealed or dawn
        expected = SHORT[1] if won else SHORT[0]
        assert end["next_level"] == expected.name
        lobby = link.last(Kind.LOBBY)
        assert room.state is RoomState.INTERMISSION and lobby["state"] == 2
        assert (lobby["level"], lobby["title"]) == (expected.name, expected.title)
        assert room.ticker is not None and not room.ticker.running  # nothing starts by itself
        room.start(guest)
        assert guest_link.errors == ["only the room's host can start"]
        await started(room, host)
        assert link.last(Kind.MATCH_START)["level"] == expected.name

    asyncio.run(go())


def test_a_lost_retreat_is_played_again() -> None:
    site = Site()
    room = new_room(site, SHORT)
    room.level_index = 1
    assert room._next_retreat(won=False) == SHORT[1].name and room.level_index == 1
    assert room._next_retreat(won=True) == SHORT[2].name and room.level_index == 2
    room.level_index = len(SHORT) - 1
    assert room._next_retreat(won=True) == "" and room.state is RoomState.LOBBY
    assert room.level_index == 0


# ------------------------------------------------------------------ the story wait
def test_the_night_clock_waits_for_every_player_to_close_the_story() -> None:
    async def go() -> None:
        site = Site(ServerConfig(story_seconds=30))
        room = new_room(site, SHORT[:1])
        a, a_link = member(1, "Mira")
        b, _ = member(2, "Liam")
        watcher, w_link = member(3, "Jade", spectator=True)
        for m in (a, b, watcher):
            room.add(m)
        await started(room, a)
        assert room.world is not None
        for _ in range(6):
            room._tick()
        assert room.world.tick == 0  # nobody's story card is closed
        assert a_link.snapshots_due == w_link.snapshots_due == 3  # snapshots still flow
        room.take_input(a, Pending(1, 0, (0.0, 0.0), (1.0, 0.0), 0, 0))
        room._tick()
        assert room.world.tick == 0  # Liam is still reading; the spectator does not count
        room.take_input(b, Pending(1, 0, (0.0, 0.0), (1.0, 0.0), 0, 0))
        room._tick()
        room._tick()
        assert room.world.tick == 2

    asyncio.run(go())


def test_the_night_clock_starts_anyway_after_story_seconds() -> None:
    async def go() -> None:
        clock = Clock()
        site = Site(ServerConfig(story_seconds=30), clock)
        room = new_room(site, SHORT[:1])
        a, _ = member(1)
        room.add(a)
        await started(room, a)
        assert room.world is not None
        clock.advance(29.9)
        room._tick()
        assert room.world.tick == 0
        clock.advance(0.2)
        room._tick()
        room._tick()
        assert room.world.tick == 2

    asyncio.run(go())


# ------------------------------------------------------------------ cost and presence
def test_a_tick_reports_the_snapshots_built_for_it_as_its_cost() -> None:
    async def go() -> None:
        site = Site(ServerConfig(story_seconds=0))
        room = new_room(site, SHORT[:1])
        a, _ = member(1)
        room.add(a)
        await started(room, a)
        room._tick()
        room.note_send_cost(0.25)
        room.note_send_cost(0.5)
        room._tick()
        room._tick()
        assert site.ticks[1] >= 0.75 and site.ticks[2] < 0.75

    asyncio.run(go())


def test_a_room_nobody_is_connected_to_stops_ticking_until_someone_is_back() -> None:
    async def go() -> None:
        site = Site(ServerConfig(story_seconds=0))
        room = new_room(site, SHORT[:1])
        a, _ = member(1)
        room.add(a)
        room.start(a)
        ticker = room.ticker
        assert ticker is not None and room.world is not None
        reference = Ticker(ticker.period, lambda: True, name="reference",
                           on_error=lambda e: None)
        reference.start()
        await _steps(reference, 5)
        room.drop(a)  # the only player's link is gone: its seat is held, the room paused
        assert room.paused and not room.ticking and a.held_until
        paused_at = (ticker.steps, room.world.tick)
        await _steps(reference, 10)  # time goes by: ten of the reference's ticks
        assert (ticker.steps, room.world.tick) == paused_at
        a.conn = cast("Connection", Link())
        room.note_presence()  # back (as a reconnect seats it)
        await _steps(ticker, paused_at[0] + 3)
        assert room.world.tick > paused_at[1]
        await reference.stop()
        await ticker.stop()

    asyncio.run(go())


async def _steps(ticker: Ticker, n: int) -> None:
    async with asyncio.timeout(15):
        while ticker.steps < n:
            await asyncio.sleep(0.005)


def test_a_dropped_hosts_rights_pass_to_a_connected_player() -> None:
    async def go() -> None:
        site = Site()
        room = new_room(site, SHORT)
        watcher, _ = member(1, "Jade", spectator=True)
        host, _ = member(2, "Mira")
        guest, guest_link = member(3, "Liam")
        for m in (host, watcher, guest):
            room.add(m)
        assert room.owner == host.id  # the room's creator
        await started(room, host)
        play_out(room)  # between the campaign's nights
        room.drop(host)
        assert room.owner == guest.id and host.held_until  # the seat is still held for her
        await started(room, guest)  # so the night can go on without her
        assert guest_link.last(Kind.MATCH_START)
        room.remove(guest, "left")
        assert room.owner == watcher.id  # a spectator, if no dreamer is left

    asyncio.run(go())
