"""The screens around the match: title, solo, host, join, settings, connecting, lobby,
story cards, results, and the message screen every error ends on.

A scene has `handle(event)`, `update(dt) -> next scene or None (quit)` and `draw(screen)`.
Imports pygame and the client's modules.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pygame

from game.client.link import Link
from game.client.online import Online
from game.client.settings import SIZES
from game.client.ui import BG, GOLD, INK, MUTED, TEAL, WARN, Choice, Menu, TextField, text, wrapped
from game.net.records import Contribution, LobbyPlayer
from game.net.schema import Kind, Message
from game.retreats import campaign
from game.sim.events import Outcome

if TYPE_CHECKING:
    from game.client.app import App
    from game.remote import Remote

__all__ = ["MessageScene", "TitleScene"]

Scene = Any


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


class Screen:
    """A menu screen: it shows until `handle()` sets `next` (None quits the game)."""

    app: App
    next: Scene
    t: float

    def update(self, dt: float) -> Scene:
        self.t += dt
        return self.next


class MessageScene:
    """A message (an error, or a goodbye) and a way back to the menu. Never a traceback."""

    def __init__(self, app: App, title: str, body: str, color: tuple[int, int, int] = WARN) -> None:
        self.app, self.title, self.body, self.color = app, title, body, color
        self.menu = Menu([Choice("Back to the menu", "back")], top=520)
        self.t = 0.0
        self.done = False

    def handle(self, ev: pygame.event.Event) -> None:
        if self.menu.handle(ev) == "back" or (ev.type == pygame.KEYDOWN
                                              and ev.key == pygame.K_ESCAPE):
            self.done = True

    def update(self, dt: float) -> Scene:
        self.t += dt
        return TitleScene(self.app) if self.done else self

    def draw(self, screen: pygame.Surface) -> None:
        _backdrop(screen, self.t)
        cx = screen.get_width() // 2
        text(screen, self.title, 56, (cx, 200), self.color, center=True)
        wrapped(screen, self.body, 32, pygame.Rect(cx - 420, 280, 840, 200))
        self.menu.draw(screen)


class TitleScene(Screen):
    def __init__(self, app: App) -> None:
        self.app = app
        self.menu = Menu([Choice("Play solo", "solo"), Choice("Host co-op", "host"),
                          Choice("Join co-op", "join"), Choice("Settings", "settings"),
                          Choice("Quit", "quit")], top=330)
        self.next: Scene = self
        self.t = 0.0

    def handle(self, ev: pygame.event.Event) -> None:
        choice = self.menu.handle(ev)
        if choice == "solo":
            self.next = SoloScene(self.app)
        elif choice == "host":
            self.next = HostScene(self.app)
        elif choice == "join":
            self.next = JoinScene(self.app)
        elif choice == "settings":
            self.next = SettingsScene(self.app)
        elif choice == "quit" or (ev.type == pygame.KEYDOWN and ev.key == pygame.K_ESCAPE):
            self.next = None

    def draw(self, screen: pygame.Surface) -> None:
        _backdrop(screen, self.t)
        cx = screen.get_width() // 2
        text(screen, "DREAMLAYER", 110, (cx, 150), INK, center=True)
        text(screen, "Repaint the nightmare together, before the unity meters collapse.", 30,
             (cx, 225), MUTED, center=True)
        self.menu.draw(screen)


def _level_names() -> list[str]:
    return [lv.name for lv in campaign()]


class SoloScene(Screen):
    """A local match against Ethan's cadre, with 0-3 ally bots, any retreat, hazard 1-5."""

    def __init__(self, app: App) -> None:
        self.app = app
        levels = _level_names()
        self.menu = Menu([Choice("Retreat", "level", levels),
                          Choice("Ally bots", "allies", ["0", "1", "2", "3"], 3),
                          Choice("Hazard", "hazard", ["1", "2", "3", "4", "5"]),
                          Choice("Begin the night", "go"), Choice("Back", "back")], top=260)
        self.next: Scene = self
        self.t = 0.0

    def handle(self, ev: pygame.event.Event) -> None:
        choice = self.menu.handle(ev)
        if choice == "go":
            c = {ch.key: ch.value for ch in self.menu.choices}
            self.next = start_solo(self.app, c["level"], int(c["allies"]), int(c["hazard"]))
        elif choice == "back" or (ev.type == pygame.KEYDOWN and ev.key == pygame.K_ESCAPE):
            self.next = TitleScene(self.app)

    def draw(self, screen: pygame.Surface) -> None:
        _backdrop(screen, self.t)
        text(screen, "Play solo", 64, (screen.get_width() // 2, 150), INK, center=True)
        self.menu.draw(screen)


def start_solo(app: App, level: str, allies: int, hazard: int,
               autopilot: bool = False) -> Scene:
    """Start a server on loopback, create a room with bots, start it: one command."""
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
                                                     app.settings.name, create),
                           autopilot=autopilot)


