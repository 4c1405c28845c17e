"""The paint grid: exact cells for brushes, mosaic seams, spreading, census and dirty chunks."""

from __future__ import annotations

import numpy as np
import pytest

from game.sim.grid import CHUNK, MOSAIC_REALM, Cell, PaintGrid, disc, ring
from game.sim.level import DistrictKind, Realm
from tests.conftest import level_from, open_rows


def cells(grid: PaintGrid, state: Cell) -> set[tuple[int, int]]:
    ys, xs = np.nonzero(grid.state == state)
    return {(int(x), int(y)) for y, x in zip(ys, xs, strict=True)}


def blank(rows: list[str] | None = None) -> PaintGrid:
    return PaintGrid(level_from(rows or open_rows()))


def test_disc_sizes_are_round_and_symmetric() -> None:
    assert disc(0).sum() == 1
    assert disc(1).sum() == 9  # a 3x3 brush
    assert disc(2).sum() == 21
    assert disc(3).sum() == 37
    for r in range(6):
        d = disc(r)
        assert (d == d.T).all() and (d == d[::-1]).all()
    assert ring(2, 5).sum() == disc(5).sum() - disc(2).sum()


def test_a_brush_stroke_paints_exactly_the_disc() -> None:
    g = blank()
    res = g.paint(10, 12, disc(2), Realm.SANCTUARY)
    expected = {(x, y) for x in range(8, 13) for y in range(10, 15)} - {
        (8, 10), (12, 10), (8, 14), (12, 14)}
    assert cells(g, Cell.DREAM) == expected
    assert res.changed == 21
    assert (g.realm[g.state == Cell.DREAM] == Realm.SANCTUARY).all()


def test_painting_own_paint_changes_nothing() -> None:
    g = blank()
    g.paint(10, 12, disc(2), Realm.REST)
    assert g.paint(10, 12, disc(2), Realm.REST).changed == 0


def test_painting_over_the_other_realm_makes_mosaic() -> None:
    g = blank()
    g.paint(10, 10, disc(0), Realm.SANCTUARY)
    g.paint(10, 10, disc(0), Realm.REST)
    assert g.at(10, 10) is Cell.MOSAIC
    assert g.realm[10, 10] == MOSAIC_REALM


def test_dream_of_both_realms_touching_turns_to_mosaic_along_the_seam() -> None:
    g = blank()
    g.paint(10, 10, disc(0), Realm.SANCTUARY)
    g.paint(12, 10, disc(0), Realm.SANCTUARY)
    res = g.paint(11, 10, disc(0), Realm.REST)  # between the two: all three touch
    assert cells(g, Cell.MOSAIC) == {(10, 10), (11, 10), (12, 10)}
    assert res.changed == 3
    g.paint(20, 20, disc(0), Realm.SANCTUARY)
    g.paint(21, 21, disc(0), Realm.REST)  # diagonal neighbours do not touch
    assert g.at(20, 20) is Cell.DREAM and g.at(21, 21) is Cell.DREAM


def test_painting_nightmare_cleanses_and_counts_per_district_kind() -> None:
    rows = open_rows(32, 16, "S")
    g = blank(rows)
    assert g.corrupt(8, 8, disc(1)) == 9
    res = g.paint(8, 8, disc(2), Realm.REST)
    assert res.cleansed == (0, 9, 0, 0)
    assert res.changed == 21
    assert not cells(g, Cell.NIGHTMARE)


def test_corruption_spares_mosaic_and_walls() -> None:
    g = blank()
    g.seal(10, 10, disc(1))
    turned = g.corrupt(10, 10, disc(2))
    assert turned == 21 - 9
    assert cells(g, Cell.MOSAIC) == {(x, y) for x in (9, 10, 11) for y in (9, 10, 11)}
    assert g.corrupt(1, 1, disc(1)) == 4  # (1..2, 1..2): the rest is the border wall


