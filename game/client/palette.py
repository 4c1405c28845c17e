"""The colours of Dreamlayer, in one place: the paint grid's palette, the realms' entity
colours and the interface's colours (STORY.md: soft glowing dream paint, warm gold for the
Sleep Sanctuaries, teal for the Rest Zones, mosaic a bright blend of both, nightmare dark).

A cell's *code* is `state * 4 + realm` (game.sim.grid, game.net.snapshot). `CELL_LUT` maps
a code to one RGB colour. `TONE_LUT` adds two static per-cell axes on top, so the map has
texture without any per-frame cost: the district kind (a subtle tint of unformed ground)
and a *pattern* (0..3, from `cell_patterns()`: the tiles of the mosaic, a gentle grain on
paint and nightmare, and the rims and front faces of walls). Index it with
`tone_index(kind, pattern) + code`.

Imports numpy and game.sim only (no pygame: only game/client's drawing modules import
pygame).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from game.sim.grid import MOSAIC_REALM, Cell

__all__ = [
    "BACKDROP",
    "CADRE",
    "CADRE_GLOW",
    "CADRE_RIM",
    "CELL_LUT",
    "CODES",
    "ETHAN",
    "ETHAN_ACCENT",
    "MOSAIC_LIGHT",
    "NIGHTMARE_EMBER",
    "PATTERNS",
    "REALM_COLOURS",
    "REALM_LIGHT",
    "REALM_NAMES",
    "ROLE_NAMES",
    "TONE_LUT",
    "UI",
    "Colour",
    "cell_colour",
    "cell_patterns",
    "code",
    "shade",
    "tone_index",
]

Colour = tuple[int, int, int]
U8 = npt.NDArray[np.uint8]

CODES = 20
"""cell codes: state (0..4) * 4 + realm (0..3)"""

PATTERNS = 4
"""static per-cell pattern variants (see `cell_patterns`)"""


def code(state: int, realm: int = 0) -> int:
    """The code of a cell: `state * 4 + realm`."""
    return int(state) * 4 + int(realm)


# ---------------------------------------------------------------- the dreamscape
UNFORMED: Colour = (50, 46, 92)
"""deep dreamy indigo-grey: ground nobody has dreamed yet"""
SANCTUARY_DREAM: Colour = (240, 192, 92)
"""warm gold: the Sleep Sanctuaries' paint"""
REST_DREAM: Colour = (56, 200, 186)
"""teal: the Rest Zones' paint"""
MOSAIC: Colour = (206, 168, 255)
"""bright lavender: the mosaic's base tile (its other tiles are rose, sky and pearl)"""
NIGHTMARE: Colour = (24, 8, 32)
"""near-black purple"""
WALL: Colour = (24, 26, 38)
"""dark slate"""

# mosaic tiles by pattern: lavender, rose, sky, pearl (bright, none of them gold or teal)
_MOSAIC_TILES: tuple[Colour, ...] = (MOSAIC, (244, 172, 234), (168, 196, 255), (232, 218, 255))
_NIGHTMARE_GRAIN: tuple[Colour, ...] = (NIGHTMARE, (30, 10, 40), (19, 6, 26), (36, 10, 44))
_WALL_TONES: tuple[Colour, ...] = (WALL, (70, 78, 104), (46, 52, 74), WALL)
"""interior, rim (touching floor), front face (floor below), unused"""
_UNFORMED_BY_KIND: tuple[Colour, ...] = (UNFORMED, (62, 46, 86), (40, 54, 96), UNFORMED)
"""no district, Sanctuary district (a warmer mauve), Rest Zone district (a cooler blue),
Commons"""
_GRAIN = (0, 6, -5, 3)
"""brightness grain of plain paint and unformed ground by pattern"""


def shade(c: Colour, d: int) -> Colour:
    """`c` lighter (d > 0) or darker by `d` on every channel, clamped."""
    r, g, b = (min(max(v + d, 0), 255) for v in c)
    return (r, g, b)


def _base_colour(c: int) -> Colour:
    state, realm = divmod(c, 4)
    if state == Cell.UNFORMED:
        return UNFORMED
    if state == Cell.DREAM:
        if realm == 1:
            return SANCTUARY_DREAM
        if realm == 2:
            return REST_DREAM
        return MOSAIC if realm == MOSAIC_REALM else (150, 140, 190)
    if state == Cell.MOSAIC:
        return MOSAIC
    if state == Cell.NIGHTMARE:
        return NIGHTMARE
    return WALL


CELL_LUT: U8 = np.array([_base_colour(c) for c in range(CODES)], dtype=np.uint8)
"""(20, 3) RGB per cell code: every code has a colour (odd realm values fall back sensibly)"""
CELL_LUT.flags.writeable = False


