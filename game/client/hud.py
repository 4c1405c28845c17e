"""The match screen's heads-up display: both unity meters (flashing when low, a warning
banner when critical), the dawn timer, your inspiration and cooldowns, a minimap of the
whole dreamscape's coverage, the player list with latencies, a message line and the F3
net-stats overlay.

Text goes through `game.client.render.TextCache` (pygame's default font; every string
renders once while it stays in use), panels are pre-rendered, and the minimap is rebuilt
from the paint codes at most a few times a second. Only game/client imports pygame.
"""

from __future__ import annotations

import math

import pygame

from game.client import palette as pal
from game.client.palette import Colour
from game.client.render import TextCache, camera_offset
from game.client.view import MatchView
from game.sim.level import Level
from game.sim.tuning import TICK_RATE, Tuning

__all__ = ["ABILITY_NAMES", "Hud"]

ABILITY_NAMES = {1: "Mosaic Burst", 2: "NeuroNook", 3: "Rally"}
"""each role's ability, as the HUD names it (Architect, Innovator, Organizer)"""

_FLASH_BELOW = 30.0
_WARN_BELOW = 15.0
_MINI_BOX = (240, 160)
_MARGIN = 12


class Hud:
    """Draws the HUD over a frame the `MatchRenderer` drew.

    Contract: `draw(surface, view)` reads the view only; the minimap is rebuilt from
    `view.codes` when `minimap_period` seconds of `view.time` have passed since the last
    rebuild (or time went backwards, or the level changed), so paint shows on it with at
    most that much delay. `minimap_rect` is where the minimap was last drawn.
    """

    def __init__(self, screen_size: tuple[int, int], *, minimap_period: float = 0.25,
                 tuning: Tuning | None = None) -> None:
        self.screen_size = screen_size
        self.minimap_period = minimap_period
        self.tuning = t = tuning or Tuning()
        self.text = TextCache()
        self._panels: dict[tuple[int, int, int], pygame.Surface] = {}
        self._fitted: dict[tuple[str, int, bool, int], str] = {}
        self._mini: pygame.Surface | None = None
        self._mini_at = -math.inf
        self._mini_level: Level | None = None
        self.minimap_rect = pygame.Rect(0, 0, 0, 0)
        self.minimap_builds = 0
        """how many times the minimap was rebuilt (for tests)"""
        self._cooldowns = {1: t.architect_cooldown / TICK_RATE,
                           2: t.innovator_cooldown / TICK_RATE,
                           3: t.organizer_cooldown / TICK_RATE}
        self._shove = t.shove_cooldown / TICK_RATE

    # ------------------------------------------------------------------ helpers
    def _panel(self, surface: pygame.Surface, rect: pygame.Rect, alpha: int = 190) -> None:
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
        self.screen_size = surface.get_size()
        self._draw_meters(surface, view)
        self._draw_timer(surface, view)
        self._draw_minimap(surface, view)
        self._draw_players(surface, view)
        self._draw_you(surface, view)
        if view.message:
            self._draw_message(surface, view.message)
        if view.netstats is not None:
            self._draw_netstats(surface, view.netstats)

    def _draw_meters(self, surface: pygame.Surface, view: MatchView) -> None:
        box = pygame.Rect(_MARGIN, _MARGIN, 318, 70)
        self._panel(surface, box)
        flash_on = int(view.time * 4) % 2 == 0
        critical: list[str] = []
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
            if value < _WARN_BELOW:
                critical.append(name)
        if critical:
            text = " and ".join(critical)
            msg = (f"The {text} unity is breaking! Cleanse their districts!" if len(critical) == 1
                   else f"{text}: unity breaking! Cleanse now!")
            img = self.text.text(msg, 30, pal.UI.WARN if flash_on else (255, 200, 210),
                                 shadow=True, bold=True)
            rect = img.get_rect(midtop=(self.screen_size[0] // 2, 96))
            self._panel(surface, rect.inflate(28, 14), 215)
            surface.blit(img, rect)

    def _draw_timer(self, surface: pygame.Surface, view: MatchView) -> None:
        w = self.screen_size[0]
        box = pygame.Rect(w // 2 - 110, _MARGIN - 4, 220, 78)
        if box.x < _MARGIN + 318 + 8:  # a narrow window: under the meters instead
            box.topleft = (_MARGIN, _MARGIN + 78)
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
        s = min(_MINI_BOX[0] / level.width, _MINI_BOX[1] / level.height)
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

    def _draw_minimap(self, surface: pygame.Surface, view: MatchView) -> None:
        lv = view.level
        rect = self._minimap_geometry(lv)
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
        ox, oy = camera_offset(view.camera, self.screen_size, (lv.pixel_width, lv.pixel_height))
        cam = pygame.Rect(rect.x + int(ox * sx), rect.y + int(oy * sy),
                          int(self.screen_size[0] * sx), int(self.screen_size[1] * sy))
        cam = cam.clip(rect)
        if cam.w > 0 and cam.h > 0:
            pygame.draw.rect(surface, (236, 232, 255), cam, 1)

    def _draw_players(self, surface: pygame.Surface, view: MatchView) -> None:
        if not view.players:
            return
        mini = self.minimap_rect
        row_h = 22
        width = max(mini.w + 6, 252)
        box = pygame.Rect(mini.right + 3 - width, mini.bottom + 10, width,
                          12 + row_h * len(view.players))
        self._panel(surface, box)
        for i, p in enumerate(view.players):
            y = box.y + 7 + i * row_h
            colour = pal.REALM_COLOURS.get(p.realm, pal.UI.TEXT)
            pygame.draw.circle(surface, colour, (box.x + 14, y + 8), 5)
            if p.you:
                pygame.draw.circle(surface, pal.UI.ME, (box.x + 14, y + 8), 7, 1)
            self._label(surface, self._fit(p.name, 20, p.you, 100), 20,
                        pal.UI.TEXT if not p.you else pal.UI.ME, (box.x + 26, y + 1), bold=p.you)
            self._label(surface, pal.ROLE_NAMES.get(p.role, ""), 16, pal.UI.DIM,
                        (box.x + 132, y + 3))
            if p.bot:
                lat, lat_colour = "bot", pal.UI.DIM
            else:
                lat = f"{p.latency_ms} ms"
                lat_colour = ((150, 240, 170) if p.latency_ms < 80 else (250, 220, 130)
                              if p.latency_ms < 160 else pal.UI.WARN)
            self._label(surface, lat, 18, lat_colour, (box.right - 10, y + 2), "topright")

    def _fit(self, name: str, size: int, bold: bool, width: int) -> str:
        """`name`, cut short with '...' to fit in `width` pixels (remembered per name)."""
        key = (name, size, bold, width)
        fitted = self._fitted.get(key)
        if fitted is None:
            font = self.text.font(size, bold)
            fitted = name
            while len(fitted) > 1 and font.size(fitted if fitted == name else fitted + "...")[0] \
                    > width:
                fitted = fitted[:-1]
            if fitted != name:
                fitted = fitted.rstrip() + "..."
            if len(self._fitted) > 256:
                self._fitted.clear()
            self._fitted[key] = fitted
        return fitted

    def _draw_you(self, surface: pygame.Surface, view: MatchView) -> None:
        w, h = self.screen_size
        if not view.me:
            box = pygame.Rect(w // 2 - 150, h - 52, 300, 40)
            self._panel(surface, box)
            self._label(surface, "Watching the retreat", 24, pal.UI.DIM, box.center, "center")
            return
        box = pygame.Rect(w // 2 - 250, h - 84, 500, 72)
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

    def _draw_message(self, surface: pygame.Surface, message: str) -> None:
        w, h = self.screen_size
        img = self.text.text(message, 24, pal.UI.TEXT, shadow=True)
        rect = img.get_rect(midbottom=(w // 2, h - 98))
        self._panel(surface, rect.inflate(24, 12), 170)
        surface.blit(img, rect)

    def _draw_netstats(self, surface: pygame.Surface, stats: dict[str, float]) -> None:
        rows = [("round trip", f"{stats.get('rtt_ms', 0.0):.0f} ms"),
                ("snapshots/s", f"{stats.get('snapshots_per_s', 0.0):.1f}"),
                ("bytes/s", _bytes(stats.get("bytes_per_s", 0.0))),
                ("buffer", f"{stats.get('buffer_ms', 0.0):.0f} ms")]
        known = {"rtt_ms", "snapshots_per_s", "bytes_per_s", "buffer_ms"}
        rows += [(k.replace("_", " "), f"{v:g}") for k, v in stats.items() if k not in known]
        h = self.screen_size[1]
        box = pygame.Rect(_MARGIN, h - _MARGIN - 30 - 20 * len(rows), 220, 30 + 20 * len(rows))
        self._panel(surface, box, 215)
        self._label(surface, "net (F3)", 18, pal.UI.DIM, (box.x + 10, box.y + 8))
        for i, (k, v) in enumerate(rows):
            y = box.y + 28 + i * 20
            self._label(surface, k, 20, pal.UI.DIM, (box.x + 10, y))
            self._label(surface, v, 20, pal.UI.TEXT, (box.right - 10, y), "topright")


def _bytes(rate: float) -> str:
    if rate >= 1_000_000:
        return f"{rate / 1_000_000:.2f} MB"
    if rate >= 1000:
        return f"{rate / 1000:.1f} kB"
    return f"{rate:.0f} B"

