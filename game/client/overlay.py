"""What lies over a running match, drawn after the renderer and the HUD: the pause menu,
the controls-and-rules sheet (F1 / ?), the chat line being typed, and the banner while the
link reconnects.

`MatchOverlay` holds which of them is open and takes the events meant for them; the match
scene asks it first, lets the dreamer stand still while `still` is true, and calls
`draw()` last. Every sheet fits any window size in Settings (the text shrinks before it
would spill).

Imports pygame, game.net.schema and game.client's ui, rules, chat and pause (never the
match scene).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pygame

from game.client.chat import ChatEntry
from game.client.pause import PauseChoice, PauseMenu
from game.client.rules import RULES, controls
from game.client.ui import (
    GOLD,
    INK,
    MUTED,
    TEAL,
    WARN,
    bound_key,
    line_height,
    shade,
    text,
    wrap_lines,
)
from game.net.schema import Kind

if TYPE_CHECKING:
    from game.client.app import App
    from game.client.online import Online

__all__ = ["MatchOverlay", "draw_help", "draw_reconnecting", "help_layout"]


def _asks_for_help(ev: pygame.event.Event) -> bool:
    return ev.type == pygame.KEYDOWN and (ev.key == pygame.K_F1
                                          or getattr(ev, "unicode", "") == "?")


class MatchOverlay:
    """The layers over a match. `handle()` returns True when it took the event."""

    def __init__(self, app: App, online: Online) -> None:
        self.app, self.online = app, online
        self.pause: PauseMenu | None = None
        self.help = False
        self.chat = ChatEntry()
        self.leaving = False
        """the player confirmed Leave in the pause menu"""

    @property
    def still(self) -> bool:
        """Something is open over the match: the dreamer stands still meanwhile."""
        return self.pause is not None or self.help or self.chat.active

    @property
    def capturing(self) -> bool:
        """Keys are being typed (a chat line, a name in Settings, a key prompt)."""
        return self.chat.active or (self.pause is not None and self.pause.capturing)

    def handle(self, ev: pygame.event.Event) -> bool:
        if self.chat.active:
            said = self.chat.handle(ev)
            if said:
                self.online.link.send(Kind.CHAT, {"text": said})
            return True
        if self.help:
            if _asks_for_help(ev) or (ev.type == pygame.KEYDOWN and ev.key == pygame.K_ESCAPE):
                self.help = False
            return ev.type in (pygame.KEYDOWN, pygame.KEYUP, pygame.MOUSEBUTTONDOWN,
                               pygame.TEXTINPUT)
        if self.pause is not None:
            if _asks_for_help(ev) and not self.pause.capturing:
                self.help = True
                return True
            choice = self.pause.handle(ev)
            if choice is PauseChoice.RESUME:
                self.pause = None
            elif choice is PauseChoice.HELP:
                self.help = True
            elif choice is PauseChoice.LEAVE:
                self.leaving = True
            return True
        if ev.type != pygame.KEYDOWN:
            return False
        if _asks_for_help(ev):
            self.help = True
        elif ev.key == pygame.K_ESCAPE:
            self.pause = PauseMenu(self.app)
        elif ev.key == bound_key(self.app.settings.keys, "chat"):
            self.chat.open(getattr(ev, "unicode", ""))
        else:
            return False
        return True

    def update(self, dt: float) -> None:
        if self.pause is not None:
            self.pause.update(dt)

    def draw(self, surface: pygame.Surface) -> None:
        """Everything open, over the frame the renderer and the HUD drew."""
        if self.help:
            draw_help(surface, self.app.settings.keys)
        elif self.pause is not None:
            self.pause.draw(surface)
        self.chat.draw(surface, surface.get_height() - 132)
        if self.online.reconnecting > 0:
            draw_reconnecting(surface, self.online.reconnecting)

_MARGIN = 28


def help_layout(size: tuple[int, int], keys: Mapping[str, str]
                ) -> tuple[int, list[tuple[str, int, int, int]]]:
    """The sheet's lines for a window of `size`: (font size, [(line, x, y, colour code)]).

    Colour codes: 0 heading, 1 body, 2 key. The controls take the left column, the rules
    the right; the largest font (down to 15) at which both columns fit is chosen.
    """
    w, h = size
    left_w = max(int(w * 0.34), 260)
    right_x = _MARGIN * 2 + left_w
    right_w = w - right_x - _MARGIN
    top = 84
    for fs in range(26, 14, -1):
        lines: list[tuple[str, int, int, int]] = []
        y = top
        lh = line_height(fs)
        for what, keys_text in controls(keys):
            lines.append((what, _MARGIN, y, 1))
            for part in wrap_lines(keys_text, fs, left_w - left_w * 2 // 5):
                lines.append((part, _MARGIN + left_w * 2 // 5, y, 2))
                y += lh
        left_end = y
        y = top
        for heading, body in RULES:
            lines.append((heading, right_x, y, 0))
            y += lh
            for part in wrap_lines(body, fs, right_w):
                lines.append((part, right_x, y, 1))
                y += lh
            y += lh // 3
        if max(left_end, y) <= h - 48 or fs == 15:
            return fs, lines
    raise AssertionError("unreachable")


def draw_help(surface: pygame.Surface, keys: Mapping[str, str]) -> None:
    """The controls (as the player bound them) and the rules on one screen."""
    shade(surface, alpha=235)
    w, h = surface.get_size()
    text(surface, "Controls & rules", 44, (w // 2, 40), GOLD, center=True)
    fs, lines = help_layout((w, h), keys)
    colours = {0: GOLD, 1: INK, 2: TEAL}
    for line, x, y, code in lines:
        text(surface, line, fs, (x, y), colours[code])
    text(surface, "F1, ? or Escape to close", 22, (w // 2, h - 24), MUTED, center=True)


def draw_reconnecting(surface: pygame.Surface, attempt: int) -> None:
    """'Connection lost, reconnecting (n)...' over the frozen match."""
    shade(surface, alpha=150)
    w, h = surface.get_size()
    text(surface, f"Connection lost, reconnecting ({attempt})...", 44, (w // 2, h // 2),
         WARN, center=True)
    text(surface, "Your dreamer is held for you; an ally bot plays it meanwhile.", 26,
         (w // 2, h // 2 + 44), MUTED, center=True)
