"""Play solo: the screen that sets up a local night against Ethan's cadre, and
`start_solo`, which starts a server on loopback, creates the room with ally bots and
starts the night (the screen's "Begin the night", and `dreamlayer play --solo`).

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
from game.client.ui import INK, MUTED, Choice, Menu, is_escape, text
from game.net.schema import Kind, Message

if TYPE_CHECKING:
    from game.client.app import App
    from game.remote import Remote

__all__ = ["SoloScene", "start_solo"]


class SoloScene(Scene):
    """A local match against Ethan's cadre, with 1-3 ally bots, any retreat, hazard 1-5.

    No 0: mosaic needs both realms, so the first ally dreams in the other realm (the server
    seats the player first, in the Sanctuary, and its bot fill alternates realms)."""

    WHY = "Mosaic needs both realms: an ally dreams in the other realm."

    def __init__(self, app: App) -> None:
        super().__init__()
        self.app = app
        self.retreat = RetreatChoice()
        self.menu = Menu([self.retreat.choice,
                          Choice("Ally bots", "allies", ["1", "2", "3"], 0),
                          Choice("Hazard", "hazard", ["1", "2", "3", "4", "5"], 0),
                          Choice("Begin the night", "go"), Choice("Back", "back")], top=260)

    def handle(self, ev: pygame.event.Event) -> None:
        choice = self.menu.handle(ev)
        if choice == "go":
            c = {ch.key: ch.value for ch in self.menu.choices}
            level = self.retreat.level(c["level"])
            self.next = start_solo(self.app, level, int(c["allies"]), int(c["hazard"]))
        elif choice == "back" or is_escape(ev):
            self.next = BACK

    def draw(self, screen: pygame.Surface) -> None:
        backdrop(screen, self.t)
        w, h = screen.get_size()
        text(screen, "Play solo", 64, (w // 2, h * 150 // 720), INK, center=True)
        self.menu.top = h * 260 // 720
        self.menu.draw(screen)
        text(screen, self.WHY, 26, (w // 2, self.menu.top + self.menu.height(screen) + 16),
             MUTED, center=True)


def start_solo(app: App, level: str, allies: int, hazard: int) -> Scene:
    """Start a server on loopback, create a room with bots, start it: one command.

    Raises ValueError for fewer than 1 ally (a lone dreamer cannot make mosaic)."""
    if allies < 1:
        raise ValueError(f"a solo night needs 1 to 3 ally bots, got {allies}")

    async def create(remote: Remote) -> Message:
        joined = await remote.create_room(level=level, max_dreamers=1 + allies, hazard=hazard,
                                          public=False, bot_fill=True)
        await remote.send(Kind.START)
        return joined

    return local_night(app, "Dreaming up a local retreat...", create)