class HostScene(Screen):
    """Host co-op: a server in the background, a room friends join by its code."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.menu = Menu([Choice("Retreat", "level", ["campaign", *_level_names()]),
                          Choice("Dreamers", "max", ["2", "3", "4", "5", "6", "7", "8"], 2),
                          Choice("Hazard", "hazard", ["1", "2", "3", "4", "5"]),
                          Choice("Ally bots fill empty seats", "fill", ["yes", "no"]),
                          Choice("Open the room", "go"), Choice("Back", "back")], top=250)
        self.password = TextField("Password (optional)", "", 32, secret=True)
        self.next: Scene = self
        self.t = 0.0

    def handle(self, ev: pygame.event.Event) -> None:
        self.password.handle(ev)
        if self.password.active and ev.type in (pygame.KEYDOWN, pygame.TEXTINPUT):
            return
        choice = self.menu.handle(ev)
        if choice == "go":
            c = {ch.key: ch.value for ch in self.menu.choices}
            self.next = self._open(c)
        elif choice == "back" or (ev.type == pygame.KEYDOWN and ev.key == pygame.K_ESCAPE):
            self.next = TitleScene(self.app)

    def _open(self, c: dict[str, str]) -> Scene:
        link = Link()
        online = Online(link)
        link.start_local(public=True, port=8765)
        level = "" if c["level"] == "campaign" else c["level"]
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
        text(screen, "Host co-op", 64, (screen.get_width() // 2, 150), INK, center=True)
        self.menu.draw(screen)
        self.password.draw(screen, 610)


class JoinScene(Screen):
    """Join co-op: a server's address, a room code (or pick from its public rooms)."""

    def __init__(self, app: App, address: str = "", code: str = "") -> None:
        self.app = app
        self.address = TextField("Server address", address or app.settings.last_server, 120)
        self.code = TextField("Room code", code, 8, lambda ch: ch.isalnum())
        self.password = TextField("Password", "", 64, secret=True)
        self.fields = [self.address, self.code, self.password]
        self.address.active = True
        self.menu = Menu([Choice("Join", "go"), Choice("Back", "back")], top=520)
        self.next: Scene = self
        self.t = 0.0

    def handle(self, ev: pygame.event.Event) -> None:
        if ev.type == pygame.KEYDOWN and ev.key == pygame.K_TAB:
            i = next((k for k, f in enumerate(self.fields) if f.active), -1)
            for f in self.fields:
                f.active = False
            self.fields[(i + 1) % len(self.fields)].active = True
            return
        entered = any(f.handle(ev) for f in self.fields)
        typing = any(f.active for f in self.fields) and ev.type in (pygame.KEYDOWN,
                                                                    pygame.TEXTINPUT)
        choice = None if typing and not entered else self.menu.handle(ev)
        if entered or choice == "go":
            self.next = self._join()
        elif choice == "back" or (ev.type == pygame.KEYDOWN and ev.key == pygame.K_ESCAPE):
            self.next = TitleScene(self.app)

    def _join(self) -> Scene:
        return join(self.app, self.address.value.strip(), self.code.value.strip().upper(),
                    self.password.value)

    def draw(self, screen: pygame.Surface) -> None:
        _backdrop(screen, self.t)
        text(screen, "Join co-op", 64, (screen.get_width() // 2, 150), INK, center=True)
        for i, f in enumerate(self.fields):
            f.draw(screen, 280 + i * 70)
        self.menu.draw(screen)


def join(app: App, address: str, code: str, password: str = "") -> Scene:
    """Connect to `address` and join room `code` (used by the menu and `dreamlayer join`)."""
    if not address.startswith(("ws://", "wss://")):
        address = f"ws://{address}"
    app.settings.last_server = address
    app.settings.save()
    link = Link()
    online = Online(link)

    async def enter(remote: Remote) -> Message:
        return await remote.join_room(code, password=password)

    link.connect(address, app.settings.name, enter)
    return ConnectingScene(app, online, f"Joining room {code} at {address}...", None)


class SettingsScene(Screen):
    def __init__(self, app: App) -> None:
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
            Choice("Key bindings", "keys"), Choice("Save", "save"), Choice("Back", "back")],
            top=300)
        self.next: Scene = self
        self.t = 0.0

    def handle(self, ev: pygame.event.Event) -> None:
        self.name.handle(ev)
        if self.name.active and ev.type in (pygame.KEYDOWN, pygame.TEXTINPUT):
            return
        choice = self.menu.handle(ev)
        if choice == "keys":
            self.next = KeysScene(self.app, self)
        elif choice == "save":
            c = {ch.key: ch.value for ch in self.menu.choices}
            s = self.app.settings
            s.name = self.name.value.strip()[:24] or s.name
            s.volume = int(c["volume"].rstrip("%")) / 100
            s.width, s.height = (int(v) for v in c["size"].split("x"))
            s.fullscreen = c["fs"] == "on"
            s.save()
            self.app.apply_settings()
            self.next = TitleScene(self.app)
        elif choice == "back" or (ev.type == pygame.KEYDOWN and ev.key == pygame.K_ESCAPE):
            self.next = TitleScene(self.app)

    def draw(self, screen: pygame.Surface) -> None:
        _backdrop(screen, self.t)
        cx = screen.get_width() // 2
        text(screen, "Settings", 64, (cx, 130), INK, center=True)
        self.name.draw(screen, 220)
        self.menu.draw(screen)
        keys = self.app.settings.keys
        lines = (f"Move {keys['up']}{keys['left']}{keys['down']}{keys['right']}   paint: left "
                 f"mouse   ability: {keys['ability']}   shove: {keys['shove']} / right mouse   "
                 f"pings: {keys['ping_nightmare']} {keys['ping_help']} {keys['ping_rift']}   "
                 f"emote: {keys['emote']}   net stats: {keys['netstats']}")
        wrapped(screen, lines, 24, pygame.Rect(cx - 480, 640, 960, 60), MUTED)


