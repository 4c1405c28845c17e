"""The story card before a retreat, with the controls as the player bound them. It waits
for a key (a real player reads); the autopilot skips it.

Imports pygame and game.client's flow, ui, backdrop, rules and online.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pygame

from game.client.backdrop import backdrop
from game.client.flow import Go, Place, Scene, Step
from game.client.online import Online
from game.client.rules import controls_line
from game.client.ui import GOLD, INK, MUTED, TEAL, line_height, text, wrap_lines

if TYPE_CHECKING:
    from game.client.app import App

__all__ = ["StoryScene"]


class StoryScene(Scene):
    """The story card before a retreat, with the controls. It waits for a key (a real
    player reads); the autopilot skips it."""

    def __init__(self, app: App, online: Online, autopilot: bool = False) -> None:
        super().__init__()
        self.app, self.online, self.autopilot = app, online, autopilot

    def handle(self, ev: pygame.event.Event) -> None:
        if ev.type in (pygame.KEYDOWN, pygame.MOUSEBUTTONDOWN) and self.t > 0.4:
            self.next = Go(Place.MATCH)

    def update(self, dt: float) -> Step:
        step = super().update(dt)
        happened = self.online.pump()
        if "error" in happened:
            return self.app.error_scene(self.online.error)
        if self.autopilot:
            return Go(Place.MATCH)
        return step

    def layout(self, size: tuple[int, int]) -> list[tuple[str, int, int, str]]:
        """The card's lines for a window of `size`: (text, font size, centre y, what), what
        being title, story, goal, controls or key. The story and the goal take the
        largest font (30 down to 16) at which they end above the controls."""
        m = self.online.match
        if m is None:
            return []
        w, h = size
        col = min(880, w - 80)
        out = [(m.level.title, 60, h * 110 // 720, "title")]
        controls = wrap_lines(controls_line(self.app.settings.keys), 24, w - 80)
        key_y = h - 30
        controls_top = key_y - 24 - len(controls) * line_height(24)
        top = h * 110 // 720 + 50
        for fs in range(30, 15, -1):
            story = wrap_lines(m.level.story_before, fs, col)
            goal = wrap_lines(m.level.goal, fs, col) if m.level.goal else []
            lh = line_height(fs)
            if top + (len(story) + len(goal)) * lh + lh // 2 <= controls_top - 8 or fs == 16:
                break
        y = top
        for line in story:
            out.append((line, fs, y + fs // 2, "story"))
            y += lh
        y += lh // 2
        for line in goal:
            out.append((line, fs, y + fs // 2, "goal"))
            y += lh
        for i, line in enumerate(controls):
            out.append((line, 24, controls_top + i * line_height(24) + 12, "controls"))
        out.append(("press any key", 26, key_y, "key"))
        return out

    def draw(self, screen: pygame.Surface) -> None:
        backdrop(screen, self.t)
        colours = {"title": GOLD, "story": INK, "goal": TEAL, "controls": INK, "key": MUTED}
        cx = screen.get_width() // 2
        for line, size, y, what in self.layout(screen.get_size()):
            if line:
                text(screen, line, size, (cx, y), colours[what], center=True)
