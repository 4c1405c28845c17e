"""A level as the simulation needs it: walls, districts, markers and properties.

`Level` is plain, immutable data. Reading it from a Tiled map is `game.tmx`'s job; the
simulation never touches a file. Cell coordinates are (column, row); pixel coordinates are
cell * `cell_size`.

Imports numpy only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from functools import cached_property

import numpy as np
import numpy.typing as npt

__all__ = ["DistrictKind", "Level", "Marker", "Realm"]


class Realm(IntEnum):
    """Where a dreamer sleeps. The values are stored in the paint grid's realm layer."""

    SANCTUARY = 1
    REST = 2

    @property
    def other(self) -> Realm:
        return Realm.REST if self is Realm.SANCTUARY else Realm.SANCTUARY

    @property
    def title(self) -> str:
        return "Sleep Sanctuary" if self is Realm.SANCTUARY else "Rest Zone"


class DistrictKind(IntEnum):
    """Who a district belongs to. Commons nightmare drains both meters (at a lower weight)."""

    SANCTUARY = 1
    REST = 2
    COMMONS = 3


@dataclass(frozen=True, slots=True)
class Marker:
    """A point of interest placed by the level designer, in pixels."""

    kind: str
    x: float
    y: float
    name: str = ""
    realm: Realm | None = None
    strength: float = 1.0
    opens: float = 0.0
    """for a rift: the fraction of the night after which it opens (0: open from the start)"""


@dataclass(frozen=True)
class Level:
    """One retreat's map.

    `walls` and `districts` are (rows, columns) arrays of the map's size: `walls` is
    boolean, `districts` holds a `DistrictKind` value per cell (walls included, ignored).
    """

    name: str
    title: str
    width: int
    height: int
    cell_size: int
    walls: npt.NDArray[np.bool_]
    districts: npt.NDArray[np.uint8]
    spawns: tuple[Marker, ...]
    rifts: tuple[Marker, ...]
    cadre_entries: tuple[Marker, ...]
    ethan_entry: Marker | None
    night_seconds: int = 360
    hazard: int = 1
    cadre_arrival: float = 0.4
    ethan_arrival: float = 0.35
    order: int = 0
    goal: str = ""
    story_before: str = ""
    story_after: str = ""
    source: str = field(default="", compare=False)

    @property
    def pixel_width(self) -> int:
        return self.width * self.cell_size

    @property
    def pixel_height(self) -> int:
        return self.height * self.cell_size

    @property
    def has_ethan(self) -> bool:
        return self.ethan_entry is not None

    @cached_property
    def district_labels(self) -> tuple[npt.NDArray[np.int16], npt.NDArray[np.uint8]]:
        """Each 4-connected region of one district kind (walls excluded) gets its own id.

        Returns the id grid (rows, columns; 0 for walls) and the DistrictKind of each id
        (index 0 unused). Computed once per level and kept: every world of the level
        shares it (a flood fill in Python takes tens of milliseconds on a large map).
        Read-only arrays.
        """
        h, w = self.height, self.width
        ids = np.zeros((h, w), dtype=np.int16)
        kinds: list[int] = [0]
        src = self.districts
        floor = ~self.walls
        for y0 in range(h):
            for x0 in range(w):
                if not floor[y0, x0] or ids[y0, x0]:
                    continue
                kind = int(src[y0, x0])
                kinds.append(kind)
                label = len(kinds) - 1
                ids[y0, x0] = label
                stack = [(y0, x0)]
                while stack:
                    y, x = stack.pop()
                    for ny, nx in ((y - 1, x), (y + 1, x), (y, x - 1), (y, x + 1)):
                        if (0 <= ny < h and 0 <= nx < w and floor[ny, nx]
                                and not ids[ny, nx] and src[ny, nx] == kind):
                            ids[ny, nx] = label
                            stack.append((ny, nx))
        ids.flags.writeable = False
        out = np.array(kinds, dtype=np.uint8)
        out.flags.writeable = False
        return ids, out

    def spawns_for(self, realm: Realm) -> tuple[Marker, ...]:
        """Spawn points of `realm`, falling back to the unmarked ones, then to all."""
        own = tuple(m for m in self.spawns if m.realm is realm)
        if own:
            return own
        free = tuple(m for m in self.spawns if m.realm is None)
        return free or self.spawns
