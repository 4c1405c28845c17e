"""The card that shows the tutorial's prompt: a lower-third card above your panel, which
slides up under the timer instead whenever it would cover the action around your dreamer;
it fades in and out with the prompt.

Imports pygame and game.client only.
"""

from __future__ import annotations

from collections.abc import Sequence

import pygame

from game.client import palette as pal
from game.client.layout import hud_insets
from game.client.text import TextCache

__all__ = ["PromptCard"]

_WIDTH = 640
_PAD = 14
_SIZE = 24
_SLIDE = 1600.0
"""px/s the card moves between its places"""
_FADE_IN, _FADE_OUT = 0.25, 0.4
_EDGE = (196, 170, 255)


class PromptCard:
    """Draws one prompt's words in a card.

    Contract: `draw(surface, text, age, seconds, avoid, now)` draws `text` (wrapped to
    the card) `age` seconds into a prompt that lasts `seconds`, at the lower place unless
    that rectangle meets one of `avoid` (screen rectangles: the action around your
    dreamer), then at the upper place; it slides between them over frames of `now`
    (seconds). Returns the rectangle drawn (None for no text). `rect` is the last one.
    """

    def __init__(self, text: TextCache | None = None) -> None:
        self.text = text or TextCache()
        self.rect: pygame.Rect | None = None
        self._cards: dict[tuple[str, int], pygame.Surface] = {}
        self._y: float | None = None
        self._at = 0.0

    def places(self, size: tuple[int, int], card: tuple[int, int]) -> tuple[pygame.Rect,
                                                                            pygame.Rect]:
        """The lower and the upper place of a card of `card` size on a screen of `size`."""
        w, h = size
        ins = hud_insets(size)
        lower = pygame.Rect(0, 0, *card)
        lower.midbottom = (w // 2, h - ins.bottom - 44)  # above the message line
        upper = lower.copy()
        upper.top = ins.top + 52  # under the timer and the meters' warning banner
        return lower, upper

    def draw(self, surface: pygame.Surface, text: str, age: float, seconds: float,
             avoid: Sequence[pygame.Rect], now: float) -> pygame.Rect | None:
        if not text:
            self.rect, self._y = None, None
            return None
        size = surface.get_size()
        card = self._card(text, max(min(_WIDTH, size[0] - 2 * hud_insets(size).right - 16),
                                    320))
        lower, upper = self.places(size, card.get_size())
        goal = upper if lower.collidelist(list(avoid)) >= 0 else lower
        step = max(now - self._at, 0.0)
        self._at = now
        if self._y is None or age <= 0.0:
            self._y = float(goal.y)
        else:
            move = _SLIDE * min(step, 0.1)
            self._y = max(self._y - move, goal.y) if self._y > goal.y else \
                min(self._y + move, goal.y)
        rect = goal.copy()
        rect.y = round(self._y)
        alpha = min(1.0, age / _FADE_IN, max(seconds - age, 0.0) / _FADE_OUT)
        if alpha <= 0.0:
            self.rect = None
            return None
        card.set_alpha(round(255 * alpha))
        surface.blit(card, rect)
        self.rect = rect
        return rect

    def _card(self, text: str, width: int) -> pygame.Surface:
        key = (text, width)
        card = self._cards.get(key)
        if card is not None:
            return card
        font = self.text.font(_SIZE)
        lines = _wrap(text, font, width - 2 * _PAD - 34)
        line_h = font.get_linesize()
        h = 2 * _PAD + line_h * len(lines)
        card = pygame.Surface((width, h), pygame.SRCALPHA)
        r, g, b, _ = pal.UI.PANEL
        pygame.draw.rect(card, (r, g, b, 235), card.get_rect(), border_radius=10)
        pygame.draw.rect(card, (*_EDGE, 220), card.get_rect(), 2, border_radius=10)
        # a hint badge: a bright disc with a question mark
        pygame.draw.circle(card, _EDGE, (_PAD + 11, _PAD + line_h // 2), 11)
        mark = self.text.text("?", 24, pal.UI.SHADOW, bold=True)
        card.blit(mark, mark.get_rect(center=(_PAD + 11, _PAD + line_h // 2 + 1)))
        for i, line in enumerate(lines):
            img = self.text.text(line, _SIZE, pal.UI.TEXT, shadow=True)
            card.blit(img, (_PAD + 34, _PAD + i * line_h))
        if pygame.display.get_surface() is not None:
            card = card.convert_alpha()
        if len(self._cards) > 16:
            self._cards.clear()
        self._cards[key] = card
        return card


def _wrap(text: str, font: pygame.font.Font, width: int) -> list[str]:
    """`text` broken into lines no wider than `width` (a longer word gets its own line)."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        trial = f"{line} {word}" if line else word
        if line and font.size(trial)[0] > width:
            lines.append(line)
            line = word
        else:
            line = trial
    if line:
        lines.append(line)
    return lines or [""]
