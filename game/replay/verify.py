"""Verifying a replay: re-simulate it headless as fast as it goes and compare the state
hashes it recorded (the start, every checkpoint, the end) with the ones the re-simulation
reaches.

`verify(path)` refuses (ReplayError) a file that is not a replay, is damaged, comes from
another version or build, or was recorded on a level file that has changed since; any
other file gets a `Verdict`. A file that ends early is verified up to its last
checkpoint and says so in `note`.

Imports the replay's playback, summary and format.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from game.replay.format import ReplayError, ReplayReader
from game.replay.playback import Playback, check_build, open_level
from game.replay.summary import describe

__all__ = ["Verdict", "verify"]


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of re-simulating a replay."""

    hash_recorded: str
    """the file's last word: its final state hash, or its last checkpoint's if it ends
    early"""
    hash_replayed: str
    """the re-simulation's state hash at the same tick"""
    match: bool
    """every recorded hash was reached"""
    ticks: int
    """the tick the two hashes above belong to"""
    seconds: float
    """wall-clock seconds the verification took"""
    first_bad_tick: int | None = None
    """on a mismatch: the first tick whose recorded hash differs (0: the start; a
    checkpoint's tick; or the end's)"""
    note: str = ""
    """why fewer ticks were verified than the night had (a file that ends early)"""

    def as_dict(self) -> dict[str, Any]:
        """The JSON of `dreamlayer replay PATH --verify --json`."""
        out: dict[str, Any] = {"hash_recorded": self.hash_recorded,
                               "hash_replayed": self.hash_replayed, "match": self.match,
                               "ticks": self.ticks, "seconds": round(self.seconds, 3)}
        if not self.match:
            out["first_bad_tick"] = self.first_bad_tick
        if self.note:
            out["note"] = self.note
        return out


def verify(path: str | Path, level: str | Path | None = None,
           any_build: bool = False) -> Verdict:
    """Re-simulate the replay at `path` and compare (see the module docstring). `level`
    is the level file to use instead of the shipped one of the recorded name;
    `any_build` tries a replay from another version or build instead of refusing it.

    Raises ReplayError for a file it refuses.
    """
    t0 = time.perf_counter()
    describe(path)  # a damaged block is refused before the first tick is played
    with Path(path).open("rb") as f:
        reader = ReplayReader(f)
        header = reader.header
        if not any_build:
            check_build(header)
        pb = Playback(reader, open_level(header, level), keep_talk=False)
        world = pb.world
        first_bad = None if pb.start_hash == header.start_hash else 0
        last = (0, header.start_hash, pb.start_hash)
        while pb.step() is not None:
            recorded = pb.checkpoints.pop(pb.tick, None)
            if recorded is not None:
                replayed = world.state_hash()
                last = (pb.tick, recorded, replayed)
                if replayed != recorded and first_bad is None:
                    first_bad = pb.tick
        pb.read_rest()
        # a checkpoint the re-simulation never reached: its night ended sooner
        if pb.first_unreached is not None and first_bad is None:
            first_bad = pb.first_unreached
        end = reader.end
        note = ""
        if end is not None:
            ticks, recorded, replayed = end.ticks, end.state_hash, world.state_hash()
            if (replayed != recorded or world.tick != end.ticks) and first_bad is None:
                first_bad = end.ticks
        else:
            ticks, recorded, replayed = last
            note = (f"the file ends at tick {pb.loaded_upto}; verified up to there"
                    if ticks == pb.loaded_upto else
                    f"the file ends at tick {pb.loaded_upto}; verified up to its last "
                    f"checkpoint, tick {ticks}")
    return Verdict(recorded, replayed, first_bad is None, ticks, time.perf_counter() - t0,
                   first_bad, note)


__all__ += ["ReplayError"]
