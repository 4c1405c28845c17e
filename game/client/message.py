"""The message screen every error ends on (and a goodbye): a title, a paragraph, and a way
back to the menu. Never a traceback.

Imports pygame and game.client's flow, ui and backdrop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pygame

from game.client.backdrop import backdrop
from game.client.flow import Go, Place, Scene
from game.client.ui import WARN, Choice, Menu, is_escape, text, wrapped

if TYPE_CHECKING:
    from game.client.app import App

__all__ = ["MessageScene"]


class MessageScene(Scene):
    """A message (an error, or a goodbye) and a way back to the menu. Never a traceback."""

    def __init__(self, app: App, title: str, body: str, color: tuple[int, int, int] = WARN) -> None:
        super().__init__()
        self.app, self.title, self.body, self.color = app, title, body, color
        self.menu = Menu([Choice("Back to the menu", "back")], top=520)

    def handle(self, ev: pygame.event.Event) -> None:
        if self.menu.handle(ev) == "back" or is_escape(ev):
            self.next = Go(Place.TITLE)

    def draw(self, screen: pygame.Surface) -> None:
        backdrop(screen, self.t)
        w, h = screen.get_size()
        cx = w // 2
        text(screen, self.title, 56, (cx, h // 4), self.color, center=True)
        wrapped(screen, self.body, 32, pygame.Rect(cx - min(420, w // 2 - 40), h // 4 + 70,
                                                   min(840, w - 80), 200))
        self.menu.top = min(520, h - 56)
        self.menu.draw(screen)
