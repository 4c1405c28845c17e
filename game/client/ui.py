"""Small widgets for the menus: a list of choices, a text field, and text drawing.

Keyboard (arrows, Enter, Escape, Tab) and mouse both work everywhere. Imports pygame.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache

import pygame

__all__ = ["BG", "GOLD", "INK", "MUTED", "TEAL", "WARN", "Choice", "Menu", "TextField",
           "bound_key", "fit", "font", "is_escape", "line_height", "shade", "text",
           "wrap_lines", "wrapped"]

BG = (22, 18, 38)
INK = (236, 230, 250)
MUTED = (150, 140, 180)
GOLD = (242, 193, 78)
TEAL = (63, 193, 176)
WARN = (240, 110, 120)


@cache
def font(size: int) -> pygame.font.Font:
    return pygame.font.Font(None, size)


@cache
def _render(msg: str, size: int, color: tuple[int, int, int]) -> pygame.Surface:
    return font(size).render(msg, True, color)


def forget_fonts() -> None:
    """Drop cached fonts and text (they die with pygame.quit(); a new App starts clean)."""
    font.cache_clear()
    _render.cache_clear()


def text(surface: pygame.Surface, msg: str, size: int, pos: tuple[int, int],
         color: tuple[int, int, int] = INK, center: bool = False) -> pygame.Rect:
    """Draw one line (cached by content); returns where it landed."""
    img = _render(msg, size, color)
    rect = img.get_rect(center=pos) if center else img.get_rect(topleft=pos)
    surface.blit(img, rect)
    return rect


def wrap_lines(msg: str, size: int, width: int) -> list[str]:
    """`msg` broken into lines no wider than `width` at font `size` (a word longer than the
    width gets a line of its own); a newline starts a new paragraph, an empty one a blank
    line."""
    lines: list[str] = []
    f = font(size)
    for para in msg.split("\n"):
        line = ""
        for word in para.split():
            trial = f"{line} {word}".strip()
            if f.size(trial)[0] > width and line:
                lines.append(line)
                line = word
            else:
                line = trial
        lines.append(line)
    return lines


def fit(line: str, size: int, width: int) -> str:
    """`line` cut with '...' to fit `width` at font `size`."""
    f = font(size)
    if f.size(line)[0] <= width:
        return line
    while len(line) > 1 and f.size(line + "...")[0] > width:
        line = line[:-1]
    return line + "..."


def is_escape(ev: pygame.event.Event) -> bool:
    """The event is the Escape key pressed (every screen's way back)."""
    return bool(ev.type == pygame.KEYDOWN and ev.key == pygame.K_ESCAPE)


def bound_key(keys: Mapping[str, str], action: str) -> int | None:
    """The key code bound to `action` in the player's bindings, or None when it is unbound
    or names no key pygame knows."""
    try:
        return int(pygame.key.key_code(keys.get(action, "")))
    except (ValueError, pygame.error):
        return None


def line_height(size: int) -> int:
    return int(size * 1.15)


def wrapped(surface: pygame.Surface, msg: str, size: int, rect: pygame.Rect,
            color: tuple[int, int, int] = INK) -> int:
    """Draw a paragraph wrapped to `rect`'s width, centred; returns the y after it."""
    y = rect.top
    for line in wrap_lines(msg, size, rect.width):
        if line:
            text(surface, line, size, (rect.centerx, y + size // 2), color, center=True)
        y += line_height(size)
    return y


def shade(surface: pygame.Surface, rect: pygame.Rect | None = None, alpha: int = 200) -> None:
    """Darken `rect` (the whole surface by default) so text over a match stays readable."""
    rect = rect or surface.get_rect()
    veil = pygame.Surface(rect.size, pygame.SRCALPHA)
    veil.fill((*BG, alpha))
    surface.blit(veil, rect.topleft)


@dataclass
class Choice:
    """One line of a menu: a label, and optionally values to cycle with left/right."""

    label: str
    key: str
    values: list[str] = field(default_factory=list)
    index: int = 0

    @property
    def value(self) -> str:
        return self.values[self.index] if self.values else ""


class Menu:
    """A vertical list of choices. `handle()` returns the key of an activated choice."""

    def __init__(self, choices: list[Choice], top: int = 260, size: int = 40) -> None:
        self.choices = choices
        self.selected = 0
        self.top = top
        self.size = size
        self.centerx: int | None = None
        """where the column is centred (the window's middle by default)"""
        self.rects: list[pygame.Rect] = []

    def handle(self, ev: pygame.event.Event) -> str | None:
        c = self.choices[self.selected]
        if ev.type == pygame.KEYDOWN:
            if ev.key in (pygame.K_DOWN, pygame.K_TAB):
                self.selected = (self.selected + 1) % len(self.choices)
            elif ev.key == pygame.K_UP:
                self.selected = (self.selected - 1) % len(self.choices)
            elif ev.key in (pygame.K_LEFT, pygame.K_RIGHT) and c.values:
                step = 1 if ev.key == pygame.K_RIGHT else -1
                c.index = (c.index + step) % len(c.values)
            elif ev.key in (pygame.K_RETURN, pygame.K_KP_ENTER, pygame.K_SPACE):
                if c.values:
                    c.index = (c.index + 1) % len(c.values)
                    return None
                return c.key
        elif ev.type == pygame.MOUSEMOTION:
            for i, r in enumerate(self.rects):
                if r.collidepoint(ev.pos):
                    self.selected = i
        elif ev.type == pygame.MOUSEBUTTONDOWN and ev.button == 1:
            for i, r in enumerate(self.rects):
                if r.collidepoint(ev.pos):
                    self.selected = i
                    ch = self.choices[i]
                    if ch.values:
                        ch.index = (ch.index + 1) % len(ch.values)
                        return None
                    return ch.key
        return None

    def draw(self, surface: pygame.Surface) -> None:
        """Draw the choices from `top` down; in a short window the lines close up (and the
        text shrinks) so the last one still shows."""
        cx = self.centerx if self.centerx is not None else surface.get_width() // 2
        self.rects = []
        step = self._step(surface)
        size = min(self.size, max(int(step / 1.1), 16))
        for i, c in enumerate(self.choices):
            label = f"{c.label}:  < {c.value} >" if c.values else c.label
            color = GOLD if i == self.selected else INK
            y = self.top + i * step
            r = text(surface, label, size, (cx, y), color, center=True)
            self.rects.append(r.inflate(40, max(step - r.height, 4)))

    def _step(self, surface: pygame.Surface) -> int:
        n = max(len(self.choices) - 1, 1)
        room = surface.get_height() - self.top - self.size // 2 - 4
        return min(int(self.size * 1.3), max(room // n, 12))

    def height(self, surface: pygame.Surface) -> int:
        """How tall `draw` lays the choices out in `surface`, from `top`."""
        return (len(self.choices) - 1) * self._step(surface) + self.size // 2 + 8


class TextField:
    """A one-line text entry; `handle()` returns True when Enter is pressed in it."""

    def __init__(self, label: str, value: str = "", limit: int = 64,
                 allowed: Callable[[str], bool] | None = None, secret: bool = False) -> None:
        self.label = label
        self.value = value
        self.limit = limit
        self.allowed = allowed
        self.secret = secret
        self.active = False
        self.rect = pygame.Rect(0, 0, 0, 0)

    def handle(self, ev: pygame.event.Event) -> bool:
        if ev.type == pygame.MOUSEBUTTONDOWN and ev.button == 1:
            self.active = self.rect.collidepoint(ev.pos)
        if not self.active:
            return False
        if ev.type == pygame.TEXTINPUT:
            add = "".join(ch for ch in ev.text if self.allowed is None or self.allowed(ch))
            self.value = (self.value + add)[: self.limit]
        elif ev.type == pygame.KEYDOWN:
            if ev.key == pygame.K_BACKSPACE:
                self.value = self.value[:-1]
            elif ev.key in (pygame.K_RETURN, pygame.K_KP_ENTER):
                return True
        return False

    def draw(self, surface: pygame.Surface, y: int) -> None:
        cx = surface.get_width() // 2
        shown = "*" * len(self.value) if self.secret else self.value
        caret = "_" if self.active else ""
        text(surface, self.label, 28, (cx - 300, y), MUTED)
        self.rect = pygame.Rect(cx - 60, y - 6, 420, 36)
        pygame.draw.rect(surface, GOLD if self.active else MUTED, self.rect, 2, border_radius=6)
        text(surface, shown + caret, 30, (self.rect.x + 10, y))
