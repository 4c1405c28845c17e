"""The results of the night just played (the sheet of `game.client.results_sheet`) and
what comes next: the room's host continues, plays again or goes back to the menu; the
others wait for the host.

Imports pygame, game.net.schema, game.retreats and game.client's flow, ui, roster,
online and results_sheet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pygame

from game.client.flow import Go, Place, Step
from game.client.online import Online
from game.client.results_sheet import ResultsSheet
from game.client.roster import is_host, others
from game.client.ui import Choice, Menu, is_escape
from game.net.schema import Kind
from game.retreats import campaign, load_retreat

if TYPE_CHECKING:
    from game.client.app import App

__all__ = ["ResultsScene"]


class ResultsScene(ResultsSheet):
    """The night's results and what comes next for this player (see the module
    docstring)."""

    def __init__(self, app: App, online: Online) -> None:
        super().__init__(online.results or {})
        self.app, self.online = app, online
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

    def choose(self, choice: str | None, ev: pygame.event.Event) -> None:
        if choice == "start":
            self.online.link.send(Kind.START)
            self.started = True
            self.menu = self._menu()
        elif choice == "room":
            self.next = Go(Place.LOBBY)
        elif choice == "menu" or is_escape(ev):
            self.next = Go(Place.TITLE)

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
