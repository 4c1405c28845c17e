"""The pause menu of a match: Resume, Settings, Controls & rules, Leave (asks first).

A match is online, so nothing stops underneath: the pause menu is drawn over the running
match, and the match scene keeps pumping the link (and sends "stand still" inputs) while
it is open. Settings open as a panel inside the menu; Back or Save there returns to it.

Imports pygame and game.client's flow, ui, roster and settings_menu (for the Settings
screen); never game.client.match.
"""

from __future__ import annotations

from enum import Enum, auto
from typing import TYPE_CHECKING

import pygame

from game.client.flow import Go, Scene, SceneStack
from game.client.roster import others
from game.client.settings_menu import SettingsScene
from game.client.ui import GOLD, INK, MUTED, Choice, Menu, shade, text

if TYPE_CHECKING:
    from game.client.app import App

__all__ = ["PauseChoice", "PauseMenu"]


class PauseChoice(Enum):
    """What the player chose, for the match scene to act on."""

    RESUME = auto()
    HELP = auto()
    LEAVE = auto()


class PauseMenu:
    """Open while shown; `handle()` answers what the match must do, if anything."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.menu = Menu([Choice("Resume", "resume"), Choice("Settings", "settings"),
                          Choice("Controls & rules", "help"), Choice("Leave", "leave")],
                         top=0, size=40)
        self.confirm: Menu | None = None
        self.panel: SceneStack | None = None
        """the Settings screen (and Key bindings over it) while open"""

    @property
    def capturing(self) -> bool:
        top = self.panel.top if self.panel is not None else None
        return top is not None and top.capturing

    def handle(self, ev: pygame.event.Event) -> PauseChoice | None:
        if self.panel is not None:
            top = self.panel.top
            if top is not None:
                top.handle(ev)
            return None
        escape = ev.type == pygame.KEYDOWN and ev.key == pygame.K_ESCAPE
        if self.confirm is not None:
            choice = self.confirm.handle(ev)
            if choice == "leave":
                return PauseChoice.LEAVE
            if choice == "stay" or escape:
                self.confirm = None
            return None
        choice = self.menu.handle(ev)
        if choice == "resume" or escape:
            return PauseChoice.RESUME
        if choice == "help":
            return PauseChoice.HELP
        if choice == "settings":
            self.panel = SceneStack(_no_places, SettingsScene(self.app))
        elif choice == "leave":
            self.confirm = Menu([Choice("Stay in the dream", "stay"),
                                 Choice("Leave the retreat", "leave")], top=0, size=40)
        return None

    def leaving_means(self) -> str:
        """What leaving does to the night, said before the player confirms."""
        online = self.app.online
        if online is None or online.local is None:
            return "Your dreamer stays in the dream, played by an ally bot."
        if others(online):
            return "You host this retreat: leaving ends it for everyone."
        return "The night ends here."

    def update(self, dt: float) -> None:
        """Run the Settings panel, closing it when it is done."""
        if self.panel is None:
            return
        top = self.panel.top
        if top is not None:
            self.panel.follow(top.update(dt))
        if self.panel.top is None:
            self.panel = None

    def draw(self, surface: pygame.Surface) -> None:
        top = self.panel.top if self.panel is not None else None
        if top is not None:
            top.draw(surface)
            return
        shade(surface, alpha=170)
        w, h = surface.get_size()
        if self.confirm is not None:
            text(surface, "Leave the retreat?", 52, (w // 2, h // 2 - 110), GOLD, center=True)
            text(surface, self.leaving_means(), 26, (w // 2, h // 2 - 66), MUTED, center=True)
            self.confirm.top = h // 2 - 10
            self.confirm.draw(surface)
            return
        text(surface, "Paused", 60, (w // 2, h // 2 - 150), INK, center=True)
        text(surface, "the night goes on: your dreamer stands still", 24,
             (w // 2, h // 2 - 108), MUTED, center=True)
        self.menu.top = h // 2 - 60
        self.menu.draw(surface)


def _no_places(go: Go) -> Scene | None:
    """Settings and Key bindings only go back; anything else closes the panel."""
    return None
