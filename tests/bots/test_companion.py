"""Companion allies: bots in the seats no player took follow the players and work with them,
never for them."""

from __future__ import annotations

import math

import numpy as np

from game.bots import BotCrew, CompanionPolicy, WorldView
from game.bots.ally import LEASH, AllyPolicy, Task
from game.match import Seat, bot_match, start_bot_match
from game.retreats import load_retreat
from game.sim import Cell, EventKind, Intent, Realm, Role, World
from game.sim.events import Event
from tests.conftest import QUIET, level_from, open_rows

RIFT_FAR = ((50, 36),)
"""a rift in the far corner of the 64x48 test field, ~300 px from where the player works"""


def _dist(w: World, a: int, b: int) -> float:
    (ax, ay), (bx, by) = w.dreamers[a].position, w.dreamers[b].position
    return math.hypot(ax - bx, ay - by)


def player_and_bot(seed: int, bot_at: tuple[float, float], bot_role: Role,
                   companion: bool = True) -> tuple[World, BotCrew, int, int]:
    """The test field with its rift far off, a Sanctuary player at (60, 60) and a Rest Zone
    bot (a companion, or a full ally): the world, the crew, the player's and the bot's ids."""
    w = World(level_from(open_rows(), rifts=RIFT_FAR), seed=seed, tuning=QUIET)
    player = w.add_dreamer(Realm.SANCTUARY, Role.ARCHITECT, at=(60.0, 60.0))
    bot = w.add_dreamer(Realm.REST, bot_role, at=bot_at)
    crew = BotCrew(w, seed=seed)
    crew.add_ally(bot, companion=companion)
    return w, crew, player, bot


def painting_player(companion: bool) -> tuple[World, int, int, list[float]]:
    """The player paints back and forth near the top left corner for 10 s, the bot plays;
    returns the world, the player's and the bot's ids, and their distance after every
    tick."""
    w, crew, player, bot = player_and_bot(2, (120.0, 110.0), Role.INNOVATOR, companion)
    events: list[Event] = []
    apart: list[float] = []
    for tick in range(300):
        move = (0.3, 0.0) if tick < 150 else (-0.3, 0.0)
        intents = crew.decide(w, events)
        intents[player] = Intent(move=move, paint=True)
        events = w.step(intents)
        apart.append(_dist(w, player, bot))
    return w, player, bot, apart


def test_a_companion_turns_the_players_paint_into_mosaic_and_stays_with_them() -> None:
    w, _, _, apart = painting_player(companion=True)
    assert max(apart) <= LEASH
    mosaic = int(np.count_nonzero(w.grid.state == Cell.MOSAIC))
    assert mosaic > 150
    # and it did not go to the far rift on its own
    rift = w.rifts[0]
    assert w.grid.fraction_in(rift.cx, rift.cy, rift.seal_ring) == 0.0


def test_a_full_ally_goes_its_own_way_where_a_companion_would_not() -> None:
    w, _, _, apart = painting_player(companion=False)
    assert max(apart) > LEASH  # off to the rift: what a companion must not do
    rift = w.rifts[0]
    assert w.grid.fraction_in(rift.cx, rift.cy, rift.seal_ring) > 0.0


def test_a_companion_paints_its_sleeping_player_awake_first() -> None:
    w, crew, player, bot = player_and_bot(1, (180.0, 140.0), Role.ORGANIZER)
    w.put_to_sleep(player)
    events: list[Event] = []
    revived: list[Event] = []
    for _ in range(600):
        events = w.step(crew.decide(w, events))
        revived += [e for e in events if e.kind is EventKind.REVIVED]
    assert [(e.entity, e.other) for e in revived][:1] == [(player, bot)]


def test_a_companion_follows_a_player_never_another_companion() -> None:
    w = World(level_from(open_rows(), rifts=RIFT_FAR), seed=1, tuning=QUIET)
    player = w.add_dreamer(Realm.SANCTUARY, Role.ARCHITECT, at=(60.0, 60.0))
    other_bot = w.add_dreamer(Realm.SANCTUARY, Role.ORGANIZER, at=(300.0, 200.0))
    me = w.add_dreamer(Realm.REST, Role.INNOVATOR, at=(320.0, 200.0))
    crew = BotCrew(w, seed=1)
    crew.add_ally(other_bot, companion=True)
    crew.add_ally(me, companion=True)
    policy = crew.allies[me]
    assert isinstance(policy, CompanionPolicy)
    view = WorldView.capture(w)
    lead = policy.lead(view.observe(me))
    assert lead is not None and lead.id == player
    crew.remove_ally(other_bot)  # the other seat's player is back: now the nearer lead
    assert policy.lead(view.observe(me)).id == other_bot  # type: ignore[union-attr]
    crew.add_ally(other_bot)  # they drop: a full ally plays their dreamer, still a lead
    assert policy.lead(view.observe(me)).id == other_bot  # type: ignore[union-attr]
    crew.add_ally(other_bot, companion=True)  # their seat is given up to a companion
    assert policy.lead(view.observe(me)).id == player  # type: ignore[union-attr]


def test_with_no_player_in_the_dream_a_companion_plays_as_a_full_ally() -> None:
    w = World(level_from(open_rows(), rifts=RIFT_FAR), seed=1, tuning=QUIET)
    a = w.add_dreamer(Realm.SANCTUARY, Role.ARCHITECT, at=(60.0, 60.0))
    b = w.add_dreamer(Realm.REST, Role.INNOVATOR, at=(80.0, 60.0))
    crew = BotCrew(w, seed=1)
    crew.add_ally(a, companion=True)
    crew.add_ally(b, companion=True)
    view = WorldView.capture(w)
    companion = crew.allies[b]
    assert isinstance(companion, CompanionPolicy)
    assert companion.lead(view.observe(b)) is None
    full = AllyPolicy(b, crew.nav, seed=crew._seed_for(b))
    assert companion.decide(view.observe(b)) == full.decide(view.observe(b))
    assert companion.plan is not None and companion.plan.task is Task.RIFT


def test_seats_set_up_players_companions_and_idle_players() -> None:
    level = load_retreat("first-retreat")
    w, crew = start_bot_match(level, [Seat.IDLE, Seat.COMPANION, Seat.ALLY], seed=3)
    ids = sorted(w.dreamers)
    assert [w.dreamers[i].realm for i in ids] == [Realm.SANCTUARY, Realm.REST, Realm.SANCTUARY]
    assert ids[0] not in crew.allies
    assert isinstance(crew.allies[ids[1]], CompanionPolicy)
    assert type(crew.allies[ids[2]]) is AllyPolicy


def test_an_idle_player_leaves_the_companion_little_to_do() -> None:
    level = load_retreat("first-retreat")
    seats = [Seat.IDLE, Seat.COMPANION]
    idle_world, idle = bot_match(level, seats, seed=1, night_seconds=90)
    _, both = bot_match(level, 2, seed=1, night_seconds=90)
    assert idle.rifts_sealed == 0 < both.rifts_sealed
    assert idle.coverage["mosaic"] < both.coverage["mosaic"] / 3
    first = min(idle_world.dreamers)
    assert idle_world.dreamers[first].painted == 0
