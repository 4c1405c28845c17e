"""The results of the night just played (the sheet of `game.client.results_sheet`) and
what comes next: the room's host continues, plays again or goes back to the menu; the
others wait for the host. Anyone may save the night's replay (`game.client.sharing`).

Imports pygame, game.net.schema, game.retreats, game.sim.events and game.client's flow,
ui, roster, online, sharing and results_sheet.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pygame

from game.client.flow import Go, Place, Step
from game.client.online import Online
from game.client.results_sheet import ResultsSheet
from game.client.roster import is_host, others
from game.client.sharing import SaveReplay
from game.client.ui import Choice, Menu, is_escape
from game.net.schema import Kind
from game.retreats import campaign, load_retreat
from game.sim.events import Outcome

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
        self.saving: SaveReplay | None = None
        self.saved = ""
        """what became of "Save replay", in words ("" before it is chosen)"""
        self.menu = self._menu()

    def _menu(self) -> Menu:
        choices = []
        if self.host and not self.started:
            label = f"Continue to {self.next_title}" if self.next_title else "Play again"
            choices.append(Choice(label, "start"))
        if not self.next_title and not self.started and others(self.online):
            choices.append(Choice("Back to the room", "room"))  # the room is a lobby again
        if self.saving is not None and self.saving.poll() is None:
            choices.append(Choice("Saving the replay...", "saving"))
        elif not self.saved.startswith("Saved"):
            choices.append(Choice("Save replay", "save"))
        choices.append(Choice("Back to the menu", "menu"))
        menu = Menu(choices, top=0, size=32)
        old = getattr(self, "menu", None)
        if old is not None:
            menu.selected = min(old.selected, len(choices) - 1)
        return menu

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
        if self.saved:
            lines.append(self.saved)
        return " ".join(lines)

    def choose(self, choice: str | None, ev: pygame.event.Event) -> None:
        if choice == "start":
            self.online.link.send(Kind.START)
            self.started = True
            self.menu = self._menu()
        elif choice == "room":
            self.next = Go(Place.LOBBY)
        elif choice == "save":
            self.save_replay()
        elif choice == "menu" or is_escape(ev):
            self.next = Go(Place.TITLE)

    def save_replay(self) -> None:
        """Fetch the night's replay from the server and save it (in the background)."""
        line = self.online.link.line
        level = self.r.get("level")
        if line is None or level is None:
            self.saved = "The replay cannot be saved: the server is gone."
            self.menu = self._menu()
            return
        outcome = Outcome(self.r.get("outcome", Outcome.FRACTURE)).name.lower()
        self.saving = SaveReplay(line.url, self.online.code, level.name,
                                 int(self.r.get("ticks", 0)), outcome,
                                 replay_id=str(self.r.get("replay", "")))
        self.saved = ""
        self.menu = self._menu()

    def update(self, dt: float) -> Step:
        step = super().update(dt)
        if step is not self:
            return step
        done = self.saving.poll() if self.saving is not None else None
        if done is not None:
            self.saving = None
            what, said = done
            self.saved = (f"Saved the replay as {Path(said).name}: the title menu's "
                          f"Replays show it." if what == "saved" else
                          f"The replay was not saved: {said}.")
            self.menu = self._menu()
        for name in self.online.pump():
            if name == "error":
                return self.app.error_scene(self.online.error)
            if name == "start":
                return Go(Place.STORY)
            if name == "lobby" and is_host(self.online) != self.host:
                self.host = not self.host  # the host left and the room passed it on
                self.menu = self._menu()
        return self
