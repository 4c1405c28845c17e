"""The match screen's world drawing: the dreamscape, rifts, beacons, dreamers, the cadre,
Ethan, the brush, the effects and the dreamers' names, under a camera. `MatchRenderer`
keeps a world-sized surface of the paint grid and redraws only the chunks a `MatchView`
marks dirty, then blits the part under the camera and draws the moving things on top.

Figures (dreamers, the cadre, Ethan) come pre-rendered in every pose from
`game.client.figures`; they are animated here: an idle bob, a walk with a lean, a scrub
while painting, a shake and a magenta wash when distorted, lying down when asleep. Names
are placed by `game.client.labels` so they never pile up; your own is always shown.
The camera keeps clear of the HUD's panels (`game.client.layout`).

Only game/client imports pygame; the simulation and the network code never do.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import repeat
from typing import Any

import numpy as np
import numpy.typing as npt
import pygame

from game.client import palette as pal
from game.client.figures import Figures, Tone, dreamer_name
from game.client.labels import place_labels
from game.client.layout import Insets, Rect, camera_offset, hud_insets
from game.client.palette import Colour
from game.client.text import TextCache
from game.client.view import EFFECT_SECONDS, EffectView, EntityView, MatchView, RiftView
from game.net.records import CadreStatus, DreamerStatus
from game.sim.events import EventKind, PingKind
from game.sim.grid import CHUNK, MOSAIC_REALM, Cell
from game.sim.level import Level
from game.sim.tuning import Tuning

__all__ = [
    "BEACON_PX",
    "CADRE_PX",
    "DREAMER_PX",
    "EFFECT_SECONDS",
    "ETHAN_PX",
    "DrawnLabel",
    "MatchRenderer",
]

DREAMER, CADRE, ETHAN, BEACON = 1, 2, 3, 4
"""entity kinds (game.net.snapshot.EntityKind)"""
ASLEEP, DISTORTED = DreamerStatus.ASLEEP, DreamerStatus.DISTORTED
HIJACKING, SLOWED, AWAKENING = (CadreStatus.HIJACKING, CadreStatus.SLOWED,
                                CadreStatus.AWAKENING)


_PING_COLOURS: dict[int, Colour] = {  # by PingKind value
    PingKind.NIGHTMARE: (255, 70, 200),
    PingKind.HELP: (255, 236, 180),
    PingKind.RIFT: (255, 60, 80),
}
_PING_WORDS: dict[int, str] = {PingKind.NIGHTMARE: "nightmare", PingKind.HELP: "help",
                               PingKind.RIFT: "rift"}

DREAMER_PX = 50
"""a dreamer's figure is drawn in a square this wide (its body is 18 px across in the
simulation: the figure is larger so it reads at a glance)"""
CADRE_PX = 44
ETHAN_PX = 76
BEACON_PX = 26
_LABEL_SIZE = 19
_PAINT_MEMORY = 0.4
"""seconds a dreamer keeps its painting pose after its paint last appeared"""
_MOVING = 25.0
"""px/s above which a figure walks rather than idles"""
_SHADOW_KEY: Colour = (0, 0, 0)
_DREAM = int(Cell.DREAM) * 4
_DREAM_BOTH = _DREAM + MOSAIC_REALM

_EMBER_LEVELS = 6
_SPARKS_PER_GROUP = 130
_SPARK_GROUPS = 3
_SPARK_RATE = 2.2
"""each spark group is re-drawn from new cells this many times a second"""


# ---------------------------------------------------------------------- sprites
def _glow(colour: Colour, radius: int, strength: float = 0.55) -> pygame.Surface:
    """A soft radial glow (per-pixel alpha), 2*radius square."""
    size = 2 * radius
    surf = pygame.Surface((size, size), pygame.SRCALPHA)
    surf.fill((*colour, 0))
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    d = np.hypot(xx - radius, yy - radius) / radius
    alpha = (np.clip(1.0 - d, 0.0, 1.0) ** 2 * 255 * strength).astype(np.uint8)
    px = pygame.surfarray.pixels_alpha(surf)
    px[...] = alpha.T
    del px
    return surf


def _ember(level: int) -> pygame.Surface:
    """A nightmare ember (colour-keyed) of brightness `level`: a dot that swells into a
    little four-pointed glint as it brightens."""
    f = (level + 1) / _EMBER_LEVELS
    er, eg, eb = pal.NIGHTMARE_EMBER
    core = (min(int(er * f + 55 * f * f), 255), int(eg * f + 30 * f * f),
            min(int(eb * f + 60 * f * f), 255))
    edge = (int(er * f * 0.5), int(eg * f * 0.3), int(eb * f * 0.55))
    big = level >= _EMBER_LEVELS // 2
    surf = pygame.Surface((5, 5))
    surf.fill((0, 0, 0))
    surf.set_colorkey((0, 0, 0))
    arms: tuple[tuple[int, int], ...] = ((2, 1), (1, 2), (3, 2), (2, 3))
    if big:
        arms += ((2, 0), (0, 2), (4, 2), (2, 4))
    for p in arms:
        surf.set_at(p, edge)
    surf.set_at((2, 2), core)
    if big:
        for p in ((2, 1), (1, 2), (3, 2), (2, 3)):
            surf.set_at(p, _mix(core, edge, 0.5))
    return surf


def _star_points(cx: float, cy: float, outer: float, inner: float, n: int,
                 turn: float) -> list[tuple[float, float]]:
    pts = []
    for k in range(2 * n):
        r = outer if k % 2 == 0 else inner
        a = turn + math.pi * k / n
        pts.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    return pts


def _mix(a: Colour, b: Colour, t: float) -> Colour:
    return (int(a[0] + (b[0] - a[0]) * t), int(a[1] + (b[1] - a[1]) * t),
            int(a[2] + (b[2] - a[2]) * t))


@dataclass(slots=True)
class _Track:
    """Where a moving entity was last frame, its smoothed velocity and the way it faces."""

    x: float
    y: float
    t: float
    vx: float = 0.0
    vy: float = 0.0
    left: bool = False


@dataclass(frozen=True, slots=True)
class DrawnLabel:
    """A name drawn over an entity this frame: whose, what, and where (screen pixels)."""

    entity: int
    text: str
    rect: Rect
    yours: bool = False


@dataclass(frozen=True, slots=True)
class _Wanted:
    """A name that wants drawing above `head` (the top of its owner's figure)."""

    entity: int
    text: str
    image: pygame.Surface
    head: tuple[int, int]
    yours: bool
    rank: int
    """0 yours, 1 Ethan, 2 the others"""
    dist: float


# ---------------------------------------------------------------------- the renderer
class MatchRenderer:
    """Draws the world part of the match screen.

    Contract: `draw(surface, view)` redraws exactly the chunks in `view.dirty` from
    `view.codes` into the kept world surface (then empties `view.dirty`), blits the part
    under `view.camera` and draws entities, rifts and effects on top. Cells keep whatever
    colour they were last drawn with until their chunk is marked dirty. `flicker=False`
    turns off the animated nightmare embers, `texture=False` draws every cell in the plain
    `palette.CELL_LUT` colour of its code (both for tests). `assets`, when given, is an
    object with `sprite(name, size)` or `sprite(name)` (`game.client.assets.Assets`);
    whatever it lacks is drawn with primitives. `insets` is how far the HUD's panels
    reach in from each edge (default: `layout.hud_insets` of the screen size; `Insets()`
    for none): the camera may show that much beyond the map so no dreamer hides under
    them. After `draw`, `labels` lists the names drawn, and `on_screen` where each entity
    was drawn (screen pixels, by entity id).
    """

    def __init__(self, level: Level, screen_size: tuple[int, int], *, flicker: bool = True,
                 texture: bool = True, assets: Any = None,
                 tuning: Tuning | None = None, insets: Insets | None = None) -> None:
        self.level = level
        self.cell = cs = level.cell_size
        self.screen_size = screen_size
        self.flicker = flicker
        self.assets = assets
        self.tuning = tuning or Tuning()
        self._fixed_insets = insets
        self.insets = insets if insets is not None else hud_insets(screen_size)
        self.chunks_x = -(-level.width // CHUNK)
        self.chunks_y = -(-level.height // CHUNK)
        self.grid_shape = (self.chunks_y * CHUNK, self.chunks_x * CHUNK)
        self.world_size = (level.pixel_width, level.pixel_height)
        self.offset: tuple[int, int] = camera_offset(
            (level.pixel_width / 2, level.pixel_height / 2), screen_size, self.world_size,
            self.insets)
        display = pygame.display.get_surface() is not None
        world = pygame.Surface((self.grid_shape[1] * cs, self.grid_shape[0] * cs))
        self.world = world.convert() if display else world
        self.world.fill(pal.BACKDROP)
        chunk_px = CHUNK * cs
        self._small = pygame.Surface((CHUNK, CHUNK), 0, self.world)
        self._big = pygame.Surface((chunk_px, chunk_px), 0, self.world)
        # the static per-cell texture: district kind x pattern -> a row offset into the LUT
        walls = np.ones(self.grid_shape, dtype=bool)
        walls[: level.height, : level.width] = level.walls
        kinds = np.zeros(self.grid_shape, dtype=np.uint8)
        kinds[: level.height, : level.width] = np.where(level.walls, 0, level.districts)
        if texture:
            self._lut: npt.NDArray[np.uint8] = pal.TONE_LUT
            base = pal.tone_index(np.clip(kinds, 0, 3), pal.cell_patterns(walls))
        else:
            self._lut = pal.CELL_LUT
            base = np.zeros(self.grid_shape, dtype=np.uint16)
        self._base_t = np.ascontiguousarray(base.T)
        """(columns, rows): surfarray's axis order"""
        rnd = np.random.default_rng(0x5EED).integers(0, 65536, size=self.grid_shape)
        self._cell_rand = rnd.astype(np.uint32)
        self._embers = [_ember(i) for i in range(_EMBER_LEVELS)]
        self._glows: dict[tuple[Colour, int], pygame.Surface] = {}
        self._rings: OrderedDict[tuple[int, int, Colour, int], pygame.Surface] = OrderedDict()
        self.figures = Figures(assets)
        self.text = TextCache()
        self._chips: dict[tuple[str, int], pygame.Surface] = {}
        self._brush = {1: self.tuning.architect_brush, 2: self.tuning.innovator_brush,
                       3: self.tuning.organizer_brush}
        self._tracks: dict[int, _Track] = {}
        self._prev_codes: npt.NDArray[np.uint8] | None = None
        self._painting_until: dict[int, float] = {}
        self._pending: list[_Wanted] = []
        self.sparks_drawn = 0
        """embers drawn in the last frame (for tests and the benchmark)"""
        self.labels: list[DrawnLabel] = []
        """the names drawn in the last frame, where they were drawn"""
        self.on_screen: dict[int, tuple[int, int]] = {}
        """where each entity was drawn in the last frame (screen pixels, by entity id)"""

    # ------------------------------------------------------------------ coordinates
    def world_to_screen(self, p: tuple[float, float]) -> tuple[float, float]:
        """A world pixel position to a screen position under the last drawn camera."""
        return (p[0] - self.offset[0], p[1] - self.offset[1])

    def screen_to_world(self, p: tuple[float, float]) -> tuple[float, float]:
        """A screen position (e.g. the mouse) to the world pixel under it; the inverse of
        `world_to_screen` (exact for whole pixels: the offset is whole)."""
        return (p[0] + self.offset[0], p[1] + self.offset[1])

    def set_camera(self, camera: tuple[float, float],
                   screen_size: tuple[int, int] | None = None) -> None:
        """Point the camera (`draw` does this from the view)."""
        if screen_size is not None and screen_size != self.screen_size:
            self.screen_size = screen_size
            if self._fixed_insets is None:
                self.insets = hud_insets(screen_size)
        self.offset = camera_offset(camera, self.screen_size, self.world_size, self.insets)

    # ------------------------------------------------------------------ the frame
    def draw(self, surface: pygame.Surface, view: MatchView) -> None:
        """Draw the world part of one frame of `view` onto `surface` (the whole surface).

        Raises ValueError when `view.codes` is not the level's padded grid.
        """
        if view.codes.shape != self.grid_shape:
            raise ValueError(f"codes of shape {view.codes.shape}, the level needs "
                             f"{self.grid_shape}")
        self.set_camera(view.camera, surface.get_size())
        if view.dirty:
            self._see_painting(view)
        self.redraw_chunks(view.codes, view.dirty)
        view.dirty.clear()
        self._blit_world(surface)
        t = view.time
        if self.flicker:
            self._draw_embers(surface, view.codes, t)
        else:
            self.sparks_drawn = 0
        for r in view.rifts:
            self._draw_rift(surface, r, t)
        self._draw_entities(surface, view)
        self._draw_effects(surface, view.effects, t)
        self._draw_labels(surface)

    def redraw_chunks(self, codes: npt.NDArray[np.uint8], chunks: Iterable[int]) -> None:
        """Repaint the given chunks (index = row * chunks_x + column) of the world surface
        from `codes`; indices outside the grid are ignored."""
        cs, lut, n = self.cell, self._lut, self.chunks_x * self.chunks_y
        codes_t = codes.T
        small, big, world = self._small, self._big, self.world
        size = big.get_size()
        blit_array = pygame.surfarray.blit_array
        scale = pygame.transform.scale
        for k in chunks:
            if not 0 <= k < n:
                continue
            cy, cx = divmod(k, self.chunks_x)
            xs, ys = slice(cx * CHUNK, (cx + 1) * CHUNK), slice(cy * CHUNK, (cy + 1) * CHUNK)
            blit_array(small, lut[self._base_t[xs, ys] + codes_t[xs, ys]])
            scale(small, size, big)
            world.blit(big, (cx * CHUNK * cs, cy * CHUNK * cs))

    def _blit_world(self, surface: pygame.Surface) -> None:
        sw, sh = surface.get_size()
        ox, oy = self.offset
        ww, wh = self.world_size
        ax, ay = max(ox, 0), max(oy, 0)
        aw, ah = min(sw, ww - ax), min(sh, wh - ay)
        dx, dy = ax - ox, ay - oy
        if dx > 0 or dy > 0 or aw < sw or ah < sh:
            surface.fill(pal.BACKDROP)
        surface.blit(self.world, (dx, dy), (ax, ay, aw, ah))

    def _visible_cells(self) -> tuple[int, int, int, int]:
        cs = self.cell
        ox, oy = self.offset
        sw, sh = self.screen_size
        x0, y0 = max(ox // cs, 0), max(oy // cs, 0)
        x1 = min((ox + sw) // cs + 1, self.level.width)
        y1 = min((oy + sh) // cs + 1, self.level.height)
        return x0, y0, x1, y1

    # ------------------------------------------------------------------ nightmare
    def _draw_embers(self, surface: pygame.Surface, codes: npt.NDArray[np.uint8],
                     t: float) -> None:
        """Embers that glow up and fade on nightmare cells. The cells of each group are
        drawn from a hash of the cell and the moment, so they stay put as the camera
        moves and change a few times a second."""
        x0, y0, x1, y1 = self._visible_cells()
        self.sparks_drawn = 0
        if x1 <= x0 or y1 <= y0:
            return
        sub = codes[y0:y1, x0:x1]
        nightmare = (sub >= 12) & (sub < 16)
        count = int(np.count_nonzero(nightmare))
        if not count:
            return
        rand = self._cell_rand[y0:y1, x0:x1]
        # pick about _SPARKS_PER_GROUP cells per group, whatever the nightmare's extent
        window = min(65536, max(1, 65536 * _SPARKS_PER_GROUP // count))
        cs, ox, oy = self.cell, self.offset[0], self.offset[1]
        width = x1 - x0
        room = max(cs - 4, 1)
        for g in range(_SPARK_GROUPS):
            phase = t * _SPARK_RATE + g / _SPARK_GROUPS
            key = math.floor(phase)
            frac = phase - key
            level = int(math.sin(math.pi * frac) * (_EMBER_LEVELS - 0.01))
            shift = np.uint32((key * 40503 + g * 21011) & 0xFFFF)
            chosen = np.flatnonzero(nightmare & (((rand + shift) & 0xFFFF) < window))
            if not len(chosen):
                continue
            chosen = chosen[:_SPARKS_PER_GROUP]
            r = rand.ravel()[chosen]
            # an ember (5 px) stays inside its cell: it never lands on a painted neighbour
            xs = (chosen % width + x0) * cs - ox + (r >> 4) % room
            ys = (chosen // width + y0) * cs - oy + (r >> 8) % room
            surface.fblits(zip(repeat(self._embers[level]),
                               zip(xs.tolist(), ys.tolist(), strict=True)))
            self.sparks_drawn += len(chosen)

    # ------------------------------------------------------------------ rifts
    def _draw_rift(self, surface: pygame.Surface, r: RiftView, t: float) -> None:
        cs = self.cell
        sx, sy = int(r.x) - self.offset[0], int(r.y) - self.offset[1]
        outer = int((r.seal_radius + 0.5) * cs)
        if not self._on_screen(sx, sy, outer + 8):
            return
        core = int((r.core_radius + 0.5) * cs)
        draw = pygame.draw
        if r.sealed:
            turn = t * 0.25
            pulse = 1.0 + 0.06 * math.sin(t * 1.5)
            self._blit_glow(surface, pal.MOSAIC_LIGHT, int(core * 2.2), sx, sy)
            draw.polygon(surface, pal.MOSAIC, _star_points(sx, sy, core * 1.5 * pulse,
                                                           core * 0.6, 8, turn))
            draw.polygon(surface, pal.MOSAIC_LIGHT, _star_points(sx, sy, core * 1.0 * pulse,
                                                                 core * 0.42, 8, -turn))
            draw.circle(surface, (255, 255, 255), (sx, sy), max(2, core // 4))
            return
        if not r.open:
            draw.circle(surface, (96, 70, 130), (sx, sy), core, 1)
            draw.circle(surface, (70, 52, 100), (sx, sy), outer, 1)
            return
        # open: a dark swirling ring, the core, and the seal's progress
        draw.circle(surface, (30, 4, 40), (sx, sy), outer, 3)
        rect = pygame.Rect(sx - outer, sy - outer, 2 * outer, 2 * outer)
        for k in range(3):
            a = t * 1.7 + k * 2.0944
            draw.arc(surface, (120, 24, 110), rect, a, a + 1.2, 2)
        inner = pygame.Rect(sx - core - 4, sy - core - 4, 2 * core + 8, 2 * core + 8)
        for k in range(2):
            a = -t * 2.6 + k * math.pi
            draw.arc(surface, (210, 40, 90), inner, a, a + 1.9, 2)
        draw.circle(surface, (6, 0, 10), (sx, sy), core)
        draw.circle(surface, (150, 20, 110), (sx, sy), max(2, int(core * (0.45 + 0.15 * math.sin(
            t * 3.0)))), 2)
        if r.progress > 0:
            ring = rect.inflate(8, 8)
            draw.arc(surface, pal.MOSAIC_LIGHT, ring, math.pi / 2,
                     math.pi / 2 + r.progress * 2 * math.pi, 3)

    # ------------------------------------------------------------------ entities
    def _see_painting(self, view: MatchView) -> None:
        """Remember which dreamers just painted: their realm's paint (or mosaic) appeared
        within their brush's reach since the last frame (the snapshot says no more).
        Only the chunks in `view.dirty` can have changed, so only they are compared."""
        codes = view.codes
        prev = self._prev_codes
        if prev is None or prev.shape != codes.shape:
            self._prev_codes = codes.copy()
            return
        cs, cx_n = self.cell, self.chunks_x
        reach = int(self.tuning.brush_reach // cs) + 4
        until = view.time + _PAINT_MEMORY
        dirty = view.dirty
        for e in view.entities:
            if e.kind != DREAMER or e.realm not in (1, 2):
                continue
            cx, cy = int(e.x // cs), int(e.y // cs)
            x0, y0 = max(cx - reach, 0), max(cy - reach, 0)
            x1, y1 = cx + reach + 1, cy + reach + 1
            near = any(k // cx_n * CHUNK < y1 and (k // cx_n + 1) * CHUNK > y0
                       and k % cx_n * CHUNK < x1 and (k % cx_n + 1) * CHUNK > x0
                       for k in dirty)
            if not near:
                continue
            now = codes[y0:y1, x0:x1]
            fresh = (now != prev[y0:y1, x0:x1]) & (
                (now == _DREAM + e.realm) | (now == _DREAM_BOTH) | ((now >> 2) == Cell.MOSAIC))
            if fresh.any():
                self._painting_until[e.id] = until
        for k in dirty:
            cy, cx = divmod(k, cx_n)
            sl = np.s_[cy * CHUNK:(cy + 1) * CHUNK, cx * CHUNK:(cx + 1) * CHUNK]
            prev[sl] = codes[sl]

    def _track(self, entities: list[EntityView], t: float) -> None:
        """Follow every moving entity's velocity (smoothed) and the way it faces."""
        seen: set[int] = set()
        tracks = self._tracks
        for e in entities:
            if e.kind == BEACON:
                continue
            seen.add(e.id)
            tr = tracks.get(e.id)
            if tr is None or t < tr.t or t - tr.t > 0.5:
                tracks[e.id] = _Track(e.x, e.y, t, left=tr.left if tr else False)
                continue
            dt = t - tr.t
            if dt <= 0:
                continue
            k = min(dt * 12.0, 1.0)
            tr.vx += ((e.x - tr.x) / dt - tr.vx) * k
            tr.vy += ((e.y - tr.y) / dt - tr.vy) * k
            if abs(tr.vx) > 20.0:
                tr.left = tr.vx < 0
            tr.x, tr.y, tr.t = e.x, e.y, t
        if len(tracks) > len(seen):
            for gone in [i for i in tracks if i not in seen]:
                del tracks[gone]
                self._painting_until.pop(gone, None)

    def _draw_entities(self, surface: pygame.Surface, view: MatchView) -> None:
        beacons: list[EntityView] = []
        cadre: list[EntityView] = []
        dreamers: list[EntityView] = []
        mine: EntityView | None = None
        for e in view.entities:
            if e.kind == DREAMER:
                if e.id == view.me:
                    mine = e
                else:
                    dreamers.append(e)
            elif e.kind == BEACON:
                beacons.append(e)
            else:
                cadre.append(e)
        t = view.time
        self._track(view.entities, t)
        self._pending = []
        self.on_screen = {}
        for e in beacons:
            self._draw_beacon(surface, e, t)
        for e in cadre:
            if e.kind == ETHAN:
                self._draw_ethan(surface, e, t)
            else:
                self._draw_cadre(surface, e, t)
        # lower on screen is nearer: draw it last
        for e in sorted(dreamers, key=lambda d: d.y):
            self._draw_dreamer(surface, e, view, False)
        if mine is not None:
            if view.aim is not None:
                self._draw_aim(surface, mine, view.aim, t)
            self._draw_dreamer(surface, mine, view, True)

    def _on_screen(self, x: float, y: float, margin: float) -> bool:
        sw, sh = self.screen_size
        return -margin <= x <= sw + margin and -margin <= y <= sh + margin

    def _blit_glow(self, surface: pygame.Surface, colour: Colour, radius: int,
                   x: int, y: int) -> None:
        key = (colour, radius)
        g = self._glows.get(key)
        if g is None:
            g = _glow(colour, radius)
            if pygame.display.get_surface() is not None:
                g = g.convert_alpha()
            self._glows[key] = g
        surface.blit(g, (x - radius, y - radius))

    def _shadow(self, surface: pygame.Surface, x: int, y: int, w: int) -> None:
        """A soft dark ellipse on the ground under a figure's feet."""
        g = self._glows.get((_SHADOW_KEY, w))
        if g is None:
            g = pygame.Surface((w, w // 3), pygame.SRCALPHA)
            pygame.draw.ellipse(g, (4, 2, 10, 110), g.get_rect())
            pygame.draw.ellipse(g, (4, 2, 10, 70), g.get_rect().inflate(-w // 3, -2))
            if pygame.display.get_surface() is not None:
                g = g.convert_alpha()
            self._glows[(_SHADOW_KEY, w)] = g
        surface.blit(g, (x - w // 2, y - w // 6))

    def _pose(self, e: EntityView, t: float, top: float) -> tuple[bool, float, float]:
        """(faces left, lean in degrees, speed in px/s) of a moving entity."""
        tr = self._tracks.get(e.id)
        if tr is None:
            return False, 0.0, 0.0
        speed = math.hypot(tr.vx, tr.vy)
        lean = 9.0 * min(speed / top, 1.0) if speed > _MOVING else 0.0
        return tr.left, lean, speed

    def _draw_beacon(self, surface: pygame.Surface, e: EntityView, t: float) -> None:
        x, y = int(e.x) - self.offset[0], int(e.y) - self.offset[1]
        reach = int((self.tuning.beacon_radius + 0.5) * self.cell)
        if not self._on_screen(x, y, reach):
            return
        self.on_screen[e.id] = (x, y)
        colour = pal.REALM_COLOURS.get(e.realm, pal.REALM_COLOURS[0])
        light = pal.REALM_LIGHT.get(e.realm, pal.REALM_LIGHT[0])
        wave = (t * 0.6 + e.id * 0.37) % 1.0
        self._ring(surface, (x, y), 8 + wave * (reach - 8), light, 2, int(200 * (1 - wave)))
        self._blit_glow(surface, colour, 20, x, y)
        bob = int(2 * math.sin(t * 2.5 + e.id))
        sprite = self.figures.sprite("beacon_sanctuary" if e.realm == 1 else "beacon_rest",
                                     BEACON_PX)
        if sprite is not None:
            surface.blit(sprite, (x - BEACON_PX // 2, y - BEACON_PX // 2 + bob))
            return
        pts = [(x, y - 10 + bob), (x + 8, y + bob), (x, y + 10 + bob), (x - 8, y + bob)]
        pygame.draw.polygon(surface, (16, 14, 30), [(px + (px > x) - (px < x),
                                                     py + (py > y + bob) - (py < y + bob))
                                                    for px, py in pts])
        pygame.draw.polygon(surface, colour, pts)
        pygame.draw.circle(surface, light, (x, y + bob), 3)

    def _draw_cadre(self, surface: pygame.Surface, e: EntityView, t: float) -> None:
        x, y = int(e.x) - self.offset[0], int(e.y) - self.offset[1]
        if not self._on_screen(x, y, CADRE_PX):
            return
        self.on_screen[e.id] = (x, y)
        left, lean, _ = self._pose(e, t, self.tuning.cadre_speed)
        hover = round(2.0 * math.sin(t * 3.1 + e.id * 0.9))
        self._shadow(surface, x, y + CADRE_PX * 2 // 5, 26)
        fig = self.figures.figure("cadre", CADRE_PX, left=left, lean=lean)
        surface.blit(fig, (x - fig.get_width() // 2, y + hover - fig.get_height() // 2))
        if e.status & SLOWED:
            pygame.draw.circle(surface, (120, 220, 255), (x, y), CADRE_PX // 2 + 2, 1)
        if e.status & AWAKENING:
            f = (t * 2.0) % 1.0
            self._ring(surface, (x, y), CADRE_PX // 2 + 10 * f, pal.MOSAIC_LIGHT, 2,
                       int(230 * (1 - f)))

    def _draw_ethan(self, surface: pygame.Surface, e: EntityView, t: float) -> None:
        x, y = int(e.x) - self.offset[0], int(e.y) - self.offset[1]
        if not self._on_screen(x, y, ETHAN_PX):
            return
        self.on_screen[e.id] = (x, y)
        r = ETHAN_PX // 2
        if e.status & HIJACKING:
            pulse = 0.5 + 0.5 * math.sin(t * 6.0)
            pygame.draw.circle(surface, (14, 0, 16), (x, y), int(r + 4 + 8 * pulse), 5)
            pygame.draw.circle(surface, pal.ETHAN_ACCENT, (x, y), int(r + 9 + 8 * pulse), 2)
        left, lean, _ = self._pose(e, t, self.tuning.cadre_speed)
        hover = round(2.0 * math.sin(t * 2.2 + e.id))
        self._shadow(surface, x, y + ETHAN_PX * 2 // 5, 40)
        self._blit_glow(surface, pal.ETHAN_ACCENT, 42, x, y + hover)
        fig = self.figures.figure("ethan", ETHAN_PX, left=left, lean=lean * 0.6)
        surface.blit(fig, (x - fig.get_width() // 2, y + hover - fig.get_height() // 2))
        if e.status & AWAKENING:
            f = (t * 1.5) % 1.0
            self._ring(surface, (x, y), r + 4 + 14 * f, pal.MOSAIC_LIGHT, 2, int(230 * (1 - f)))
        label = self.text.text("Ethan Lynx", _LABEL_SIZE, (255, 120, 140), shadow=True,
                               bold=True)
        self._pending.append(_Wanted(e.id, "Ethan Lynx", label, (x, y + hover - r + 6),
                                     False, 1, 0.0))

    def _draw_dreamer(self, surface: pygame.Surface, e: EntityView, view: MatchView,
                      mine: bool) -> None:
        x, y = int(e.x) - self.offset[0], int(e.y) - self.offset[1]
        if not self._on_screen(x, y, DREAMER_PX):
            return
        t = view.time
        asleep = bool(e.status & ASLEEP)
        distorted = bool(e.status & DISTORTED) and not asleep
        left, lean, speed = self._pose(e, t, self.tuning.dreamer_speed)
        painting = not asleep and (t < self._painting_until.get(e.id, -math.inf)
                                   or (mine and view.painting))
        if mine and painting and view.aim is not None:
            left = view.aim[0] < e.x  # face the brush
        phase = e.id * 1.7
        tone = Tone.PLAIN
        if asleep:
            bob, lean, tone = 1.0 * math.sin(t * 1.4 + phase), 0.0, Tone.ASLEEP
        elif speed > _MOVING:
            bob = -abs(math.sin(t * 9.0 + phase)) * 4.0
        elif painting:
            bob, lean = -abs(math.sin(t * 13.0 + phase)) * 2.0, 8.0
        else:
            bob = 1.6 * math.sin(t * 2.4 + phase)
        if distorted:
            x += round(3.0 * math.sin(t * 23.0 + e.id))
            y += round(2.0 * math.cos(t * 19.0 + e.id * 1.7))
            tone = Tone.DISTORTED
        self.on_screen[e.id] = (x, y)
        half = DREAMER_PX // 2
        feet = y + half * 3 // 4
        colour = pal.REALM_COLOURS.get(e.realm, pal.REALM_COLOURS[0])
        self._shadow(surface, x, feet, 30)
        if mine:
            self._draw_you_ring(surface, x, feet, t)
        if not asleep:
            self._blit_glow(surface, colour, 28, x, y)
        fig = self.figures.figure(dreamer_name(e.realm, e.role), DREAMER_PX, left=left,
                                  lean=lean, tone=tone)
        top = y + round(bob) - fig.get_height() // 2
        surface.blit(fig, (x - fig.get_width() // 2, top))
        if painting:
            self._draw_brush_stroke(surface, x, y, left, e.realm, t)
        if distorted:
            a = t * 9.0
            rect = pygame.Rect(x - half, y - half, 2 * half, 2 * half)
            pygame.draw.arc(surface, pal.CADRE_GLOW, rect, a, a + 2.0, 3)
            pygame.draw.arc(surface, pal.CADRE_GLOW, rect, a + math.pi, a + math.pi + 2.0, 3)
        head = y + round(bob) - half + (12 if asleep else 2)
        if asleep:
            rise = (t * 0.7 + e.id * 0.3) % 1.0
            bubble = self.figures.sprite("asleep", 22)
            bx, by = x + 10 + int(5 * rise), head - 14 - int(10 * rise)
            if bubble is not None:
                surface.blit(bubble, (bx, by))
            else:
                z = self.text.text("z", 24, (200, 200, 255), shadow=True)
                surface.blit(z, (bx, by))
        name = e.name or ("You" if mine else "")
        if not name:
            return
        if mine:
            image = self._chip(name, e.realm)
        else:
            light = pal.REALM_LIGHT.get(e.realm, pal.UI.TEXT)
            image = self.text.text(name, _LABEL_SIZE, pal.UI.DIM if asleep else light,
                                   shadow=True)
        cam = view.camera
        dist = 0.0 if mine else math.hypot(e.x - cam[0], e.y - cam[1])
        self._pending.append(_Wanted(e.id, name, image, (x, head), mine, 0 if mine else 2,
                                     dist))

    def _draw_you_ring(self, surface: pygame.Surface, x: int, feet: int, t: float) -> None:
        """Your dreamer's mark on the ground: a bright ring that breathes."""
        pulse = 0.5 + 0.5 * math.sin(t * 4.0)
        w = int(40 + 6 * pulse)
        rect = pygame.Rect(0, 0, w, w * 2 // 5)
        rect.center = (x, feet)
        pygame.draw.ellipse(surface, (16, 12, 30), rect.inflate(4, 4), 3)
        pygame.draw.ellipse(surface, pal.UI.ME, rect, 2)

    def _draw_brush_stroke(self, surface: pygame.Surface, x: int, y: int, left: bool,
                           realm: int, t: float) -> None:
        """A painting dreamer's brush: a quick swish on the side it faces."""
        side = -1 if left else 1
        light = pal.REALM_LIGHT.get(realm, pal.REALM_LIGHT[0])
        colour = pal.REALM_COLOURS.get(realm, pal.REALM_COLOURS[0])
        swing = math.sin(t * 13.0)
        cx, cy = x + side * 20, y + 2
        for k in range(3):
            a = swing * 0.9 + k * 0.5
            px = cx + side * int(7 * math.cos(a))
            py = cy + int(7 * math.sin(a))
            pygame.draw.circle(surface, light if k == 0 else colour, (px, py), 3 - k // 2)

    def _chip(self, name: str, realm: int) -> pygame.Surface:
        """Your own name: dark text on a plate of your realm's colour with a white edge and
        a pointer down to your head."""
        key = (name, realm)
        chip = self._chips.get(key)
        if chip is None:
            text = self.text.text(name, _LABEL_SIZE + 1, pal.UI.SHADOW, bold=True)
            tw, th = text.get_size()
            w, h = tw + 14, th + 6
            chip = pygame.Surface((w, h + 6), pygame.SRCALPHA)
            plate = pygame.Rect(0, 0, w, h)
            pygame.draw.rect(chip, pal.REALM_COLOURS.get(realm, pal.UI.TEXT), plate,
                             border_radius=6)
            pygame.draw.rect(chip, pal.UI.ME, plate, 2, border_radius=6)
            pygame.draw.polygon(chip, pal.UI.ME, [(w // 2 - 6, h - 1), (w // 2 + 6, h - 1),
                                                  (w // 2, h + 5)])
            chip.blit(text, (7, 4))
            if pygame.display.get_surface() is not None:
                chip = chip.convert_alpha()
            if len(self._chips) > 64:
                self._chips.clear()
            self._chips[key] = chip
        return chip

    def _draw_labels(self, surface: pygame.Surface) -> None:
        """Every name wanted this frame, placed so none piles on another: yours first and
        always, then Ethan's, then the others nearest the camera first."""
        wanted = sorted(self._pending, key=lambda w: (w.rank, w.dist))
        rects: list[Rect] = []
        under: list[Rect | None] = []
        for w in wanted:
            iw, ih = w.image.get_size()
            rects.append((w.head[0] - iw // 2, w.head[1] - ih - 2, iw, ih))
            under.append(None if w.yours else
                         (w.head[0] - iw // 2, w.head[1] + DREAMER_PX - 6, iw, ih))
        keep = 1 if wanted and wanted[0].yours else 0
        sw, sh = self.screen_size
        ins = self.insets  # names stay off the HUD's strips and column
        clear = (ins.left + 2, ins.top + 2, sw - ins.left - ins.right - 4,
                 sh - ins.top - ins.bottom - 4)
        taken: list[Rect] = []
        if keep:  # no other name over your own figure
            hx, hy = wanted[0].head
            taken.append((hx - 14, hy, 28, DREAMER_PX - 8))
        spots = place_labels(rects, keep=keep, bounds=clear, below=under, taken=taken)
        self.labels = []
        for w, want, spot in zip(wanted, rects, spots, strict=True):
            if spot is None:
                continue
            if spot[1] < want[1]:  # stacked higher: a thread down to its owner
                cx = spot[0] + spot[2] // 2
                pygame.draw.line(surface, (150, 140, 190), (cx, spot[1] + spot[3]),
                                 (w.head[0], w.head[1] - 2))
            surface.blit(w.image, spot[:2])
            self.labels.append(DrawnLabel(w.entity, w.text, spot, w.yours))

    def _draw_aim(self, surface: pygame.Surface, me: EntityView,
                  aim: tuple[float, float], t: float) -> None:
        cs = self.cell
        ax, ay = int(aim[0]) - self.offset[0], int(aim[1]) - self.offset[1]
        radius = int((self._brush.get(me.role, 2) + 0.5) * cs)
        light = pal.REALM_LIGHT.get(me.realm, pal.REALM_LIGHT[0])
        pygame.draw.circle(surface, (16, 12, 30), (ax, ay), radius + 1, 1)
        pygame.draw.circle(surface, light, (ax, ay), radius, 1)
        pygame.draw.circle(surface, light, (ax, ay), 2)

    # ------------------------------------------------------------------ effects
    def _ring(self, surface: pygame.Surface, centre: tuple[int, int], radius: float,
              colour: Colour, width: int, alpha: int) -> None:
        """A translucent ring, from a small cache of ring surfaces."""
        r = int(radius)
        a = min(max(alpha, 0), 255) & ~15
        if r < 2 or a < 16:
            return
        if not self._on_screen(centre[0], centre[1], r + 2):
            return
        key = (r, width, colour, a)
        s = self._rings.get(key)
        if s is None:
            s = pygame.Surface((2 * r + 2, 2 * r + 2), pygame.SRCALPHA)
            pygame.draw.circle(s, (*colour, a), (r + 1, r + 1), r, min(width, r))
            self._rings[key] = s
            if len(self._rings) > 400:
                self._rings.popitem(last=False)
        else:
            self._rings.move_to_end(key)
        surface.blit(s, (centre[0] - r - 1, centre[1] - r - 1))

    def _draw_effects(self, surface: pygame.Surface, effects: list[EffectView],
                      t: float) -> None:
        cs = self.cell
        tu = self.tuning
        for e in effects:
            life = EFFECT_SECONDS.get(e.kind)
            if life is None or not 0 <= e.age < life:
                continue
            f = e.age / life
            fade = int(255 * (1 - f))
            x, y = int(e.x) - self.offset[0], int(e.y) - self.offset[1]
            k = e.kind
            if k == EventKind.PING:
                self._draw_ping(surface, e, x, y, f, t)
            elif k == EventKind.BURST:
                reach = (tu.burst_radius + 0.5) * cs
                self._ring(surface, (x, y), reach * (0.3 + 0.7 * f), pal.MOSAIC_LIGHT, 4, fade)
                self._ring(surface, (x, y), reach * (0.15 + 0.6 * f), pal.MOSAIC, 2, fade)
            elif k == EventKind.DISTORTED:
                wob = 3 * math.sin(e.age * 40)
                self._ring(surface, (x, y), 30 - 16 * f + wob, pal.CADRE_GLOW, 2, fade)
            elif k in (EventKind.AWAKENED, EventKind.ETHAN_DRIVEN_OUT):
                self._sparkles(surface, x, y, e.age, f, 24 if k == EventKind.AWAKENED else 48)
            elif k == EventKind.RIFT_SEALED:
                self._ring(surface, (x, y), 20 + 110 * f, pal.MOSAIC_LIGHT, 6, fade)
                self._ring(surface, (x, y), 10 + 70 * f, pal.MOSAIC, 3, fade)
                self._sparkles(surface, x, y, e.age, f, 60)
            elif k == EventKind.RIFT_OPENED:
                self._ring(surface, (x, y), 60 * (1 - f) + 8, (200, 30, 120), 3, fade)
            elif k == EventKind.HIJACK:
                reach = (tu.hijack_radius + 0.5) * cs
                self._ring(surface, (x, y), reach * f, pal.ETHAN_ACCENT, 3, fade)
                self._ring(surface, (x, y), reach * f * 0.85, (20, 0, 24), 5, fade)
            elif k == EventKind.RALLY:
                self._ring(surface, (x, y), tu.rally_free_radius * f, (255, 200, 230), 3, fade)
            elif k == EventKind.SHOVE:
                self._ring(surface, (x, y), tu.shove_radius * (0.4 + 0.6 * f), (255, 255, 255),
                           2, fade)
            elif k == EventKind.BEACON:
                self._ring(surface, (x, y), 6 + 30 * f, pal.UI.READY, 2, fade)
            elif k == EventKind.ASLEEP:
                self._ring(surface, (x, y), 10 + 20 * f, (110, 110, 170), 2, fade)
            elif k == EventKind.REVIVED:
                self._ring(surface, (x, y), 10 + 24 * f, pal.UI.READY, 2, fade)
                self._sparkles(surface, x, y, e.age, f, 18)

    def _sparkles(self, surface: pygame.Surface, x: int, y: int, age: float, f: float,
                  spread: float) -> None:
        if not self._on_screen(x, y, spread + 10):
            return
        colour = _mix(pal.MOSAIC_LIGHT, (120, 100, 170), f)
        for k in range(8):
            a = k * 0.785 + age * 1.5
            d = spread * (0.3 + 0.7 * f) * (0.7 + 0.3 * ((k * 5) % 3) / 2)
            px, py = int(x + d * math.cos(a)), int(y + d * math.sin(a) - 14 * f)
            s = 3 if (k + int(age * 12)) % 2 else 2
            pygame.draw.line(surface, colour, (px - s, py), (px + s, py))
            pygame.draw.line(surface, colour, (px, py - s), (px, py + s))

    def _draw_ping(self, surface: pygame.Surface, e: EffectView, x: int, y: int, f: float,
                   t: float) -> None:
        kind = int(e.value)
        colour = _PING_COLOURS.get(kind, (255, 255, 255))
        sw, sh = self.screen_size
        alpha = 255 if f < 0.75 else int(255 * (1 - f) / 0.25)
        if 0 <= x < sw and 0 <= y < sh:
            wave = (e.age * 1.2) % 1.0
            self._ring(surface, (x, y), 6 + 26 * wave, colour, 2, int(alpha * (1 - wave)))
            bob = int(3 * math.sin(t * 5.0))
            pts = [(x, y - 4 + bob), (x - 7, y - 16 + bob), (x + 7, y - 16 + bob)]
            pygame.draw.polygon(surface, (16, 10, 26), [(px, py + 1) for px, py in pts])
            pygame.draw.polygon(surface, colour, pts)
            word = _PING_WORDS.get(kind)
            if word:
                label = self.text.text(word, 18, colour, shadow=True)
                surface.blit(label, (x - label.get_width() // 2, y - 32 + bob))
            return
        # off screen: an arrow on the screen's edge, pointing at it (pings show through walls)
        cx, cy = sw / 2, sh / 2
        dx, dy = x - cx, y - cy
        # onto the edge of the clear area the HUD's panels leave
        ins = self.insets
        x_lo, y_lo = ins.left + 30, ins.top + 30
        x_hi, y_hi = max(sw - ins.right - 30, x_lo + 1), max(sh - ins.bottom - 50, y_lo + 1)
        scale = min((x_hi - cx) / dx if dx > 0 else (x_lo - cx) / dx if dx < 0 else math.inf,
                    (y_hi - cy) / dy if dy > 0 else (y_lo - cy) / dy if dy < 0 else math.inf)
        ex, ey = cx + dx * scale, cy + dy * scale
        n = math.hypot(dx, dy) or 1.0
        ux, uy = dx / n, dy / n
        tip = (ex + ux * 22, ey + uy * 22)
        left = (ex + ux * 11 - uy * 8, ey + uy * 11 + ux * 8)
        right = (ex + ux * 11 + uy * 8, ey + uy * 11 - ux * 8)
        pygame.draw.circle(surface, (16, 10, 26), (int(ex), int(ey)), 12)
        pygame.draw.circle(surface, colour, (int(ex), int(ey)), 10, 2)
        pygame.draw.circle(surface, colour, (int(ex), int(ey)), 4)
        pygame.draw.polygon(surface, (16, 10, 26), [(px + 1, py + 1) for px, py in
                                                     (tip, left, right)])
        pygame.draw.polygon(surface, colour, [tip, left, right])
        word = _PING_WORDS.get(kind)
        if word:
            label = self.text.text(word, 16, colour, shadow=True)
            lx = int(min(max(ex - label.get_width() / 2, 4), sw - label.get_width() - 4))
            ly = int(ey - 30) if ey > sh / 2 else int(ey + 16)
            surface.blit(label, (lx, ly))
