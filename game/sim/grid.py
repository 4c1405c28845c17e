"""The paint grid: what every cell of the dreamscape is, and the vectorised rules that change it.

A cell is UNFORMED, DREAM (carrying the painter's realm), MOSAIC (dream paint of both
realms touching), NIGHTMARE, or WALL. Everything here works on whole numpy arrays or on
small windows of them; there is no Python loop over cells.

Hot paths test "any cell?" with `np.count_nonzero` (one C call) rather than `.any()`,
which goes through Python in numpy: on these small windows, the call is the cost.

The arrays are padded with walls up to a whole number of chunks (`CHUNK` cells square), so
that per-chunk reductions are plain reshapes. `dirty` marks the chunks changed since the
last `take_dirty()`: renderers redraw only those and the server sends only those.

Imports numpy and the level only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from functools import cache
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from game.sim.level import DistrictKind, Level, Realm

__all__ = ["CHUNK", "MOSAIC_REALM", "Cell", "Census", "PaintGrid", "PaintResult", "disc", "ring"]

CHUNK = 16
"""Cells per side of a chunk, the unit of dirty tracking and of paint deltas on the wire."""

MOSAIC_REALM = 3
"""The realm-layer value of a mosaic cell: both realms at once."""

U8 = npt.NDArray[np.uint8]
Mask = npt.NDArray[np.bool_]


class Cell(IntEnum):
    """The state layer's values."""

    UNFORMED = 0
    DREAM = 1
    MOSAIC = 2
    NIGHTMARE = 3
    WALL = 4


# Plain ints for the hot paths: an Enum member lookup costs far more than a global.
UNFORMED, DREAM, MOSAIC, NIGHTMARE, WALL = (int(c) for c in Cell)


@cache
def disc(radius: int) -> Mask:
    """The cells within `radius` of a centre cell: a (2r+1)-square boolean stencil.

    A cell belongs when its centre is within radius + 0.5 of the centre cell's centre,
    which gives the round, symmetric brushes a player expects (radius 0 is one cell).
    """
    if radius < 0:
        raise ValueError(f"radius must be >= 0, got {radius}")
    span = np.arange(-radius, radius + 1)
    d2 = span[:, None] ** 2 + span[None, :] ** 2
    out: Mask = d2 <= (radius + 0.5) ** 2
    out.flags.writeable = False
    return out


@cache
def ring(inner: int, outer: int) -> Mask:
    """The cells of `disc(outer)` that are not in `disc(inner)`, on a (2*outer+1) square."""
    if not 0 <= inner < outer:
        raise ValueError(f"need 0 <= inner < outer, got {inner}, {outer}")
    out = disc(outer).copy()
    pad = outer - inner
    out[pad:-pad, pad:-pad] &= ~disc(inner)
    out.flags.writeable = False
    return out


class PaintResult(NamedTuple):
    """What one paint operation did: cells changed, and nightmare cells cleansed per
    `DistrictKind` (index 1..3; index 0 is unused)."""

    changed: int
    cleansed: tuple[int, int, int, int]