class KeysScene:
    """Rebind a control: pick it, then press the new key. Saved with the settings."""

    def __init__(self, app: App, back: Scene) -> None:
        self.app, self.back = app, back
        self.waiting: str | None = None
        self.menu = self._menu()
        self.next: Scene = self
        self.t = 0.0

    def _menu(self) -> Menu:
        keys = self.app.settings.keys
        items = [Choice(f"{action.replace('_', ' ')}: {key}", action)
                 for action, key in keys.items()]
        menu = Menu([*items, Choice("Done", "done")], top=120, size=26)
        menu.selected = getattr(self, "menu", menu).selected
        return menu

    def handle(self, ev: pygame.event.Event) -> None:
        if self.waiting is not None:
            if ev.type == pygame.KEYDOWN:
                if ev.key != pygame.K_ESCAPE:
                    self.app.settings.keys[self.waiting] = pygame.key.name(ev.key)
                self.waiting = None
                self.menu = self._menu()
            return
        choice = self.menu.handle(ev)
        if choice == "done" or (ev.type == pygame.KEYDOWN and ev.key == pygame.K_ESCAPE):
            self.app.settings.save()
            self.next = self.back
        elif choice is not None:
            self.waiting = choice

    def update(self, dt: float) -> Scene:
        self.t += dt
        nxt, self.next = self.next, self
        return nxt

    def draw(self, screen: pygame.Surface) -> None:
        _backdrop(screen, self.t)
        cx = screen.get_width() // 2
        text(screen, "Key bindings", 48, (cx, 60), INK, center=True)
        self.menu.draw(screen)
        if self.waiting is not None:
            text(screen, f"press the new key for {self.waiting.replace('_', ' ')} "
                 "(Escape keeps the old one)", 28, (cx, screen.get_height() - 40), GOLD,
                 center=True)


