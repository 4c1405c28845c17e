"""The Replays screen: the player's saved replays (game.replay.saved), newest first, each
with its date, retreat, outcome and players; choosing one opens it in the viewer (whose
Back comes here again). A replay this game cannot play (another version or build, a
changed level, a damaged file) says why on this screen and stays listed.

Imports pygame, game.replay (saved, format, summary) and game.client's flow, ui,
backdrop, retreat_names and viewer.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import pygame

from game.client.backdrop import backdrop
from game.client.flow import BACK, Over, Scene
from game.client.retreat_names import retreat_titles
from game.client.ui import INK, MUTED, TEAL, WARN, Choice, Menu, fit, is_escape, text, wrapped
from game.client.viewer import ViewerScene, load_replay
from game.replay.format import ReplayError
from game.replay.saved import SavedReplay, list_saved, saved_folder
from game.replay.summary import ReplaySummary

if TYPE_CHECKING:
    from game.client.app import App

__all__ = ["ReplaysScene", "replay_line"]

PAGE = 8
"""replays listed at once"""
_OUTCOMES = {"sealed": "won, every rift sealed", "dawn": "won at dawn", "fracture": "lost",
             "unfinished": "unfinished"}
_SIZE = 26


def replay_line(r: SavedReplay, titles: dict[str, str]) -> str:
    """One saved replay as the list says it: date, retreat, outcome, players."""
    s: ReplaySummary | None = r.summary
    if s is None:
        return f"{r.path.name}: cannot be read"
    d = s.as_dict()
    when = s.header.started or int(r.path.stat().st_mtime)
    date = dt.datetime.fromtimestamp(when).strftime("%Y-%m-%d %H:%M")
    players = ", ".join(s.people) or "bots only"
    bots = d["bots"]
    if s.people and bots:
        players += f" + {bots} bot{'s' if bots != 1 else ''}"
    retreat = titles.get(s.header.level.name, s.header.level.name)
    return f"{date}   {retreat}   {_OUTCOMES.get(d['outcome'], d['outcome'])}   {players}"


class ReplaysScene(Scene):
    """The saved replays (see the module docstring). `folder`: where they are (the
    player's saved replays by default)."""

    def __init__(self, app: App, folder: Path | None = None) -> None:
        super().__init__()
        self.app = app
        self.folder = folder if folder is not None else saved_folder()
        self.saved = list_saved(self.folder)
        self.titles = retreat_titles()
        self.page = 0
        self.status = ""
        """why the replay last chosen cannot be played ("" when it could)"""
        self.menu = self._menu()

    def _menu(self) -> Menu:
        width = min(self.app.screen.get_width() - 60, 1160)
        first = self.page * PAGE
        shown = self.saved[first:first + PAGE]
        choices = [Choice(fit(replay_line(r, self.titles), _SIZE, width), f"open:{first + i}")
                   for i, r in enumerate(shown)]
        if first + PAGE < len(self.saved):
            choices.append(Choice("Older replays", "older"))
        if self.page:
            choices.append(Choice("Newer replays", "newer"))
        choices.append(Choice("Back", "back"))
        return Menu(choices, top=0, size=_SIZE)

    def handle(self, ev: pygame.event.Event) -> None:
        choice = self.menu.handle(ev)
        if choice is not None and choice.startswith("open:"):
            self.open(self.saved[int(choice.removeprefix("open:"))])
        elif choice in ("older", "newer"):
            self.page += 1 if choice == "older" else -1
            self.menu = self._menu()
        elif choice == "back" or is_escape(ev):
            self.next = BACK

    def open(self, replay: SavedReplay) -> None:
        """Watch `replay` (over this screen), or say here why it cannot be played."""
        if replay.summary is None:
            self.status = f"{replay.path.name} cannot be read: {replay.error}"
            return
        try:
            scrubber = load_replay(replay.path)
        except ReplayError as e:
            self.status = f"{replay.path.name} cannot be played: {e}".removesuffix(
                "; --any-build tries anyway")
            return
        self.status = ""
        self.next = Over(ViewerScene(self.app, scrubber))

    def draw(self, screen: pygame.Surface) -> None:
        backdrop(screen, self.t)
        w, h = screen.get_size()
        text(screen, "Replays", 60, (w // 2, h * 60 // 720), INK, center=True)
        text(screen, f"saved in {self.folder}", 22, (w // 2, h * 60 // 720 + 42), MUTED,
             center=True)
        top = h * 60 // 720 + 84
        if not self.saved:
            wrapped(screen, 'No replays saved yet: "Save replay" on the results of a night '
                    "keeps it here.", 28, pygame.Rect(60, top, w - 120, 80), TEAL)
            top += 80
        if self.status:
            top = wrapped(screen, self.status, 24, pygame.Rect(60, top, w - 120, 60), WARN) + 8
        self.menu.top = top + _SIZE // 2
        self.menu.draw(screen)
