"""The match screen's heads-up display: both unity meters (flashing when low, a warning
banner when critical), the dawn timer, your inspiration and cooldowns, a minimap of the
whole dreamscape's coverage, the player list with latencies, a message line and the F3
net-stats overlay. Panels sit where `game.client.layout` says, and fade while a dreamer
stands under one, so nobody is ever hidden by the HUD.

Text goes through `game.client.text.TextCache` (pygame's default font; every string
renders once while it stays in use), panels are pre-rendered, and the minimap is rebuilt
from the paint codes at most a few times a second. Only game/client imports pygame.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

import pygame

from game.client import palette as pal
from game.client.layout import (
    COLUMN_WIDTH,
    MARGIN,
    MINIMAP_BOX,
    camera_offset,
    hud_insets,
    meters_rect,
    timer_rect,
    you_rect,
)
from game.client.palette import Colour
from game.client.text import TextCache
from game.client.view import MatchView
from game.sim.level import Level
from game.sim.tuning import TICK_RATE, Tuning

__all__ = ["ABILITY_NAMES", "FADED", "FADED_FOR_OTHERS", "Hud"]

ABILITY_NAMES = {1: "Mosaic Burst", 2: "NeuroNook", 3: "Rally"}
"""each role's ability, as the HUD names it (Architect, Innovator, Organizer)"""

_FLASH_BELOW = 30.0
_WARN_BELOW = 15.0
_MARGIN = MARGIN
FADED = 0.28
"""how opaque a panel gets while your dreamer stands under it"""
FADED_FOR_OTHERS = 0.5
"""how opaque a panel gets while another dreamer stands under it (your own panels stay
readable)"""
_FADE_RATE = 5.0
"""how fast a panel fades (opacity per second)"""
_FIGURE_REACH = (16, 22)
_ROW = 22
"""the player list's row height"""
"""how far a dreamer's figure reaches from its position, across and up (screen pixels)"""


