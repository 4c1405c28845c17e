"""Name labels that do not pile up: `place_labels` puts each label above its owner, stacks
it higher when that spot is taken, and leaves it out when no spot is free. Pure geometry,
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
                 bounds: Rect | None = None) -> list[Rect | None]:
    """Where to draw each label: `wanted[i]` is label i's rectangle at its own spot (above
    its owner), in priority order. Each label takes the first of `tiers` spots (its own,
    then stacked one label height higher each time) that overlaps no label placed before
    it and lies inside `bounds` (when given); a label with no free spot is left out (None).
    The first `keep` labels are always drawn, at their first spot inside `bounds`, even
    over others (give them first: your own name). No two returned rectangles overlap,
    except among the kept ones.
    """
    placed: list[Rect] = []
    out: list[Rect | None] = []
    for i, (x, y, w, h) in enumerate(wanted):
        spot: Rect | None = None
        for tier in range(max(tiers, 1)):
            r = (x, y - tier * (h + _GAP), w, h)
            if bounds is not None and not _inside(r, bounds):
                continue
            if i < keep or not any(overlaps(r, p) for p in placed):
                spot = r
                break
        if spot is None and i < keep:
            spot = (x, y, w, h)
        if spot is not None:
            placed.append(spot)
        out.append(spot)
    return out


def _inside(r: Rect, b: Rect) -> bool:
    return r[0] >= b[0] and r[1] >= b[1] and r[0] + r[2] <= b[0] + b[2] and \
        r[1] + r[3] <= b[1] + b[3]
