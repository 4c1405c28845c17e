"""Taking up a night where its recording stops: how a room survives the crash of the
process that ran it.

A room's replay is written as the night goes (`game.replay.recorder`, a block at least
every second on a server), so the file of a night whose process died holds the night up to
its last whole block. `resume_night(path)` re-simulates it (the simulation is
deterministic: the same level, seed and inputs give the same world, bots included) to that
block's tick, applies the roster changes recorded after it, checks the state against the
file's last checkpoint, and returns the night ready to go on, with where to cut the file
so that `Recorder.resume` appends to it: the finished file reads and verifies as one night.

Imports the replay's format, header, night, playback and recorder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from game.replay.format import ReplayError, ReplayReader
from game.replay.header import ReplayHeader, Seat
from game.replay.night import Night
from game.replay.playback import Playback, check_build, open_level
from game.replay.recorder import Recorder
from game.sim.level import Level

__all__ = ["Resumed", "continue_recording", "resume_night"]


@dataclass(frozen=True, slots=True)
class Resumed:
    """A night re-simulated up to where its file stops."""

    night: Night
    """the world and its bot crew at `tick`, seated as the file last said"""
    header: ReplayHeader
    tick: int
    """the last tick the file holds whole"""
    whole_bytes: int
    """the file's length up to its last whole block (anything after is a cut-off block)"""

    @property
    def seats(self) -> dict[int, Seat]:
        return dict(self.night.seats)


def resume_night(path: str | Path, level: Level | None = None) -> Resumed:
    """Re-simulate the replay at `path` up to its last whole block (see the module
    docstring). `level` is the level it was recorded on (default: the shipped level of
    the recorded file name, checked against the recorded fingerprint).

    Raises ReplayError if the file is not a replay this build can play, its night has
    ended (an END record: nothing to take up), or the re-simulated world disagrees with
    the file's last checkpoint; OSError if it cannot be read."""
    with open(path, "rb") as f:
        reader = ReplayReader(f)
        check_build(reader.header)
        lv = level if level is not None else open_level(reader.header)
        playback = Playback(reader, lv, keep_talk=False)
        world = playback.world
        every = reader.header.checkpoint_every
        reached: dict[int, str] = {}
        while playback.step() is not None:
            if world.tick % every == 0:
                reached[world.tick] = world.state_hash()
        for tick in sorted(playback.checkpoints):
            if tick in reached and playback.checkpoints[tick] != reached[tick]:
                raise ReplayError(f"the night re-simulates differently by tick {tick}: it "
                                  "cannot be taken up")
        if reader.end is not None or not world.running:
            raise ReplayError("the night in this replay has ended: there is nothing to "
                              "take up")
        playback.settle()
        return Resumed(playback.night, reader.header, playback.tick, reader.whole_bytes)


def continue_recording(path: str | Path, resumed: Resumed, *,
                       flush_every: int = 30) -> tuple[Recorder, BinaryIO]:
    """Open the replay at `path` for appending where `resumed` stops: the cut-off block
    (if any) is cut away, and a `Recorder` continues the night from `resumed.tick`.
    Returns the recorder and the open file (the caller closes it). Raises OSError."""
    stream = open(path, "r+b")  # noqa: SIM115  (the caller owns the open file)
    try:
        stream.truncate(resumed.whole_bytes)
        stream.seek(resumed.whole_bytes, os.SEEK_SET)
        rec = Recorder.resume(stream, resumed.header, resumed.tick, resumed.night.seats,
                              flush_every=flush_every)
    except BaseException:
        stream.close()
        raise
    return rec, stream