class Hud:
    """Draws the HUD over a frame the `MatchRenderer` drew.

    Contract: `draw(surface, view)` reads the view only; the minimap is rebuilt from
    `view.codes` when `minimap_period` seconds of `view.time` have passed since the last
    rebuild (or time went backwards, or the level changed), so paint shows on it with at
    most that much delay. `minimap_rect` is where the minimap was last drawn. A panel with
    your dreamer's figure under it (the camera as `layout.camera_offset` places it) fades
    towards FADED opacity over about a fifth of a second of `view.time`, with another
    dreamer's towards FADED_FOR_OTHERS, and back when the dreamer leaves. `panel_alpha`
    holds each panel's opacity (meters, timer, minimap, players, you, message, netstats)
    as last drawn, and `panel_rects` where it was.
    """

    def __init__(self, screen_size: tuple[int, int], *, minimap_period: float = 0.25,
                 tuning: Tuning | None = None) -> None:
        self.screen_size = screen_size
        self.minimap_period = minimap_period
        self.tuning = t = tuning or Tuning()
        self.text = TextCache()
        self._panels: dict[tuple[int, int, int], pygame.Surface] = {}
        self._mini: pygame.Surface | None = None
        self._mini_at = -math.inf
        self._mini_level: Level | None = None
        self.minimap_rect = pygame.Rect(0, 0, 0, 0)
        self.minimap_builds = 0
        """how many times the minimap was rebuilt (for tests)"""
        self.panel_alpha: dict[str, float] = {}
        self.panel_rects: dict[str, pygame.Rect] = {}
        self._spots: list[pygame.Rect] = []
        self._your_spot: pygame.Rect | None = None
        self._last_time = 0.0
        self._step = 0.0
        self._cooldowns = {1: t.architect_cooldown / TICK_RATE,
                           2: t.innovator_cooldown / TICK_RATE,
                           3: t.organizer_cooldown / TICK_RATE}
        self._shove = t.shove_cooldown / TICK_RATE

    # ------------------------------------------------------------------ helpers
    def _panel(self, surface: pygame.Surface, rect: pygame.Rect, alpha: int = 214) -> None:
        """A translucent rounded panel (pre-rendered per size)."""
        key = (rect.w, rect.h, alpha)
        p = self._panels.get(key)
        if p is None:
            p = pygame.Surface(rect.size, pygame.SRCALPHA)
            r, g, b, _ = pal.UI.PANEL
            pygame.draw.rect(p, (r, g, b, alpha), p.get_rect(), border_radius=8)
            pygame.draw.rect(p, (*pal.UI.PANEL_EDGE, 150), p.get_rect(), 1, border_radius=8)
            if pygame.display.get_surface() is not None:
                p = p.convert_alpha()
            self._panels[key] = p
        surface.blit(p, rect.topleft)

    def _label(self, surface: pygame.Surface, s: str, size: int, colour: Colour,
               pos: tuple[int, int], anchor: str = "topleft", shadow: bool = False,
               bold: bool = False) -> pygame.Rect:
        img = self.text.text(s, size, colour, shadow, bold)
        rect = img.get_rect(**{anchor: pos})
        surface.blit(img, rect)
        return rect

    @staticmethod
    def _bar(surface: pygame.Surface, rect: pygame.Rect, frac: float, colour: Colour,
             back: Colour = pal.UI.BAR_BACK) -> None:
        pygame.draw.rect(surface, back, rect, border_radius=4)
        w = int(rect.w * min(max(frac, 0.0), 1.0))
        if w > 0:
            pygame.draw.rect(surface, colour, (rect.x, rect.y, w, rect.h), border_radius=4)
            hi = pal.shade(colour, 50)
            pygame.draw.line(surface, hi, (rect.x + 3, rect.y + 2),
                             (rect.x + max(w - 4, 3), rect.y + 2))

    # ------------------------------------------------------------------ the frame
    def draw(self, surface: pygame.Surface, view: MatchView) -> None:
        """Draw the HUD of `view` over `surface`."""
        self.screen_size = size = surface.get_size()
        step = view.time - self._last_time
        self._step = min(step, 0.25) if step > 0 else 0.0
        self._last_time = view.time
        self._spots = self._figures_on_screen(view)
        with self._fading(surface, "meters", pygame.Rect(meters_rect(size))) as box:
            self._draw_meters(surface, view, box)
        with self._fading(surface, "timer", pygame.Rect(timer_rect(size))) as box:
            self._draw_timer(surface, view, box)
        mini = self._minimap_geometry(view.level)
        with self._fading(surface, "minimap", mini.inflate(6, 6)):
            self._draw_minimap(surface, view, mini)
        if view.players:
            with self._fading(surface, "players",
                              self._players_rect(mini, len(view.players))) as box:
                self._draw_players(surface, view, box)
        with self._fading(surface, "you", pygame.Rect(you_rect(size))) as box:
            self._draw_you(surface, view, box)
        if view.message:
            img = self.text.text(view.message, 24, pal.UI.TEXT, shadow=True)
            rect = img.get_rect(midbottom=(size[0] // 2, size[1] - 98))
            with self._fading(surface, "message", rect.inflate(24, 12)) as box:
                self._panel(surface, box, 170)
                surface.blit(img, rect)
        if view.netstats is not None:
            with self._fading(surface, "netstats", self._netstats_rect(view.netstats)) as box:
                self._draw_netstats(surface, view.netstats, box)
        self._draw_warning(surface, view)

    # ------------------------------------------------------------------ fading
    def _figures_on_screen(self, view: MatchView) -> list[pygame.Rect]:
        """The screen rectangles of every dreamer's figure under the camera."""
        lv = view.level
        ox, oy = camera_offset(view.camera, self.screen_size, (lv.pixel_width, lv.pixel_height),
                               hud_insets(self.screen_size))
        rx, ry = _FIGURE_REACH
        spots: list[pygame.Rect] = []
        self._your_spot = None
        for e in view.entities:
            if e.kind == 1:
                spot = pygame.Rect(int(e.x) - ox - rx, int(e.y) - oy - ry, 2 * rx, 2 * ry)
                spots.append(spot)
                if e.id == view.me:
                    self._your_spot = spot
        return spots

    @contextmanager
    def _fading(self, surface: pygame.Surface, name: str, rect: pygame.Rect
                ) -> Iterator[pygame.Rect]:
        """Draw one panel inside the `with`; if a dreamer stands under `rect` the panel is
        then mixed back with what it covered, so the dreamer shows through."""
        alpha = self.panel_alpha.get(name, 1.0)
        if self._your_spot is not None and rect.colliderect(self._your_spot):
            goal = FADED
        elif rect.collidelist(self._spots) >= 0:
            goal = FADED_FOR_OTHERS
        else:
            goal = 1.0
        move = _FADE_RATE * self._step
        alpha = max(alpha - move, goal) if alpha > goal else min(alpha + move, goal)
        self.panel_alpha[name] = alpha
        self.panel_rects[name] = rect
        clip = rect.clip(surface.get_rect())
        if alpha >= 0.999 or clip.w <= 0 or clip.h <= 0:
            yield rect
            return
        under = surface.subsurface(clip).copy()
        yield rect
        under.set_alpha(round(255 * (1.0 - alpha)))
        surface.blit(under, clip)

    def _draw_meters(self, surface: pygame.Surface, view: MatchView, box: pygame.Rect) -> None:
        self._panel(surface, box)
        flash_on = int(view.time * 4) % 2 == 0
        for row, (realm, value) in enumerate(zip((1, 2), view.meters, strict=False)):
            y = box.y + 12 + row * 28
            colour = pal.REALM_COLOURS[realm]
            name = pal.REALM_NAMES[realm]
            low = value < _FLASH_BELOW
            shown = pal.UI.WARN if low and flash_on else colour
            self._label(surface, name, 24, shown, (box.x + 12, y - 1), bold=low)
            bar = pygame.Rect(box.x + 118, y + 2, 150, 14)
            self._bar(surface, bar, value / 100.0, shown)
            self._label(surface, f"{max(int(value), 0)}", 24, shown if low else pal.UI.TEXT,
                        (box.right - 12, y - 1), "topright")

    def _draw_warning(self, surface: pygame.Surface, view: MatchView) -> None:
        """The banner when a unity meter is about to collapse (it never fades)."""
        flash_on = int(view.time * 4) % 2 == 0
        critical = [pal.REALM_NAMES[realm] for realm, value in
                    zip((1, 2), view.meters, strict=False) if value < _WARN_BELOW]
        if critical:
            text = " and ".join(critical)
            msg = (f"The {text} unity is breaking! Cleanse their districts!" if len(critical) == 1
                   else f"{text}: unity breaking! Cleanse now!")
            img = self.text.text(msg, 30, pal.UI.WARN if flash_on else (255, 200, 210),
                                 shadow=True, bold=True)
            rect = img.get_rect(midtop=(self.screen_size[0] // 2, 96))
            self._panel(surface, rect.inflate(28, 14), 215)
            surface.blit(img, rect)

    def _draw_timer(self, surface: pygame.Surface, view: MatchView, box: pygame.Rect) -> None:
        self._panel(surface, box)
        secs = max(math.ceil(view.seconds_to_dawn), 0)
        colour = pal.UI.TEXT if secs > 30 else (255, 226, 170)
        self._label(surface, f"{secs // 60:02d}:{secs % 60:02d}", 46, colour,
                    (box.centerx, box.y + 6), "midtop", bold=True)
        self._label(surface, "until dawn", 20, pal.UI.DIM, (box.centerx, box.y + 40), "midtop")
        title = view.title or view.level.title
        if title:
            self._label(surface, f"{title}  ·  hazard {view.hazard}", 17, pal.UI.DIM,
                        (box.centerx, box.y + 58), "midtop")

    def _minimap_geometry(self, level: Level) -> pygame.Rect:
        s = min(MINIMAP_BOX[0] / level.width, MINIMAP_BOX[1] / level.height)
        mw, mh = max(int(level.width * s), 1), max(int(level.height * s), 1)
        return pygame.Rect(self.screen_size[0] - _MARGIN - mw, _MARGIN, mw, mh)

    def _build_minimap(self, view: MatchView, rect: pygame.Rect) -> None:
        lv = view.level
        rgb = pal.CELL_LUT[view.codes[: lv.height, : lv.width].T]
        src = pygame.surfarray.make_surface(rgb)
        mini = pygame.transform.scale(src, rect.size)
        self._mini = mini.convert() if pygame.display.get_surface() is not None else mini
        self._mini_at = view.time
        self._mini_level = lv
        self.minimap_builds += 1

    def _draw_minimap(self, surface: pygame.Surface, view: MatchView, rect: pygame.Rect
                      ) -> None:
        lv = view.level
        stale = (self._mini is None or self._mini_level is not lv
                 or self._mini.get_size() != rect.size
                 or not 0 <= view.time - self._mini_at < self.minimap_period)
        if stale:
            self._build_minimap(view, rect)
        assert self._mini is not None
        self.minimap_rect = rect
        pygame.draw.rect(surface, (8, 6, 18), rect.inflate(6, 6), border_radius=4)
        surface.blit(self._mini, rect)
        pygame.draw.rect(surface, pal.UI.PANEL_EDGE, rect.inflate(6, 6), 1, border_radius=4)
        sx, sy = rect.w / lv.pixel_width, rect.h / lv.pixel_height
        for r in view.rifts:
            if r.open:
                pygame.draw.circle(surface, pal.ETHAN_ACCENT,
                                   (rect.x + int(r.x * sx), rect.y + int(r.y * sy)), 4, 1)
        me_dot: tuple[int, int] | None = None
        for e in view.entities:
            p = (rect.x + int(e.x * sx), rect.y + int(e.y * sy))
            if e.kind == 1:
                if e.id == view.me:
                    me_dot = p
                    continue
                pygame.draw.circle(surface, (10, 8, 20), p, 4)
                pygame.draw.circle(surface, pal.REALM_COLOURS.get(e.realm, pal.UI.TEXT), p, 3)
            elif e.kind == 2:
                pygame.draw.circle(surface, pal.CADRE_GLOW, p, 2)
            elif e.kind == 3:
                pygame.draw.circle(surface, (10, 0, 10), p, 5)
                pygame.draw.circle(surface, pal.ETHAN_ACCENT, p, 4)
        if me_dot is not None:
            pygame.draw.circle(surface, (10, 8, 20), me_dot, 5)
            pygame.draw.circle(surface, pal.UI.ME, me_dot, 4)
        ox, oy = camera_offset(view.camera, self.screen_size, (lv.pixel_width, lv.pixel_height),
                               hud_insets(self.screen_size))
        cam = pygame.Rect(rect.x + int(ox * sx), rect.y + int(oy * sy),
                          int(self.screen_size[0] * sx), int(self.screen_size[1] * sy))
        cam = cam.clip(rect)
        if cam.w > 0 and cam.h > 0:
            pygame.draw.rect(surface, (236, 232, 255), cam, 1)

    @staticmethod
    def _players_rect(mini: pygame.Rect, n: int) -> pygame.Rect:
        width = max(mini.w + 6, COLUMN_WIDTH)
        return pygame.Rect(mini.right + 3 - width, mini.bottom + 10, width, 12 + _ROW * n)

    def _draw_players(self, surface: pygame.Surface, view: MatchView, box: pygame.Rect
                      ) -> None:
        row_h = _ROW
        self._panel(surface, box)
        for i, p in enumerate(view.players):
            y = box.y + 7 + i * row_h
            colour = pal.REALM_COLOURS.get(p.realm, pal.UI.TEXT)
            pygame.draw.circle(surface, colour, (box.x + 14, y + 8), 5)
            if p.you:
                pygame.draw.circle(surface, pal.UI.ME, (box.x + 14, y + 8), 7, 1)
            self._label(surface, self.text.fit(p.name, 20, p.you, 100), 20,
                        pal.UI.TEXT if not p.you else pal.UI.ME, (box.x + 26, y + 1), bold=p.you)
            self._label(surface, pal.ROLE_NAMES.get(p.role, ""), 16, pal.UI.DIM,
                        (box.x + 132, y + 3))
            if p.tag:
                lat, lat_colour = p.tag, pal.UI.DIM
            elif p.bot:
                lat, lat_colour = "bot", pal.UI.DIM
            else:
                lat = f"{p.latency_ms} ms"
                lat_colour = ((150, 240, 170) if p.latency_ms < 80 else (250, 220, 130)
                              if p.latency_ms < 160 else pal.UI.WARN)
            self._label(surface, lat, 18, lat_colour, (box.right - 10, y + 2), "topright")

    def _draw_you(self, surface: pygame.Surface, view: MatchView, box: pygame.Rect) -> None:
        if not view.me:
            watch = pygame.Rect(0, 0, 300, 40)
            watch.midbottom = box.midbottom
            self._panel(surface, watch)
            self._label(surface, "Watching the retreat", 24, pal.UI.DIM, watch.center, "center")
            return
        self._panel(surface, box)
        colour = pal.REALM_COLOURS.get(view.realm, pal.UI.TEXT)
        role = pal.ROLE_NAMES.get(view.role, "")
        self._label(surface, role or "Dreamer", 22, colour, (box.x + 14, box.y + 10), bold=True)
        self._label(surface, "Inspiration", 18, pal.UI.DIM, (box.x + 120, box.y + 12))
        bar = pygame.Rect(box.x + 204, box.y + 12, 240, 14)
        self._bar(surface, bar, view.inspiration / self.tuning.inspiration_max,
                  pal.UI.INSPIRATION)
        self._label(surface, f"{int(view.inspiration)}", 20, pal.UI.TEXT,
                    (box.right - 14, box.y + 10), "topright")
        y = box.y + 42
        ability = ABILITY_NAMES.get(view.role, "Ability")
        self._cooldown(surface, (box.x + 14, y), ability, view.ability_in,
                       self._cooldowns.get(view.role, 1.0), 260)
        self._cooldown(surface, (box.x + 300, y), "Shove", view.shove_in, self._shove, 186)

    def _cooldown(self, surface: pygame.Surface, pos: tuple[int, int], name: str,
                  left: float, total: float, width: int) -> None:
        x, y = pos
        ready = left <= 0.0
        r = self._label(surface, name, 20, pal.UI.TEXT if ready else pal.UI.DIM, (x, y))
        bar = pygame.Rect(r.right + 10, y + 3, max(width - r.w - 70, 20), 10)
        frac = 1.0 if ready else 1.0 - left / max(total, 1e-6)
        self._bar(surface, bar, frac, pal.UI.READY if ready else (120, 110, 170))
        status = "ready" if ready else (f"{left:.1f}s" if left < 10 else f"{int(left)}s")
        self._label(surface, status, 18, pal.UI.READY if ready else pal.UI.DIM,
                    (bar.right + 8, y + 1))

    def _netstats_rect(self, stats: dict[str, float]) -> pygame.Rect:
        n = len(_netstat_rows(stats))
        h = self.screen_size[1]
        return pygame.Rect(_MARGIN, h - _MARGIN - 30 - 20 * n, 220, 30 + 20 * n)

    def _draw_netstats(self, surface: pygame.Surface, stats: dict[str, float],
                       box: pygame.Rect) -> None:
        rows = _netstat_rows(stats)
        self._panel(surface, box, 215)
        self._label(surface, "net (F3)", 18, pal.UI.DIM, (box.x + 10, box.y + 8))
        for i, (k, v) in enumerate(rows):
            y = box.y + 28 + i * 20
            self._label(surface, k, 20, pal.UI.DIM, (box.x + 10, y))
            self._label(surface, v, 20, pal.UI.TEXT, (box.right - 10, y), "topright")


def _netstat_rows(stats: dict[str, float]) -> list[tuple[str, str]]:
    rows = [("round trip", f"{stats.get('rtt_ms', 0.0):.0f} ms"),
            ("snapshots/s", f"{stats.get('snapshots_per_s', 0.0):.1f}"),
            ("bytes/s", _bytes(stats.get("bytes_per_s", 0.0))),
            ("buffer", f"{stats.get('buffer_ms', 0.0):.0f} ms")]
    known = {"rtt_ms", "snapshots_per_s", "bytes_per_s", "buffer_ms"}
    rows += [(k.replace("_", " "), f"{v:g}") for k, v in stats.items() if k not in known]
    return rows


def _bytes(rate: float) -> str:
    if rate >= 1_000_000:
        return f"{rate / 1_000_000:.2f} MB"
    if rate >= 1000:
        return f"{rate / 1000:.1f} kB"
    return f"{rate:.0f} B"

