"""Shared client test helpers: a 1280x720 window on the dummy video driver."""

from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

from collections.abc import Iterator

import pygame
import pytest

SCREEN_SIZE = (1280, 720)


@pytest.fixture(scope="module")
def screen() -> Iterator[pygame.Surface]:
    """A 1280x720 display surface for the module's tests, closed after them."""
    pygame.display.init()
    pygame.font.init()
    surface = pygame.display.set_mode(SCREEN_SIZE)
    yield surface
    pygame.display.quit()
