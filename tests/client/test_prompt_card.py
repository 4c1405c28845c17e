"""The prompt card: in the lower third, it moves up when it would cover the action around
your dreamer, never covers it, fades in and out, and wraps long words to the card."""

from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")


import numpy as np
import pygame

from game.client.layout import hud_insets, timer_rect, you_rect
from game.client.prompt_card import PromptCard

SIZE = (1280, 720)
WORDS = ("That is the Rest Zone's paint. Where both realms' paint touches it becomes "
         "mosaic, which the nightmare cannot hold: paint beside it!")


def test_the_card_sits_above_your_panel_and_clear_of_the_hud(screen: pygame.Surface) -> None:
    card = PromptCard()
    rect = card.draw(screen, WORDS, 1.0, 6.0, [], 1.0)
    assert rect is not None and rect.h >= 40, "two lines at least"
    assert rect.bottom < pygame.Rect(you_rect(SIZE)).top - 30, "above the message line"
    assert rect.top > SIZE[1] // 2, "in the lower part of the screen"
    assert rect.right <= SIZE[0] - hud_insets(SIZE).right and rect.left >= 0


def test_the_card_moves_away_from_your_dreamer(screen: pygame.Surface) -> None:
    card = PromptCard()
    lower = card.draw(screen, WORDS, 1.0, 6.0, [], 1.0)
    assert lower is not None
    you = pygame.Rect(0, 0, 360, 300)
    you.center = (SIZE[0] // 2, lower.centery + 40)  # the action around you, down there
    at = lower
    for i in range(1, 20):  # it slides over a few frames, then stays
        got = card.draw(screen, WORDS, 1.0 + i / 60, 6.0, [you], 1.0 + i / 60)
        assert got is not None
        at = got
    assert not at.colliderect(you)
    assert at.top >= pygame.Rect(timer_rect(SIZE)).bottom, "under the timer"
    # and back when you leave
    for i in range(20, 40):
        got = card.draw(screen, WORDS, 1.0 + i / 60, 6.0, [], 1.0 + i / 60)
    assert got == lower


def test_the_card_fades_in_and_out(screen: pygame.Surface) -> None:
    card = PromptCard()

    def shade(age: float) -> float:
        screen.fill((0, 0, 0))
        rect = card.draw(screen, WORDS, age, 6.0, [], age)
        if rect is None:
            return 0.0
        return float(pygame.surfarray.array3d(screen.subsurface(rect)).astype(float).mean())

    full = shade(3.0)
    assert 0.0 < shade(0.05) < full * 0.5 and shade(5.9) < full * 0.5
    assert shade(6.0) == 0.0 and card.rect is None
    assert card.draw(screen, "", 1.0, 6.0, [], 1.0) is None


def test_long_words_wrap_inside_the_card(screen: pygame.Surface) -> None:
    card = PromptCard()
    screen.fill((0, 0, 0))
    rect = card.draw(screen, WORDS + " " + WORDS, 3.0, 6.0, [], 3.0)
    assert rect is not None
    lit = np.nonzero(pygame.surfarray.array3d(screen).any(axis=2))
    assert lit[0].min() >= rect.left and lit[0].max() < rect.right
    assert lit[1].min() >= rect.top and lit[1].max() < rect.bottom