def test_division_splits_mosaic_into_both_realms_plain_paint() -> None:
    g = blank()
    g.seal(20, 20, disc(4))
    assert g.divide(20, 20, disc(2)) == 21
    split = g.state[18:23, 18:23][disc(2)]
    assert (split == Cell.DREAM).all()
    realms = set(g.realm[18:23, 18:23][disc(2)].tolist())
    assert realms == {Realm.SANCTUARY, Realm.REST}
    assert g.at(20, 24) is Cell.MOSAIC  # outside the stencil the mosaic holds


def test_corrupt_many_equals_corrupt_one_by_one() -> None:
    a, b = blank(), blank()
    centres = [(5, 5), (6, 5), (40, 30), (1, 1)]
    n = a.corrupt_many(centres, disc(1))
    m = sum(b.corrupt(x, y, disc(1)) for x, y in centres)
    assert n == m
    assert (a.state == b.state).all()


def test_certain_spread_grows_a_diamond_one_step_per_pass() -> None:
    g = blank()
    g.corrupt(20, 20, disc(0))
    rng = np.random.Generator(np.random.PCG64(0))
    for n in range(1, 5):
        g.spread(rng, 1.0, 1.0)
        assert len(cells(g, Cell.NIGHTMARE)) == 2 * n * n + 2 * n + 1
    assert cells(g, Cell.NIGHTMARE) == {
        (x, y) for x in range(16, 25) for y in range(16, 25) if abs(x - 20) + abs(y - 20) <= 4
    }


def test_spread_stops_at_walls_and_mosaic_and_never_without_chance() -> None:
    rows = open_rows(24, 12)
    rows[5] = "#" * 24  # a wall across the field
    g = blank(rows)
    g.corrupt(10, 2, disc(0))
    g.seal(10, 3, disc(0))
    rng = np.random.Generator(np.random.PCG64(0))
    assert g.spread(rng, 0.0, 0.0) == 0
    for _ in range(40):
        g.spread(rng, 1.0, 1.0)
    nightmare = cells(g, Cell.NIGHTMARE)
    assert all(y < 5 for _, y in nightmare)
    assert (10, 3) not in nightmare


def test_census_adds_up() -> None:
    rows = open_rows(40, 20)
    rows = [r[:20] + r[20:].replace(".", "R") for r in rows]
    g = blank(rows)
    g.paint(5, 5, disc(2), Realm.SANCTUARY)
    g.corrupt(30, 10, disc(3))
    c = g.census()
    floor = int((~level_from(rows).walls).sum())
    assert c.floor() == floor
    total = sum(c.count(s) for s in (Cell.UNFORMED, Cell.DREAM, Cell.MOSAIC, Cell.NIGHTMARE))
    assert total == floor
    assert c.count(Cell.DREAM) == 21
    assert c.count(Cell.NIGHTMARE, DistrictKind.REST) == 37
    assert c.share(Cell.NIGHTMARE, DistrictKind.COMMONS) == 0.0
    assert g.district_count == 2


def test_dirty_chunks_are_exactly_those_touched() -> None:
    g = blank(open_rows(64, 48))
    g.take_dirty()  # a new grid is all dirty
    assert g.take_dirty() == []
    g.paint(17, 17, disc(0), Realm.REST)
    assert g.take_dirty() == [(1, 1)]
    g.paint(15, 16, disc(1), Realm.REST)  # cells x 14..16, y 15..17: four chunks
    assert g.take_dirty() == [(0, 0), (1, 0), (0, 1), (1, 1)]


def test_chunk_copies_are_chunk_sized() -> None:
    g = blank()
    state, realm = g.chunk(0, 0)
    assert state.shape == realm.shape == (CHUNK, CHUNK)
    state[:] = 0
    assert g.state[0, 0] == Cell.WALL  # a copy, not a view


@pytest.mark.parametrize("radius", [-1])
def test_bad_radius_is_refused(radius: int) -> None:
    with pytest.raises(ValueError, match="radius"):
        disc(radius)
