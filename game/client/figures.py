"""The figures the match screen draws for dreamers, the cadre and Ethan: each sprite at the
size it is drawn, with its pre-rendered poses (facing left, leaning, asleep, distorted),
made once and cached, so a frame only blits.

The sprites come from an assets object (`game.client.assets.Assets`, or anything with
`sprite(name, size)`); a name it lacks, or no assets at all (tests), gets a figure drawn
with pygame primitives in the palette's colours, so every pose works either way.

Imports pygame and game.client.palette only.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import numpy as np
import pygame

from game.client import palette as pal
from game.client.palette import Colour

__all__ = ["LEAN_STEP", "Figures", "Tone", "dreamer_name"]

LEAN_STEP = 4
"""leaning is drawn in steps of this many degrees"""
_MAX_LEAN = 12
_INK: Colour = (20, 14, 36)
"""the dark outline around dreamers"""
_REALMS = {1: "sanctuary", 2: "rest"}
_ROLES = {1: "architect", 2: "innovator", 3: "organizer"}


class Tone(Enum):
    """How a figure is coloured for its state."""

    PLAIN = "plain"
    ASLEEP = "asleep"
    """greyed and lying on its side"""
    DISTORTED = "distorted"
    """washed in the cadre's magenta"""


def dreamer_name(realm: int, role: int) -> str:
    """The sprite name of a dreamer (unknown realms and roles fall back to the first)."""
    return f"dreamer_{_REALMS.get(realm, 'sanctuary')}_{_ROLES.get(role, 'architect')}"


