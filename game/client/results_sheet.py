"""The results of a night as a screen: its outcome, the score, each dreamer's part, both
meters through the night and the story after a won retreat, in a column that scrolls
(wheel, arrows, Page Up/Down) when it does not fit the window, over the line that says
what comes next and the menu that does it. `ResultsSheet` is that screen without its
menu: the results of a night just played (`game.client.results`) and of a replay watched
(`game.client.replay_results`) each say what comes next.

The results are a dict of MATCH_END's values (outcome, score, coverage, rifts_sealed,
rifts, awakened, dreamers as `Contribution`s) plus `meter_history` (both meters, 0..100,
through the night) and `level`.

Imports pygame, game.net.records, game.sim.events and game.client's flow, ui and backdrop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pygame

from game.client.backdrop import backdrop
from game.client.flow import Scene
from game.client.ui import (
    GOLD,
    INK,
    MUTED,
    TEAL,
    WARN,
    Menu,
    fit,
    font,
    line_height,
    text,
    wrap_lines,
)
from game.net.records import Contribution
from game.sim.events import Outcome

__all__ = ["Block", "ResultsSheet"]

_TITLES = {Outcome.SEALED: "Every rift sealed", Outcome.DAWN: "Dawn, together",
           Outcome.FRACTURE: "The dreamscape fractured"}
_SCROLL_KEYS = {pygame.K_UP: -40, pygame.K_DOWN: 40, pygame.K_PAGEUP: -300,
                pygame.K_PAGEDOWN: 300}


class Block:
    """One piece of the results' scrolling column: where it lies (in the column's own
    coordinates, y from the top of the column) and how it draws itself there."""

    def __init__(self, kind: str, rect: pygame.Rect,
                 paint: Callable[[pygame.Surface, pygame.Rect], None]) -> None:
        self.kind, self.rect, self.paint = kind, rect, paint


class ResultsSheet(Scene):
    """The results screen (see the module docstring). A subclass sets `menu`, says
    `what_next()` and acts on the menu's choices in `choose()`."""

    menu: Menu

    def __init__(self, results: dict[str, Any]) -> None:
        super().__init__()
        self.r = results
        self.scroll = 0
        self._max_scroll = 0

    @property
    def outcome(self) -> Outcome:
        return Outcome(self.r.get("outcome", Outcome.FRACTURE))

    def what_next(self) -> str:
        """The line that says what happens now."""
        raise NotImplementedError

    def choose(self, choice: str | None, ev: pygame.event.Event) -> None:
        """Act on the menu's answer to `ev` (None: it chose nothing)."""
        raise NotImplementedError

    def handle(self, ev: pygame.event.Event) -> None:
        if ev.type == pygame.MOUSEWHEEL:
            self.scroll_by(-ev.y * 40)
            return
        if ev.type == pygame.KEYDOWN and ev.key in _SCROLL_KEYS:
            self.scroll_by(_SCROLL_KEYS[ev.key])
            return
        self.choose(self.menu.handle(ev), ev)

    def scroll_by(self, dy: int) -> None:
        self.scroll = min(max(self.scroll + dy, 0), self._max_scroll)

    # ------------------------------------------------------------------ layout
    def _font_size(self, h: int) -> int:
        return min(max(round(26 * h / 720), 18), 32)

    def _next_lines(self, w: int, h: int) -> list[str]:
        return wrap_lines(self.what_next(), self._font_size(h), min(w - 48, 1000))

    def frame(self, size: tuple[int, int]
              ) -> tuple[pygame.Rect, pygame.Rect, pygame.Rect, int]:
        """(title area, the scrolling column's viewport, the what-comes-next lines, the
        menu's top) for a window of `size`: what comes next never scrolls away."""
        w, h = size
        title_h = max(56, h * 84 // 720)
        menu_h = (len(self.menu.choices) - 1) * int(self.menu.size * 1.3) + self.menu.size
        menu_top = h - menu_h - 6 + self.menu.size // 2
        next_h = len(self._next_lines(w, h)) * line_height(self._font_size(h))
        nxt = pygame.Rect(0, menu_top - self.menu.size // 2 - 10 - next_h, w, next_h)
        view = pygame.Rect(0, title_h + 4, w, nxt.top - 10 - title_h - 4)
        return pygame.Rect(0, 0, w, title_h), view, nxt, menu_top

    def blocks(self, size: tuple[int, int]) -> list[Block]:
        """The column's pieces for a window of `size`, top to bottom, none overlapping."""
        w, h = size
        fs = self._font_size(h)
        lh = line_height(fs)
        col = min(w - 48, 1000)
        x0 = (w - col) // 2
        out: list[Block] = []
        y = 0

        def add(kind: str, height: int,
                paint: Callable[[pygame.Surface, pygame.Rect], None]) -> None:
            nonlocal y
            out.append(Block(kind, pygame.Rect(x0, y, col, height), paint))
            y += height + lh // 2

        def para(kind: str, msg: str, colour: tuple[int, int, int], size: int = fs) -> None:
            lines = wrap_lines(msg, size, col)

            def paint(s: pygame.Surface, r: pygame.Rect) -> None:
                for i, line in enumerate(lines):
                    text(s, line, size, (r.centerx, r.y + i * line_height(size)
                                         + size // 2), colour, center=True)

            add(kind, len(lines) * line_height(size), paint)

        r = self.r
        cov = r.get("coverage", [0, 0, 0, 0, 0])
        para("score", f"score {r.get('score', 0)} · mosaic {cov[2] / 10:.0f}% · rifts sealed "
             f"{r.get('rifts_sealed', 0)}/{r.get('rifts', 0)} · cadre awakened "
             f"{r.get('awakened', 0)}", INK)
        dreamers: list[Contribution] = r.get("dreamers", [])
        if dreamers:
            add("dreamers", lh * (len(dreamers) + 1), _table(dreamers, fs))
        plot_h = min(max(h // 6, 70), 150)
        add("meters", plot_h + lh, lambda s, rect: _plot(s, rect, r.get("meter_history", []),
                                                         fs))
        level = r.get("level")
        if level is not None and self.outcome.won and level.story_after:
            para("story", level.story_after, MUTED)
        return out

    def draw(self, screen: pygame.Surface) -> None:
        backdrop(screen, self.t)
        w, h = screen.get_size()
        title, view, nxt, menu_top = self.frame((w, h))
        won = self.outcome.won
        text(screen, _TITLES.get(self.outcome, ""), min(60, title.h - 8), title.center,
             GOLD if won else WARN, center=True)
        blocks = self.blocks((w, h))
        content_h = blocks[-1].rect.bottom if blocks else 0
        self._max_scroll = max(content_h - view.h, 0)
        self.scroll = min(self.scroll, self._max_scroll)
        clip = screen.get_clip()
        screen.set_clip(view)
        for b in blocks:
            b.paint(screen, b.rect.move(0, view.y - self.scroll))
        screen.set_clip(clip)
        if self._max_scroll:
            frac = self.scroll / self._max_scroll
            bar_h = max(view.h * view.h // max(content_h, 1), 24)
            bar = pygame.Rect(w - 10, view.y + int((view.h - bar_h) * frac), 4, bar_h)
            pygame.draw.rect(screen, MUTED, bar, border_radius=2)
            if self.scroll < self._max_scroll:
                hint = "more below: wheel or arrows"
                text(screen, hint, 20, (w - 16 - font(20).size(hint)[0], title.bottom - 20),
                     MUTED)
        fs = self._font_size(h)
        for i, line in enumerate(self._next_lines(w, h)):
            text(screen, line, fs, (w // 2, nxt.y + i * line_height(fs) + fs // 2), TEAL,
                 center=True)
        self.menu.top = menu_top
        self.menu.draw(screen)


def _table(dreamers: list[Contribution], fs: int
           ) -> Callable[[pygame.Surface, pygame.Rect], None]:
    """Draws each dreamer's line as columns: name, painted, cleansed, revived, awakened."""
    heads = ("painted", "cleansed", "revived", "awakened")

    def paint(s: pygame.Surface, r: pygame.Rect) -> None:
        lh = line_height(fs)
        name_w = r.w * 2 // 5
        num_w = (r.w - name_w) // len(heads)
        for k, head in enumerate(heads):
            text(s, head, fs, (r.x + name_w + num_w * k + num_w // 2, r.y + fs // 2), MUTED,
                 center=True)
        for i, d in enumerate(dreamers):
            y = r.y + (i + 1) * lh
            colour = GOLD if d.realm == 1 else TEAL
            text(s, fit(d.name, fs, name_w - 8), fs, (r.x, y), colour)
            for k, v in enumerate((d.painted, d.cleansed, d.revived, d.awakenings)):
                text(s, str(v), fs, (r.x + name_w + num_w * k + num_w // 2, y + fs // 2),
                     colour, center=True)

    return paint


def _plot(screen: pygame.Surface, rect: pygame.Rect, history: list[tuple[float, float]],
          fs: int) -> None:
    """Both unity meters through the night, under a caption, inside `rect`."""
    text(screen, "unity meters through the night", fs - 4, (rect.x, rect.y), MUTED)
    box = pygame.Rect(rect.x, rect.y + line_height(fs), rect.w, rect.h - line_height(fs))
    pygame.draw.rect(screen, MUTED, box, 1)
    if len(history) < 2:
        return
    for k, color in ((0, GOLD), (1, TEAL)):
        pts = [(box.x + box.w * i / (len(history) - 1),
                box.bottom - box.h * min(max(h[k], 0), 100) / 100)
               for i, h in enumerate(history)]
        pygame.draw.lines(screen, color, False, pts, 2)
