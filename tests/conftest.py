"""Shared test helpers: small levels drawn as text, so a test shows its own map; and a
temporary user data folder for every test."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Sequence

import numpy as np
import pytest

from game.sim.level import DistrictKind, Level, Marker, Realm
from game.sim.tuning import Tuning
from game.sim.world import World

_KINDS = {".": DistrictKind.COMMONS, "S": DistrictKind.SANCTUARY, "R": DistrictKind.REST,
          "#": DistrictKind.COMMONS}


def level_from(rows: Sequence[str], *, rifts: Sequence[tuple[int, int]] = ((30, 30),),
               spawns: Sequence[tuple[int, int, Realm]] = (),
               entries: Sequence[tuple[int, int]] = ((2, 2),),
               ethan: tuple[int, int] | None = None, night_seconds: int = 60,
               cell: int = 8, cadre_arrival: float = 0.5, name: str = "test") -> Level:
    """A level from text rows ('#' wall, '.' commons, 'S' sanctuary, 'R' rest zone).

    Markers are given in cells and placed at cell centres.
    """
    h, w = len(rows), len(rows[0])
    walls = np.array([[c == "#" for c in r] for r in rows], dtype=bool)
    districts = np.array([[_KINDS[c] for c in r] for r in rows], dtype=np.uint8)

    def at(cx: int, cy: int) -> tuple[float, float]:
        return (cx + 0.5) * cell, (cy + 0.5) * cell

    spawn_markers = tuple(Marker("spawn", *at(x, y), realm=r) for x, y, r in spawns) or (
        Marker("spawn", *at(4, 4), realm=Realm.SANCTUARY),
        Marker("spawn", *at(8, 4), realm=Realm.REST),
    )
    return Level(
        name=name, title="Test", width=w, height=h, cell_size=cell, walls=walls,
        districts=districts, spawns=spawn_markers,
        rifts=tuple(Marker("rift", *at(x, y)) for x, y in rifts),
        cadre_entries=tuple(Marker("cadre_entry", *at(x, y)) for x, y in entries),
        ethan_entry=Marker("ethan_entry", *at(*ethan)) if ethan else None,
        night_seconds=night_seconds, cadre_arrival=cadre_arrival,
    )


def open_rows(w: int = 64, h: int = 48, fill: str = ".") -> list[str]:
    """An open field with a wall border."""
    return ["#" * w] + ["#" + fill * (w - 2) + "#" for _ in range(h - 2)] + ["#" * w]


QUIET = Tuning(spread_unformed=0.0, spread_dream=0.0, rift_surge_period=10**6)
"""Rules with no nightmare spreading and no surges: for exact numbers."""


@pytest.fixture
def paint_history(monkeypatch: pytest.MonkeyPatch) -> dict[int, np.ndarray]:
    """The server's paint codes after every tick, by tick (a spy on ChunkClock.note)."""
    from game.net.snapshot import ChunkClock

    history: dict[int, np.ndarray] = {}
    note = ChunkClock.note

    def spy(self: ChunkClock, world: World) -> None:
        note(self, world)
        history[world.tick] = self.codes.copy()

    monkeypatch.setattr(ChunkClock, "note", spy)
    return history


@pytest.fixture
def field() -> Level:
    return level_from(open_rows())


@pytest.fixture
def quiet_world(field: Level) -> World:
    return World(field, seed=1, tuning=QUIET)


@pytest.fixture(autouse=True, scope="session")
def _data_dir() -> Iterator[None]:
    """Every test's user data folder (replays a host records by default) is a temporary
    one, never the user's own."""
    before = os.environ.get("DREAMLAYER_DATA_DIR")
    with tempfile.TemporaryDirectory(prefix="dreamlayer-data-") as d:
        os.environ["DREAMLAYER_DATA_DIR"] = d
        yield
    if before is None:
        os.environ.pop("DREAMLAYER_DATA_DIR", None)
    else:
        os.environ["DREAMLAYER_DATA_DIR"] = before
