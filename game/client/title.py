"""The title screen: the game's name and its menu (play solo, host co-op, join co-op,
replays, settings, quit). Each screen it opens is shown over it and comes back to it.

Imports pygame and game.client's flow, ui, backdrop and the screens it opens (solo,
hosting, joining, replays_menu, settings_menu).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pygame

from game.client.backdrop import backdrop
from game.client.flow import Over, Scene
from game.client.hosting import HostScene
from game.client.joining import JoinScene
from game.client.replays_menu import ReplaysScene
from game.client.settings_menu import SettingsScene
from game.client.solo import SoloScene
from game.client.ui import INK, MUTED, TEAL, Choice, Menu, is_escape, text

if TYPE_CHECKING:
    from game.client.app import App

__all__ = ["TitleScene"]


class TitleScene(Scene):
    """The menu: solo, host, join, replays, settings, quit. `note` says why the player is
    back here (e.g. "You left the retreat.")."""

    def __init__(self, app: App, note: str = "") -> None:
        super().__init__()
        self.app, self.note = app, note
        self.menu = Menu([Choice("Play solo", "solo"), Choice("Host co-op", "host"),
                          Choice("Join co-op", "join"), Choice("Replays", "replays"),
                          Choice("Settings", "settings"), Choice("Quit", "quit")], top=330)

    def handle(self, ev: pygame.event.Event) -> None:
        choice = self.menu.handle(ev)
        screens: dict[str, Callable[[App], Scene]] = {
            "solo": SoloScene, "host": HostScene, "join": JoinScene,
            "replays": ReplaysScene, "settings": SettingsScene}
        if choice in screens:
            self.next = Over(screens[choice](self.app))
        elif choice == "quit" or is_escape(ev):
            self.next = None

    def draw(self, screen: pygame.Surface) -> None:
        backdrop(screen, self.t)
        w, h = screen.get_size()
        cx = w // 2
        text(screen, "DREAMLAYER", 110, (cx, h * 150 // 720), INK, center=True)
        text(screen, "Repaint the nightmare together, before the unity meters collapse.", 30,
             (cx, h * 225 // 720), MUTED, center=True)
        if self.note:
            text(screen, self.note, 28, (cx, h * 275 // 720), TEAL, center=True)
        self.menu.top = h * 330 // 720
        self.menu.draw(screen)
