"""Finding the way around walls: a coarse navigation grid with cached distance fields.

Nodes are 2x2 cells. A node is open when none of its cells is within one cell of a wall,
so a dreamer-sized body steering to its centre clears the walls. The distance field to a
target node is a breadth-first search, computed once per target and kept in a small LRU
cache. Fields are kept per anchor (one node per 4x4 block), so a match needs few of them;
the last stretch to a goal is steered straight.

Imports numpy and game.sim.level only.
"""

from __future__ import annotations

import math
from collections import OrderedDict

import numpy as np
import numpy.typing as npt

from game.sim.level import Level

__all__ = ["NavGrid"]

NODE = 2
"""cells per node side"""
ANCHOR = 4
"""nodes per side of the block that shares one distance field"""
_UNREACHED = np.iinfo(np.int32).max
_STEPS = ((-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (-1, 1), (1, -1), (1, 1))


class NavGrid:
    """Ways through one level's walls, for any number of bots."""

    def __init__(self, level: Level, cache_size: int = 256) -> None:
        self.cell = level.cell_size
        self.node_px = NODE * level.cell_size
        walls = level.walls
        blocked = walls.copy()
        blocked[1:, :] |= walls[:-1, :]
        blocked[:-1, :] |= walls[1:, :]
        blocked[:, 1:] |= walls[:, :-1]
        blocked[:, :-1] |= walls[:, 1:]
        blocked[1:, 1:] |= walls[:-1, :-1]
        blocked[:-1, :-1] |= walls[1:, 1:]
        blocked[1:, :-1] |= walls[:-1, 1:]
        blocked[:-1, 1:] |= walls[1:, :-1]
        self.blocked_cells: npt.NDArray[np.bool_] = blocked
        nh, nw = level.height // NODE, level.width // NODE
        tiles = blocked[: nh * NODE, : nw * NODE].reshape(nh, NODE, nw, NODE)
        self.open: npt.NDArray[np.bool_] = np.asarray(~tiles.any(axis=(1, 3)), dtype=bool)
        self.rows, self.cols = nh, nw
        self._fields: OrderedDict[tuple[int, int], npt.NDArray[np.int32]] = OrderedDict()
        self._cache_size = cache_size

    # ------------------------------------------------------------------ nodes
    def node_of(self, x: float, y: float) -> tuple[int, int]:
        """The open node nearest to a pixel position (column, row)."""
        c = min(max(int(x // self.node_px), 0), self.cols - 1)
        r = min(max(int(y // self.node_px), 0), self.rows - 1)
        if self.open[r, c]:
            return c, r
        for radius in range(1, 6):
            best: tuple[float, int, int] | None = None
            for dr in range(-radius, radius + 1):
                for dc in range(-radius, radius + 1):
                    rr, cc = r + dr, c + dc
                    if 0 <= rr < self.rows and 0 <= cc < self.cols and self.open[rr, cc]:
                        d = (self.centre(cc, rr)[0] - x) ** 2 + (self.centre(cc, rr)[1] - y) ** 2
                        if best is None or d < best[0]:
                            best = (d, cc, rr)
            if best is not None:
                return best[1], best[2]
        return c, r

    def anchor_of(self, x: float, y: float) -> tuple[int, int]:
        """The node that stands for every goal in the same 4x4-node block: distance fields
        are kept per anchor, so a match needs few of them. The last stretch to the goal
        itself is steered straight (see `direction`)."""
        a = ANCHOR * self.node_px
        return self.node_of((int(x // a) + 0.5) * a, (int(y // a) + 0.5) * a)

    def centre(self, c: int, r: int) -> tuple[float, float]:
        return (c + 0.5) * self.node_px, (r + 0.5) * self.node_px

    # ------------------------------------------------------------------ fields
    def field(self, target: tuple[int, int]) -> npt.NDArray[np.int32]:
        """Steps from every node to `target` (int32 max where unreachable)."""
        f = self._fields.get(target)
        if f is not None:
            self._fields.move_to_end(target)
            return f
        f = self._bfs(target)
        self._fields[target] = f
        if len(self._fields) > self._cache_size:
            self._fields.popitem(last=False)
        return f

    def _bfs(self, target: tuple[int, int]) -> npt.NDArray[np.int32]:
        """Breadth-first distances over 8 neighbours (no corner cutting), as a wavefront:
        each step is a few whole-array shifts, not a Python loop over nodes."""
        open_ = self.open
        dist = np.full(open_.shape, _UNREACHED, dtype=np.int32)
        tc, tr = target
        if not open_[tr, tc]:
            return dist
        frontier = np.zeros_like(open_)
        frontier[tr, tc] = True
        reached = frontier.copy()
        dist[tr, tc] = 0
        step = 0
        while True:
            step += 1
            nxt = np.zeros_like(open_)
            nxt[1:, :] |= frontier[:-1, :]
            nxt[:-1, :] |= frontier[1:, :]
            nxt[:, 1:] |= frontier[:, :-1]
            nxt[:, :-1] |= frontier[:, 1:]
            # diagonal steps only where both orthogonal cells are open
            nxt[1:, 1:] |= frontier[:-1, :-1] & open_[:-1, 1:] & open_[1:, :-1]
            nxt[1:, :-1] |= frontier[:-1, 1:] & open_[:-1, :-1] & open_[1:, 1:]
            nxt[:-1, 1:] |= frontier[1:, :-1] & open_[1:, 1:] & open_[:-1, :-1]
            nxt[:-1, :-1] |= frontier[1:, 1:] & open_[1:, :-1] & open_[:-1, 1:]
            nxt &= open_ & ~reached
            if not nxt.any():
                return dist
            dist[nxt] = step
            reached |= nxt
            frontier = nxt

    # ------------------------------------------------------------------ steering
    def clear_line(self, a: tuple[float, float], b: tuple[float, float]) -> bool:
        """True when the straight line from a to b keeps clear of walls."""
        dx, dy = b[0] - a[0], b[1] - a[1]
        n = max(int(math.hypot(dx, dy) / (self.cell * 0.5)), 1)
        blocked = self.blocked_cells
        h, w = blocked.shape
        for i in range(n + 1):
            x = a[0] + dx * i / n
            y = a[1] + dy * i / n
            cx, cy = int(x // self.cell), int(y // self.cell)
            if not (0 <= cx < w and 0 <= cy < h) or blocked[cy, cx]:
                return False
        return True

    def direction(self, pos: tuple[float, float], goal: tuple[float, float],
                  direct_range: float = 320.0) -> tuple[float, float]:
        """A unit vector to steer along from `pos` towards `goal` (zero when there)."""
        dx, dy = goal[0] - pos[0], goal[1] - pos[1]
        d = math.hypot(dx, dy)
        if d < 4.0:
            return 0.0, 0.0
        if d <= direct_range and self.clear_line(pos, goal):
            return dx / d, dy / d
        field = self.field(self.anchor_of(*goal))
        c, r = self.node_of(*pos)
        here = int(field[r, c])
        best = (here, c, r)
        for dr, dc in _STEPS:
            rr, cc = r + dr, c + dc
            if 0 <= rr < self.rows and 0 <= cc < self.cols and field[rr, cc] < best[0]:
                if dr and dc and not (self.open[r, cc] and self.open[rr, c]):
                    continue
                best = (int(field[rr, cc]), cc, rr)
        if best[0] == _UNREACHED or best[1:] == (c, r):
            # at the anchor (or cut off): head for the goal itself
            return dx / d, dy / d
        tx, ty = self.centre(best[1], best[2])
        ex, ey = tx - pos[0], ty - pos[1]
        e = math.hypot(ex, ey)
        return (ex / e, ey / e) if e > 1e-6 else (0.0, 0.0)
