"""The results of the night just played: its outcome, the score, each dreamer's part, both
meters through the night, the story after a won retreat, and what comes next (the room's
host continues, plays again or goes back to the menu; the others wait for the host).

Imports pygame, game.net, game.retreats, game.sim.events and game.client's flow, ui,
backdrop, roster and online.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pygame

from game.client.backdrop import backdrop
from game.client.flow import Go, Place, Scene, Step
from game.client.online import Online
from game.client.roster import is_host, others
from game.client.ui import (
    GOLD,
    INK,
    MUTED,
    TEAL,
    WARN,
    Choice,
    Menu,
    fit,
    font,
    is_escape,
    line_height,
    text,
    wrap_lines,
)
from game.net.records import Contribution
from game.net.schema import Kind
from game.retreats import campaign, load_retreat
from game.sim.events import Outcome

if TYPE_CHECKING:
    from game.client.app import App

__all__ = ["Block", "ResultsScene"]

_TITLES = {Outcome.SEALED: "Every rift sealed", Outcome.DAWN: "Dawn, together",
           Outcome.FRACTURE: "The dreamscape fractured"}


class Block:
    """One piece of the results' scrolling column: where it lies (in the column's own
    coordinates, y from the top of the column) and how it draws itself there."""

    def __init__(self, kind: str, rect: pygame.Rect,
                 paint: Callable[[pygame.Surface, pygame.Rect], None]) -> None:
        self.kind, self.rect, self.paint = kind, rect, paint


class ResultsScene(Scene):
    """The night's outcome, the score, each dreamer's part, both meters through the night,
    the story after a won retreat, and what comes next: the room's host continues (or plays
    again, or goes back to the menu), the others wait for the host.

    The column between the title and what-comes-next scrolls (wheel, arrows, Page Up/Down)
    when it does not fit the window; the text wraps to its width."""

    def __init__(self, app: App, online: Online) -> None:
        super().__init__()
        self.app, self.online = app, online
        self.r: dict[str, Any] = online.results or {}
        self.scroll = 0
        self.started = False
        nxt = str(self.r.get("next_level", ""))
        self.next_title = ""
        if nxt:
            try:
                self.next_title = load_retreat(nxt).title
            except Exception:  # an unknown or broken map: its name will do
                self.next_title = nxt
        self.host = is_host(online)
        self.menu = self._menu()
        self._max_scroll = 0

    # ------------------------------------------------------------------ what comes next
    @property
    def outcome(self) -> Outcome:
        return Outcome(self.r.get("outcome", Outcome.FRACTURE))

    def _menu(self) -> Menu:
        choices = []
        if self.host and not self.started:
            label = f"Continue to {self.next_title}" if self.next_title else "Play again"
            choices.append(Choice(label, "start"))
        if not self.next_title and not self.started and others(self.online):
            choices.append(Choice("Back to the room", "room"))  # the room is a lobby again
        choices.append(Choice("Back to the menu", "menu"))
        return Menu(choices, top=0, size=32)

    def what_next(self) -> str:
        """The line that says what happens now, for this player."""
        level = self.r.get("level")
        done = (self.outcome.won and not self.next_title and level is not None
                and campaign()[-1].name == level.name)
        lines = ["The Night of Unity is over: the campaign is complete."] if done else []
        if self.started:
            lines.append("The next night is being dreamt up...")
        elif not self.host:
            lines.append("Waiting for the host to start the next night.")
        elif self.next_title and not self.outcome.won:
            lines.append(f"The night is lost, but {self.next_title} can be dreamt again.")
        elif self.next_title:
            lines.append(f"Next: {self.next_title}, when you are ready.")
        else:
            lines.append("Play this retreat again, or go back to the menu.")
        return " ".join(lines)

    def handle(self, ev: pygame.event.Event) -> None:
        steps = {pygame.K_UP: -40, pygame.K_DOWN: 40, pygame.K_PAGEUP: -300,
                 pygame.K_PAGEDOWN: 300}
        if ev.type == pygame.MOUSEWHEEL:
            self.scroll_by(-ev.y * 40)
            return
        if ev.type == pygame.KEYDOWN and ev.key in steps:
            self.scroll_by(steps[ev.key])
            return
        choice = self.menu.handle(ev)
        if choice == "start":
            self.online.link.send(Kind.START)
            self.started = True
            self.menu = self._menu()
        elif choice == "room":
            self.next = Go(Place.LOBBY)
        elif choice == "menu" or is_escape(ev):
            self.next = Go(Place.TITLE)

    def scroll_by(self, dy: int) -> None:
        self.scroll = min(max(self.scroll + dy, 0), self._max_scroll)

    def update(self, dt: float) -> Step:
        step = super().update(dt)
        if step is not self:
            return step
        for name in self.online.pump():
            if name == "error":
                return self.app.error_scene(self.online.error)
            if name == "start":
                return Go(Place.STORY)
            if name == "lobby" and is_host(self.online) != self.host:
                self.host = not self.host  # the host left and the room passed it on
                self.menu = self._menu()
        return self

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
