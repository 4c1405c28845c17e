"""The match screen's world drawing: the dreamscape, rifts, beacons, dreamers, the cadre,
Ethan, the brush and the effects, under a camera. `MatchRenderer` keeps a world-sized
surface of the paint grid and redraws only the chunks a `MatchView` marks dirty, then
blits the part under the camera and draws the moving things on top.

Also here: `TextCache` (fonts and rendered text, shared with the HUD), `camera_offset`
(the camera's clamping, shared with the minimap) and `frame_bench` (the frame-time
benchmark of a busy match on the largest level).

Everything is drawn with pygame primitives, so the renderer needs no asset files; an
optional `assets` object (`sprite(name[, size])`) replaces the bodies of entities with
sprites.
Only game/client imports pygame; the simulation and the network code never do.
"""

from __future__ import annotations

import math
import os
import time
from collections import OrderedDict
from collections.abc import Iterable
from itertools import repeat
from typing import Any

import numpy as np
import numpy.typing as npt
import pygame

from game.client import palette as pal
from game.client.palette import Colour
from game.client.view import EffectView, EntityView, MatchView, PlayerView, RiftView
from game.net.records import CadreStatus, DreamerStatus, RiftFlags
from game.sim.events import EventKind, PingKind
from game.sim.grid import CHUNK
from game.sim.level import Level
from game.sim.tuning import Tuning

__all__ = [
    "EFFECT_SECONDS",
    "MatchRenderer",
    "TextCache",
    "busy_view",
    "camera_offset",
    "frame_bench",
]

DREAMER, CADRE, ETHAN, BEACON = 1, 2, 3, 4
"""entity kinds (game.net.snapshot.EntityKind)"""
ASLEEP, DISTORTED = DreamerStatus.ASLEEP, DreamerStatus.DISTORTED
HIJACKING, SLOWED, AWAKENING = (CadreStatus.HIJACKING, CadreStatus.SLOWED,
                                CadreStatus.AWAKENING)

EFFECT_SECONDS: dict[int, float] = {
    EventKind.PING: 4.0,
    EventKind.BURST: 0.9,
    EventKind.DISTORTED: 0.8,
    EventKind.AWAKENED: 1.4,
    EventKind.ETHAN_DRIVEN_OUT: 2.5,
    EventKind.RIFT_SEALED: 2.5,
    EventKind.RIFT_OPENED: 1.5,
    EventKind.HIJACK: 2.0,
    EventKind.RALLY: 1.0,
    EventKind.SHOVE: 0.35,
    EventKind.BEACON: 0.8,
    EventKind.ASLEEP: 1.0,
    EventKind.REVIVED: 1.0,
}
"""how long each kind of effect is drawn (seconds); other kinds are not drawn"""

_PING_COLOURS: dict[int, Colour] = {  # by PingKind value
    PingKind.NIGHTMARE: (255, 70, 200),
    PingKind.HELP: (255, 236, 180),
    PingKind.RIFT: (255, 60, 80),
}
_PING_WORDS: dict[int, str] = {PingKind.NIGHTMARE: "nightmare", PingKind.HELP: "help",
                               PingKind.RIFT: "rift"}
_ROLE_GLYPHS = {1: "A", 2: "I", 3: "O"}

_EMBER_LEVELS = 6
_SPARKS_PER_GROUP = 130
_SPARK_GROUPS = 3
_SPARK_RATE = 2.2
"""each spark group is re-drawn from new cells this many times a second"""


# ---------------------------------------------------------------------- text
class TextCache:
    """Fonts (pygame's default font) and rendered text, cached: rendering text every frame
    is the usual frame-time killer. Each (text, size, colour, shadow) renders once while
    it stays among the `limit` most recently used."""

    def __init__(self, limit: int = 600) -> None:
        if not pygame.font.get_init():
            pygame.font.init()
        self._fonts: dict[tuple[int, bool], pygame.font.Font] = {}
        self._cache: OrderedDict[tuple[str, int, Colour, bool, bool], pygame.Surface] = (
            OrderedDict())
        self.limit = limit

    def font(self, size: int, bold: bool = False) -> pygame.font.Font:
        key = (size, bold)
        f = self._fonts.get(key)
        if f is None:
            f = pygame.font.Font(None, size)
            f.set_bold(bold)
            self._fonts[key] = f
        return f

    def text(self, s: str, size: int, colour: Colour, shadow: bool = False,
             bold: bool = False) -> pygame.Surface:
        """`s` rendered antialiased (with a dark drop shadow when asked); do not modify it."""
        key = (s, size, colour, shadow, bold)
        surf = self._cache.get(key)
        if surf is not None:
            self._cache.move_to_end(key)
            return surf
        font = self.font(size, bold)
        fg = font.render(s, True, colour)
        if shadow:
            w, h = fg.get_size()
            surf = pygame.Surface((w + 2, h + 2), pygame.SRCALPHA)
            back = font.render(s, True, pal.UI.SHADOW)
            surf.blit(back, (2, 2))
            surf.blit(back, (1, 1))
            surf.blit(fg, (0, 0))
        else:
            surf = fg
        if pygame.display.get_surface() is not None:
            surf = surf.convert_alpha()
        self._cache[key] = surf
        if len(self._cache) > self.limit:
            self._cache.popitem(last=False)
        return surf


