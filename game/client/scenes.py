"""The screens around the match: title, solo, host, join, settings, key bindings,
connecting, lobby, story cards, results, and the message screen every error ends on.

Every scene is a `game.client.flow.Scene`: its update answers where to go next. The match
is a place (`Go(Place.MATCH)`) the App builds, so this module never imports the match
scene (which reaches the Settings screen here only through its pause menu).

Imports pygame, game.net, game.retreats, game.sim.events and the client's flow, ui, rules,
chat, link and online modules.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pygame

from game.client.chat import ChatEntry, line_text
from game.client.flow import BACK, Go, Over, Place, Scene, Step
from game.client.link import Link
from game.client.online import Online
from game.client.roster import is_host, my_line, others, players
from game.client.rules import controls_line, key_label
from game.client.settings import SIZES
from game.client.ui import (
    BG,
    GOLD,
    INK,
    MUTED,
    TEAL,
    WARN,
    Choice,
    Menu,
    TextField,
    font,
    line_height,
    text,
    wrap_lines,
    wrapped,
)
from game.net.records import Contribution, RoomEntry
from game.net.schema import Kind, Message
from game.retreats import campaign, load_retreat
from game.sim.events import Outcome

if TYPE_CHECKING:
    from game.client.app import App
    from game.remote import Remote

__all__ = ["ConnectingScene", "HostScene", "JoinScene", "KeysScene", "LobbyScene",
           "MessageScene", "ResultsScene", "SettingsScene", "SoloScene", "StoryScene",
           "TitleScene", "join", "start_solo"]

_ESCAPE = pygame.K_ESCAPE


def _escape(ev: pygame.event.Event) -> bool:
    return bool(ev.type == pygame.KEYDOWN and ev.key == _ESCAPE)


def _backdrop(screen: pygame.Surface, t: float) -> None:
    """A slow dreamy backdrop: two realms' glows drifting over the night."""
    screen.fill(BG)
    w, h = screen.get_size()
    for k, color in enumerate((GOLD, TEAL)):
        x = w * (0.3 + 0.4 * k) + math.sin(t * 0.3 + k * 2) * 80
        y = h * 0.55 + math.cos(t * 0.25 + k) * 50
        for r in range(180, 0, -30):
            c = tuple(int(BG[i] + (color[i] - BG[i]) * (1 - r / 200) * 0.35) for i in range(3))
            pygame.draw.circle(screen, c, (int(x), int(y)), r)


