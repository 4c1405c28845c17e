"""Rendered text for the match screen, cached: `TextCache` keeps fonts (pygame's default
font) and every rendered string while it stays in use, and `fit` cuts a name short to a
width. Shared by the renderer, the HUD and the prompt card.

Imports pygame and game.client.palette only.
"""

from __future__ import annotations

from collections import OrderedDict

import pygame

from game.client import palette as pal
from game.client.palette import Colour

__all__ = ["TextCache"]


class TextCache:
    """Fonts (pygame's default font) and rendered text, cached: rendering text every frame
    is the usual frame-time killer. Each (text, size, colour, shadow, bold) renders once
    while it stays among the `limit` most recently used."""

    def __init__(self, limit: int = 600) -> None:
        if not pygame.font.get_init():
            pygame.font.init()
        self._fonts: dict[tuple[int, bool], pygame.font.Font] = {}
        self._cache: OrderedDict[tuple[str, int, Colour, bool, bool], pygame.Surface] = (
            OrderedDict())
        self._fitted: dict[tuple[str, int, bool, int], str] = {}
        self.limit = limit

    def font(self, size: int, bold: bool = False) -> pygame.font.Font:
        key = (size, bold)
        f = self._fonts.get(key)
        if f is None:
            f = pygame.font.Font(None, size)
            f.set_bold(bold)
            self._fonts[key] = f
        return f

    def text(self, s: str, size: int, colour: Colour, shadow: bool = False,
             bold: bool = False) -> pygame.Surface:
        """`s` rendered antialiased (with a dark drop shadow when asked); do not modify it."""
        key = (s, size, colour, shadow, bold)
        surf = self._cache.get(key)
        if surf is not None:
            self._cache.move_to_end(key)
            return surf
        font = self.font(size, bold)
        fg = font.render(s, True, colour)
        if shadow:
            w, h = fg.get_size()
            surf = pygame.Surface((w + 2, h + 2), pygame.SRCALPHA)
            back = font.render(s, True, pal.UI.SHADOW)
            surf.blit(back, (2, 2))
            surf.blit(back, (1, 1))
            surf.blit(fg, (0, 0))
        else:
            surf = fg
        if pygame.display.get_surface() is not None:
            surf = surf.convert_alpha()
        self._cache[key] = surf
        if len(self._cache) > self.limit:
            self._cache.popitem(last=False)
        return surf

    def fit(self, s: str, size: int, bold: bool, width: int) -> str:
        """`s`, cut short with '...' to fit in `width` pixels (remembered per string)."""
        key = (s, size, bold, width)
        fitted = self._fitted.get(key)
        if fitted is None:
            font = self.font(size, bold)
            fitted = s
            while len(fitted) > 1 and font.size(fitted if fitted == s else fitted + "...")[0] \
                    > width:
                fitted = fitted[:-1]
            if fitted != s:
                fitted = fitted.rstrip() + "..."
            if len(self._fitted) > 256:
                self._fitted.clear()
            self._fitted[key] = fitted
        return fitted
