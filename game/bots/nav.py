"""Finding the way around walls: a coarse navigation grid with cached distance fields.

Nodes are 2x2 cells. A node is open when none of its cells is within one cell of a wall,
so a dreamer-sized body steering to its centre clears the walls. The distance field to a
target node is a breadth-first search, computed once per target and kept. Fields are kept
per anchor (one node per 4x4 block), so a level needs few of them; the last stretch to a
goal is steered straight.

A field depends on nothing but the level's walls, so every match of a level in one process
shares one `NavGrid` (`NavGrid.of(level)`), and `bake()` works out every anchor's field
once per process, the way a level is loaded once: a whole level takes a fraction of a
second (the largest retreat's ~600 fields, those of goals just off the map included, about
0.3 s), and no tick of any match pays for a field after that. Which fields happen to be
kept never changes a bot's move, only what it costs.

Imports numpy and game.sim.level only.
"""

from __future__ import annotations

import hashlib
import math
from collections import OrderedDict
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from game.sim.level import Level

__all__ = ["NavGrid"]

NODE = 2
"""cells per node side"""
ANCHOR = 4
"""nodes per side of the block that shares one distance field"""
_STEPS = ((-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (-1, 1), (1, -1), (1, 1))
_LOOP_SAMPLES = 12
"""a line of more samples than this is checked with numpy, a shorter one in a loop"""
OFF_MAP_PX = 160.0
"""how far off the map a bot's goal may lie: a cadre member flees to a point 160 px from
where it stands, which near an edge is outside. `bake()` works out the fields of the
anchors such goals have too, or a tick pays for one when a bot first flees there"""
_SHARED_LEVELS = 8
"""how many levels' grids `NavGrid.of` keeps (one per retreat a process plays)"""

_UNREACHED = {1: int(np.iinfo(np.uint8).max), 2: int(np.iinfo(np.uint16).max)}
"""a field's mark for the nodes that cannot reach its target, by the field's item size"""

Field = npt.NDArray[np.unsignedinteger[Any]]
"""steps from every node to a target; the dtype's maximum where the target is unreachable"""


class NavGrid:
    """Ways through one level's walls, for any number of bots (and any number of matches
    of the level: see `of`)."""

    _shared: ClassVar[OrderedDict[bytes, NavGrid]] = OrderedDict()

    def __init__(self, level: Level) -> None:
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
        sums = np.zeros((blocked.shape[0] + 1, blocked.shape[1] + 1), dtype=np.int32)
        sums[1:, 1:] = blocked.cumsum(axis=0, dtype=np.int32).cumsum(axis=1, dtype=np.int32)
        self._blocked_sums = sums
        """blocked cells above and left of each corner (a summed-area table)"""
        nh, nw = level.height // NODE, level.width // NODE
        tiles = blocked[: nh * NODE, : nw * NODE].reshape(nh, NODE, nw, NODE)
        self.open: npt.NDArray[np.bool_] = np.asarray(~tiles.any(axis=(1, 3)), dtype=bool)
        self.rows, self.cols = nh, nw
        self._open_rows: list[list[bool]] = self.open.tolist()
        self._fields: dict[tuple[int, int], Field] = {}
        self._bits = _Bitboard(self.open)
        self._baked = False
        margin = self._margin()
        blocks = (-(-nw // ANCHOR) + 2 * margin) * (-(-nh // ANCHOR) + 2 * margin)
        self._keep = 2 * blocks + 64
        """the most fields kept: every anchor's (those of goals off the map included), and
        as many again"""

    @classmethod
    def of(cls, level: Level) -> NavGrid:
        """The grid of `level`'s walls shared by every match of it in this process (the
        same walls give the same grid, whichever `Level` object carries them)."""
        w = np.ascontiguousarray(level.walls, dtype=bool)
        h = hashlib.blake2b(w.tobytes(), digest_size=16)
        h.update(f"{level.cell_size}:{w.shape}".encode())
        key = h.digest()
        nav = cls._shared.get(key)
        if nav is None:
            nav = cls(level)
            cls._shared[key] = nav
            if len(cls._shared) > _SHARED_LEVELS:
                cls._shared.popitem(last=False)
        else:
            cls._shared.move_to_end(key)
        return nav

    # ------------------------------------------------------------------ nodes
    def node_of(self, x: float, y: float) -> tuple[int, int]:
        """The open node nearest to a pixel position (column, row)."""
        c = min(max(int(x // self.node_px), 0), self.cols - 1)
        r = min(max(int(y // self.node_px), 0), self.rows - 1)
        if self._open_rows[r][c]:
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
    def field(self, target: tuple[int, int]) -> Field:
        """Steps from every node to `target` (column, row), as a read-only array whose
        dtype's maximum marks the nodes that cannot reach it. Worked out once per target."""
        f = self._fields.get(target)
        if f is None:
            if len(self._fields) >= self._keep:
                del self._fields[next(iter(self._fields))]
            f = self._fields[target] = self._bits.distances(target)
        return f

    def _margin(self) -> int:
        """Blocks off the map a goal may lie in (see OFF_MAP_PX)."""
        return math.ceil(OFF_MAP_PX / (ANCHOR * self.node_px))

    def bake(self) -> None:
        """Work out the field of every anchor now, those of goals up to OFF_MAP_PX off the
        map included (once per grid; later calls return at once), so steering never pays
        for one in the middle of a tick."""
        if self._baked:
            return
        self._baked = True
        a = ANCHOR * self.node_px
        m = self._margin()
        for by in range(-m, -(-self.rows // ANCHOR) + m):
            for bx in range(-m, -(-self.cols // ANCHOR) + m):
                self.field(self.anchor_of((bx + 0.5) * a, (by + 0.5) * a))

    # ------------------------------------------------------------------ steering
    def clear_line(self, a: tuple[float, float], b: tuple[float, float]) -> bool:
        """True when the straight line from a to b keeps clear of walls: none of its
        samples, every half cell from a to b inclusive, is off the map or on a blocked
        cell."""
        dx, dy = b[0] - a[0], b[1] - a[1]
        n = max(int(math.hypot(dx, dy) / (self.cell * 0.5)), 1)
        cell = self.cell
        h, w = self.blocked_cells.shape
        # sample k is at a + d*k/n: each coordinate moves one way only as k grows, so every
        # sample's cell lies in the box of the first and the last sample's cells
        x0, y0 = int(a[0] // cell), int(a[1] // cell)
        x1, y1 = int((a[0] + dx * n / n) // cell), int((a[1] + dy * n / n) // cell)
        lo_x, hi_x = min(x0, x1), max(x0, x1)
        lo_y, hi_y = min(y0, y1), max(y0, y1)
        if lo_x < 0 or lo_y < 0 or hi_x >= w or hi_y >= h:
            return False
        s = self._blocked_sums
        if not (s[hi_y + 1, hi_x + 1] - s[lo_y, hi_x + 1] - s[hi_y + 1, lo_x] + s[lo_y, lo_x]):
            return True  # nothing blocked in the whole box
        blocked = self.blocked_cells
        if n > _LOOP_SAMPLES:
            # the same samples at once (the same float operations in the same order)
            ks = np.arange(n + 1, dtype=np.float64)
            xs = ((a[0] + dx * ks / n) // cell).astype(np.intp)
            ys = ((a[1] + dy * ks / n) // cell).astype(np.intp)
            return not np.count_nonzero(blocked[ys, xs])
        for k in range(n + 1):
            if blocked[int((a[1] + dy * k / n) // cell), int((a[0] + dx * k / n) // cell)]:
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
        unreached = _UNREACHED[field.dtype.itemsize]
        c, r = self.node_of(*pos)
        # the node's neighbourhood as plain numbers (one read instead of one per neighbour)
        r0, c0 = max(r - 1, 0), max(c - 1, 0)
        steps: list[list[int]] = field[r0:r + 2, c0:c + 2].tolist()
        opened = self._open_rows
        best = (steps[r - r0][c - c0], c, r)
        for dr, dc in _STEPS:
            rr, cc = r + dr, c + dc
            if 0 <= rr < self.rows and 0 <= cc < self.cols and steps[rr - r0][cc - c0] < best[0]:
                if dr and dc and not (opened[r][cc] and opened[rr][c]):
                    continue
                best = (steps[rr - r0][cc - c0], cc, rr)
        if best[0] == unreached or best[1:] == (c, r):
            # at the anchor (or cut off): head for the goal itself
            return dx / d, dy / d
        tx, ty = self.centre(best[1], best[2])
        ex, ey = tx - pos[0], ty - pos[1]
        e = math.hypot(ex, ey)
        return (ex / e, ey / e) if e > 1e-6 else (0.0, 0.0)


class _Bitboard:
    """Breadth-first distances on a grid of open nodes, with the whole grid as one Python
    integer (a bit per node): each wavefront step is a handful of shifts and masks on that
    integer, so a field on the largest retreat costs a fraction of a millisecond.

    Rows are laid out with one closed padding bit at their end (and a closed row above and
    below), so a shift never wraps an edge node onto the far side. Steps go to the 8
    neighbours; a diagonal step only where both orthogonal nodes it passes are open (no
    corner cutting).
    """

    def __init__(self, open_: npt.NDArray[np.bool_]) -> None:
        rows, cols = open_.shape
        self.rows, self.cols = rows, cols
        self.stride = stride = cols + 1
        padded = np.zeros((rows + 2, stride), dtype=bool)
        padded[1:-1, :cols] = open_
        self.size = padded.size
        self.open = _to_int(padded.ravel())
        o = self.open

        def moved(bits: int, by: int) -> int:
            """bit p of the result is bit p + by of `bits`"""
            return bits >> by if by > 0 else bits << -by

        # a diagonal step from p to p + dr*stride + dc passes p + dc and p + dr*stride
        self.diagonals = [(dr * stride + dc, moved(o, dc) & moved(o, dr * stride))
                          for dr in (-1, 1) for dc in (-1, 1)]

    def distances(self, target: tuple[int, int]) -> Field:
        tc, tr = target
        rows, cols, stride = self.rows, self.cols, self.stride
        if not (0 <= tr < rows and 0 <= tc < cols):
            return _readonly(np.full((rows, cols), np.iinfo(np.uint8).max, dtype=np.uint8))
        front = 1 << ((tr + 1) * stride + tc)
        if not self.open & front:
            return _readonly(np.full((rows, cols), np.iinfo(np.uint8).max, dtype=np.uint8))
        todo = self.open & ~front
        fronts = [front]
        diagonals = self.diagonals
        while True:
            nxt = (front << 1) | (front >> 1) | (front << stride) | (front >> stride)
            for by, allowed in diagonals:
                step = front & allowed
                nxt |= step << by if by > 0 else step >> -by
            nxt &= todo
            if not nxt:
                break
            todo ^= nxt
            fronts.append(nxt)
            front = nxt
        # the distances as bit planes: plane b holds the nodes whose distance has bit b
        dtype = np.uint8 if len(fronts) < np.iinfo(np.uint8).max else np.uint16
        bits = np.iinfo(dtype).bits
        planes = [0] * bits
        for dist, f in enumerate(fronts):
            b = 0
            while dist:
                if dist & 1:
                    planes[b] |= f
                dist >>= 1
                b += 1
        unreached = ((1 << self.size) - 1) & ~(self.open & ~todo)
        out = np.zeros(self.size, dtype=np.uint32)
        for b, plane in enumerate(planes):
            out |= _to_bool(plane | unreached, self.size).astype(np.uint32) << b
        return _readonly(out.reshape(rows + 2, stride)[1:-1, :cols].astype(dtype))


def _to_int(mask: npt.NDArray[np.bool_]) -> int:
    """A flat boolean array as an integer: bit i is mask[i]."""
    return int.from_bytes(np.packbits(mask, bitorder="little").tobytes(), "little")


def _to_bool(bits: int, size: int) -> npt.NDArray[np.bool_]:
    """The first `size` bits of a non-negative integer as a flat boolean array."""
    raw = np.frombuffer(bits.to_bytes((size + 7) // 8, "little"), dtype=np.uint8)
    return np.unpackbits(raw, bitorder="little", count=size).view(bool)


def _readonly(a: Field) -> Field:
    a.flags.writeable = False
    return a