class MessageScene(Scene):
    """A message (an error, or a goodbye) and a way back to the menu. Never a traceback."""

    def __init__(self, app: App, title: str, body: str, color: tuple[int, int, int] = WARN) -> None:
        super().__init__()
        self.app, self.title, self.body, self.color = app, title, body, color
        self.menu = Menu([Choice("Back to the menu", "back")], top=520)

    def handle(self, ev: pygame.event.Event) -> None:
        if self.menu.handle(ev) == "back" or _escape(ev):
            self.next = Go(Place.TITLE)

    def draw(self, screen: pygame.Surface) -> None:
        _backdrop(screen, self.t)
        w, h = screen.get_size()
        cx = w // 2
        text(screen, self.title, 56, (cx, h // 4), self.color, center=True)
        wrapped(screen, self.body, 32, pygame.Rect(cx - min(420, w // 2 - 40), h // 4 + 70,
                                                   min(840, w - 80), 200))
        self.menu.top = min(520, h - 56)
        self.menu.draw(screen)


class TitleScene(Scene):
    """The menu: solo, host, join, settings, quit. `note` says why the player is back here
    (e.g. "You left the retreat.")."""

    def __init__(self, app: App, note: str = "") -> None:
        super().__init__()
        self.app, self.note = app, note
        self.menu = Menu([Choice("Play solo", "solo"), Choice("Host co-op", "host"),
                          Choice("Join co-op", "join"), Choice("Settings", "settings"),
                          Choice("Quit", "quit")], top=330)

    def handle(self, ev: pygame.event.Event) -> None:
        choice = self.menu.handle(ev)
        screens: dict[str, Callable[[App], Scene]] = {
            "solo": SoloScene, "host": HostScene, "join": JoinScene,
            "settings": SettingsScene}
        if choice in screens:
            self.next = Over(screens[choice](self.app))
        elif choice == "quit" or _escape(ev):
            self.next = None

    def draw(self, screen: pygame.Surface) -> None:
        _backdrop(screen, self.t)
        w, h = screen.get_size()
        cx = w // 2
        text(screen, "DREAMLAYER", 110, (cx, h * 150 // 720), INK, center=True)
        text(screen, "Repaint the nightmare together, before the unity meters collapse.", 30,
             (cx, h * 225 // 720), MUTED, center=True)
        if self.note:
            text(screen, self.note, 28, (cx, h * 275 // 720), TEAL, center=True)
        self.menu.top = h * 330 // 720
        self.menu.draw(screen)


def _level_titles() -> dict[str, str]:
    return {lv.name: lv.title for lv in campaign()}


class SoloScene(Scene):
    """A local match against Ethan's cadre, with 1-3 ally bots, any retreat, hazard 1-5.

    No 0: mosaic needs both realms, so the first ally dreams in the other realm (the server
    seats the player first, in the Sanctuary, and its bot fill alternates realms)."""

    WHY = "Mosaic needs both realms: an ally dreams in the other realm."

    def __init__(self, app: App) -> None:
        super().__init__()
        self.app = app
        self.levels = _level_titles()
        self.menu = Menu([Choice("Retreat", "level", list(self.levels.values())),
                          Choice("Ally bots", "allies", ["1", "2", "3"], 0),
                          Choice("Hazard", "hazard", ["1", "2", "3", "4", "5"], 0),
                          Choice("Begin the night", "go"), Choice("Back", "back")], top=260)

    def handle(self, ev: pygame.event.Event) -> None:
        choice = self.menu.handle(ev)
        if choice == "go":
            c = {ch.key: ch.value for ch in self.menu.choices}
            level = next(n for n, t in self.levels.items() if t == c["level"])
            self.next = start_solo(self.app, level, int(c["allies"]), int(c["hazard"]))
        elif choice == "back" or _escape(ev):
            self.next = BACK

    def draw(self, screen: pygame.Surface) -> None:
        _backdrop(screen, self.t)
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
    link = Link()
    online = Online(link)
    link.start_local(public=False)

    async def create(remote: Remote) -> Message:
        joined = await remote.create_room(level=level, max_dreamers=1 + allies, hazard=hazard,
                                          public=False, bot_fill=True)
        await remote.send(Kind.START)
        return joined

    return ConnectingScene(app, online, "Dreaming up a local retreat...",
                           lambda port: link.connect(f"ws://127.0.0.1:{port}",
                                                     app.settings.name, create))


class HostScene(Scene):
    """Host co-op: a server in the background, a room friends join by its code."""

    def __init__(self, app: App) -> None:
        super().__init__()
        self.app = app
        self.levels = {"": "the whole campaign", **_level_titles()}
        self.menu = Menu([Choice("Retreat", "level", list(self.levels.values())),
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
                and not _escape(ev):
            return
        choice = self.menu.handle(ev)
        if choice == "go":
            c = {ch.key: ch.value for ch in self.menu.choices}
            self.next = self._open(c)
        elif choice == "back" or _escape(ev):
            self.next = BACK

    def _open(self, c: dict[str, str]) -> Scene:
        link = Link()
        online = Online(link)
        link.start_local(public=True, port=8765)
        level = next(n for n, t in self.levels.items() if t == c["level"])
        password = self.password.value

        async def create(remote: Remote) -> Message:
            return await remote.create_room(level=level, max_dreamers=int(c["max"]),
                                            hazard=int(c["hazard"]), password=password,
                                            public=True, bot_fill=c["fill"] == "yes")

        return ConnectingScene(self.app, online, "Opening the retreat to friends...",
                               lambda port: link.connect(f"ws://127.0.0.1:{port}",
                                                         self.app.settings.name, create))

    def draw(self, screen: pygame.Surface) -> None:
        _backdrop(screen, self.t)
        w, h = screen.get_size()
        text(screen, "Host co-op", 64, (w // 2, h * 140 // 720), INK, center=True)
        self.password.draw(screen, h * 200 // 720)
        self.menu.top = h * 270 // 720
        self.menu.draw(screen)


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
        self.titles = _level_titles()
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
            and not _escape(ev)
        choice = None if typing and not entered else self.menu.handle(ev)
        if entered or choice == "go":
            self.next = self._join(self.code.value.strip().upper())
        elif choice == "refresh":
            self._refresh()
        elif choice is not None and choice.startswith("room:"):
            self._pick(choice.removeprefix("room:"))
        elif choice == "back" or _escape(ev):
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
        _backdrop(screen, self.t)
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


class SettingsScene(Scene):
    """Name, volume, window, fullscreen, hints, and the key bindings. Back (or Save)
    returns to whatever opened it: the title, or a match's pause menu."""

    def __init__(self, app: App) -> None:
        super().__init__()
        self.app = app
        s = app.settings
        sizes = [f"{w}x{h}" for w, h in SIZES]
        current = f"{s.width}x{s.height}"
        self.name = TextField("Your name", s.name, 24)
        self.menu = Menu([
            Choice("Volume", "volume", [f"{v}%" for v in range(0, 101, 10)],
                   round(s.volume * 10)),
            Choice("Window", "size", sizes, sizes.index(current) if current in sizes else 0),
            Choice("Fullscreen", "fs", ["off", "on"], 1 if s.fullscreen else 0),
            Choice("Hints in the first nights", "hints", ["on", "off"], 0 if s.hints else 1),
            Choice("Key bindings", "keys"), Choice("Save", "save"), Choice("Back", "back")],
            top=210, size=34)
        self.fullscreen = s.fullscreen

    @property
    def capturing(self) -> bool:
        return self.name.active

    def update(self, dt: float) -> Step:
        if self.app.settings.fullscreen != self.fullscreen:  # the fullscreen key was pressed
            self.fullscreen = self.app.settings.fullscreen
            fs = next(c for c in self.menu.choices if c.key == "fs")
            fs.index = 1 if self.fullscreen else 0
        return super().update(dt)

    def handle(self, ev: pygame.event.Event) -> None:
        self.name.handle(ev)
        if self.name.active and ev.type in (pygame.KEYDOWN, pygame.TEXTINPUT):
            if _escape(ev) or (ev.type == pygame.KEYDOWN
                               and ev.key in (pygame.K_RETURN, pygame.K_KP_ENTER)):
                self.name.active = False
            return
        choice = self.menu.handle(ev)
        if choice == "keys":
            self.next = Over(KeysScene(self.app))
        elif choice == "save":
            self._save()
            self.next = BACK
        elif choice == "back" or _escape(ev):
            self.next = BACK

    def _save(self) -> None:
        c = {ch.key: ch.value for ch in self.menu.choices}
        s = self.app.settings
        s.name = self.name.value.strip()[:24] or s.name
        s.volume = int(c["volume"].rstrip("%")) / 100
        s.width, s.height = (int(v) for v in c["size"].split("x"))
        s.fullscreen = c["fs"] == "on"
        s.hints = c["hints"] == "on"
        s.save()
        self.app.apply_settings()

    def draw(self, screen: pygame.Surface) -> None:
        _backdrop(screen, self.t)
        w, h = screen.get_size()
        cx = w // 2
        text(screen, "Settings", 64, (cx, 70), INK, center=True)
        self.name.draw(screen, 140)
        self.menu.draw(screen)
        wrapped(screen, controls_line(self.app.settings.keys), 22,
                pygame.Rect(40, h - 52, w - 80, 50), MUTED)


class KeysScene(Scene):
    """Rebind a control: pick it, then press the new key. Saved with the settings; Done,
    Escape or a click on Done go back to Settings."""

    def __init__(self, app: App) -> None:
        super().__init__()
        self.app = app
        self.waiting: str | None = None
        self.menu = self._menu()

    @property
    def capturing(self) -> bool:
        return self.waiting is not None

    def _menu(self) -> Menu:
        keys = self.app.settings.keys
        items = [Choice(f"{action.replace('_', ' ')}: {key_label(key)}", action)
                 for action, key in keys.items()]
        menu = Menu([*items, Choice("Done", "done")], top=120, size=26)
        old = getattr(self, "menu", None)
        menu.selected = old.selected if old is not None else 0
        return menu

    def handle(self, ev: pygame.event.Event) -> None:
        if self.waiting is not None:
            if ev.type == pygame.KEYDOWN:
                if ev.key != _ESCAPE:
                    self.app.settings.keys[self.waiting] = pygame.key.name(ev.key)
                self.waiting = None
                self.menu = self._menu()
            return
        choice = self.menu.handle(ev)
        if choice == "done" or _escape(ev):
            self.app.settings.save()
            self.next = BACK
        elif choice is not None:
            self.waiting = choice

    def draw(self, screen: pygame.Surface) -> None:
        _backdrop(screen, self.t)
        w, h = screen.get_size()
        text(screen, "Key bindings", 48, (w // 2, 60), INK, center=True)
        self.menu.top = 120
        self.menu.draw(screen)
        if self.waiting is not None:
            text(screen, f"press the new key for {self.waiting.replace('_', ' ')} "
                 "(Escape keeps the old one)", 28, (w // 2, h - 24), GOLD, center=True)


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
        if _escape(ev):
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
            return LobbyScene(self.app, self.online)
        if self.t > 20:
            return self.app.error_scene("The server did not answer in time.")
        return self

    def draw(self, screen: pygame.Surface) -> None:
        _backdrop(screen, self.t)
        dots = "." * (1 + int(self.t * 2) % 3)
        text(screen, self.what.rstrip(".") + dots, 40,
             (screen.get_width() // 2, screen.get_height() // 2), INK, center=True)


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
        if ev.type == pygame.KEYDOWN and ev.key == _key_code(self.app.settings.keys, "chat"):
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
        elif choice == "leave" or _escape(ev):
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
        _backdrop(screen, self.t)
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
            text(screen, _fit(line, 24, col_w), 24, (left, y), GOLD if p.realm == 1 else TEAL)
            y += 27
        if self.online.notice:
            text(screen, _fit(self.online.notice, 24, col_w), 24, (left, y + 4), WARN)
            y += 28
        chat_top = y + 14
        lines = list(self.online.chat)
        room = max((h - 60 - chat_top) // 24, 0)
        if lines and room:
            text(screen, "chat", 22, (left, chat_top), MUTED)
            for i, said in enumerate(lines[-(room - 1):] if room > 1 else []):
                text(screen, _fit(line_text(said), 22, col_w), 22,
                     (left, chat_top + 24 + i * 24), INK)
        self.menu.centerx = left + col_w + (w - left - col_w) // 2
        self.menu.top = 180
        self.menu.draw(screen)
        self.chat.draw(screen, h - 8, "Enter: chat" if self.app.settings.keys.get("chat")
                       == "return" else f"{self.app.settings.keys.get('chat')}: chat")


def _fit(line: str, size: int, width: int) -> str:
    """`line` cut with '...' to fit `width` at font `size`."""
    f = font(size)
    if f.size(line)[0] <= width:
        return line
    while len(line) > 1 and f.size(line + "...")[0] > width:
        line = line[:-1]
    return line + "..."


def _key_code(keys: dict[str, str], action: str) -> int | None:
    try:
        return int(pygame.key.key_code(keys.get(action, "")))
    except (ValueError, pygame.error):
        return None


class StoryScene(Scene):
    """The story card before a retreat, with the controls. It waits for a key (a real
    player reads); the autopilot skips it."""

    def __init__(self, app: App, online: Online, autopilot: bool = False) -> None:
        super().__init__()
        self.app, self.online, self.autopilot = app, online, autopilot

    def handle(self, ev: pygame.event.Event) -> None:
        if ev.type in (pygame.KEYDOWN, pygame.MOUSEBUTTONDOWN) and self.t > 0.4:
            self.next = Go(Place.MATCH)

    def update(self, dt: float) -> Step:
        step = super().update(dt)
        happened = self.online.pump()
        if "error" in happened:
            return self.app.error_scene(self.online.error)
        if self.autopilot:
            return Go(Place.MATCH)
        return step

    def layout(self, size: tuple[int, int]) -> list[tuple[str, int, int, str]]:
        """The card's lines for a window of `size`: (text, font size, centre y, what), what
        being title, story, goal, controls or key. The story and the goal take the
        largest font (30 down to 16) at which they end above the controls."""
        m = self.online.match
        if m is None:
            return []
        w, h = size
        col = min(880, w - 80)
        out = [(m.level.title, 60, h * 110 // 720, "title")]
        controls = wrap_lines(controls_line(self.app.settings.keys), 24, w - 80)
        key_y = h - 30
        controls_top = key_y - 24 - len(controls) * line_height(24)
        top = h * 110 // 720 + 50
        for fs in range(30, 15, -1):
            story = wrap_lines(m.level.story_before, fs, col)
            goal = wrap_lines(m.level.goal, fs, col) if m.level.goal else []
            lh = line_height(fs)
            if top + (len(story) + len(goal)) * lh + lh // 2 <= controls_top - 8 or fs == 16:
                break
        y = top
        for line in story:
            out.append((line, fs, y + fs // 2, "story"))
            y += lh
        y += lh // 2
        for line in goal:
            out.append((line, fs, y + fs // 2, "goal"))
            y += lh
        for i, line in enumerate(controls):
            out.append((line, 24, controls_top + i * line_height(24) + 12, "controls"))
        out.append(("press any key", 26, key_y, "key"))
        return out

    def draw(self, screen: pygame.Surface) -> None:
        _backdrop(screen, self.t)
        colours = {"title": GOLD, "story": INK, "goal": TEAL, "controls": INK, "key": MUTED}
        cx = screen.get_width() // 2
        for line, size, y, what in self.layout(screen.get_size()):
            if line:
                text(screen, line, size, (cx, y), colours[what], center=True)


_TITLES = {Outcome.SEALED: "Every rift sealed", Outcome.DAWN: "Dawn, together",
           Outcome.FRACTURE: "The dreamscape fractured"}


class Block:
    """One piece of the results' scrolling column: where it lies (in the column's own
    coordinates, y from the top of the column) and how it draws itself there."""

    def __init__(self, kind: str, rect: pygame.Rect,
                 paint: Callable[[pygame.Surface, pygame.Rect], None]) -> None:
        self.kind, self.rect, self.paint = kind, rect, paint


class ResultsScene(Scene):
    """The night's outcome, the score, each dreamer's part, both meters through the night,
    the story after a won retreat, and what comes next: the room's host continues (or plays
    again, or goes back to the menu), the others wait for the host.

    The column between the title and what-comes-next scrolls (wheel, arrows, Page Up/Down)
    when it does not fit the window; the text wraps to its width."""

    def __init__(self, app: App, online: Online) -> None:
        super().__init__()
        self.app, self.online = app, online
        self.r: dict[str, Any] = online.results or {}
        self.scroll = 0
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
        self._max_scroll = 0

    # ------------------------------------------------------------------ what comes next
    @property
    def outcome(self) -> Outcome:
        return Outcome(self.r.get("outcome", Outcome.FRACTURE))

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

    def handle(self, ev: pygame.event.Event) -> None:
        steps = {pygame.K_UP: -40, pygame.K_DOWN: 40, pygame.K_PAGEUP: -300,
                 pygame.K_PAGEDOWN: 300}
        if ev.type == pygame.MOUSEWHEEL:
            self.scroll_by(-ev.y * 40)
            return
        if ev.type == pygame.KEYDOWN and ev.key in steps:
            self.scroll_by(steps[ev.key])
            return
        choice = self.menu.handle(ev)
        if choice == "start":
            self.online.link.send(Kind.START)
            self.started = True
            self.menu = self._menu()
        elif choice == "room":
            self.next = LobbyScene(self.app, self.online)
        elif choice == "menu" or _escape(ev):
            self.next = Go(Place.TITLE)

    def scroll_by(self, dy: int) -> None:
        self.scroll = min(max(self.scroll + dy, 0), self._max_scroll)

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

    # ------------------------------------------------------------------ layout
    def _font_size(self, h: int) -> int:
        return min(max(round(26 * h / 720), 18), 32)

    def _next_lines(self, w: int, h: int) -> list[str]:
        return wrap_lines(self.what_next(), self._font_size(h), min(w - 48, 1000))

    def frame(self, size: tuple[int, int]
              ) -> tuple[pygame.Rect, pygame.Rect, pygame.Rect, int]:
        """(title area, the scrolling column's viewport, the what-comes-next lines, the
        menu's top) for a window of `size`: what comes next never scrolls away."""
        w, h = size
        title_h = max(56, h * 84 // 720)
        menu_h = (len(self.menu.choices) - 1) * int(self.menu.size * 1.3) + self.menu.size
        menu_top = h - menu_h - 6 + self.menu.size // 2
        next_h = len(self._next_lines(w, h)) * line_height(self._font_size(h))
        nxt = pygame.Rect(0, menu_top - self.menu.size // 2 - 10 - next_h, w, next_h)
        view = pygame.Rect(0, title_h + 4, w, nxt.top - 10 - title_h - 4)
        return pygame.Rect(0, 0, w, title_h), view, nxt, menu_top

    def blocks(self, size: tuple[int, int]) -> list[Block]:
        """The column's pieces for a window of `size`, top to bottom, none overlapping."""
        w, h = size
        fs = self._font_size(h)
        lh = line_height(fs)
        col = min(w - 48, 1000)
        x0 = (w - col) // 2
        out: list[Block] = []
        y = 0

        def add(kind: str, height: int,
                paint: Callable[[pygame.Surface, pygame.Rect], None]) -> None:
            nonlocal y
            out.append(Block(kind, pygame.Rect(x0, y, col, height), paint))
            y += height + lh // 2

        def para(kind: str, msg: str, colour: tuple[int, int, int], size: int = fs) -> None:
            lines = wrap_lines(msg, size, col)

            def paint(s: pygame.Surface, r: pygame.Rect) -> None:
                for i, line in enumerate(lines):
                    text(s, line, size, (r.centerx, r.y + i * line_height(size)
                                         + size // 2), colour, center=True)

            add(kind, len(lines) * line_height(size), paint)

        r = self.r
        cov = r.get("coverage", [0, 0, 0, 0, 0])
        para("score", f"score {r.get('score', 0)} · mosaic {cov[2] / 10:.0f}% · rifts sealed "
             f"{r.get('rifts_sealed', 0)}/{r.get('rifts', 0)} · cadre awakened "
             f"{r.get('awakened', 0)}", INK)
        dreamers: list[Contribution] = r.get("dreamers", [])
        if dreamers:
            add("dreamers", lh * (len(dreamers) + 1), _table(dreamers, fs))
        plot_h = min(max(h // 6, 70), 150)
        add("meters", plot_h + lh, lambda s, rect: _plot(s, rect, r.get("meter_history", []),
                                                         fs))
        level = r.get("level")
        if level is not None and self.outcome.won and level.story_after:
            para("story", level.story_after, MUTED)
        return out

    def draw(self, screen: pygame.Surface) -> None:
        _backdrop(screen, self.t)
        w, h = screen.get_size()
        title, view, nxt, menu_top = self.frame((w, h))
        won = self.outcome.won
        text(screen, _TITLES.get(self.outcome, ""), min(60, title.h - 8), title.center,
             GOLD if won else WARN, center=True)
        blocks = self.blocks((w, h))
        content_h = blocks[-1].rect.bottom if blocks else 0
        self._max_scroll = max(content_h - view.h, 0)
        self.scroll = min(self.scroll, self._max_scroll)
        clip = screen.get_clip()
        screen.set_clip(view)
        for b in blocks:
            b.paint(screen, b.rect.move(0, view.y - self.scroll))
        screen.set_clip(clip)
        if self._max_scroll:
            frac = self.scroll / self._max_scroll
            bar_h = max(view.h * view.h // max(content_h, 1), 24)
            bar = pygame.Rect(w - 10, view.y + int((view.h - bar_h) * frac), 4, bar_h)
            pygame.draw.rect(screen, MUTED, bar, border_radius=2)
            if self.scroll < self._max_scroll:
                hint = "more below: wheel or arrows"
                text(screen, hint, 20, (w - 16 - font(20).size(hint)[0], title.bottom - 20),
                     MUTED)
        fs = self._font_size(h)
        for i, line in enumerate(self._next_lines(w, h)):
            text(screen, line, fs, (w // 2, nxt.y + i * line_height(fs) + fs // 2), TEAL,
                 center=True)
        self.menu.top = menu_top
        self.menu.draw(screen)


def _table(dreamers: list[Contribution], fs: int
           ) -> Callable[[pygame.Surface, pygame.Rect], None]:
    """Draws each dreamer's line as columns: name, painted, cleansed, revived, awakened."""
    heads = ("painted", "cleansed", "revived", "awakened")

    def paint(s: pygame.Surface, r: pygame.Rect) -> None:
        lh = line_height(fs)
        name_w = r.w * 2 // 5
        num_w = (r.w - name_w) // len(heads)
        for k, head in enumerate(heads):
            text(s, head, fs, (r.x + name_w + num_w * k + num_w // 2, r.y + fs // 2), MUTED,
                 center=True)
        for i, d in enumerate(dreamers):
            y = r.y + (i + 1) * lh
            colour = GOLD if d.realm == 1 else TEAL
            text(s, _fit(d.name, fs, name_w - 8), fs, (r.x, y), colour)
            for k, v in enumerate((d.painted, d.cleansed, d.revived, d.awakenings)):
                text(s, str(v), fs, (r.x + name_w + num_w * k + num_w // 2, y + fs // 2),
                     colour, center=True)

    return paint


def _plot(screen: pygame.Surface, rect: pygame.Rect, history: list[tuple[float, float]],
          fs: int) -> None:
    """Both unity meters through the night, under a caption, inside `rect`."""
    text(screen, "unity meters through the night", fs - 4, (rect.x, rect.y), MUTED)
    box = pygame.Rect(rect.x, rect.y + line_height(fs), rect.w, rect.h - line_height(fs))
    pygame.draw.rect(screen, MUTED, box, 1)
    if len(history) < 2:
        return
    for k, color in ((0, GOLD), (1, TEAL)):
        pts = [(box.x + box.w * i / (len(history) - 1),
                box.bottom - box.h * min(max(h[k], 0), 100) / 100)
               for i, h in enumerate(history)]
        pygame.draw.lines(screen, color, False, pts, 2)
