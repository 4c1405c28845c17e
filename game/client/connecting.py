"""Getting onto a server: `ConnectingScene` waits for it (and for a local one to start),
then moves on to the story card when a match began or to the room's lobby; `local_night`
starts a server in the background and connects to it (solo play and hosting).

Imports pygame, game.net.schema and game.client's flow, ui, backdrop, link and online.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import pygame

from game.client.backdrop import backdrop
from game.client.flow import Go, Place, Scene, Step
from game.client.link import Link
from game.client.online import Online
from game.client.ui import INK, is_escape, text
from game.net.schema import Message

if TYPE_CHECKING:
    from game.client.app import App
    from game.remote import Remote

__all__ = ["ConnectingScene", "local_night"]


class ConnectingScene(Scene):
    """Waits for the server (and for a local one to start), then moves on: to the story
    card when a match began (solo starts at once), else to the room's lobby."""

    def __init__(self, app: App, online: Online, what: str,
                 after_local: Callable[[int], None] | None) -> None:
        super().__init__()
        self.app, self.online, self.what = app, online, what
        self.after_local = after_local
        app.online = online

    def handle(self, ev: pygame.event.Event) -> None:
        if is_escape(ev):
            self.next = Go(Place.TITLE)

    def update(self, dt: float) -> Step:
        step = super().update(dt)
        if step is not self:
            return step
        happened = self.online.pump()
        if "local" in happened and self.after_local is not None and self.online.local:
            self.after_local(self.online.local.port)
        if "error" in happened:
            return self.app.error_scene(self.online.error)
        if self.online.match is not None:
            return Go(Place.STORY)
        if not self.app.autopilot and self.online.lobby is not None and self.online.code:
            return Go(Place.LOBBY)
        if self.t > 20:
            return self.app.error_scene("The server did not answer in time.")
        return self

    def draw(self, screen: pygame.Surface) -> None:
        backdrop(screen, self.t)
        dots = "." * (1 + int(self.t * 2) % 3)
        text(screen, self.what.rstrip(".") + dots, 40,
             (screen.get_width() // 2, screen.get_height() // 2), INK, center=True)


def local_night(app: App, what: str, create: Callable[[Remote], Awaitable[Message]], *,
                public: bool = False, port: int = 0) -> ConnectingScene:
    """Start a server in the background (on every interface if `public`, else loopback;
    on `port`, or a free one) and, once it listens, connect to it as the player and run
    `create` (which opens the room, and may start it). `what` is the waiting line."""
    link = Link()
    online = Online(link)
    link.start_local(public=public, port=port)
    return ConnectingScene(app, online, what,
                           lambda bound: link.connect(f"ws://127.0.0.1:{bound}",
                                                      app.settings.name, create))
