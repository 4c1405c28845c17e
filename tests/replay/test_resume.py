"""Taking up a night where its recording stops (a room whose process crashed): the file's
night re-simulated to its last whole block, then recorded on, reads and verifies as one."""

from __future__ import annotations

import logging
import os
import pickle
import shutil
from pathlib import Path

import msgpack
import pytest

from game.replay.format import Kind, ReplayError
from game.replay.freeze import Freezer, pack
from game.replay.header import Control
from game.replay.headless import StandInMatch
from game.replay.inputs import PersonInput
from game.replay.resume import (
    Checkpoint,
    CheckpointRefused,
    continue_recording,
    resume_night,
)
from game.replay.verify import verify
from game.sim.level import Level
from tests.replay.conftest import blocks_of, turn_round, write_blocks


def _crash_after(level: Level, path: Path, ticks: int, flush_every: int,
                 hashes: dict[int, str], freeze_at: int = -1) -> Checkpoint | None:
    """A stand-in match recorded to `path` that plays `ticks` ticks and is left unclosed,
    as a crash leaves it; `hashes` gets the world's state hash after every tick. Returns
    the night frozen after tick `freeze_at` as a room keeps it (None: not reached)."""
    f = path.open("wb")
    match = StandInMatch(level, 2, 11, f, hazard=3, checkpoint_every=90)
    match.recorder._flush_every = flush_every  # as a server's recorder writes
    frozen = None
    for _ in range(ticks):
        match.play_tick()
        world = match.night.world
        hashes[world.tick] = world.state_hash()
        if world.tick == freeze_at:
            frozen = Checkpoint(path.name, world.tick, world.state_hash(),
                                Freezer(match.night).freeze(match.night))
    f.flush()
    return frozen


def test_a_night_cut_by_a_crash_is_taken_up_at_its_last_whole_block(
        tiny_level: tuple[Path, Level], tmp_path: Path) -> None:
    level = tiny_level[1]
    path = tmp_path / "crashed.dlreplay"
    hashes: dict[int, str] = {}
    _crash_after(level, path, 200, 30, hashes)
    with path.open("ab") as f:  # a block the crash cut off half-way
        f.write(b"\x40\x00\x00\x00\x12\x34\x56\x78half a blo")
    resumed = resume_night(path, level)
    assert resumed.tick == 180  # blocks of 30 ticks; ticks 181-200 were still in memory
    assert resumed.night.world.state_hash() == hashes[180]
    assert {s.control for s in resumed.seats.values()} == {Control.PERSON}
    assert resumed.whole_bytes < path.stat().st_size


def test_a_taken_up_night_recorded_to_its_end_verifies_as_one(
        tiny_level: tuple[Path, Level], tmp_path: Path) -> None:
    level_path, level = tiny_level
    path = tmp_path / "crashed.dlreplay"
    _crash_after(level, path, 130, 30, {})
    resumed = resume_night(path, level)
    rec, stream = continue_recording(path, resumed)
    night, world = resumed.night, resumed.night.world
    with stream:
        # the room that takes it up: its players are away, ally bots play their seats
        for seat in resumed.seats.values():
            night.seat(seat._replace(control=Control.BOT))
            rec.roster(world.tick, seat._replace(control=Control.BOT))
        while world.running:
            if world.tick == 200:  # a player comes back with the token
                back = resumed.seats[1]._replace(control=Control.PERSON)
                night.seat(back)
                rec.roster(world.tick, back)
            people = {did: PersonInput.of((1.0, 0.0), (0.0, 1.0), 0, 40)
                      for did in night.people}
            night.step(people)
            rec.people(world.tick, people)
            if rec.checkpoint_due(world.tick):
                rec.checkpoint(world.tick, world.state_hash())
        s = world.summary()
        rec.end(s.outcome, s.ticks, s.state_hash)
    v = verify(path, level=level_path)
    assert v.match and not v.note
    assert v.ticks == s.ticks == world.night_ticks
    assert v.hash_replayed == s.state_hash


def test_a_night_that_ended_has_nothing_to_take_up(recorded: tuple[Path, Path],
                                                   tiny_level: tuple[Path, Level]) -> None:
    with pytest.raises(ReplayError, match="has ended"):
        resume_night(recorded[0], tiny_level[1])


def test_a_file_that_disagrees_with_its_checkpoint_is_not_taken_up(
        tiny_level: tuple[Path, Level], tmp_path: Path) -> None:
    level = tiny_level[1]
    path = tmp_path / "crashed.dlreplay"
    _crash_after(level, path, 200, 30, {})
    version, blocks = blocks_of(path)
    turn_round(blocks, after=5)
    write_blocks(tmp_path / "changed.dlreplay", blocks, version)
    with pytest.raises(ReplayError, match="re-simulates differently by tick 90"):
        resume_night(tmp_path / "changed.dlreplay", level)
    shutil.copy(path, tmp_path / "same.dlreplay")
    assert resume_night(tmp_path / "same.dlreplay", level).tick == 180