def _tone(kind: int, pattern: int, c: int) -> Colour:
    state = c // 4
    base: Colour = tuple(int(v) for v in CELL_LUT[c])  # type: ignore[assignment]
    if state == Cell.UNFORMED:
        return shade(_UNFORMED_BY_KIND[kind], _GRAIN[pattern] // 2)
    if state == Cell.MOSAIC or (state == Cell.DREAM and c % 4 == MOSAIC_REALM):
        return _MOSAIC_TILES[pattern]
    if state == Cell.DREAM:
        return shade(base, _GRAIN[pattern])
    if state == Cell.NIGHTMARE:
        return _NIGHTMARE_GRAIN[pattern]
    return _WALL_TONES[pattern]


TONE_LUT: U8 = np.array(
    [_tone(k, p, c) for k in range(4) for p in range(PATTERNS) for c in range(CODES)],
    dtype=np.uint8,
)
"""(4 * PATTERNS * 20, 3) RGB: index `tone_index(district kind, pattern) + code`"""
TONE_LUT.flags.writeable = False


def tone_index(kind: int | npt.NDArray[np.integer], pattern: int | npt.NDArray[np.integer]
               ) -> npt.NDArray[np.uint16]:
    """The row offset into `TONE_LUT` of a district kind (0..3) and pattern (0..3)."""
    out: npt.NDArray[np.uint16] = ((np.asarray(kind, dtype=np.uint16) * PATTERNS
                                    + np.asarray(pattern, dtype=np.uint16)) * CODES
                                   ).astype(np.uint16)
    return out


def cell_colour(c: int, kind: int = 0, pattern: int = 0) -> Colour:
    """The textured colour of a cell with code `c` in a district of `kind` and `pattern`."""
    r, g, b = (int(v) for v in TONE_LUT[int(tone_index(kind, pattern)) + c])
    return (r, g, b)


def cell_patterns(walls: npt.NDArray[np.bool_]) -> U8:
    """The static pattern (0..3) of every cell of a (padded) wall grid.

    Floor cells get a pattern hashed per tile of 2 x 2 cells (the mosaic's tiles and the
    grain of paint);
    wall cells get 0 inside, 1 on a rim touching floor, 2 for a front face (floor below).
    Deterministic: the same walls always give the same patterns.
    """
    h, w = walls.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.uint32)
    tx, ty = xx >> np.uint32(1), yy >> np.uint32(1)  # tiles of 2 x 2 cells
    hashed = (tx * np.uint32(73856093)) ^ (ty * np.uint32(19349663))
    hashed = (hashed ^ (hashed >> np.uint32(13))) * np.uint32(0x5BD1E995)
    floor_pattern = ((hashed >> np.uint32(16)) & np.uint32(3)).astype(np.uint8)
    floor = ~walls
    near = np.zeros_like(walls)
    near[1:, :] |= floor[:-1, :]
    near[:-1, :] |= floor[1:, :]
    near[:, 1:] |= floor[:, :-1]
    near[:, :-1] |= floor[:, 1:]
    below = np.zeros_like(walls)
    below[:-1, :] = floor[1:, :]
    wall_pattern = np.where(below, 2, np.where(near, 1, 0)).astype(np.uint8)
    out: U8 = np.where(walls, wall_pattern, floor_pattern).astype(np.uint8)
    return out


# ---------------------------------------------------------------- entities
REALM_COLOURS: dict[int, Colour] = {0: (200, 196, 220), 1: (255, 206, 96), 2: (64, 222, 204),
                                    3: MOSAIC}
"""a realm's colour for dreamers, beacons and the interface (0: no realm, 3: both)"""
REALM_LIGHT: dict[int, Colour] = {0: (236, 232, 250), 1: (255, 238, 190), 2: (190, 255, 244),
                                  3: (240, 226, 255)}
"""a lighter tint of each realm's colour (fills, highlights)"""
REALM_NAMES: dict[int, str] = {0: "", 1: "Sanctuary", 2: "Rest Zone", 3: "Mosaic"}
ROLE_NAMES: dict[int, str] = {0: "", 1: "Architect", 2: "Innovator", 3: "Organizer"}

CADRE: Colour = (58, 20, 82)
"""a cadre member's dark violet body"""
CADRE_GLOW: Colour = (255, 60, 210)
"""the magenta glow around the cadre"""
CADRE_RIM: Colour = (240, 220, 255)
"""the pale rim that keeps the cadre's dark robes readable on nightmare"""
ETHAN: Colour = (40, 8, 30)
ETHAN_ACCENT: Colour = (226, 30, 66)
"""Ethan Lynx's crimson"""
NIGHTMARE_EMBER: Colour = (200, 40, 160)
"""the embers flickering over nightmare"""
MOSAIC_LIGHT: Colour = (250, 236, 255)
"""sealed rifts, blooms and sparkles"""
BACKDROP: Colour = (10, 9, 20)
"""outside the map"""


class UI:
    """The interface's colours."""

    TEXT: Colour = (238, 234, 255)
    DIM: Colour = (160, 154, 196)
    SHADOW: Colour = (6, 4, 14)
    PANEL: tuple[int, int, int, int] = (14, 11, 30, 190)
    PANEL_EDGE: Colour = (84, 72, 140)
    BAR_BACK: Colour = (32, 28, 56)
    WARN: Colour = (255, 84, 116)
    READY: Colour = (170, 255, 200)
    INSPIRATION: Colour = (196, 170, 255)
    ME: Colour = (255, 255, 255)
