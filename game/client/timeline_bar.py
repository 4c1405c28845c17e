"""The replay viewer's strip along the bottom of the screen: the buttons (to the start,
5 s back, play or pause, 5 s on, to the end, the speeds), the time, who the camera
follows, and the timeline itself: both unity meters' curves through the night and its
events marked (rifts sealed, cadre awakened, dreamers asleep, Ethan coming and going),
the part of the night not yet known shaded, the playhead, and the time under the mouse.

`TimelineBar.layout(size)` says where everything lies (`BarLayout`); `hit(pos)` what a
click lands on; `tick_at(x)` the tick under an x on the timeline; `draw(surface,
state)` draws a `BarState`. The curves and marks are drawn once into a surface of their
own and redrawn only when the timeline learns more or the window changes.

Imports pygame, game.sim.events, game.replay.scrub (the timeline's records) and
game.client's palette, text and watch (the speeds).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pygame

from game.client import palette as pal
from game.client.palette import Colour
from game.client.text import TextCache
from game.client.watch import SPEEDS
from game.replay.scrub import Mark, Timeline
from game.sim.events import EventKind
from game.sim.tuning import TICK_RATE

__all__ = ["HEIGHT", "MARK_STYLES", "BarLayout", "BarState", "TimelineBar", "clock_text"]

HEIGHT = 104
"""the strip's height in pixels"""
_PAD = 12
_ROW = 30
"""the buttons' row"""
_MARK_ROOM = 10
"""pixels at the timeline's top and bottom edges kept for the marks"""

MARK_STYLES: dict[int, tuple[str, Colour, str]] = {
    EventKind.RIFT_SEALED: ("rift sealed", pal.MOSAIC_LIGHT, "top"),
    EventKind.AWAKENED: ("cadre awakened", (255, 150, 226), "top"),
    EventKind.ASLEEP: ("dreamer asleep", (150, 160, 255), "bottom"),
    EventKind.ETHAN_ARRIVED: ("Ethan came", pal.ETHAN_ACCENT, "bottom"),
    EventKind.ETHAN_DRIVEN_OUT: ("Ethan driven out", pal.ETHAN_ACCENT, "top"),
}
"""each marked event: its words, its colour, and the timeline's edge it hangs from"""

_BUTTONS = (("start", "|<"), ("back", "<<"), ("play", ""), ("forward", ">>"), ("end", ">|"))


def clock_text(ticks: int) -> str:
    """Ticks as minutes and seconds of night, m:ss."""
    secs = max(ticks, 0) // TICK_RATE
    return f"{secs // 60}:{secs % 60:02d}"


@dataclass
class BarLayout:
    """Where the strip's parts lie on a screen of `size` (screen pixels)."""

    size: tuple[int, int]
    strip: pygame.Rect
    track: pygame.Rect
    """the timeline: x from tick 0 to the last tick"""
    buttons: dict[str, pygame.Rect] = field(default_factory=dict)
    """"start", "back", "play", "forward", "end", "speed:K" (K an index into SPEEDS)"""
    info: pygame.Rect = field(default_factory=lambda: pygame.Rect(0, 0, 0, 0))
    """where the time and the camera's words go"""


@dataclass
class BarState:
    """What the strip shows this frame."""

    tick: int
    last_tick: int
    timeline: Timeline
    paused: bool
    speed_index: int
    camera: str
    """who the camera follows, in words"""
    diverged_at: int | None = None
    note: str = ""
    """a line about the replay itself (it ends early, it diverged), shown in place of the
    keys' hint"""
    mouse: tuple[int, int] | None = None


