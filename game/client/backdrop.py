"""The menus' backdrop: two realms' glows drifting slowly over the night, behind every
screen that is not the match.

Imports pygame and game.client.ui (its colours) only.
"""

from __future__ import annotations

import math

import pygame

from game.client.ui import BG, GOLD, TEAL

__all__ = ["backdrop"]


def backdrop(screen: pygame.Surface, t: float) -> None:
    """Fill `screen` with the backdrop as it is `t` seconds after its screen opened."""
    screen.fill(BG)
    w, h = screen.get_size()
    for k, color in enumerate((GOLD, TEAL)):
        x = w * (0.3 + 0.4 * k) + math.sin(t * 0.3 + k * 2) * 80
        y = h * 0.55 + math.cos(t * 0.25 + k) * 50
        for r in range(180, 0, -30):
            c = tuple(int(BG[i] + (color[i] - BG[i]) * (1 - r / 200) * 0.35) for i in range(3))
            pygame.draw.circle(screen, c, (int(x), int(y)), r)
