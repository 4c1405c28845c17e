"""Navigation: the bitboard distance fields and the sampled line of sight agree with the
plainest possible reference, and one grid serves every match of a level."""

from __future__ import annotations

import math
import random
from collections import deque

import numpy as np

from game.bots.nav import NavGrid
from tests.conftest import level_from, open_rows

_STEPS = ((-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (-1, 1), (1, -1), (1, 1))


def _maze() -> list[str]:
    """Walls with gaps, a pillar, and a sealed-off room (unreachable from outside)."""
    rows = open_rows(60, 44)
    for y in range(1, 30):
        rows[y] = rows[y][:20] + "##" + rows[y][22:]
    for y in range(14, 43):
        rows[y] = rows[y][:38] + "##" + rows[y][40:]
    for y in range(6, 10):
        rows[y] = rows[y][:28] + "####" + rows[y][32:]
    rows[30] = rows[30][:44] + "#" * 15 + rows[30][59:]
    for y in range(30, 43):
        rows[y] = rows[y][:44] + "#" + rows[y][45:]
    return rows


def _reference_field(open_: np.ndarray, target: tuple[int, int]) -> np.ndarray:
    """Breadth-first search, one node at a time: 8 neighbours, a diagonal step only where
    both orthogonal nodes beside it are open; -1 where the target cannot be reached."""
    rows, cols = open_.shape
    dist = np.full(open_.shape, -1, dtype=np.int64)
    tc, tr = target
    if not open_[tr, tc]:
        return dist
    dist[tr, tc] = 0
    todo = deque([(tr, tc)])
    while todo:
        r, c = todo.popleft()
        for dr, dc in _STEPS:
            rr, cc = r + dr, c + dc
            if not (0 <= rr < rows and 0 <= cc < cols) or not open_[rr, cc] or dist[rr, cc] >= 0:
                continue
            if dr and dc and not (open_[r, cc] and open_[rr, c]):
                continue
            dist[rr, cc] = dist[r, c] + 1
            todo.append((rr, cc))
    return dist


def test_every_field_matches_a_plain_breadth_first_search() -> None:
    nav = NavGrid(level_from(_maze()))
    targets = [(c, r) for r in range(nav.rows) for c in range(nav.cols)]
    assert not nav.open.all() and nav.open.any()
    for target in targets:
        got = nav.field(target)
        assert not got.flags.writeable
        unreached = np.iinfo(got.dtype).max
        want = _reference_field(nav.open, target)
        assert np.array_equal(np.where(got == unreached, -1, got.astype(np.int64)), want), target
    # the sealed room: open, but nothing outside it reaches it
    inside = nav.node_of(52 * 8.0, 38 * 8.0)
    outside = nav.node_of(4 * 8.0, 4 * 8.0)
    assert nav.open[inside[1], inside[0]]
    f = nav.field(inside)
    assert f[outside[1], outside[0]] == np.iinfo(f.dtype).max


def _reference_clear(blocked: np.ndarray, cell: int, a: tuple[float, float],
                     b: tuple[float, float]) -> bool:
    dx, dy = b[0] - a[0], b[1] - a[1]
    n = max(int(math.hypot(dx, dy) / (cell * 0.5)), 1)
    h, w = blocked.shape
    for k in range(n + 1):
        cx, cy = int((a[0] + dx * k / n) // cell), int((a[1] + dy * k / n) // cell)
        if not (0 <= cx < w and 0 <= cy < h) or blocked[cy, cx]:
            return False
    return True


def test_clear_line_matches_sampling_every_half_cell() -> None:
    level = level_from(_maze())
    nav = NavGrid(level)
    rng = random.Random(3)
    clear = 0
    for _ in range(4000):
        a = (rng.uniform(-30, level.pixel_width + 30), rng.uniform(-30, level.pixel_height + 30))
        reach = rng.choice((12.0, 60.0, 330.0))
        b = (a[0] + rng.uniform(-reach, reach), a[1] + rng.uniform(-reach, reach))
        want = _reference_clear(nav.blocked_cells, level.cell_size, a, b)
        assert nav.clear_line(a, b) is want, (a, b)
        clear += want
    assert 400 < clear < 3600  # both answers were exercised


def test_one_grid_per_level_shared_and_baked() -> None:
    rows = _maze()
    a, b = level_from(rows, name="one"), level_from(rows, name="two")
    other = level_from(open_rows(60, 44))
    nav = NavGrid.of(a)
    assert NavGrid.of(b) is nav  # the same walls: the same grid
    assert NavGrid.of(other) is not nav
    nav.bake()
    span = 4 * nav.node_px
    for y in range(0, a.pixel_height, span // 2):
        for x in range(0, a.pixel_width, span // 2):
            assert nav.anchor_of(x + 0.5, y + 0.5) in nav._fields