class TimelineBar:
    """Draws the strip (see the module docstring)."""

    def __init__(self) -> None:
        self.text = TextCache()
        self._plot: pygame.Surface | None = None
        self._plot_key: tuple[int, int, int, int, int] | None = None

    # ------------------------------------------------------------------ geometry
    def layout(self, size: tuple[int, int]) -> BarLayout:
        w, h = size
        strip = pygame.Rect(0, h - HEIGHT, w, HEIGHT)
        track = pygame.Rect(_PAD, strip.y + _ROW + 14, w - 2 * _PAD, HEIGHT - _ROW - 22)
        out = BarLayout(size, strip, track)
        x, y = _PAD, strip.y + 6
        for key, _ in _BUTTONS:
            width = 46 if key == "play" else 34
            out.buttons[key] = pygame.Rect(x, y, width, _ROW - 6)
            x += width + 4
        x += 10
        for k, speed in enumerate(SPEEDS):
            width = 44 if speed < 1 else 32
            out.buttons[f"speed:{k}"] = pygame.Rect(x, y, width, _ROW - 6)
            x += width + 3
        out.info = pygame.Rect(x + 12, y, max(w - x - 12 - _PAD, 0), _ROW - 6)
        return out

    def hit(self, layout: BarLayout, pos: tuple[int, int]) -> str | None:
        """What `pos` lands on: a button's key, "track" (the timeline, a little beyond its
        ends included), "strip" (elsewhere on the strip) or None (not on the strip)."""
        for key, rect in layout.buttons.items():
            if rect.collidepoint(pos):
                return key
        if layout.track.inflate(8, 12).collidepoint(pos):
            return "track"
        return "strip" if layout.strip.collidepoint(pos) else None

    @staticmethod
    def tick_at(layout: BarLayout, x: float, last_tick: int) -> int:
        """The tick under `x` on the timeline (clamped to 0..last_tick)."""
        t = layout.track
        f = (x - t.x) / max(t.w - 1, 1)
        return min(max(round(f * last_tick), 0), last_tick)

    @staticmethod
    def x_of(layout: BarLayout, tick: int, last_tick: int) -> int:
        t = layout.track
        return t.x + round((t.w - 1) * min(max(tick, 0), last_tick) / max(last_tick, 1))

    # ------------------------------------------------------------------ drawing
    def draw(self, surface: pygame.Surface, layout: BarLayout, state: BarState) -> None:
        strip, track = layout.strip, layout.track
        panel = pygame.Surface(strip.size, pygame.SRCALPHA)
        panel.fill((*pal.UI.PANEL[:3], 236))
        surface.blit(panel, strip.topleft)
        pygame.draw.line(surface, pal.UI.PANEL_EDGE, strip.topleft, strip.topright)
        self._draw_buttons(surface, layout, state)
        self._draw_info(surface, layout, state)
        surface.blit(self._plot_surface(layout, state), track.topleft)
        pygame.draw.rect(surface, pal.UI.PANEL_EDGE, track, 1)
        last = max(state.last_tick, 1)
        if state.diverged_at is not None:
            x = self.x_of(layout, state.diverged_at, last)
            pygame.draw.line(surface, pal.UI.WARN, (x, track.top), (x, track.bottom - 1), 2)
        x = self.x_of(layout, state.tick, last)
        pygame.draw.line(surface, pal.UI.ME, (x, track.top - 3), (x, track.bottom + 2), 2)
        pygame.draw.polygon(surface, pal.UI.ME, [(x - 6, track.top - 9), (x + 6, track.top - 9),
                                                (x, track.top - 2)])
        self._draw_hover(surface, layout, state)

    def _draw_buttons(self, surface: pygame.Surface, layout: BarLayout,
                      state: BarState) -> None:
        labels = dict(_BUTTONS)
        for key, rect in layout.buttons.items():
            on = key == f"speed:{state.speed_index}"
            pygame.draw.rect(surface, (60, 52, 104) if on else pal.UI.BAR_BACK, rect,
                             border_radius=5)
            pygame.draw.rect(surface, pal.UI.ME if on else pal.UI.PANEL_EDGE, rect, 1,
                             border_radius=5)
            if key == "play":
                _play_icon(surface, rect, state.paused)
                continue
            if key.startswith("speed:"):
                label = _speed_label(SPEEDS[int(key.split(":")[1])])
            else:
                label = labels[key]
            img = self.text.text(label, 20, pal.UI.TEXT if on or not key.startswith("speed")
                                 else pal.UI.DIM, bold=on)
            surface.blit(img, img.get_rect(center=rect.center))

    def _draw_info(self, surface: pygame.Surface, layout: BarLayout, state: BarState) -> None:
        box = layout.info
        if box.w <= 0:
            return
        clock = self.text.text(f"{clock_text(state.tick)} / {clock_text(state.last_tick)}",
                               24, pal.UI.TEXT, bold=True)
        surface.blit(clock, clock.get_rect(midleft=(box.x, box.centery)))
        x = box.x + clock.get_width() + 18
        room = box.right - x
        if room > 40:
            words = self.text.fit(state.camera, 20, False, room)
            img = self.text.text(words, 20, pal.UI.TEXT)
            surface.blit(img, img.get_rect(midleft=(x, box.centery)))
            x += img.get_width() + 18
            room = box.right - x
        hint = state.note or ("Space pause  ·  arrows 5 s  ·  Tab or 1-8 follow  ·  "
                              "drag or WASD: camera  ·  Esc back")
        if room > 220:  # narrower, the hint would be cut to nothing useful
            colour = pal.UI.WARN if state.note else pal.UI.DIM
            img = self.text.text(self.text.fit(hint, 18, False, room), 18, colour)
            surface.blit(img, img.get_rect(midright=(box.right, box.centery)))

    def _plot_surface(self, layout: BarLayout, state: BarState) -> pygame.Surface:
        """The timeline's background, curves and marks (redrawn when they change)."""
        tl, track = state.timeline, layout.track
        key = (track.w, track.h, tl.upto, len(tl.marks), state.last_tick)
        if self._plot is not None and key == self._plot_key:
            return self._plot
        plot = pygame.Surface(track.size)
        plot.fill((20, 16, 40))
        last = max(state.last_tick, 1)
        known = round((track.w - 1) * min(max(tl.upto, 0), last) / last) + 1
        if known < track.w:  # not yet dreamt through: hatched
            pygame.draw.rect(plot, (12, 10, 24), (known, 0, track.w - known, track.h))
            for x in range(known - known % 8, track.w + track.h, 8):
                pygame.draw.line(plot, (36, 30, 64), (x, 0), (x - track.h, track.h))
            words = self.text.text("not dreamt through yet", 18, pal.UI.DIM)
            if track.w - known > words.get_width() + 16:
                plot.blit(words, words.get_rect(center=((known + track.w) // 2,
                                                        track.h // 2)))
        inner = track.h - 2 * _MARK_ROOM  # the curves keep clear of the marks' edges
        for k, colour in ((0, pal.REALM_COLOURS[1]), (1, pal.REALM_COLOURS[2])):
            pts = [(round((track.w - 1) * i * tl.sample_every / last),
                    _MARK_ROOM + round(inner * (1 - min(max(m[k], 0.0), 100.0) / 100)))
                   for i, m in enumerate(tl.meters)]
            if len(pts) > 1:
                pygame.draw.lines(plot, colour, False, pts, 2)
        for mark in tl.marks:
            _draw_mark(plot, mark, round((track.w - 1) * mark.tick / last), track.h)
        self._plot, self._plot_key = plot, key
        return plot

    def _draw_hover(self, surface: pygame.Surface, layout: BarLayout, state: BarState) -> None:
        if state.mouse is None or self.hit(layout, state.mouse) != "track":
            return
        last = max(state.last_tick, 1)
        tick = self.tick_at(layout, state.mouse[0], last)
        words = clock_text(tick)
        near = nearest_mark(state.timeline, tick, round(last * 6 / max(layout.track.w, 1)))
        if near is not None:
            words = f"{MARK_STYLES[near.kind][0]} at {clock_text(near.tick)}"
        img = self.text.text(words, 18, pal.UI.TEXT)
        track = layout.track
        pill = img.get_rect(midleft=(state.mouse[0] + 8, track.centery)).inflate(10, 4)
        if pill.right > track.right:  # near the end: to the left of the mouse
            pill.right = state.mouse[0] - 8
        pygame.draw.line(surface, pal.UI.DIM, (state.mouse[0], track.top),
                         (state.mouse[0], track.bottom - 1))
        pygame.draw.rect(surface, pal.UI.SHADOW, pill, border_radius=4)
        pygame.draw.rect(surface, pal.UI.PANEL_EDGE, pill, 1, border_radius=4)
        surface.blit(img, img.get_rect(center=pill.center))


def nearest_mark(timeline: Timeline, tick: int, within: int) -> Mark | None:
    """The marked event nearest to `tick`, if one lies within `within` ticks."""
    best = min(timeline.marks, key=lambda m: abs(m.tick - tick), default=None)
    return best if best is not None and abs(best.tick - tick) <= within else None


def _draw_mark(plot: pygame.Surface, mark: Mark, x: int, h: int) -> None:
    style = MARK_STYLES.get(mark.kind)
    if style is None:
        return
    _, colour, edge = style
    if mark.kind == EventKind.RIFT_SEALED:  # the night's milestones: tall and bright
        pygame.draw.line(plot, colour, (x, 0), (x, h - 1), 1)
        pygame.draw.polygon(plot, colour, [(x, 0), (x + 5, 5), (x, 10), (x - 5, 5)])
    elif edge == "top":
        pygame.draw.line(plot, colour, (x, 0), (x, _MARK_ROOM - 3), 2)
    else:
        pygame.draw.line(plot, colour, (x, h - _MARK_ROOM + 2), (x, h - 1), 2)


def _play_icon(surface: pygame.Surface, rect: pygame.Rect, paused: bool) -> None:
    cx, cy = rect.center
    if paused:  # shows what a click does: play
        pygame.draw.polygon(surface, pal.UI.TEXT, [(cx - 5, cy - 7), (cx - 5, cy + 7),
                                                   (cx + 7, cy)])
    else:
        pygame.draw.rect(surface, pal.UI.TEXT, (cx - 6, cy - 7, 4, 14))
        pygame.draw.rect(surface, pal.UI.TEXT, (cx + 2, cy - 7, 4, 14))


def _speed_label(speed: float) -> str:
    return f"{speed:g}x"
