"""The room's lobby: its code, the addresses friends can use, who is in with their real
choices, the player's realm and role (sent only when changed), ready, start (the host),
chat, leave.

Imports pygame, game.net.schema and game.client's flow, ui, backdrop, chat, roster and
online.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pygame

from game.client.backdrop import backdrop
from game.client.chat import ChatEntry, line_text
from game.client.flow import Go, Place, Scene, Step
from game.client.online import Online
from game.client.roster import is_host, my_line, players
from game.client.ui import (
    GOLD,
    INK,
    MUTED,
    TEAL,
    WARN,
    Choice,
    Menu,
    bound_key,
    fit,
    is_escape,
    text,
)
from game.net.schema import Kind

if TYPE_CHECKING:
    from game.client.app import App

__all__ = ["LobbyScene"]

_REALMS = ("Sleep Sanctuary", "Rest Zone")
_ROLES = ("Architect", "Innovator", "Organizer")


class LobbyScene(Scene):
    """The room: its code, the addresses friends can use, who is in with their real
    choices, the player's realm and role (sent only when changed), ready, start (the
    host), chat (the chat key), leave."""

    def __init__(self, app: App, online: Online) -> None:
        super().__init__()
        self.app, self.online = app, online
        self.chat = ChatEntry()
        self.shown: tuple[int, int] | None = None
        """the (realm, role) of the roster line the selectors last took"""
        self.host = False
        self.menu = self._menu()

    @property
    def capturing(self) -> bool:
        return self.chat.active

    def _menu(self) -> Menu:
        old = getattr(self, "menu", None)
        self.host = is_host(self.online)
        mine = my_line(self.online)
        ready = mine.ready if mine is not None else False
        choices = [Choice("Realm", "realm", list(_REALMS)), Choice("Role", "role", list(_ROLES)),
                   Choice("Not ready any more" if ready else "Ready", "ready")]
        if self.host:
            choices.append(Choice("Start the night", "start"))
        choices.append(Choice("Leave", "leave"))
        menu = Menu(choices, top=0, size=34)
        if old is not None:
            for a, b in zip(menu.choices[:2], old.choices[:2], strict=True):
                a.index = b.index
            menu.selected = min(old.selected, len(choices) - 1)
        return menu

    def _chosen(self) -> tuple[int, int]:
        c = {ch.key: ch.index for ch in self.menu.choices}
        return c["realm"] + 1, c["role"] + 1

    def _take_roster(self) -> None:
        """Set the selectors from this player's roster line when the server's view of it
        changed (on arrival, or when the server moved the player), and the menu's labels
        from its ready mark and host flag."""
        mine = my_line(self.online)
        self.menu = self._menu()
        if mine is None:
            return
        real = (mine.realm, mine.role)
        if real != self.shown:
            self.shown = real
            self.menu.choices[0].index = min(max(mine.realm - 1, 0), 1)
            self.menu.choices[1].index = min(max(mine.role - 1, 0), 2)

    def handle(self, ev: pygame.event.Event) -> None:
        if self.chat.active:
            said = self.chat.handle(ev)
            if said:
                self.online.link.send(Kind.CHAT, {"text": said})
            return
        if ev.type == pygame.KEYDOWN and ev.key == bound_key(self.app.settings.keys, "chat"):
            self.chat.open(getattr(ev, "unicode", ""))
            return
        choice = self.menu.handle(ev)
        if self.shown is not None and self._chosen() != self.shown:
            realm, role = self._chosen()
            self.shown = (realm, role)
            self.online.link.send(Kind.CHOOSE, {"realm": realm, "role": role})
        if choice == "ready":
            mine = my_line(self.online)
            self.online.link.send(Kind.READY, {"ready": not (mine is not None and mine.ready)})
        elif choice == "start":
            self.online.link.send(Kind.START)
        elif choice == "leave" or is_escape(ev):
            self.next = Go(Place.TITLE)

    def update(self, dt: float) -> Step:
        step = super().update(dt)
        if step is not self:
            return step
        happened = self.online.pump()
        if "error" in happened:
            return self.app.error_scene(self.online.error)
        if "start" in happened:
            return Go(Place.STORY)
        if "lobby" in happened or self.shown is None:
            self._take_roster()
        return self

    def draw(self, screen: pygame.Surface) -> None:
        backdrop(screen, self.t)
        w, h = screen.get_size()
        cx = w // 2
        lobby = self.online.lobby or {}
        text(screen, f"Room {self.online.code}", 60, (cx, 50), GOLD, center=True)
        text(screen, f"{lobby.get('title', '')} - hazard {lobby.get('hazard', 1)}", 28,
             (cx, 94), MUTED, center=True)
        if self.online.local is not None:
            text(screen, "Friends join with: " + ", ".join(self.online.local.addresses[:3]),
                 24, (cx, 124), TEAL, center=True)
        left, col_w = 32, int(w * 0.56)
        y = 150
        for p in players(self.online)[:8]:
            tags = " ".join(t for t, on in (("host", p.host), ("bot", p.bot),
                                            ("ready", p.ready), ("watching", p.spectator))
                            if on)
            you = "  (you)" if p.player == self.online.player and not p.bot else ""
            line = (f"{p.name}{you}  -  {_REALMS[p.realm - 1]}, {_ROLES[p.role - 1]}  {tags}"
                    f"  {p.latency_ms} ms")
            text(screen, fit(line, 24, col_w), 24, (left, y), GOLD if p.realm == 1 else TEAL)
            y += 27
        if self.online.notice:
            text(screen, fit(self.online.notice, 24, col_w), 24, (left, y + 4), WARN)
            y += 28
        chat_top = y + 14
        lines = list(self.online.chat)
        room = max((h - 60 - chat_top) // 24, 0)
        if lines and room:
            text(screen, "chat", 22, (left, chat_top), MUTED)
            for i, said in enumerate(lines[-(room - 1):] if room > 1 else []):
                text(screen, fit(line_text(said), 22, col_w), 22,
                     (left, chat_top + 24 + i * 24), INK)
        self.menu.centerx = left + col_w + (w - left - col_w) // 2
        self.menu.top = 180
        self.menu.draw(screen)
        self.chat.draw(screen, h - 8, "Enter: chat" if self.app.settings.keys.get("chat")
                       == "return" else f"{self.app.settings.keys.get('chat')}: chat")
