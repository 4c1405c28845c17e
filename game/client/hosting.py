"""Host co-op: the screen that opens a room to friends on a server this game starts in
the background (port 8765 on every interface), with a retreat or the whole campaign, up
to 8 dreamers, a hazard, bot fill and an optional password.

Imports pygame, game.net.schema and game.client's flow, ui, backdrop, retreat_names and
connecting.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pygame

from game.client.backdrop import backdrop
from game.client.connecting import local_night
from game.client.flow import BACK, Scene
from game.client.retreat_names import RetreatChoice
from game.client.ui import INK, Choice, Menu, TextField, is_escape, text
from game.net.schema import Message

if TYPE_CHECKING:
    from game.client.app import App
    from game.remote import Remote

__all__ = ["HostScene"]


class HostScene(Scene):
    """Host co-op: a server in the background, a room friends join by its code."""

    def __init__(self, app: App) -> None:
        super().__init__()
        self.app = app
        self.retreat = RetreatChoice(with_campaign=True)
        self.menu = Menu([self.retreat.choice,
                          Choice("Dreamers", "max", ["2", "3", "4", "5", "6", "7", "8"], 2),
                          Choice("Hazard", "hazard", ["1", "2", "3", "4", "5"]),
                          Choice("Ally bots fill empty seats", "fill", ["yes", "no"]),
                          Choice("Open the room", "go"), Choice("Back", "back")], top=250)
        self.password = TextField("Password (optional)", "", 32, secret=True)

    @property
    def capturing(self) -> bool:
        return self.password.active

    def handle(self, ev: pygame.event.Event) -> None:
        self.password.handle(ev)
        if self.password.active and ev.type in (pygame.KEYDOWN, pygame.TEXTINPUT) \
                and not is_escape(ev):
            return
        choice = self.menu.handle(ev)
        if choice == "go":
            c = {ch.key: ch.value for ch in self.menu.choices}
            self.next = self._open(c)
        elif choice == "back" or is_escape(ev):
            self.next = BACK

    def _open(self, c: dict[str, str]) -> Scene:
        level = self.retreat.level(c["level"])
        password = self.password.value

        async def create(remote: Remote) -> Message:
            return await remote.create_room(level=level, max_dreamers=int(c["max"]),
                                            hazard=int(c["hazard"]), password=password,
                                            public=True, bot_fill=c["fill"] == "yes")

        return local_night(self.app, "Opening the retreat to friends...", create,
                           public=True, port=8765)

    def draw(self, screen: pygame.Surface) -> None:
        backdrop(screen, self.t)
        w, h = screen.get_size()
        text(screen, "Host co-op", 64, (w // 2, h * 140 // 720), INK, center=True)
        self.password.draw(screen, h * 200 // 720)
        self.menu.top = h * 270 // 720
        self.menu.draw(screen)
