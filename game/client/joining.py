"""Join co-op: the screen that lists a server's public rooms and joins one (as a dreamer
or a spectator, with a password for a locked one) or a room by its code, and `join`, which
connects to a server and joins a room (the screen, and `dreamlayer join`).

Imports pygame, game.net and game.client's flow, ui, backdrop, retreat_names, link,
online and connecting.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pygame

from game.client.backdrop import backdrop
from game.client.connecting import ConnectingScene
from game.client.flow import BACK, Scene, Step
from game.client.link import Link
from game.client.online import Online
from game.client.retreat_names import retreat_titles
from game.client.ui import INK, MUTED, TEAL, Choice, Menu, TextField, is_escape, text
from game.net.records import RoomEntry
from game.net.schema import Kind, Message

if TYPE_CHECKING:
    from game.client.app import App
    from game.remote import Remote

__all__ = ["JoinScene", "join"]


def _room_line(room: RoomEntry, titles: dict[str, str]) -> str:
    where = titles.get(room.level, room.level) or "the campaign"
    tags = "".join(t for t, on in (("  locked", room.locked), ("  playing", room.playing)) if on)
    return (f"{room.code}   {room.host}'s room   {where}   "
            f"{room.dreamers}/{room.max_dreamers} dreamers{tags}")


class JoinScene(Scene):
    """Join co-op: the server's public rooms (asked for on arrival and on Refresh), joined
    with a click, as a dreamer or a spectator, with a password prompt for a locked one; or
    an address and a room code typed in."""

    def __init__(self, app: App, address: str = "", code: str = "") -> None:
        super().__init__()
        self.app = app
        self.address = TextField("Server address", address or app.settings.last_server, 120)
        self.code = TextField("Room code", code, 8, lambda ch: ch.isalnum())
        self.password = TextField("Password", "", 64, secret=True)
        self.fields = [self.address, self.code, self.password]
        self.titles = retreat_titles()
        self.rooms: list[RoomEntry] = []
        self.status = ""
        self.lister: Online | None = None
        self.listed_at = ""
        self.menu = self._menu()
        self._list()

    @property
    def capturing(self) -> bool:
        return any(f.active for f in self.fields)

    def _menu(self) -> Menu:
        old = getattr(self, "menu", None)
        as_index = 0
        if old is not None:
            as_index = next(ch.index for ch in old.choices if ch.key == "as")
        rooms = [Choice(_room_line(r, self.titles), f"room:{r.code}") for r in self.rooms[:8]]
        menu = Menu([*rooms, Choice("Join as", "as", ["dreamer", "spectator"], as_index),
                     Choice("Join by code", "go"), Choice("Refresh the rooms", "refresh"),
                     Choice("Back", "back")], top=330, size=30)
        if old is not None:
            menu.selected = min(old.selected, len(menu.choices) - 1)
        return menu

    # ------------------------------------------------------------------ the room list
    def _address(self) -> str:
        address = self.address.value.strip()
        return address if address.startswith(("ws://", "wss://")) else f"ws://{address}"

    def _list(self) -> None:
        """Ask the server at the address for its public rooms (on a connection of its own,
        closed when this screen is left)."""
        self._close_lister()
        link = Link()
        self.lister = Online(link)
        self.listed_at = self._address()
        self.status = f"Asking {self._address()} for its rooms..."

        async def ask(remote: Remote) -> None:
            await remote.send(Kind.LIST_ROOMS)

        link.connect(self._address(), self.app.settings.name, ask)

    def _refresh(self) -> None:
        """Ask again on the open connection; a new address gets a new connection."""
        if self.lister is not None and self._address() == self.listed_at:
            self.lister.link.send(Kind.LIST_ROOMS)
            self.status = "Refreshing..."
        else:
            self._list()

    def _close_lister(self) -> None:
        if self.lister is not None:
            self.lister.link.close()
            self.lister = None

    # ------------------------------------------------------------------ events
    def handle(self, ev: pygame.event.Event) -> None:
        if ev.type == pygame.KEYDOWN and ev.key == pygame.K_TAB:
            i = next((k for k, f in enumerate(self.fields) if f.active), -1)
            for f in self.fields:
                f.active = False
            self.fields[(i + 1) % len(self.fields)].active = True
            return
        entered = any(f.handle(ev) for f in self.fields)
        if entered and self.address.active:
            self._list()
            return
        typing = self.capturing and ev.type in (pygame.KEYDOWN, pygame.TEXTINPUT) \
            and not is_escape(ev)
        choice = None if typing and not entered else self.menu.handle(ev)
        if entered or choice == "go":
            self.next = self._join(self.code.value.strip().upper())
        elif choice == "refresh":
            self._refresh()
        elif choice is not None and choice.startswith("room:"):
            self._pick(choice.removeprefix("room:"))
        elif choice == "back" or is_escape(ev):
            self._close_lister()
            self.next = BACK

    def _pick(self, code: str) -> None:
        room = next((r for r in self.rooms if r.code == code), None)
        self.code.value = code
        if room is not None and room.locked and not self.password.value:
            for f in self.fields:
                f.active = False
            self.password.active = True
            self.status = f"Room {code} is locked: type its password, then Enter."
            return
        self.next = self._join(code)

    def _spectate(self) -> bool:
        return next(ch.value for ch in self.menu.choices if ch.key == "as") == "spectator"

    def _join(self, code: str) -> Scene:
        spectate = self._spectate()
        self._close_lister()
        return join(self.app, self.address.value.strip(), code, self.password.value,
                    spectate=spectate)

    def update(self, dt: float) -> Step:
        lister = self.lister
        if lister is not None:
            for what in lister.pump():
                if what == "rooms":
                    listed: list[Any] = list(lister.rooms)
                    self.rooms = [r for r in listed if isinstance(r, RoomEntry)]
                    self.status = (f"{len(self.rooms)} public room"
                                   f"{'s' if len(self.rooms) != 1 else ''} at "
                                   f"{self._address()}" if self.rooms else
                                   f"No public rooms at {self._address()} yet.")
                    self.menu = self._menu()
                elif what == "error":
                    self.status = f"Cannot list the rooms: {lister.error}"
                    self.rooms = []
                    self.menu = self._menu()
                    self._close_lister()
        return super().update(dt)

    def draw(self, screen: pygame.Surface) -> None:
        backdrop(screen, self.t)
        w, h = screen.get_size()
        text(screen, "Join co-op", 56, (w // 2, h * 60 // 720), INK, center=True)
        for i, f in enumerate(self.fields):
            f.draw(screen, h * 120 // 720 + i * max(h * 52 // 720, 40))
        y = h * 120 // 720 + 3 * max(h * 52 // 720, 40) + 4
        text(screen, self.status, 24, (w // 2, y), TEAL if self.rooms else MUTED, center=True)
        self.menu.top = y + 36
        self.menu.draw(screen)


def join(app: App, address: str, code: str, password: str = "",
         spectate: bool = False) -> Scene:
    """Connect to `address` and join room `code` (used by the menu and `dreamlayer join`)."""
    if not address.startswith(("ws://", "wss://")):
        address = f"ws://{address}"
    app.settings.last_server = address
    app.settings.save()
    link = Link()
    online = Online(link)

    async def enter(remote: Remote) -> Message:
        return await remote.join_room(code, password=password, spectate=spectate)

    link.connect(address, app.settings.name, enter)
    what = "Watching" if spectate else "Joining"
    return ConnectingScene(app, online, f"{what} room {code} at {address}...", None)
