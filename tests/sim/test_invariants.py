"""Property tests: whatever the intents, the dreamscape's books balance and meters stay put."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from game.sim import Cell, Intent, Realm, Role, World
from game.sim.grid import MOSAIC_REALM, PaintGrid, disc
from tests.conftest import level_from, open_rows

LEVEL = level_from(open_rows(48, 32), rifts=((20, 14),), cadre_arrival=0.0, night_seconds=30)
FLOOR = int((~LEVEL.walls).sum())

finite = st.floats(-2.0, 2.0) | st.sampled_from([float("nan"), float("inf"), -float("inf")])
intents = st.builds(
    Intent,
    move=st.tuples(finite, finite),
    aim=st.tuples(st.floats(-100, 100), st.floats(-100, 100)),
    paint=st.booleans(), ability=st.booleans(), shove=st.booleans(),
    ping=st.integers(-3, 9),
)


def check_layers(grid: PaintGrid) -> None:
    state, realm = grid.state, grid.realm
    assert state.max() <= Cell.WALL
    assert ((realm == Realm.SANCTUARY) | (realm == Realm.REST))[state == Cell.DREAM].all()
    assert (realm[state == Cell.MOSAIC] == MOSAIC_REALM).all()
    others = (state != Cell.DREAM) & (state != Cell.MOSAIC)
    assert (realm[others] == 0).all()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32), hazard=st.integers(1, 5),
       script=st.lists(st.lists(intents, min_size=3, max_size=3), min_size=1, max_size=60))
def test_counts_add_up_and_meters_stay_in_range(seed: int, hazard: int,
                                                script: list[list[Intent]]) -> None:
    w = World(LEVEL, seed=seed, hazard=hazard)
    ids = [w.add_dreamer(Realm(1 + i % 2), Role(1 + i % 3)) for i in range(3)]
    for tick in script:
        plan = dict(zip(ids, tick, strict=True))
        for cid in w.cadre:
            plan[cid] = tick[cid % 3]
        w.step(plan)
        for m in w.meters.values():
            assert 0.0 <= m.value <= m.maximum
        for d in w.dreamers.values():
            assert 0.0 <= d.inspiration <= w.tuning.inspiration_max
    census = w.grid.census()
    assert census.floor() == FLOOR
    assert sum(census.count(s) for s in (Cell.UNFORMED, Cell.DREAM, Cell.MOSAIC,
                                         Cell.NIGHTMARE)) == FLOOR
    assert census.floor() == w.census.floor()
    check_layers(w.grid)


ops = st.lists(st.tuples(st.sampled_from(["paint_s", "paint_r", "corrupt", "seal", "spread"]),
                         st.integers(0, 47), st.integers(0, 31), st.integers(0, 6)),
               min_size=1, max_size=40)


@settings(max_examples=60, deadline=None)
@given(script=ops, seed=st.integers(0, 1000))
def test_grid_operations_keep_the_layers_consistent_and_mark_what_changed(
        script: list[tuple[str, int, int, int]], seed: int) -> None:
    g = PaintGrid(LEVEL)
    rng = np.random.Generator(np.random.PCG64(seed))
    walls = g.state == Cell.WALL
    for op, x, y, r in script:
        g.take_dirty()
        before = g.state.copy(), g.realm.copy()
        if op == "paint_s":
            g.paint(x, y, disc(r), Realm.SANCTUARY)
        elif op == "paint_r":
            g.paint(x, y, disc(r), Realm.REST)
        elif op == "corrupt":
            g.corrupt(x, y, disc(r))
        elif op == "seal":
            g.seal(x, y, disc(r))
        else:
            g.spread(rng, 0.5, 0.2)
        changed = (g.state != before[0]) | (g.realm != before[1])
        ys, xs = np.nonzero(changed)
        dirty = set(g.take_dirty())
        assert {(int(cx) // 16, int(cy) // 16) for cy, cx in zip(ys, xs, strict=True)} <= dirty
        assert ((g.state == Cell.WALL) == walls).all()
        check_layers(g)
