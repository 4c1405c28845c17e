"""Where things sit on the match screen: the HUD's panels for a screen size, the clear
area they leave (`Insets`), and the camera that places the world inside it
(`camera_offset`). The renderer, the HUD, the minimap and the prompt card all read their
geometry here, so the camera never parks the player under a panel.

Imports nothing from pygame or the game (rectangles are (x, y, w, h) tuples).
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = [
    "MARGIN",
    "MINIMAP_BOX",
    "NO_INSETS",
    "Insets",
    "Rect",
    "camera_offset",
    "hud_insets",
    "meters_rect",
    "timer_rect",
    "you_rect",
]

Rect = tuple[int, int, int, int]
"""x, y, width, height in screen pixels"""

MARGIN = 12
MINIMAP_BOX = (240, 160)
"""the largest the minimap gets; it keeps the level's proportions inside"""
COLUMN_WIDTH = 252
"""the right-hand column: the minimap and, under it, the player list"""
_METERS = (318, 70)
_TIMER = (220, 78)
_YOU = (500, 72)


class Insets(NamedTuple):
    """How far panels reach in from each edge of the screen (pixels). The camera may show
    that much space beyond the map's edges, so a dreamer at the edge stays clear of them."""

    left: int = 0
    top: int = 0
    right: int = 0
    bottom: int = 0


NO_INSETS = Insets()


def meters_rect(screen: tuple[int, int]) -> Rect:
    """The unity meters' panel: top left."""
    return (MARGIN, MARGIN, *_METERS)


def timer_rect(screen: tuple[int, int]) -> Rect:
    """The dawn timer: top centre, or under the meters in a window too narrow for both."""
    w, h = _TIMER
    x = screen[0] // 2 - w // 2
    if x < MARGIN + _METERS[0] + 8:
        return (MARGIN, MARGIN + _METERS[1] + 8, w, h)
    return (x, MARGIN - 4, w, h)


def you_rect(screen: tuple[int, int]) -> Rect:
    """Your dreamer's panel (inspiration, cooldowns): bottom centre."""
    w, h = _YOU
    return (screen[0] // 2 - w // 2, screen[1] - h - MARGIN, w, h)


def hud_insets(screen: tuple[int, int]) -> Insets:
    """The insets of the HUD's fixed panels on a screen of this size: the top strip (the
    meters and the timer), the right-hand column (the minimap and the player list) and the
    bottom strip (your panel and the message line above it)."""
    _, ty, _, th = timer_rect(screen)
    top = max(MARGIN + _METERS[1], ty + th) + 6
    bottom = _YOU[1] + MARGIN + 6
    return Insets(0, top, COLUMN_WIDTH + MARGIN, bottom)


def camera_offset(camera: tuple[float, float], screen: tuple[int, int],
                  world: tuple[int, int], insets: Insets = NO_INSETS) -> tuple[int, int]:
    """The world pixel drawn at the screen's top-left corner, in whole pixels.

    The camera's point is centred on screen, clamped so that no more space beyond the
    map's edges shows than `insets` allow on that side; along an axis where the map fits
    in the clear area between the insets, the map is centred in that area instead (the
    offset is then negative). With no insets, no space beyond the edges shows at all.
    """
    return (_axis(camera[0], screen[0], world[0], insets.left, insets.right),
            _axis(camera[1], screen[1], world[1], insets.top, insets.bottom))


def _axis(c: float, screen: int, world: int, lo: int, hi: int) -> int:
    clear = screen - lo - hi
    if world <= clear:
        return -(lo + (clear - world) // 2)
    # world > clear, so the range is never empty
    return int(min(max(round(c - screen / 2), -lo), world - screen + hi))