@dataclass(frozen=True)
class Census:
    """Cell counts per district and state: `counts[district, Cell]` (walls counted in 0)."""

    counts: npt.NDArray[np.int64]
    by_kind: npt.NDArray[np.int64]
    """counts summed per DistrictKind: shape (4, 5), row 0 unused"""
    _table: list[list[int]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # plain Python numbers: the meters read a few of them every tick
        by_kind = self.by_kind.copy()
        by_kind[0] = np.add.reduce(by_kind[1:], axis=0)  # row 0: all kinds
        object.__setattr__(self, "_table", by_kind.tolist())

    def floor(self, kind: DistrictKind | None = None) -> int:
        """Floor cells (everything but walls), over one district kind or the whole map."""
        row: list[int] = self._table[kind or 0]
        return row[0] + row[1] + row[2] + row[3]

    def count(self, state: Cell | int, kind: DistrictKind | None = None) -> int:
        """Cells in `state`, over one district kind or the whole map."""
        return int(self._table[kind or 0][state])

    def share(self, state: Cell | int, kind: DistrictKind | None = None) -> float:
        """Fraction of floor cells in `state`, 0.0 for an empty selection."""
        floor = self.floor(kind)
        return self.count(state, kind) / floor if floor else 0.0


class PaintGrid:
    """The paint layers of one world. Coordinates are (column x, row y) in cells."""

    def __init__(self, level: Level) -> None:
        self.width = level.width
        self.height = level.height
        self.cell_size = level.cell_size
        self.chunks_x = -(-level.width // CHUNK)
        self.chunks_y = -(-level.height // CHUNK)
        shape = (self.chunks_y * CHUNK, self.chunks_x * CHUNK)
        walls = np.ones(shape, dtype=bool)
        walls[: level.height, : level.width] = level.walls
        self.state: U8 = np.where(walls, np.uint8(WALL), np.uint8(UNFORMED)).astype(
            np.uint8
        )
        self.realm: U8 = np.zeros(shape, dtype=np.uint8)
        ids, self.district_kind = level.district_labels
        self.district = np.zeros(shape, dtype=np.int16)
        self.district[: level.height, : level.width] = ids
        self.kind_map: U8 = self.district_kind[self.district]
        """the DistrictKind of every cell (0 for walls and padding); read-only"""
        self.kind_map.flags.writeable = False
        self._census_key = self.district.astype(np.int32) * 5
        self._kind_onehot = np.zeros((len(self.district_kind), 4), dtype=np.int64)
        self._kind_onehot[np.arange(len(self.district_kind)), self.district_kind] = 1
        self.dirty: Mask = np.ones((self.chunks_y, self.chunks_x), dtype=bool)

    # ----------------------------------------------------------------- queries
    @property
    def district_count(self) -> int:
        """Districts on the map (ids 1..district_count; id 0 is walls and padding)."""
        return len(self.district_kind) - 1

    def cell_of(self, x: float, y: float) -> tuple[int, int]:
        """The cell under a pixel position, clamped to the map."""
        cx = min(max(int(x // self.cell_size), 0), self.width - 1)
        cy = min(max(int(y // self.cell_size), 0), self.height - 1)
        return cx, cy

    def at(self, cx: int, cy: int) -> Cell:
        return Cell(int(self.state[cy, cx]))

    def census(self) -> Census:
        """Count every cell by district and state (one bincount over the grid)."""
        n = len(self.district_kind)
        counts = np.bincount((self._census_key + self.state).ravel(),
                             minlength=n * 5).reshape(n, 5)
        by_kind = self._kind_onehot.T @ counts
        by_kind[0] = 0
        return Census(counts=counts, by_kind=by_kind)

    def fraction_in(self, cx: int, cy: int, stencil: Mask, mosaic_only: bool = False) -> float:
        """Fraction of the floor cells under `stencil` (centred on a cell) that are dream or
        mosaic (only mosaic with `mosaic_only`)."""
        win, st = self._window(cx, cy, stencil)
        # every state's count in one call (WALL is the largest state)
        counts: list[int] = np.bincount(self.state[win][st], minlength=WALL + 1).tolist()
        floor = sum(counts) - counts[WALL]
        if not floor:
            return 0.0
        good = counts[MOSAIC] if mosaic_only else counts[DREAM] + counts[MOSAIC]
        return good / floor

    def take_dirty(self) -> list[tuple[int, int]]:
        """The chunks (cx, cy) changed since the last call, in row-major order; clears them."""
        ys, xs = np.nonzero(self.dirty)
        self.dirty[:] = False
        return [(int(x), int(y)) for y, x in zip(ys, xs, strict=True)]

    def take_dirty_index(self) -> npt.NDArray[np.intp]:
        """Like `take_dirty`, as flat chunk indices (cy * chunks_x + cx) in row-major order."""
        index: npt.NDArray[np.intp] = self.dirty.ravel().nonzero()[0]
        self.dirty[:] = False
        return index

    def chunk(self, cx: int, cy: int) -> tuple[U8, U8]:
        """Copies of one chunk's state and realm layers (CHUNK x CHUNK, rows first)."""
        sl = np.s_[cy * CHUNK : (cy + 1) * CHUNK, cx * CHUNK : (cx + 1) * CHUNK]
        return self.state[sl].copy(), self.realm[sl].copy()

    # ----------------------------------------------------------------- changes
    def paint(self, cx: int, cy: int, stencil: Mask, realm: Realm) -> PaintResult:
        """Paint `realm`'s dream under `stencil` centred on (cx, cy).

        Unformed and nightmare cells become `realm`'s dream; the other realm's dream becomes
        mosaic; mosaic and walls stay. Afterwards, dream of one realm touching the other's
        (4-neighbours) turns to mosaic along the seam.
        """
        win, st = self._window(cx, cy, stencil)
        state = self.state[win]
        realms = self.realm[win]
        # one code per cell (state * 4 + realm) and a lookup table per painter: a handful of
        # numpy calls instead of a mask per rule, which matters on these small windows
        code = state * 4 + realms
        hit = _PAINT_CHANGES[realm][code] & st
        changed = int(np.count_nonzero(hit))
        if not changed:
            return _NO_PAINT  # (a brush held over what is its own already)
        new = np.where(hit, _PAINT_LUT[realm][code], code)
        cleansed = (0, 0, 0, 0)
        was_nightmare = hit & (state == NIGHTMARE)
        if np.count_nonzero(was_nightmare):
            kinds = self.district_kind[self.district[win][was_nightmare]]
            b = np.bincount(kinds, minlength=4)
            cleansed = (0, int(b[1]), int(b[2]), int(b[3]))
        state[...] = new >> 2
        realms[...] = new & 3
        seam = self._form_mosaic(win)
        if seam:
            # cells painted just now may have turned to mosaic too: count each cell once
            again = int(np.count_nonzero(hit & (state == MOSAIC) & ((new >> 2) == DREAM)))
            changed += seam - again
        self._mark(win)
        return PaintResult(changed, cleansed)

    def corrupt(self, cx: int, cy: int, stencil: Mask, mosaic_too: bool = False) -> int:
        """Turn unformed and dream cells under the stencil to nightmare. Mosaic holds,
        unless `mosaic_too` (Ethan's hijack, and at higher hazards on retreats without him,
        now and then the cadre's trail).

        Returns how many cells turned.
        """
        win, st = self._window(cx, cy, stencil)
        state = self.state[win]
        hit = st & ((state <= MOSAIC) if mosaic_too else (state <= DREAM))
        n = int(np.count_nonzero(hit))
        if n:
            state[hit] = NIGHTMARE
            self.realm[win][hit] = 0
            self._mark(win)
        return n

    def divide(self, cx: int, cy: int, stencil: Mask) -> int:
        """Split the mosaic under the stencil back into the two realms' plain dream, in a
        patchwork of 3-cell blocks: a distortion's illusion of division. Returns cells split.
        """
        win, st = self._window(cx, cy, stencil)
        state = self.state[win]
        hit = st & (state == MOSAIC)
        n = int(np.count_nonzero(hit))
        if n:
            ys, xs = win
            yy, xx = np.ogrid[ys.start : ys.stop, xs.start : xs.stop]
            patch = (1 + ((yy // 3 + xx // 3) % 2)).astype(np.uint8)
            state[hit] = DREAM
            self.realm[win][hit] = np.broadcast_to(patch, hit.shape)[hit]
            self._mark(win)
        return n

    def corrupt_many(self, centres: list[tuple[int, int]], stencil: Mask,
                     count: bool = True) -> int:
        """`corrupt()` under the same stencil at many centres at once (the cadre's trails).

        Centres are cells inside the map. Returns how many cells turned (0 unless `count`:
        overlapping stencils make counting cost more than the work).
        """
        r = stencil.shape[0] // 2
        if all(r <= x < self.width - r and r <= y < self.height - r for x, y in centres):
            return self._corrupt_inside(centres, stencil, count)
        oy, ox = _offsets(stencil)
        c = np.asarray(centres, dtype=np.int64)
        ys = (c[:, 1:2] + oy).ravel()
        xs = (c[:, 0:1] + ox).ravel()
        keep = (ys >= 0) & (ys < self.height) & (xs >= 0) & (xs < self.width)
        ys, xs = ys[keep], xs[keep]
        cells = self.state[ys, xs]
        hit = cells <= DREAM  # unformed or dream
        if not np.count_nonzero(hit):
            return 0
        ys, xs = ys[hit], xs[hit]
        self.state[ys, xs] = NIGHTMARE
        self.realm[ys, xs] = 0
        self.dirty[ys // CHUNK, xs // CHUNK] = True
        if not count:
            return 0
        return len(np.unique(ys * self.state.shape[1] + xs))  # stencils may overlap

    def _corrupt_inside(self, centres: list[tuple[int, int]], stencil: Mask,
                        count: bool) -> int:
        """`corrupt_many()` where every stencil lies wholly inside the map: the same cells
        turn, found with flat indices and no bounds to check (the common case)."""
        w = self.state.shape[1]
        c = np.asarray(centres, dtype=np.int64)
        cells = (c[:, 1:2] * w + c[:, 0:1] + _flat_offsets(stencil, w)).ravel()
        state = self.state.ravel()
        hit = state[cells] <= DREAM  # unformed or dream
        if not np.count_nonzero(hit):
            return 0
        cells = cells[hit]
        state[cells] = NIGHTMARE
        self.realm.ravel()[cells] = 0
        ys, xs = np.divmod(cells, w)
        self.dirty[ys // CHUNK, xs // CHUNK] = True
        if not count:
            return 0
        return len(np.unique(cells))  # stencils may overlap

    def seal(self, cx: int, cy: int, stencil: Mask) -> int:
        """Turn every floor cell under the stencil to mosaic (a sealed rift's scar)."""
        win, st = self._window(cx, cy, stencil)
        state = self.state[win]
        hit = st & (state != WALL) & (state != MOSAIC)
        n = int(np.count_nonzero(hit))
        if n:
            state[hit] = MOSAIC
            self.realm[win][hit] = MOSAIC_REALM
            self._mark(win)
        return n

    def spread(self, rng: np.random.Generator, p_unformed: float, p_dream: float) -> int:
        """One pass of nightmare creeping into neighbouring cells, over the whole grid.

        Each unformed (dream) cell turns with chance `p_unformed` (`p_dream`) for each of its
        4-neighbours that is nightmare, capped at 1. Mosaic and walls never turn. One random
        draw per cell that could turn, in row-major order. Returns cells turned.
        """
        nm = (self.state == NIGHTMARE).view(np.uint8)
        if not np.count_nonzero(nm):
            return 0
        around = np.zeros(nm.shape, dtype=nm.dtype)
        around[1:, :] += nm[:-1, :]
        around[:-1, :] += nm[1:, :]
        around[:, 1:] += nm[:, :-1]
        around[:, :-1] += nm[:, 1:]
        flat_nb = around.ravel()
        flat_state = self.state.ravel()
        # touched, and unformed or dream
        cand = np.logical_and(flat_nb, flat_state <= DREAM).nonzero()[0]
        if not len(cand):
            return 0
        per = np.where(flat_state[cand] == UNFORMED,
                       np.uint32(min(int(p_unformed * 65536), 65536)),
                       np.uint32(min(int(p_dream * 65536), 65536)))
        chance = per * flat_nb[cand]
        roll = rng.integers(0, 65536, size=len(cand), dtype=np.uint32)
        hits = cand[roll < chance]
        count = len(hits)
        if count:
            flat_state[hits] = NIGHTMARE  # (ravel of the whole grid: a view)
            self.realm.ravel()[hits] = 0
            w = self.state.shape[1]
            self.dirty[(hits // w) // CHUNK, (hits % w) // CHUNK] = True
        return count

    # ----------------------------------------------------------------- internals
    def _window(
        self, cx: int, cy: int, stencil: Mask
    ) -> tuple[tuple[slice, slice], Mask]:
        """The grid slice under a stencil centred on (cx, cy), and the stencil clipped to it."""
        r = stencil.shape[0] // 2
        if r <= cx < self.width - r and r <= cy < self.height - r:
            return (slice(cy - r, cy + r + 1), slice(cx - r, cx + r + 1)), stencil
        gy0, gx0 = cy - r, cx - r
        y0, x0 = max(gy0, 0), max(gx0, 0)
        y1 = min(cy + r + 1, self.height)
        x1 = min(cx + r + 1, self.width)
        y1, x1 = max(y1, y0), max(x1, x0)
        st = stencil[y0 - gy0 : y1 - gy0, x0 - gx0 : x1 - gx0]
        return (slice(y0, y1), slice(x0, x1)), st

    def _mark(self, win: tuple[slice, slice]) -> None:
        ys, xs = win
        if ys.stop > ys.start and xs.stop > xs.start:
            self.dirty[
                ys.start // CHUNK : (ys.stop - 1) // CHUNK + 1,
                xs.start // CHUNK : (xs.stop - 1) // CHUNK + 1,
            ] = True

    def _form_mosaic(self, win: tuple[slice, slice]) -> int:
        """Turn dream cells in `win` (grown by one cell) that touch the other realm's dream
        into mosaic. Returns cells turned."""
        ys, xs = win
        y0, y1 = max(ys.start - 1, 0), min(ys.stop + 1, self.height)
        x0, x1 = max(xs.start - 1, 0), min(xs.stop + 1, self.width)
        # one more cell of context on each side, for the neighbour test
        cy0, cy1 = max(y0 - 1, 0), min(y1 + 1, self.height)
        cx0, cx1 = max(x0 - 1, 0), min(x1 + 1, self.width)
        code = self.state[cy0:cy1, cx0:cx1] * 4 + self.realm[cy0:cy1, cx0:cx1]
        a = code == _SANCTUARY_DREAM
        if not np.count_nonzero(a):
            return 0
        b = code == _REST_DREAM
        if not np.count_nonzero(b):
            return 0
        # one layer for both realms (1: sanctuary's dream, 2: the rest zone's), its
        # neighbours' bits OR-ed together: a cell turns where its own bit and a neighbour's
        # other bit make 3 (fewer numpy calls than a neighbour test per realm)
        both = a.view(np.uint8) | (b.view(np.uint8) << 1)
        near = _neighbours(both)
        # only cells inside the grown window may turn
        inner = np.s_[y0 - cy0 : y1 - cy0, x0 - cx0 : x1 - cx0]
        turn = ((both | near) == 3)[inner] & (both[inner] != 0)
        n = int(np.count_nonzero(turn))
        if n:
            self.state[y0:y1, x0:x1][turn] = MOSAIC
            self.realm[y0:y1, x0:x1][turn] = MOSAIC_REALM
            self._mark((slice(y0, y1), slice(x0, x1)))
        return n


def _paint_table(realm: int) -> U8:
    """code (state * 4 + realm) -> code after `realm` paints the cell."""
    lut = np.arange(20, dtype=np.uint8)
    mine = DREAM * 4 + realm
    lut[UNFORMED * 4] = mine
    lut[NIGHTMARE * 4] = mine
    for other in (Realm.SANCTUARY, Realm.REST):
        if other != realm:
            lut[DREAM * 4 + other] = MOSAIC * 4 + MOSAIC_REALM
    return lut


_PAINT_LUT = {int(r): _paint_table(int(r)) for r in Realm}
_PAINT_CHANGES = {r: lut != np.arange(len(lut), dtype=np.uint8) for r, lut in _PAINT_LUT.items()}
"""code -> whether `realm`'s paint changes a cell of that code"""
_NO_PAINT = PaintResult(0, (0, 0, 0, 0))
_SANCTUARY_DREAM = DREAM * 4 + int(Realm.SANCTUARY)
_REST_DREAM = DREAM * 4 + int(Realm.REST)


_OFFSETS: dict[int, tuple[Mask, npt.NDArray[np.intp], npt.NDArray[np.intp]]] = {}
"""id of a stencil -> (the stencil, kept so the id stays its own; its cells' offsets)"""


def _offsets(stencil: Mask) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """The row and column offsets from the centre of a read-only stencil's cells (worked
    out once per stencil: `disc` and `ring` hand out the same arrays every time)."""
    hit = _OFFSETS.get(id(stencil))
    if hit is not None and hit[0] is stencil:
        return hit[1], hit[2]
    r = stencil.shape[0] // 2
    oy, ox = np.nonzero(stencil)
    oy, ox = oy - r, ox - r
    if not stencil.flags.writeable and len(_OFFSETS) < 64:
        _OFFSETS[id(stencil)] = (stencil, oy, ox)
    return oy, ox


_FLAT_OFFSETS: dict[tuple[int, int], tuple[Mask, npt.NDArray[np.intp]]] = {}
"""(id of a stencil, row length) -> (the stencil, its cells' offsets in a flat grid)"""


def _flat_offsets(stencil: Mask, width: int) -> npt.NDArray[np.intp]:
    """The offsets from the centre of a read-only stencil's cells in a row-major grid
    `width` cells wide (worked out once per stencil and width, like `_offsets`)."""
    hit = _FLAT_OFFSETS.get((id(stencil), width))
    if hit is not None and hit[0] is stencil:
        return hit[1]
    oy, ox = _offsets(stencil)
    flat: npt.NDArray[np.intp] = oy * width + ox
    if not stencil.flags.writeable and len(_FLAT_OFFSETS) < 64:
        _FLAT_OFFSETS[(id(stencil), width)] = (stencil, flat)
    return flat


def _neighbours(layer: U8) -> U8:
    """Each cell's 4-neighbours' values OR-ed together (0 beyond the edges)."""
    out = np.zeros(layer.shape, dtype=np.uint8)
    out[1:, :] |= layer[:-1, :]
    out[:-1, :] |= layer[1:, :]
    out[:, 1:] |= layer[:, :-1]
    out[:, :-1] |= layer[:, 1:]
    return out
