"""Name labels that do not pile up: `place_labels` puts each label above its owner, stacks
it higher when that spot is taken (or puts it under its owner's feet), keeps it on the
clear part of the screen, and leaves it out when no spot is free. Pure geometry,
so the rule is tested without a screen.

Imports nothing from pygame or the game (rectangles are (x, y, w, h) tuples).
"""

from __future__ import annotations

from collections.abc import Sequence

from game.client.layout import Rect

__all__ = ["overlaps", "place_labels"]

_GAP = 2


def overlaps(a: Rect, b: Rect) -> bool:
    """Whether two rectangles share any pixel (touching edges do not)."""
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and \
        b[1] < a[1] + a[3]


def place_labels(wanted: Sequence[Rect], *, keep: int = 0, tiers: int = 3,
                 bounds: Rect | None = None, below: Sequence[Rect | None] = (),
                 taken: Sequence[Rect] = ()) -> list[Rect | None]:
    """Where to draw each label: `wanted[i]` is label i's rectangle at its own spot (above
    its owner), in priority order.

    Each label takes the first free spot of: its own, then stacked one label height
    higher each time (`tiers` spots in all), then `below[i]` (under its owner's feet)
    when given. A spot is free when it overlaps no label placed before it and nothing in
    `taken` (say, your own figure). With `bounds`, spots are first slid across to lie
    inside them, and spots still outside are not used. A label with no free spot is left
    out (None). The first `keep` labels (give them first: your own name) are always
    drawn, at their first spot inside `bounds`, even over others. No two returned
    rectangles overlap, except among the kept ones, and none but a kept one overlaps
    `taken`.
    """
    placed: list[Rect] = list(taken)
    out: list[Rect | None] = []
    for i, (x, y, w, h) in enumerate(wanted):
        spots = [(x, y - tier * (h + _GAP), w, h) for tier in range(max(tiers, 1))]
        extra = below[i] if i < len(below) else None
        if extra is not None:
            spots.append(extra)
        if bounds is not None:
            spots = [r for r in (_slid(r, bounds) for r in spots) if _inside(r, bounds)]
        spot = next((r for r in spots
                     if i < keep or not any(overlaps(r, p) for p in placed)), None)
        if spot is None and i < keep:
            spot = spots[0] if spots else (x, y, w, h)
        if spot is not None:
            placed.append(spot)
        out.append(spot)
    return out


def _slid(r: Rect, b: Rect) -> Rect:
    """`r` moved across (not up or down) to lie inside `b` where it fits."""
    x = min(max(r[0], b[0]), b[0] + b[2] - r[2])
    return (x, r[1], r[2], r[3])


def _inside(r: Rect, b: Rect) -> bool:
    return r[0] >= b[0] and r[1] >= b[1] and r[0] + r[2] <= b[0] + b[2] and \
        r[1] + r[3] <= b[1] + b[3]