class Figures:
    """Pre-rendered figures by (sprite name, size, facing, lean, tone).

    Contract: `figure(name, size, ...)` returns a square Surface of `size` pixels (larger
    when leaning: a rotated square) to be blitted centred on the entity; the same
    arguments return the same Surface object. Never draw on what it returns.
    `sprite(name, size)` is a plain shipped sprite (bubbles, swirls) or None.
    """

    def __init__(self, assets: Any = None) -> None:
        self.assets = assets
        self._base: dict[tuple[str, int], pygame.Surface] = {}
        self._plain: dict[tuple[str, int], pygame.Surface | None] = {}
        self._poses: dict[tuple[str, int, bool, int, Tone], pygame.Surface] = {}

    # ------------------------------------------------------------------ sprites
    def sprite(self, name: str, size: int) -> pygame.Surface | None:
        """Shipped sprite `name` scaled to `size`, or None when there is no such sprite."""
        key = (name, size)
        if key not in self._plain:
            self._plain[key] = self._load(name, size)
        return self._plain[key]

    def _load(self, name: str, size: int) -> pygame.Surface | None:
        if self.assets is None:
            return None
        try:
            try:
                got = self.assets.sprite(name, size)
            except TypeError:
                got = self.assets.sprite(name)
        except (pygame.error, OSError, KeyError, ValueError):
            return None
        if not isinstance(got, pygame.Surface):
            return None
        if got.get_size() != (size, size):
            got = pygame.transform.smoothscale(got, (size, size))
        return _ready(got)

    # ------------------------------------------------------------------ figures
    def figure(self, name: str, size: int, *, left: bool = False, lean: float = 0.0,
               tone: Tone = Tone.PLAIN) -> pygame.Surface:
        """The figure `name` (dreamer_REALM_ROLE, cadre, ethan) at `size` pixels: mirrored
        when it faces `left`, tilted by `lean` degrees (positive leans forward, rounded to
        LEAN_STEP, at most 12), coloured by `tone` (asleep figures lie down and never lean).
        """
        step = 0 if tone is Tone.ASLEEP else int(
            max(-_MAX_LEAN, min(_MAX_LEAN, round(lean / LEAN_STEP) * LEAN_STEP)))
        key = (name, size, left, step, tone)
        got = self._poses.get(key)
        if got is None:
            got = self._pose(name, size, left, step, tone)
            self._poses[key] = got
        return got

    def _pose(self, name: str, size: int, left: bool, lean: int, tone: Tone
              ) -> pygame.Surface:
        base = self._base.get((name, size))
        if base is None:
            base = self.sprite(name, size) or _primitive(name, size)
            if name.startswith("dreamer_"):
                base = _outlined(base, _INK, max(size // 25, 1))
            self._base[(name, size)] = base
        surf = base
        if tone is Tone.ASLEEP:
            surf = _tinted(surf, (92, 88, 124), 0.55)
            surf = pygame.transform.rotate(surf, 90 if not left else -90)
        elif tone is Tone.DISTORTED:
            surf = _tinted(surf, pal.CADRE_GLOW, 0.22)
        if left:
            surf = pygame.transform.flip(surf, True, False)
        if lean:
            # positive leans into the direction it faces
            surf = pygame.transform.rotozoom(surf, lean if left else -lean, 1.0)
        return _ready(surf)


def _ready(surf: pygame.Surface) -> pygame.Surface:
    return surf.convert_alpha() if pygame.display.get_surface() is not None else surf


def _outlined(surf: pygame.Surface, colour: Colour, width: int) -> pygame.Surface:
    """`surf` with a solid outline `width` pixels wide around its opaque body (so a
    figure reads on bright ground too); the glow is kept over the outline."""
    body = pygame.mask.from_surface(surf, 200)
    ink = body.to_surface(setcolor=(*colour, 255), unsetcolor=(0, 0, 0, 0))
    out = pygame.Surface(surf.get_size(), pygame.SRCALPHA)
    for dx in range(-width, width + 1):
        for dy in range(-width, width + 1):
            if (dx or dy) and dx * dx + dy * dy <= width * width + 1:
                out.blit(ink, (dx, dy))
    out.blit(surf, (0, 0))
    return out


def _tinted(surf: pygame.Surface, colour: Colour, amount: float) -> pygame.Surface:
    """A copy of `surf` with its colours moved `amount` of the way to `colour` (alpha kept)."""
    out = surf.copy()
    rgb = pygame.surfarray.pixels3d(out)
    mixed = rgb.astype(np.float32) * (1.0 - amount) + np.array(colour, np.float32) * amount
    rgb[...] = mixed.astype(np.uint8)
    del rgb
    return out


def _primitive(name: str, size: int) -> pygame.Surface:
    """A figure drawn with primitives when no sprite is shipped: a disc in the palette's
    colour of the realm, the cadre or Ethan, with a rim that reads on any ground."""
    surf = pygame.Surface((size, size), pygame.SRCALPHA)
    c = size // 2
    r = max(int(size * 0.3), 3)
    draw = pygame.draw
    if name.startswith("dreamer_"):
        realm = next((k for k, v in _REALMS.items() if name.split("_")[1] == v), 0)
        colour = pal.REALM_COLOURS.get(realm, pal.REALM_COLOURS[0])
        draw.circle(surf, (14, 10, 26), (c, c), r + 2)
        draw.circle(surf, colour, (c, c), r)
        draw.circle(surf, pal.REALM_LIGHT.get(realm, pal.REALM_LIGHT[0]),
                    (c - r // 3, c - r // 3), max(r // 3, 1))
        draw.circle(surf, (24, 18, 44), (c, c + r // 3), max(r // 4, 1))
    elif name == "ethan":
        draw.circle(surf, (6, 0, 8), (c, c), r + 3)
        draw.circle(surf, pal.ETHAN, (c, c), r + 1)
        draw.circle(surf, pal.ETHAN_ACCENT, (c, c), r + 1, max(size // 16, 2))
        k = max(r // 3, 2)
        draw.polygon(surf, pal.ETHAN_ACCENT, [(c, c - k), (c + k, c), (c, c + k), (c - k, c)])
    else:  # the cadre: a dark robe with a pale rim
        draw.circle(surf, pal.CADRE_RIM, (c, c), r + 2)
        draw.circle(surf, pal.CADRE, (c, c), r)
        eye = max(r // 3, 1)
        for dx in (-eye, eye):
            draw.circle(surf, pal.CADRE_GLOW, (c + dx, c - eye // 2), max(eye // 2, 1))
    return surf