class ConnectingScene:
    """Waits for the server (and for a local one to start), then moves on."""

    def __init__(self, app: App, online: Online, what: str, after_local: Any,
                 autopilot: bool = False) -> None:
        self.app, self.online, self.what = app, online, what
        self.after_local = after_local
        self.autopilot = autopilot
        self.t = 0.0
        app.online = online

    def handle(self, ev: pygame.event.Event) -> None:
        if ev.type == pygame.KEYDOWN and ev.key == pygame.K_ESCAPE:
            self.app.leave("")

    def update(self, dt: float) -> Scene:
        self.t += dt
        happened = self.online.pump()
        if "local" in happened and self.after_local is not None and self.online.local:
            self.after_local(self.online.local.port)
        if "error" in happened:
            return self.app.error_scene(self.online.error)
        if self.online.match is not None:  # a match began (solo starts at once)
            return StoryScene(self.app, self.online, before=True, autopilot=self.autopilot)
        if not self.autopilot and self.online.lobby is not None and self.online.code:
            return LobbyScene(self.app, self.online)
        if self.t > 20:
            return self.app.error_scene("The server did not answer in time.")
        return self

    def draw(self, screen: pygame.Surface) -> None:
        _backdrop(screen, self.t)
        dots = "." * (1 + int(self.t * 2) % 3)
        text(screen, self.what.rstrip(".") + dots, 40, (screen.get_width() // 2, 340),
             INK, center=True)


class LobbyScene:
    """The room: its code, the addresses friends can use, who is in, ready marks, start."""

    def __init__(self, app: App, online: Online) -> None:
        self.app, self.online = app, online
        self.menu = Menu([Choice("Realm", "realm", ["Sleep Sanctuary", "Rest Zone"]),
                          Choice("Role", "role", ["Architect", "Innovator", "Organizer"]),
                          Choice("Ready", "ready"), Choice("Start the night", "start"),
                          Choice("Leave", "leave")], top=430, size=34)
        self.t = 0.0
        self.sent = (0, 0)

    def handle(self, ev: pygame.event.Event) -> None:
        choice = self.menu.handle(ev)
        link = self.online.link
        c = {ch.key: ch.index for ch in self.menu.choices}
        if (c["realm"], c["role"]) != self.sent:
            self.sent = (c["realm"], c["role"])
            link.send(Kind.CHOOSE, {"realm": c["realm"] + 1, "role": c["role"] + 1})
        if choice == "ready":
            link.send(Kind.READY, {"ready": True})
        elif choice == "start":
            link.send(Kind.START)
        elif choice == "leave" or (ev.type == pygame.KEYDOWN and ev.key == pygame.K_ESCAPE):
            self.app.leave("")

    def update(self, dt: float) -> Scene:
        self.t += dt
        happened = self.online.pump()
        if "error" in happened:
            return self.app.error_scene(self.online.error)
        if self.online.match is not None:
            return StoryScene(self.app, self.online, before=True)
        return self

    def draw(self, screen: pygame.Surface) -> None:
        _backdrop(screen, self.t)
        cx = screen.get_width() // 2
        lobby = self.online.lobby or {}
        text(screen, f"Room {self.online.code}", 64, (cx, 80), GOLD, center=True)
        text(screen, f"{lobby.get('title', '')} - hazard {lobby.get('hazard', 1)}", 30,
             (cx, 130), MUTED, center=True)
        if self.online.local is not None:
            text(screen, "Friends join with: " + ", ".join(self.online.local.addresses[:3]),
                 26, (cx, 165), TEAL, center=True)
        players: list[LobbyPlayer] = lobby.get("players", [])
        for i, p in enumerate(players[:8]):
            realm = "Sanctuary" if p.realm == 1 else "Rest Zone"
            role = ("Architect", "Innovator", "Organizer")[p.role - 1]
            tags = " ".join(t for t, on in (("host", p.host), ("bot", p.bot), ("ready", p.ready),
                                            ("watching", p.spectator)) if on)
            color = GOLD if p.realm == 1 else TEAL
            text(screen, f"{p.name}  -  {realm}, {role}  {tags}  {p.latency_ms} ms", 28,
                 (cx, 210 + i * 28), color, center=True)
        if self.online.notice:
            text(screen, self.online.notice, 26, (cx, 400), WARN, center=True)
        self.menu.draw(screen)


class StoryScene:
    """A story card before (or after) a retreat. Any key goes on."""

    def __init__(self, app: App, online: Online, before: bool, autopilot: bool = False) -> None:
        self.app, self.online, self.before, self.autopilot = app, online, before, autopilot
        self.t = 0.0
        self.go = False

    def handle(self, ev: pygame.event.Event) -> None:
        if ev.type in (pygame.KEYDOWN, pygame.MOUSEBUTTONDOWN) and self.t > 0.4:
            self.go = True

    def update(self, dt: float) -> Scene:
        from game.client.match import MatchScene

        self.t += dt
        happened = self.online.pump()
        if "error" in happened:
            return self.app.error_scene(self.online.error)
        if self.go or self.autopilot or self.t > 12:
            return MatchScene(self.app, self.online, autopilot=self.autopilot)
        return self

    def draw(self, screen: pygame.Surface) -> None:
        _backdrop(screen, self.t)
        m = self.online.match
        if m is None:
            return
        cx = screen.get_width() // 2
        text(screen, m.level.title, 60, (cx, 120), GOLD, center=True)
        y = wrapped(screen, m.level.story_before, 30, pygame.Rect(cx - 440, 200, 880, 400))
        if m.level.goal:
            text(screen, m.level.goal, 30, (cx, y + 30), TEAL, center=True)
        text(screen, "press any key", 24, (cx, screen.get_height() - 60), MUTED, center=True)


class ResultsScene:
    """The night's outcome, each dreamer's contribution, both meters over the match, and
    the story card after it."""

    def __init__(self, app: App, online: Online) -> None:
        self.app, self.online = app, online
        self.t = 0.0
        self.menu = Menu([Choice("Back to the menu", "menu")], top=660, size=32)
        self.next: Scene = self

    def handle(self, ev: pygame.event.Event) -> None:
        choice = self.menu.handle(ev)
        if choice == "menu" or (ev.type == pygame.KEYDOWN and ev.key == pygame.K_ESCAPE):
            self.app.leave("")

    def update(self, dt: float) -> Scene:
        self.t += dt
        for name in self.online.pump():
            if name == "error":
                return self.app.error_scene(self.online.error)
            if name == "start":
                return StoryScene(self.app, self.online, before=True,
                                  autopilot=self.app.autopilot)
        return self

    def draw(self, screen: pygame.Surface) -> None:
        _backdrop(screen, self.t)
        r = self.online.results or {}
        cx = screen.get_width() // 2
        outcome = Outcome(r.get("outcome", 3))
        title = {Outcome.SEALED: "Every rift sealed", Outcome.DAWN: "Dawn, together",
                 Outcome.FRACTURE: "The dreamscape fractured"}.get(outcome, "")
        text(screen, title, 60, (cx, 60), GOLD if outcome.won else WARN, center=True)
        cov = r.get("coverage", [0, 0, 0, 0, 0])
        text(screen, f"score {r.get('score', 0)}   mosaic {cov[2] / 10:.0f}%   rifts sealed "
             f"{r.get('rifts_sealed', 0)}/{r.get('rifts', 0)}   cadre awakened "
             f"{r.get('awakened', 0)}", 28, (cx, 110), INK, center=True)
        dreamers: list[Contribution] = r.get("dreamers", [])
        for i, d in enumerate(dreamers[:8]):
            color = GOLD if d.realm == 1 else TEAL
            text(screen, f"{d.name:>20}  painted {d.painted:6d}  cleansed {d.cleansed:5d}  "
                 f"revived {d.revived}  awakened {d.awakenings}", 26, (cx, 150 + i * 26), color,
                 center=True)
        self._plot(screen, pygame.Rect(cx - 300, 370, 600, 120), r.get("meter_history", []))
        level = r.get("level")
        if level is not None and outcome.won:
            wrapped(screen, level.story_after, 24, pygame.Rect(cx - 440, 510, 880, 110), MUTED)
        nxt = r.get("next_level", "")
        after = ("The night is lost; the same retreat begins again in a moment..."
                 if nxt and not outcome.won else
                 "The next night begins in a moment..." if nxt else
                 "The Night of Unity is over: the campaign is complete.")
        text(screen, after, 26, (cx, 625), TEAL, center=True)
        self.menu.draw(screen)

    @staticmethod
    def _plot(screen: pygame.Surface, box: pygame.Rect, history: list[tuple[float, float]]
              ) -> None:
        pygame.draw.rect(screen, MUTED, box, 1)
        text(screen, "unity meters through the night", 22, (box.x, box.y - 22), MUTED)
        if len(history) < 2:
            return
        for k, color in ((0, GOLD), (1, TEAL)):
            pts = [(box.x + box.w * i / (len(history) - 1),
                    box.bottom - box.h * min(max(h[k], 0), 100) / 100)
                   for i, h in enumerate(history)]
            pygame.draw.lines(screen, color, False, pts, 2)
