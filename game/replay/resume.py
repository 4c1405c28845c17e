"""Taking up a night where its recording stops: how a room survives the crash of the
process that ran it.

A room's replay is written as the night goes (`game.replay.recorder`, a block at least
every second on a server), so the file of a night whose process died holds the night up to
its last whole block. `resume_night(path)` re-simulates it (the simulation is
deterministic: the same level, seed and inputs give the same world, bots included) to that
block's tick, applies the roster changes recorded after it, checks the state against the
file's checkpoints, and returns the night ready to go on, with where to cut the file so
that `Recorder.resume` appends to it: the finished file reads and verifies as one night.

Re-simulating a whole night costs a few percent of its length. A room under way therefore
also keeps a `Checkpoint` now and then: its whole night frozen (`game.replay.freeze`) at
a tick where the world rebased its physics, with the world's state hash then. Given one,
`resume_night` thaws it, checks it (its own hash, and the replay's recorded hash at that
tick when the file has one) and re-simulates only the ticks after it. A checkpoint that is
damaged, of another night, beyond the file's end, or whose night disagrees with the file
(at its tick or at a later recorded hash) is logged once and set aside: the night is then
re-simulated from its start, as without one.

Imports the replay's format, header, night, playback, recorder and freeze; msgpack (a
checkpoint's own bytes).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import msgpack

from game.replay.format import ReplayError, ReplayReader
from game.replay.freeze import Freezer
from game.replay.header import ReplayHeader, Seat
from game.replay.night import Night
from game.replay.playback import Playback, check_build, open_level
from game.replay.recorder import Recorder
from game.sim.level import Level

__all__ = ["Checkpoint", "CheckpointRefused", "Resumed", "continue_recording",
           "resume_night"]

log = logging.getLogger("dreamlayer.replays")

_CHECKPOINT_VERSION = 1
_MAX_CHECKPOINT = 16 << 20
"""bytes a checkpoint may have (the largest level's is about 40 KB)"""


class CheckpointRefused(ValueError):
    """A checkpoint that cannot be used for this night (the night is taken up without it)."""


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A night under way frozen at `tick` (`Freezer.freeze`), with the world's
    `state_hash()` then and the name of the replay file it belongs to."""

    replay: str
    tick: int
    state_hash: str
    data: bytes

    def to_bytes(self) -> bytes:
        """The checkpoint as one msgpack value (a file beside the room's card; Redis)."""
        return bytes(msgpack.packb([_CHECKPOINT_VERSION, self.replay, self.tick,
                                    bytes.fromhex(self.state_hash), self.data],
                                   use_bin_type=True))

    @classmethod
    def of_bytes(cls, raw: bytes) -> Checkpoint:
        """The checkpoint `to_bytes` wrote; CheckpointRefused for anything else."""
        if len(raw) > _MAX_CHECKPOINT:
            raise CheckpointRefused(f"{len(raw)} bytes: more than a checkpoint has")
        try:
            version, replay, tick, digest, data = msgpack.unpackb(raw, raw=False)
        except (ValueError, TypeError, msgpack.UnpackException) as e:
            raise CheckpointRefused(f"not a checkpoint ({e})") from None
        if version != _CHECKPOINT_VERSION or type(replay) is not str \
                or type(tick) is not int or tick < 0 or type(digest) is not bytes \
                or type(data) is not bytes:
            raise CheckpointRefused(f"not a version-{_CHECKPOINT_VERSION} checkpoint")
        return cls(replay, tick, digest.hex(), data)


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
    resimulated: int = 0
    """the ticks played to get here (from the checkpoint's tick, or from the start)"""
    checkpoint: int | None = None
    """the tick of the checkpoint it went on from (None: re-simulated from the start)"""

    @property
    def seats(self) -> dict[int, Seat]:
        return dict(self.night.seats)


def resume_night(path: str | Path, level: Level | None = None,
                 checkpoint: Checkpoint | None = None) -> Resumed:
    """Re-simulate the replay at `path` up to its last whole block (see the module
    docstring), from `checkpoint` when one is given and it holds. `level` is the level it
    was recorded on (default: the shipped level of the recorded file name, checked against
    the recorded fingerprint).

    Raises ReplayError if the file is not a replay this build can play, its night has
    ended (an END record: nothing to take up), or the re-simulated world disagrees with
    the file's checkpoints; OSError if it cannot be read. A checkpoint that does not hold
    is logged (once, here) and not used."""
    if checkpoint is not None:
        try:
            return _resume(path, level, checkpoint)
        except CheckpointRefused as e:
            log.warning("replay %s: its checkpoint of tick %d is not used (%s); the night is "
                        "re-simulated from its start", Path(path).name, checkpoint.tick, e)
    return _resume(path, level, None)


def _resume(path: str | Path, level: Level | None, checkpoint: Checkpoint | None) -> Resumed:
    with open(path, "rb") as f:
        reader = ReplayReader(f)
        check_build(reader.header)
        lv = level if level is not None else open_level(reader.header)
        playback = Playback(reader, lv, keep_talk=False)
        start = 0
        if checkpoint is not None:
            _go_on_from(playback, checkpoint, Path(path).name)
            start = checkpoint.tick
        world = playback.world
        every = reader.header.checkpoint_every
        reached: dict[int, str] = {}
        while playback.step() is not None:
            if world.tick % every == 0:
                reached[world.tick] = world.state_hash()
        for tick in sorted(playback.checkpoints):
            if tick in reached and playback.checkpoints[tick] != reached[tick]:
                if checkpoint is not None:
                    raise CheckpointRefused(f"the night played on from it disagrees with "
                                            f"the replay at tick {tick}")
                raise ReplayError(f"the night re-simulates differently by tick {tick}: it "
                                  "cannot be taken up")
        if reader.end is not None or not world.running:
            raise ReplayError("the night in this replay has ended: there is nothing to "
                              "take up")
        playback.settle()
        return Resumed(playback.night, reader.header, playback.tick, reader.whole_bytes,
                       playback.tick - start, checkpoint.tick if checkpoint else None)


def _go_on_from(playback: Playback, checkpoint: Checkpoint, name: str) -> None:
    """Thaw `checkpoint` into `playback`'s night; CheckpointRefused if it does not hold."""
    if checkpoint.replay != name:
        raise CheckpointRefused(f"it is replay {checkpoint.replay!r}'s")
    try:
        night = Freezer(playback.night).thaw(checkpoint.data)
    except ValueError as e:
        raise CheckpointRefused(str(e)) from None
    tick = night.world.tick
    if tick != checkpoint.tick:
        raise CheckpointRefused(f"it holds tick {tick}, not {checkpoint.tick}")
    if night.world.state_hash() != checkpoint.state_hash:
        raise CheckpointRefused("its world does not match its own state hash")
    try:
        playback.go_on_from(night)
    except ReplayError as e:
        raise CheckpointRefused(str(e)) from None
    recorded = playback.checkpoints.get(tick)
    if recorded is not None and recorded != checkpoint.state_hash:
        raise CheckpointRefused(f"its world disagrees with the replay's at tick {tick}")


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