def test_the_recorder_writes_a_block_every_flush_interval(
        tiny_level: tuple[Path, Level], tmp_path: Path) -> None:
    path = tmp_path / "n.dlreplay"
    _crash_after(tiny_level[1], path, 95, 30, {})
    _, blocks = blocks_of(path)
    assert [b[0][1] for b in blocks[1:]] == [30, 60, 90]
    # the checkpoint of tick 90 ends the block of tick 90 (where verifying looks for it)
    assert [r[:2] for r in blocks[3] if r[0] == Kind.CHECKPOINT] == [[Kind.CHECKPOINT, 90]]


# ---------------------------------------------------------------------------- checkpoints
def _crash_with_checkpoint(level: Level, path: Path, ticks: int, at: int,
                           hashes: dict[int, str]) -> Checkpoint:
    """`_crash_after` (blocks of 30 ticks), with the night frozen after tick `at`."""
    frozen = _crash_after(level, path, ticks, 30, hashes, freeze_at=at)
    assert frozen is not None
    return frozen


def test_a_checkpoint_spares_re_simulating_the_night_before_it(
        tiny_level: tuple[Path, Level], tmp_path: Path) -> None:
    level = tiny_level[1]
    path = tmp_path / "crashed.dlreplay"
    hashes: dict[int, str] = {}
    frozen = _crash_with_checkpoint(level, path, 200, 150, hashes)
    resumed = resume_night(path, level, frozen)
    assert (resumed.tick, resumed.checkpoint, resumed.resimulated) == (180, 150, 30)
    assert resumed.night.world.state_hash() == hashes[180]
    whole = resume_night(path, level)
    assert (whole.checkpoint, whole.resimulated) == (None, 180)
    # and the night goes on from the checkpoint's world as from the whole re-simulation
    for night in (resumed.night, whole.night):
        for _ in range(100):
            night.step({did: PersonInput.of((1.0, 0.0), (0.0, 1.0), 0, 40)
                        for did in night.people})
    assert resumed.night.world.state_hash() == whole.night.world.state_hash()
    assert Checkpoint.of_bytes(frozen.to_bytes()) == frozen


def _spoilt(frozen: Checkpoint, how: str) -> Checkpoint:
    if how == "damaged":
        data = bytearray(frozen.data)
        data[len(data) // 2] ^= 0xFF
        return Checkpoint(frozen.replay, frozen.tick, frozen.state_hash, bytes(data))
    if how == "hash":
        return Checkpoint(frozen.replay, frozen.tick, "00" * 32, frozen.data)
    if how == "other night":
        return Checkpoint("other.dlreplay", frozen.tick, frozen.state_hash, frozen.data)
    if how == "a pickle that runs code":
        evil = pickle.dumps(os.system)
        return Checkpoint(frozen.replay, frozen.tick, frozen.state_hash, pack(evil))
    raise AssertionError(how)


@pytest.mark.parametrize("how", ["damaged", "hash", "other night", "a pickle that runs code"])
def test_a_checkpoint_that_does_not_hold_is_logged_once_and_the_night_re_simulated(
        tiny_level: tuple[Path, Level], tmp_path: Path, how: str,
        caplog: pytest.LogCaptureFixture) -> None:
    level = tiny_level[1]
    path = tmp_path / "crashed.dlreplay"
    hashes: dict[int, str] = {}
    frozen = _crash_with_checkpoint(level, path, 200, 150, hashes)
    with caplog.at_level(logging.WARNING, "dreamlayer.replays"):
        resumed = resume_night(path, level, _spoilt(frozen, how))
    assert (resumed.tick, resumed.checkpoint, resumed.resimulated) == (180, None, 180)
    assert resumed.night.world.state_hash() == hashes[180]
    assert len(caplog.records) == 1 and "re-simulated from its start" in caplog.text


def test_a_checkpoint_beyond_the_files_end_is_not_used(
        tiny_level: tuple[Path, Level], tmp_path: Path) -> None:
    level = tiny_level[1]
    path = tmp_path / "crashed.dlreplay"
    frozen = _crash_with_checkpoint(level, path, 170, 150, {})  # whole blocks to tick 150
    assert resume_night(path, level, frozen).resimulated == 0
    cut = tmp_path / "cut.dlreplay"
    _crash_after(level, cut, 149, 30, {})  # the file's whole blocks end at tick 120
    later = Checkpoint(cut.name, frozen.tick, frozen.state_hash, frozen.data)
    resumed = resume_night(cut, level, later)
    assert (resumed.tick, resumed.checkpoint) == (120, None)


@pytest.mark.parametrize("raw", [b"", b"\xc1", msgpack.packb([2, "x", 1, b"", b""]),
                                 msgpack.packb([1, "x", -1, b"", b""])])
def test_bytes_that_are_not_a_checkpoint_are_refused(raw: bytes) -> None:
    with pytest.raises(CheckpointRefused):
        Checkpoint.of_bytes(raw)
