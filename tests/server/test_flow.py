"""A room's nights as players meet them over real websockets: the clock waits for the story
cards, a chosen retreat ends at its results, a campaign waits for its host between retreats,
and every player has a name of their own."""

from __future__ import annotations

import pytest

from game.net.records import input_values
from game.net.schema import Kind
from game.remote import Remote, RemoteError
from game.sim.intent import Intent
from server.host import Host
from tests.server.conftest import Clock, serve_and, until


def test_the_night_waits_for_the_story_card_while_snapshots_flow() -> None:
    clock = Clock()

    async def go(host: Host, url: str) -> None:
        mira = await Remote.connect(url, "Mira")
        code = (await mira.create_room(bot_fill=True, max_dreamers=4))["code"]
        liam = await Remote.connect(url, "Liam")
        await liam.join_room(code)
        await mira.send(Kind.START)
        await mira.expect(Kind.MATCH_START)
        await liam.expect(Kind.MATCH_START)
        room = host.rooms[code]
        for _ in range(5):
            await mira.expect(Kind.SNAPSHOT)
        assert room.world is not None and room.world.tick == 0
        await mira.send(Kind.INPUT, input_values(1, Intent(), 0))  # Mira closed her card
        for _ in range(5):
            await mira.expect(Kind.SNAPSHOT)
        assert room.world.tick == 0  # Liam is still reading
        clock.advance(30)  # he reads for too long: the night starts anyway
        await until(lambda: room.world is not None and room.world.tick > 0, "the night")

    serve_and(go, clock=clock, story_seconds=30)


def test_a_chosen_retreat_ends_at_its_results_and_can_be_played_again() -> None:
    async def go(host: Host, url: str) -> None:
        r = await Remote.connect(url, "Mira")
        chosen = host.levels[1].name
        await r.create_room(level=chosen, bot_fill=True)
        for _ in range(2):
            await r.send(Kind.START)
            assert (await r.expect(Kind.MATCH_START))["level"] == chosen
            await r.send(Kind.INPUT, input_values(1, Intent(), 0))
            end = await r.expect(Kind.MATCH_END)
            assert end["next_level"] == ""
            lobby = await r.expect(Kind.LOBBY)
            assert (lobby["state"], lobby["level"]) == (0, chosen)

    serve_and(go, night_seconds=1)


def test_a_campaign_goes_on_when_its_host_says_so() -> None:
    async def go(host: Host, url: str) -> None:
        mira = await Remote.connect(url, "Mira")
        code = (await mira.create_room(level="", bot_fill=True))["code"]
        liam = await Remote.connect(url, "Liam")
        await liam.join_room(code)
        await mira.send(Kind.START)
        await mira.expect(Kind.MATCH_START)
        await liam.expect(Kind.MATCH_START)
        await mira.send(Kind.INPUT, input_values(1, Intent(), 0))
        await liam.send(Kind.INPUT, input_values(1, Intent(), 0))
        end = await mira.expect(Kind.MATCH_END)
        await liam.expect(Kind.MATCH_END)
        won = end["outcome"] in (1, 2)
        upcoming = host.levels[1 if won else 0]
        assert end["next_level"] == upcoming.name
        lobby = await mira.expect(Kind.LOBBY)
        assert (lobby["state"], lobby["level"], lobby["title"]) == (2, upcoming.name,
                                                                   upcoming.title)
        await liam.send(Kind.START)
        with pytest.raises(RemoteError, match="only the room's host can start"):
            await liam.expect(Kind.MATCH_START)
        assert host.rooms[code].ticker is not None and not host.rooms[code].ticking
        await mira.send(Kind.START)
        assert (await liam.expect(Kind.MATCH_START))["level"] == upcoming.name

    serve_and(go, night_seconds=1)


def test_players_of_one_name_get_names_of_their_own() -> None:
    async def go(host: Host, url: str) -> None:
        first = await Remote.connect(url, "Dreamer")
        code = (await first.create_room(bot_fill=False, max_dreamers=4))["code"]
        for _ in range(2):
            await (await Remote.connect(url, "Dreamer")).join_room(code)
        long = "A dreamer with a name that fills"  # the wire's 32 characters
        await (await Remote.connect(url, long)).join_room(code)
        await (await Remote.connect(url, long)).join_room(code, spectate=True)
        await until(lambda: len(host.rooms[code].members) == 5, "five members")
        roster = host.rooms[code].lobby_values()["players"]
        assert [p.name for p in roster] == ["Dreamer", "Dreamer 2", "Dreamer 3", long,
                                            long[:30] + " 2"]

    serve_and(go, max_name_length=32)


def test_a_campaign_left_by_its_players_between_retreats_closes_by_the_grace_rule() -> None:
    clock = Clock()

    async def go(host: Host, url: str) -> None:
        r = await Remote.connect(url, "Mira")
        code = (await r.create_room(level="", bot_fill=True))["code"]
        room = host.rooms[code]
        await r.send(Kind.START)
        await r.expect(Kind.MATCH_START)
        await r.send(Kind.INPUT, input_values(1, Intent(), 0))
        await r.expect(Kind.MATCH_END)
        await r.close()  # only the bots are left, waiting for a START that cannot come
        await until(lambda: room.empty_since is not None, "the room to be empty")
        assert room.state.name == "INTERMISSION" and room.hold_deadlines()
        clock.advance(61)  # past the grace and her held seat
        host.sweep()
        assert room.closed and code not in host.rooms and host.tokens == {}

    serve_and(go, clock=clock, night_seconds=1, empty_room_grace_seconds=30,
              reconnect_seconds=60)
