"""Bots: they finish matches on every level, see only what a player sees, and behave."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from game.bots import BotCrew, NavGrid, WorldView
from game.bots.cadre import THINK, CadrePolicy
from game.match import bot_match
from game.retreats import campaign
from game.sim import EventKind, Outcome, Realm, Role, World
from game.sim.events import Event
from game.sim.roles import lineup
from tests.conftest import QUIET, level_from, open_rows

LEVELS = Path(__file__).resolve().parents[2] / "levels"


@pytest.mark.parametrize("level", campaign(LEVELS), ids=lambda lv: lv.name)
def test_ally_bots_finish_a_match_on_every_level(level) -> None:  # type: ignore[no-untyped-def]
    world, summary = bot_match(level, dreamers=4, seed=11, hazard=level.hazard, night_seconds=45)
    assert summary.outcome is not Outcome.RUNNING
    assert 0 < summary.ticks <= 45 * 30
    painted = sum(d.painted for d in world.dreamers.values())
    assert painted > 500  # they really painted
    assert summary.coverage["mosaic"] > 0  # and both realms painted together


def test_a_bot_match_is_deterministic() -> None:
    level = campaign(LEVELS)[0]
    a = bot_match(level, 3, seed=4, night_seconds=20)[1]
    b = bot_match(level, 3, seed=4, night_seconds=20)[1]
    c = bot_match(level, 3, seed=5, night_seconds=20)[1]
    assert a.state_hash == b.state_hash != c.state_hash


def test_lineup_alternates_realms_and_cycles_roles() -> None:
    assert lineup(4) == [(Realm.SANCTUARY, Role.ARCHITECT), (Realm.REST, Role.INNOVATOR),
                         (Realm.SANCTUARY, Role.ORGANIZER), (Realm.REST, Role.ARCHITECT)]
    with pytest.raises(ValueError, match="dreamers"):
        bot_match(campaign(LEVELS)[0], 9, seed=1)


def test_an_ally_bot_paints_an_asleep_teammate_awake() -> None:
    w = World(level_from(open_rows()), seed=1, tuning=QUIET)
    sleeper = w.add_dreamer(Realm.SANCTUARY, Role.ARCHITECT, at=(200.0, 200.0))
    w.put_to_sleep(sleeper)
    helper = w.add_dreamer(Realm.REST, Role.INNOVATOR, at=(320.0, 260.0))
    crew = BotCrew(w, seed=1)
    crew.add_ally(helper)
    events: list[Event] = []
    revived = False
    for _ in range(600):
        events = w.step(crew.decide(w, events))
        revived = revived or any(e.kind is EventKind.REVIVED for e in events)
    assert revived and not w.dreamers[sleeper].asleep


def test_the_view_holds_only_what_players_see() -> None:
    w = World(level_from(open_rows(), cadre_arrival=0.0), seed=1)
    d = w.add_dreamer(Realm.REST, Role.ORGANIZER)
    w.step({})
    c = w.spawn_cadre(100.0, 100.0)
    view = WorldView.capture(w)
    fields = {f.name for f in dataclasses.fields(view)}
    assert not fields & {"rng", "director", "world", "_world"}
    seen = view.cadre[0]
    assert not hasattr(seen, "awaken") and not hasattr(seen, "ability_ready")
    assert view.observe(d).me.realm is Realm.REST
    assert view.observe(c).me.realm is None
    with pytest.raises(ValueError):
        view.state[0, 0] = 0  # read-only


def test_navigation_goes_round_a_wall() -> None:
    rows = open_rows(48, 32)
    for y in range(1, 26):  # a wall down the middle, open at the bottom
        rows[y] = rows[y][:24] + "##" + rows[y][26:]
    nav = NavGrid(level_from(rows))
    start, goal = (100.0, 60.0), (300.0, 60.0)
    assert not nav.clear_line(start, goal)
    dx, dy = nav.direction(start, goal)
    assert dy > 0.5  # heads down towards the gap, not into the wall
    pos = start
    for _ in range(400):
        dx, dy = nav.direction(pos, goal)
        pos = (pos[0] + dx * 4, pos[1] + dy * 4)
    assert abs(pos[0] - goal[0]) < 8 and abs(pos[1] - goal[1]) < 8


def test_a_cadre_member_flees_when_both_realms_close_in() -> None:
    w = World(level_from(open_rows()), seed=1, tuning=QUIET)
    c = w.spawn_cadre(200.0, 200.0)
    w.add_dreamer(Realm.SANCTUARY, Role.ARCHITECT, at=(160.0, 200.0))
    w.add_dreamer(Realm.REST, Role.ARCHITECT, at=(160.0, 230.0))
    w.cadre[c].ability_ready = 0
    policy = CadrePolicy(c, NavGrid(w.level), seed=1)
    intent = policy.decide(WorldView.capture(w).observe(c))
    assert intent.move[0] > 0.5  # away from the dreamers to its left
    assert intent.ability  # and distorts them on the way if it can


def test_a_saboteur_thinks_on_its_turns_and_holds_its_intent_between() -> None:
    w = World(level_from(open_rows()), seed=1, tuning=QUIET)
    cadre = [w.spawn_cadre(200.0 + 40 * k, 200.0) for k in range(3)]
    w.add_dreamer(Realm.SANCTUARY, Role.ARCHITECT, at=(120.0, 200.0))
    crew = BotCrew(w, seed=1)
    before = crew.decide(w)
    thought = {c: [w.tick] for c in cadre}  # each thinks on the first tick it is asked
    for _ in range(8):
        w.step(before)
        now = crew.decide(w)
        for c in cadre:
            if now[c] is not before[c]:  # a new intent: it thought this tick
                thought[c].append(w.tick)
        before = now
    for c in cadre:
        turns = [t for t in range(1, w.tick + 1) if (t + c) % THINK == 0]
        assert thought[c] == [0, *turns]  # on its turns, staggered by its id, and only then
    assert {tuple(t[1:3]) for t in thought.values()} == {(1, 3), (2, 4)}
