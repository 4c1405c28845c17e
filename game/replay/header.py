"""What a replay says about its night before the first tick: the header, its seats, the
level file it was played on, and the build that recorded it.

`ReplayHeader` is plain data. `LevelFile.of(path)` fingerprints a level (the .tmx bytes
and every tileset it names, since district kinds live in the tileset); `build_digest()`
fingerprints the code a re-simulation depends on, so a replay is refused by a build that
would not re-simulate it bit for bit.

Imports game.sim (Realm, Role) and the standard library only.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import NamedTuple
from xml.etree import ElementTree as ET

from game.sim.level import Realm
from game.sim.roles import Role

__all__ = ["Control", "LevelFile", "ReplayHeader", "Seat", "build_digest", "game_version"]


class Control(IntEnum):
    """Who plays a seat from now on."""

    PERSON = 0
    """a person: the replay holds its inputs"""
    BOT = 1
    """an ally bot (`BotCrew.add_ally`; every handover starts a fresh bot)"""
    GONE = 2
    """the dreamer has left the dream (`World.remove_dreamer`)"""
    COMPANION = 3
    """a companion ally bot (`BotCrew.add_ally(companion=True)`: a seat no player took)"""


class Seat(NamedTuple):
    """A dreamer's seat: in the lineup at the start, or as it is after a roster change."""

    dreamer: int
    """the dreamer's entity id in the world"""
    name: str
    realm: Realm
    role: Role
    control: Control


class LevelFile(NamedTuple):
    """A level's file name and the SHA-256 of its bytes and of each tileset it names."""

    name: str
    """the level's name (the file's stem)"""
    file: str
    """the file's name, without its folder (a replay does not carry the host's paths)"""
    sha256: str
    tilesets: tuple[tuple[str, str], ...] = ()
    """(source as the map names it, SHA-256) for each external tileset"""

    @classmethod
    def of(cls, path: str | Path) -> LevelFile:
        """Fingerprint a level file. Raises OSError if it or a tileset cannot be read, and
        ValueError if it is not XML (game.tmx names the problem better: load it first)."""
        path = Path(path)
        data = path.read_bytes()
        try:
            root = ET.fromstring(data)
        except ET.ParseError as e:
            raise ValueError(f"{path}: not a readable TMX file ({e})") from None
        tilesets = []
        for ts in root.findall("tileset"):
            src = ts.get("source")
            if src is not None:
                tilesets.append((src, _sha256((path.parent / src).read_bytes())))
        return cls(path.stem, path.name, _sha256(data), tuple(tilesets))


@dataclass(frozen=True, slots=True)
class ReplayHeader:
    """Everything needed to rebuild a night's world before its first tick.

    The world is `World(level, seed, hazard=hazard, night_seconds=night_seconds)` with the
    default tuning, its bot crew `BotCrew(world, bot_seed)`, then each of `seats` in order
    (dreamer ids must come out as listed). `start_hash` is the world's state hash then.
    """

    level: LevelFile
    seed: int
    hazard: int
    seats: tuple[Seat, ...]
    start_hash: str
    bot_seed: int
    night_seconds: int | None = None
    """None: the level's own night"""
    started: int = 0
    """Unix time (seconds) the night began: for listing replays, never for the simulation"""
    room: str = ""
    """the room's code, or "" (a headless match)"""
    checkpoint_every: int = 90
    """ticks between two checkpoint hashes; a block of the file ends at each, so a crash
    loses at most this many ticks (90: 3 seconds)"""
    tick_rate: int = 30
    game_version: str = ""
    build: str = ""

    def __post_init__(self) -> None:
        if not self.game_version:
            object.__setattr__(self, "game_version", game_version())
        if not self.build:
            object.__setattr__(self, "build", build_digest())


def game_version() -> str:
    """The installed dreamlayer's version (package metadata), or "unknown"."""
    try:
        return importlib.metadata.version("dreamlayer")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


_GAME = Path(__file__).resolve().parents[1]
_BUILD_SOURCES = ("sim/*.py", "bots/*.py", "tmx.py", "net/records.py", "replay/inputs.py",
                  "replay/night.py")
"""what a re-simulation runs: the simulation, the bots, the level reader, the input codec
and the way a replay seats its dreamers"""


@functools.cache
def build_digest() -> str:
    """A short digest of the code and libraries a re-simulation depends on (see
    `_BUILD_SOURCES`, plus the pymunk and numpy versions). Two builds with the same digest
    re-simulate a replay identically; a different one may not."""
    import numpy
    import pymunk

    h = hashlib.sha256()
    for pattern in _BUILD_SOURCES:
        for f in sorted(_GAME.glob(pattern)):
            h.update(f.relative_to(_GAME).as_posix().encode())
            h.update(f.read_bytes())
    h.update(f"pymunk {pymunk.version} numpy {numpy.__version__}".encode())
    return h.hexdigest()[:16]


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
