"""The Settings screen (name, volume, window, fullscreen, hints) and the Key bindings
screen over it. Both go back to whatever opened them: the title, or a match's pause menu.

Imports pygame and game.client's flow, ui, backdrop, rules and settings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pygame

from game.client.backdrop import backdrop
from game.client.flow import BACK, Over, Scene, Step
from game.client.rules import controls_line, key_label
from game.client.settings import SIZES
from game.client.ui import GOLD, INK, MUTED, Choice, Menu, TextField, is_escape, text, wrapped

if TYPE_CHECKING:
    from game.client.app import App

__all__ = ["KeysScene", "SettingsScene"]


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
            if is_escape(ev) or (ev.type == pygame.KEYDOWN
                               and ev.key in (pygame.K_RETURN, pygame.K_KP_ENTER)):
                self.name.active = False
            return
        choice = self.menu.handle(ev)
        if choice == "keys":
            self.next = Over(KeysScene(self.app))
        elif choice == "save":
            self._save()
            self.next = BACK
        elif choice == "back" or is_escape(ev):
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
        backdrop(screen, self.t)
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
                if ev.key != pygame.K_ESCAPE:
                    self.app.settings.keys[self.waiting] = pygame.key.name(ev.key)
                self.waiting = None
                self.menu = self._menu()
            return
        choice = self.menu.handle(ev)
        if choice == "done" or is_escape(ev):
            self.app.settings.save()
            self.next = BACK
        elif choice is not None:
            self.waiting = choice

    def draw(self, screen: pygame.Surface) -> None:
        backdrop(screen, self.t)
        w, h = screen.get_size()
        text(screen, "Key bindings", 48, (w // 2, 60), INK, center=True)
        self.menu.top = 120
        self.menu.draw(screen)
        if self.waiting is not None:
            text(screen, f"press the new key for {self.waiting.replace('_', ' ')} "
                 "(Escape keeps the old one)", 28, (w // 2, h - 24), GOLD, center=True)