# ---------------------------------------------------------------------- camera
def camera_offset(camera: tuple[float, float], screen_size: tuple[int, int],
                  world_size: tuple[int, int]) -> tuple[int, int]:
    """The world pixel drawn at the screen's top-left corner, in whole pixels.

    The camera's point is centred on screen, clamped so that no space beyond the map's
    edges shows; along an axis where the map is smaller than the screen the map is
    centred instead (the offset is then negative).
    """
    return (_axis(camera[0], screen_size[0], world_size[0]),
            _axis(camera[1], screen_size[1], world_size[1]))


def _axis(c: float, screen: int, world: int) -> int:
    if world <= screen:
        return -((screen - world) // 2)
    return int(min(max(round(c - screen / 2), 0), world - screen))


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


# ---------------------------------------------------------------------- the renderer
class MatchRenderer:
    """Draws the world part of the match screen.

    Contract: `draw(surface, view)` redraws exactly the chunks in `view.dirty` from
    `view.codes` into the kept world surface (then empties `view.dirty`), blits the part
    under `view.camera` and draws entities, rifts and effects on top. Cells keep whatever
    colour they were last drawn with until their chunk is marked dirty. `flicker=False`
    turns off the animated nightmare embers, `texture=False` draws every cell in the plain
    `palette.CELL_LUT` colour of its code (both for tests). `assets`, when given, is an
    object with `sprite(name, size)` or `sprite(name)` returning a Surface or None
    (names: dreamer-sanctuary, dreamer-rest, cadre, ethan, beacon); whatever it lacks is
    drawn with primitives.
    """

    def __init__(self, level: Level, screen_size: tuple[int, int], *, flicker: bool = True,
                 texture: bool = True, assets: Any = None,
                 tuning: Tuning | None = None) -> None:
        self.level = level
        self.cell = cs = level.cell_size
        self.screen_size = screen_size
        self.flicker = flicker
        self.assets = assets
        self.tuning = tuning or Tuning()
        self.chunks_x = -(-level.width // CHUNK)
        self.chunks_y = -(-level.height // CHUNK)
        self.grid_shape = (self.chunks_y * CHUNK, self.chunks_x * CHUNK)
        self.world_size = (level.pixel_width, level.pixel_height)
        self.offset: tuple[int, int] = camera_offset(
            (level.pixel_width / 2, level.pixel_height / 2), screen_size, self.world_size)
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
        self._sprites: dict[tuple[str, int], pygame.Surface | None] = {}
        self.text = TextCache()
        self._brush = {1: self.tuning.architect_brush, 2: self.tuning.innovator_brush,
                       3: self.tuning.organizer_brush}
        self.sparks_drawn = 0
        """embers drawn in the last frame (for tests and the benchmark)"""

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
        if screen_size is not None:
            self.screen_size = screen_size
        self.offset = camera_offset(camera, self.screen_size, self.world_size)

    # ------------------------------------------------------------------ the frame
    def draw(self, surface: pygame.Surface, view: MatchView) -> None:
        """Draw the world part of one frame of `view` onto `surface` (the whole surface).

        Raises ValueError when `view.codes` is not the level's padded grid.
        """
        if view.codes.shape != self.grid_shape:
            raise ValueError(f"codes of shape {view.codes.shape}, the level needs "
                             f"{self.grid_shape}")
        self.redraw_chunks(view.codes, view.dirty)
        view.dirty.clear()
        self.set_camera(view.camera, surface.get_size())
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
        for e in beacons:
            self._draw_beacon(surface, e, t)
        for e in cadre:
            if e.kind == ETHAN:
                self._draw_ethan(surface, e, t)
            else:
                self._draw_cadre(surface, e, t)
        for e in dreamers:
            self._draw_dreamer(surface, e, t, False)
        if mine is not None:
            if view.aim is not None:
                self._draw_aim(surface, mine, view.aim, t)
            self._draw_dreamer(surface, mine, t, True)

    def _on_screen(self, x: float, y: float, margin: float) -> bool:
        sw, sh = self.screen_size
        return -margin <= x <= sw + margin and -margin <= y <= sh + margin

    def _sprite(self, name: str, size: int) -> pygame.Surface | None:
        if self.assets is None:
            return None
        key = (name, size)
        if key not in self._sprites:
            surf: pygame.Surface | None = None
            try:
                try:
                    got = self.assets.sprite(name, size)
                except TypeError:
                    got = self.assets.sprite(name)
                if isinstance(got, pygame.Surface):
                    surf = pygame.transform.smoothscale(got, (size, size))
                    if pygame.display.get_surface() is not None:
                        surf = surf.convert_alpha()
            except (pygame.error, OSError, KeyError, ValueError):
                surf = None
            self._sprites[key] = surf
        return self._sprites[key]

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

    def _draw_beacon(self, surface: pygame.Surface, e: EntityView, t: float) -> None:
        x, y = int(e.x) - self.offset[0], int(e.y) - self.offset[1]
        reach = int((self.tuning.beacon_radius + 0.5) * self.cell)
        if not self._on_screen(x, y, reach):
            return
        colour = pal.REALM_COLOURS.get(e.realm, pal.REALM_COLOURS[0])
        light = pal.REALM_LIGHT.get(e.realm, pal.REALM_LIGHT[0])
        wave = (t * 0.6 + e.id * 0.37) % 1.0
        self._ring(surface, (x, y), 8 + wave * (reach - 8), light, 2, int(200 * (1 - wave)))
        self._blit_glow(surface, colour, 18, x, y)
        sprite = self._sprite("beacon_sanctuary" if e.realm == 1 else "beacon_rest", 18)
        if sprite is not None:
            surface.blit(sprite, (x - 9, y - 9))
            return
        bob = int(2 * math.sin(t * 2.5 + e.id))
        pts = [(x, y - 9 + bob), (x + 7, y + bob), (x, y + 9 + bob), (x - 7, y + bob)]
        pygame.draw.polygon(surface, (16, 14, 30), [(px + (1 if px > x else -1 if px < x else 0),
                                                     py + (1 if py > y + bob else -1
                                                           if py < y + bob else 0))
                                                    for px, py in pts])
        pygame.draw.polygon(surface, colour, pts)
        pygame.draw.circle(surface, light, (x, y + bob), 3)

    def _draw_cadre(self, surface: pygame.Surface, e: EntityView, t: float) -> None:
        x, y = int(e.x) - self.offset[0], int(e.y) - self.offset[1]
        if not self._on_screen(x, y, 30):
            return
        self._blit_glow(surface, pal.CADRE_GLOW, 22, x, y)
        sprite = self._sprite("cadre", 22)
        if sprite is not None:
            surface.blit(sprite, (x - 11, y - 11))
        else:
            pygame.draw.circle(surface, (8, 2, 14), (x, y), 10)
            pygame.draw.circle(surface, pal.CADRE, (x, y), 9)
            pygame.draw.circle(surface, (200, 50, 180), (x, y), 9, 1)
            glint = (255, 120, 230)
            pygame.draw.line(surface, glint, (x - 5, y - 2), (x - 2, y - 1), 2)
            pygame.draw.line(surface, glint, (x + 5, y - 2), (x + 2, y - 1), 2)
        if e.status & SLOWED:
            pygame.draw.circle(surface, (120, 220, 255), (x, y), 12, 1)
        if e.status & AWAKENING:
            f = (t * 2.0) % 1.0
            self._ring(surface, (x, y), 12 + 10 * f, pal.MOSAIC_LIGHT, 2, int(230 * (1 - f)))

    def _draw_ethan(self, surface: pygame.Surface, e: EntityView, t: float) -> None:
        x, y = int(e.x) - self.offset[0], int(e.y) - self.offset[1]
        if not self._on_screen(x, y, 60):
            return
        r = int(self.tuning.ethan_radius)
        if e.status & HIJACKING:
            pulse = 0.5 + 0.5 * math.sin(t * 6.0)
            pygame.draw.circle(surface, (14, 0, 16), (x, y), int(r + 10 + 8 * pulse), 5)
            pygame.draw.circle(surface, pal.ETHAN_ACCENT, (x, y), int(r + 15 + 8 * pulse), 1)
        self._blit_glow(surface, pal.ETHAN_ACCENT, 34, x, y)
        sprite = self._sprite("ethan", 2 * r + 4)
        if sprite is not None:
            surface.blit(sprite, (x - r - 2, y - r - 2))
        else:
            pygame.draw.circle(surface, (6, 0, 8), (x, y), r + 2)
            pygame.draw.circle(surface, pal.ETHAN, (x, y), r)
            pygame.draw.circle(surface, pal.ETHAN_ACCENT, (x, y), r, 3)
            pygame.draw.polygon(surface, pal.ETHAN_ACCENT,
                                [(x, y - 7), (x + 5, y), (x, y + 7), (x - 5, y)])
            pygame.draw.circle(surface, (255, 200, 210), (x, y), 2)
        if e.status & AWAKENING:
            f = (t * 1.5) % 1.0
            self._ring(surface, (x, y), r + 4 + 14 * f, pal.MOSAIC_LIGHT, 2, int(230 * (1 - f)))

    def _draw_dreamer(self, surface: pygame.Surface, e: EntityView, t: float,
                      mine: bool) -> None:
        x, y = int(e.x) - self.offset[0], int(e.y) - self.offset[1]
        if not self._on_screen(x, y, 60):
            return
        asleep = bool(e.status & ASLEEP)
        distorted = bool(e.status & DISTORTED)
        if distorted and not asleep:
            x += round(2.5 * math.sin(t * 23.0 + e.id))
            y += round(2.5 * math.cos(t * 19.0 + e.id * 1.7))
        colour = pal.REALM_COLOURS.get(e.realm, pal.REALM_COLOURS[0])
        light = pal.REALM_LIGHT.get(e.realm, pal.REALM_LIGHT[0])
        if asleep:
            colour = _mix(colour, (70, 66, 96), 0.6)
            light = _mix(light, (90, 86, 116), 0.6)
        else:
            self._blit_glow(surface, colour, 24, x, y)
        if mine:
            pulse = 0.5 + 0.5 * math.sin(t * 4.0)
            pygame.draw.circle(surface, (16, 12, 30), (x, y), 15, 2)
            pygame.draw.circle(surface, pal.UI.ME, (x, y), int(13 + pulse), 2)
        realm = "sanctuary" if e.realm == 1 else "rest"
        role = {1: "architect", 2: "innovator", 3: "organizer"}.get(e.role, "architect")
        sprite = None if asleep else self._sprite(f"dreamer_{realm}_{role}", 22)
        if sprite is not None:
            surface.blit(sprite, (x - 11, y - 11))
        else:
            pygame.draw.circle(surface, (14, 10, 26), (x, y), 11)
            pygame.draw.circle(surface, colour, (x, y), 9)
            pygame.draw.circle(surface, light, (x - 2, y - 2), 5)
            glyph = self.text.text(_ROLE_GLYPHS.get(e.role, "?"), 19, (24, 18, 44), bold=True)
            surface.blit(glyph, (x - glyph.get_width() // 2, y - glyph.get_height() // 2 + 1))
        if distorted and not asleep:
            a = t * 9.0
            rect = pygame.Rect(x - 14, y - 14, 28, 28)
            pygame.draw.arc(surface, pal.CADRE_GLOW, rect, a, a + 2.0, 2)
            pygame.draw.arc(surface, pal.CADRE_GLOW, rect, a + math.pi, a + math.pi + 2.0, 2)
        if asleep:
            rise = (t * 0.8 + e.id * 0.3) % 1.0
            z = self.text.text("z", 22 if rise < 0.5 else 18, (200, 200, 255), shadow=True)
            surface.blit(z, (x + 7 + int(4 * rise), y - 20 - int(10 * rise)))
        if not mine and e.name:
            label = self.text.text(e.name, 18, pal.UI.TEXT if not asleep else pal.UI.DIM,
                                   shadow=True)
            surface.blit(label, (x - label.get_width() // 2, y - 28))

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
        # onto the edge of a frame that keeps clear of the HUD's top and bottom panels
        x_lo, y_lo, x_hi, y_hi = 30, 100, sw - 30, max(sh - 140, 110)
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


# ---------------------------------------------------------------------- the benchmark
_NAMES = ("Mira", "Liam", "Jade", "Ada", "Noor", "Kai", "Tomas", "Suki")


def _busy_world(level: Level, seed: int, ticks: int) -> tuple[Any, npt.NDArray[np.uint8],
                                                              npt.NDArray[np.uint8]]:
    """A bot match on `level` played for `ticks` ticks: the world, and the paint codes at
    two moments (to swap in as 'changed' chunks)."""
    from game.bots.crew import BotCrew
    from game.match import lineup
    from game.sim.world import World

    world = World(level, seed, hazard=5, night_seconds=max(60, ticks // 30 + 20))
    crew = BotCrew(world, seed)
    for realm, role in lineup(8):
        crew.add_ally(world.add_dreamer(realm, role))
    events: list[Any] = []
    earlier: npt.NDArray[np.uint8] | None = None
    while world.running and world.tick < ticks:
        events = world.step(crew.decide(world, events))
        if world.tick == ticks * 3 // 4:
            earlier = (world.grid.state * 4 + world.grid.realm).astype(np.uint8)
    if world.ethan is None:
        d = next(iter(world.dreamers.values()))
        world.spawn_cadre(d.pos[0] + 120, d.pos[1] + 40, ethan=True)
    codes = (world.grid.state * 4 + world.grid.realm).astype(np.uint8)
    return world, codes, codes.copy() if earlier is None else earlier


def busy_view(level: Level, seed: int = 3, ticks: int = 1200
              ) -> tuple[MatchView, npt.NDArray[np.uint8]]:
    """A busy MatchView of `level` from a headless bot match (8 dreamers, the cadre at
    hazard 5, Ethan, beacons; pings and effects added), and a second set of codes from
    earlier in the same match. The view's `me` is the first dreamer."""
    from game.net.snapshot import world_entities, world_rifts

    world, codes, earlier = _busy_world(level, seed, ticks)
    ents = world_entities(world)
    names = dict(zip(sorted(world.dreamers), _NAMES, strict=False))
    entities = [EntityView(i, e.kind, e.realm, e.role, e.px, e.py, e.status, names.get(i, ""))
                for i, e in ents.items()]
    me = min(world.dreamers)
    mine = next(e for e in entities if e.id == me)
    rifts = []
    for r, (flags, prog) in zip(world.rifts, world_rifts(world).values(), strict=True):
        rifts.append(RiftView(r.x, r.y, bool(flags & RiftFlags.OPEN),
                              bool(flags & RiftFlags.SEALED), prog / 255,
                              r.core_radius, r.seal_radius))
    effects = []
    rng = np.random.default_rng(seed)
    kinds = [EventKind.BURST, EventKind.DISTORTED, EventKind.AWAKENED, EventKind.RALLY,
             EventKind.SHOVE, EventKind.HIJACK, EventKind.RIFT_SEALED, EventKind.BEACON,
             EventKind.REVIVED, EventKind.DISTORTED]
    for k in kinds:
        x = mine.x + float(rng.uniform(-500, 500))
        y = mine.y + float(rng.uniform(-300, 300))
        effects.append(EffectView(int(k), x, y, float(rng.uniform(0, EFFECT_SECONDS[k]))))
    for pk, (dx, dy) in zip((PingKind.NIGHTMARE, PingKind.HELP, PingKind.RIFT),
                            ((150.0, -90.0), (-1400.0, 300.0), (900.0, 900.0)), strict=True):
        effects.append(EffectView(int(EventKind.PING), mine.x + dx, mine.y + dy, 0.5,
                                  float(pk)))
    players = [PlayerView(names.get(d.id, "?"), int(d.realm), int(d.role),
                          20 + 17 * i if i < 3 else 0, i >= 3, d.id == me)
               for i, d in enumerate(world.dreamers.values())]
    view = MatchView(
        level=level, codes=codes, dirty=set(range(codes.size // (CHUNK * CHUNK))),
        entities=entities, me=me, camera=(mine.x, mine.y),
        aim=(mine.x + 40.0, mine.y - 20.0), meters=(42.0, 26.0), rifts=rifts,
        seconds_to_dawn=world.seconds_to_dawn + 200, inspiration=64.0, ability_in=7.5,
        shove_in=0.0, realm=mine.realm, role=mine.role, players=players, effects=effects,
        netstats={"rtt_ms": 48.0, "snapshots_per_s": 30.0, "bytes_per_s": 5200.0,
                  "buffer_ms": 104.0},
        title=level.title, hazard=5, time=0.0,
        message="Jade: hold the mosaic around the eastern rift together!")
    return view, earlier


def frame_bench(frames: int = 600, level_name: str = "night-of-unity",
                size: tuple[int, int] = (1280, 720), dirty_per_frame: int = 8, seed: int = 3,
                screenshot: str | None = None) -> dict[str, float]:
    """Time renderer + HUD draws of a busy match (`busy_view`) on the largest level.

    Every frame the entities move, the camera pans, effects age, and `dirty_per_frame`
    chunks swap their codes (and are marked dirty). Uses the dummy video driver when no
    display is open. Returns frames, p50_ms, p99_ms, max_ms, mean_ms, first_frame_ms (the
    one-off full redraw), sparks (embers in the last frame) and entities; saves the last
    frame to `screenshot` when given.
    """
    from game.client.hud import Hud
    from game.retreats import load_retreat

    current = pygame.display.get_surface()
    own_display = current is None
    if current is None:
        os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
        pygame.display.init()
        pygame.font.init()
        screen = pygame.display.set_mode(size)
    else:
        screen = current
        size = screen.get_size()
    level = load_retreat(level_name)
    view, earlier = busy_view(level, seed)
    renderer = MatchRenderer(level, size)
    hud = Hud(size)
    base = list(view.entities)
    base_effects = list(view.effects)
    me = next(e for e in base if e.id == view.me)
    n_chunks = view.codes.size // (CHUNK * CHUNK)
    cx_n = renderer.chunks_x
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    renderer.draw(screen, view)
    hud.draw(screen, view)
    first = time.perf_counter() - t0
    times: list[float] = []
    swap = [view.codes.copy(), earlier]
    for i in range(frames):
        t = (i + 1) / 60.0
        view.time = t
        view.seconds_to_dawn = max(view.seconds_to_dawn - 1 / 60.0, 0.0)
        # your dreamer wanders across the map and the camera follows it
        mx = min(max(me.x + 420 * math.sin(t * 0.35), 60.0), level.pixel_width - 60.0)
        my = min(max(me.y + 260 * math.sin(t * 0.5), 60.0), level.pixel_height - 60.0)
        view.camera = (mx, my)
        view.aim = (mx + 40 * math.cos(t * 2), my + 40 * math.sin(t * 2))
        ents = []
        for e in base:
            if e.id == me.id:
                ents.append(EntityView(e.id, e.kind, e.realm, e.role, mx, my, e.status, e.name))
                continue
            if e.kind == BEACON:
                ents.append(e)
                continue
            wob = 1.0 + (e.id % 5) * 0.2
            ents.append(EntityView(e.id, e.kind, e.realm, e.role,
                                   e.x + 24 * math.sin(t * wob + e.id),
                                   e.y + 24 * math.cos(t * wob * 0.8 + e.id), e.status, e.name))
        view.entities = ents
        view.effects = [EffectView(e.kind, e.x, e.y,
                                   (e.age + t) % EFFECT_SECONDS.get(e.kind, 1.0), e.value)
                        for e in base_effects]
        for k in rng.choice(n_chunks, size=dirty_per_frame, replace=False).tolist():
            cy, cx = divmod(k, cx_n)
            sl = np.s_[cy * CHUNK:(cy + 1) * CHUNK, cx * CHUNK:(cx + 1) * CHUNK]
            view.codes[sl] = swap[1][sl] if i % 2 else swap[0][sl]
            view.dirty.add(k)
        a = time.perf_counter()
        renderer.draw(screen, view)
        hud.draw(screen, view)
        times.append(time.perf_counter() - a)
        pygame.event.pump()
    if screenshot:
        pygame.image.save(screen, screenshot)
    ms = np.array(times) * 1000.0
    out = {
        "frames": float(frames),
        "p50_ms": float(np.percentile(ms, 50)),
        "p99_ms": float(np.percentile(ms, 99)),
        "max_ms": float(ms.max()),
        "mean_ms": float(ms.mean()),
        "first_frame_ms": first * 1000.0,
        "sparks": float(renderer.sparks_drawn),
        "entities": float(len(view.entities)),
    }
    if own_display:
        pygame.display.quit()
    return out
