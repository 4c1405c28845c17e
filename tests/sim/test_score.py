"""The score: a loss scores what the dreamers achieved, a win outranks any loss."""

from __future__ import annotations

import dataclasses

import numpy as np

from game.sim import Cell, Intent, Outcome, Realm, Role, Tuning, World
from game.sim.grid import disc
from game.sim.level import Level
from tests.conftest import QUIET, level_from, open_rows

T = Tuning()


def two_rifts() -> Level:
    return level_from(open_rows(), rifts=((16, 16), (46, 30)))


def run(world: World, ticks: int, intents: dict[int, Intent] | None = None) -> None:
    for _ in range(ticks):
        world.step(intents or {})


def test_a_loss_scores_the_rift_sealed_the_cadre_awakened_and_the_paint() -> None:
    w = World(two_rifts(), seed=1, tuning=QUIET)
    # a cadre member caught between both realms, far from the rifts
    w.add_dreamer(Realm.SANCTUARY, Role.ARCHITECT, at=(150.0, 300.0))
    w.add_dreamer(Realm.REST, Role.ARCHITECT, at=(250.0, 300.0))
    w.spawn_cadre(200.0, 300.0)
    # one brush stroke into the second rift's nightmare
    painter = w.add_dreamer(Realm.SANCTUARY, Role.ARCHITECT, at=(372.0, 244.0))
    w.step({painter: Intent(paint=True)})
    # a ring of mosaic round the first rift, held until it seals
    first = w.rifts[0]
    w.grid.seal(first.cx, first.cy, disc(first.seal_radius))
    run(w, first.seal_ticks)
    assert first.sealed and not w.rifts[1].sealed and w.cadre_awakened == 1
    assert w.score() == round(w.achieved()) > 0  # a night still running scores so far
    w.meters[Realm.REST].value = 1e-6
    w.step({})
    s = w.summary()
    assert s.outcome is Outcome.FRACTURE
    assert (s.rifts_sealed, s.cadre_awakened, s.cells_cleansed) == (1, 1, 37)
    mosaic = int(np.count_nonzero(w.grid.state == Cell.MOSAIC))
    assert mosaic == disc(first.seal_radius).sum() == 97
    floor = 62 * 46
    expected = (T.score_mosaic * mosaic / floor + T.score_rift_sealed + T.score_awakened
                + T.score_cleansed * 37 / floor)
    assert s.score == round(expected) == 147


def test_a_loss_that_achieved_nothing_scores_nothing() -> None:
    w = World(two_rifts(), seed=1, tuning=QUIET)
    w.meters[Realm.SANCTUARY].value = 1e-6
    w.step({})
    assert w.outcome is Outcome.FRACTURE and w.summary().score == 0


def test_a_win_scores_more_than_any_loss() -> None:
    lost = World(two_rifts(), seed=1, tuning=QUIET)
    lost.cadre_awakened = 10**6  # more than any night could
    lost.meters[Realm.REST].value = 1e-6
    lost.step({})
    assert lost.summary().score == T.score_loss_cap
    won = World(two_rifts(), seed=1, tuning=QUIET, night_seconds=1)  # nothing achieved
    run(won, 30)
    s = won.summary()
    assert s.outcome is Outcome.DAWN
    meters = sum(m.value for m in won.meters.values())
    assert s.score == round(T.score_victory + won.achieved() + T.score_meter * meters)
    assert s.score > T.score_victory > T.score_loss_cap


def test_the_score_weights_are_rules_in_tuning() -> None:
    flat = dataclasses.replace(QUIET, score_rift_sealed=0.0, score_mosaic=0.0,
                               score_cleansed=0.0, score_awakened=7.0)
    w = World(two_rifts(), seed=1, tuning=flat)
    w.cadre_awakened = 3
    w.meters[Realm.REST].value = 1e-6
    w.step({})
    assert w.summary().score == 21
