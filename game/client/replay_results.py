"""The results of a watched replay's night (the sheet of `game.client.results_sheet`),
shown over the viewer when the playhead reaches the night's end: watch it again, go back
to the replay (to any moment of it), or leave it.

Imports pygame and game.client's flow, ui and results_sheet (the viewer only for its
type).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pygame

from game.client.flow import BACK
from game.client.results_sheet import ResultsSheet
from game.client.ui import Choice, Menu, is_escape

if TYPE_CHECKING:
    from game.client.viewer import ViewerScene

__all__ = ["ReplayResultsScene"]


class ReplayResultsScene(ResultsSheet):
    """Shown over `viewer`; every choice goes back to it (leaving leaves it too)."""

    def __init__(self, viewer: ViewerScene, results: dict[str, Any]) -> None:
        super().__init__(results)
        self.viewer = viewer
        self.menu = Menu([Choice("Watch again", "again"), Choice("Back to the replay", "replay"),
                          Choice("Leave the replay", "leave")], top=0, size=32)

    def what_next(self) -> str:
        return "The replay is over: watch it again, go back to any moment of it, or leave."

    def choose(self, choice: str | None, ev: pygame.event.Event) -> None:
        if choice == "again":
            self.viewer.restart()
            self.next = BACK
        elif choice == "leave":
            self.viewer.leaving = True
            self.next = BACK
        elif choice == "replay" or is_escape(ev):
            self.next = BACK
