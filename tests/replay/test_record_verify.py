"""Recording a night and verifying it: equal when nothing changed; a changed input, level or
tileset is named; a file cut short verifies up to its cut; a room's roster changes, chat
and emotes replay as they happened."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest

from game.replay import (
    Control,
    LevelFile,
    PersonInput,
    Recorder,
    ReplayError,
    ReplayHeader,
    Seat,
    describe,
    verify,
)
from game.replay.format import Kind, ReplayReader
from game.replay.playback import Playback
from game.replay.summary import read_header
from game.sim.level import Level, Realm
from game.sim.roles import Role
from game.sim.world import World
from game.tmx import load_level
from tests.replay.conftest import blocks_of, play_a_room, turn_round, write_blocks


def test_a_recorded_bot_match_verifies_equal(recorded: tuple[Path, Path]) -> None:
    replay, level = recorded
    v = verify(replay, level=level)
    s = describe(replay)
    assert v.match and v.first_bad_tick is None and v.note == ""
    assert v.hash_recorded == v.hash_replayed
    assert s.end is not None and v.ticks == s.ticks == s.end.ticks == 360
    assert s.checkpoints == 12
    assert set(v.as_dict()) == {"hash_recorded", "hash_replayed", "match", "ticks", "seconds"}
    h = read_header(replay)
    assert (h.seed, h.bot_seed, h.hazard, h.started, h.checkpoint_every) == (
        5, 5, 3, 1_700_000_000, 30)
    assert [st.name for st in h.seats] == ["Dreamer 1", "Dreamer 2"]
    assert h.level.file == "tiny.tmx" and h.level.tilesets[0][0] == "t.tsx"


def test_one_changed_input_is_found_at_the_first_checkpoint_after_it(
        recorded: tuple[Path, Path], tmp_path: Path) -> None:
    replay, level = recorded
    version, blocks = blocks_of(replay)
    tick = turn_round(blocks)
    write_blocks(tmp_path / "changed.dlreplay", blocks, version)
    v = verify(tmp_path / "changed.dlreplay", level=level)
    assert not v.match
    assert v.first_bad_tick == math.ceil(tick / 30) * 30
    assert v.hash_recorded != v.hash_replayed
    assert v.as_dict()["first_bad_tick"] == v.first_bad_tick


def test_a_changed_level_file_or_tileset_is_refused_by_name(
        recorded: tuple[Path, Path], tmp_path: Path) -> None:
    replay, level = recorded
    moved = tmp_path / level.name
    shutil.copy(level, moved)
    shutil.copy(level.parent / "t.tsx", tmp_path / "t.tsx")
    assert verify(replay, level=moved).match
    moved.write_text(moved.read_text().replace('value="Tiny"', 'value="Tiny!"'))
    with pytest.raises(ReplayError, match=r"level tiny\.tmx has changed since the replay"):
        verify(replay, level=moved)
    shutil.copy(level, moved)
    (tmp_path / "t.tsx").write_text((tmp_path / "t.tsx").read_text() + "\n")
    with pytest.raises(ReplayError, match=r"tileset t\.tsx of level tiny\.tmx has changed"):
        verify(replay, level=moved)


def test_a_level_not_shipped_must_be_given(recorded: tuple[Path, Path]) -> None:
    with pytest.raises(ReplayError, match=r"level tiny\.tmx is not among the shipped levels"):
        verify(recorded[0])


def test_a_file_cut_in_half_verifies_up_to_the_cut(recorded: tuple[Path, Path],
                                                   tmp_path: Path) -> None:
    replay, level = recorded
    data = replay.read_bytes()
    cut = tmp_path / "cut.dlreplay"
    cut.write_bytes(data[: len(data) // 2])
    s = describe(cut)
    assert s.end is None and 0 < s.ticks < 360
    v = verify(cut, level=level)
    assert v.match and v.ticks == s.ticks and v.ticks % 30 == 0
    assert v.note == f"the file ends at tick {s.ticks}; verified up to there"
    assert v.as_dict()["note"] == v.note
    with cut.open("rb") as f:  # and it plays up to there
        pb = Playback(ReplayReader(f), load_level(level))
        while pb.step() is not None:
            pass
    assert pb.tick == s.ticks and pb.ended_early


def test_a_file_with_its_header_alone_verifies_the_start(recorded: tuple[Path, Path],
                                                         tmp_path: Path) -> None:
    replay, level = recorded
    version, blocks = blocks_of(replay)
    head = tmp_path / "head.dlreplay"
    write_blocks(head, blocks[:1], version)
    v = verify(head, level=level)
    assert v.match and v.ticks == 0
    assert v.note == "the file ends at tick 0; verified up to there"


def test_another_build_or_version_is_refused_unless_asked(recorded: tuple[Path, Path],
                                                          tmp_path: Path) -> None:
    replay, level = recorded
    version, blocks = blocks_of(replay)
    other = tmp_path / "other.dlreplay"
    blocks[0][0][1]["build"] = "0123456789abcdef"
    write_blocks(other, blocks, version)
    with pytest.raises(ReplayError, match=r"another build of Dreamlayer .* --any-build"):
        verify(other, level=level)
    assert verify(other, level=level, any_build=True).match
    blocks[0][0][1]["game_version"] = "0.0.1"
    write_blocks(other, blocks, version)
    with pytest.raises(ReplayError, match=r"recorded by Dreamlayer 0\.0\.1, this is"):
        verify(other, level=level)


def test_a_rooms_roster_changes_chat_and_emotes_replay_as_they_happened(
        tiny_level: tuple[Path, Level], tmp_path: Path) -> None:
    level_path, level = tiny_level
    final = play_a_room(level_path, level, tmp_path / "room.dlreplay")
    v = verify(tmp_path / "room.dlreplay", level=level_path)
    assert v.match and v.hash_replayed == final and v.ticks == 300
    s = describe(tmp_path / "room.dlreplay")
    assert (s.roster_changes, s.chat_lines, s.emotes) == (6, 2, 1)
    assert s.people == ("Ada", "Bo", "Cy", "Di")
    assert s.as_dict()["room"] == "ABCDE" and s.as_dict()["bots"] == 1
    with (tmp_path / "room.dlreplay").open("rb") as f:
        pb = Playback(ReplayReader(f), level)
        while pb.step() is not None:
            pass
    assert [(c.tick, c.name, c.text) for c in pb.chat] == [
        (40, "Bo", "where did Ada go?"), (230, "a spectator", "welcome, Di")]
    assert [(e.tick, e.name, e.emote) for e in pb.emotes] == [(100, "Ada", "together")]
    assert {pb.night.seats[did].name for did in pb.night.people} == {"Ada", "Cy", "Di"}


def test_a_roster_change_left_out_is_a_mismatch(tiny_level: tuple[Path, Level],
                                                tmp_path: Path) -> None:
    level_path, level = tiny_level
    play_a_room(level_path, level, tmp_path / "room.dlreplay")
    version, blocks = blocks_of(tmp_path / "room.dlreplay")
    for block in blocks[1:]:  # forget that a bot held Ada's seat at tick 40
        block[:] = [r for r in block if not (r[0] == Kind.SEAT and r[1] == 40)]
    write_blocks(tmp_path / "forgot.dlreplay", blocks, version)
    with pytest.raises(ReplayError, match="no input for dreamer 1 at tick 41"):
        verify(tmp_path / "forgot.dlreplay", level=level_path)


def test_the_recorder_refuses_misuse(tiny_level: tuple[Path, Level], tmp_path: Path) -> None:
    level_path, level = tiny_level
    world = World(level, 1)
    seat = Seat(world.add_dreamer(Realm.REST, Role.ARCHITECT), "P", Realm.REST,
                Role.ARCHITECT, Control.PERSON)
    header = ReplayHeader(level=LevelFile.of(level_path), seed=1, bot_seed=1, hazard=1,
                          seats=(seat,), start_hash=world.state_hash())
    with (tmp_path / "x.dlreplay").open("wb") as f:
        rec = Recorder(f, header)
        with pytest.raises(ValueError, match="once per tick, in order"):
            rec.people(2, {1: PersonInput.of((0, 0), (0, 0), 0, 0)})
        with pytest.raises(ValueError, match=r"got dreamers \[\]; the people's seats are \[1\]"):
            rec.people(1, {})
        rec.people(1, {1: PersonInput(0, 0, 0, 0, 0, 0)})
        with pytest.raises(ValueError, match="roster\\(\\) for tick 0, but the last tick"):
            rec.roster(0, seat)
        rec.people(2, {1: PersonInput(0, 0, 0, 0, 9, 0)})
        with pytest.raises(ValueError, match="dreamer 1: buttons 9 is out of range"):
            rec.checkpoint(2, world.state_hash())


def test_a_header_the_reader_would_refuse_is_not_written(tiny_level: tuple[Path, Level],
                                                         tmp_path: Path) -> None:
    level_path, _ = tiny_level
    seat = Seat(1, "x" * 65, Realm.REST, Role.ARCHITECT, Control.PERSON)
    header = ReplayHeader(level=LevelFile.of(level_path), seed=1, bot_seed=1, hazard=1,
                          seats=(seat,), start_hash="00" * 16)
    with (tmp_path / "x.dlreplay").open("wb") as f, \
            pytest.raises(ValueError, match=r"cannot be recorded: header\.seats.*longer than 64"):
        Recorder(f, header)
    assert (tmp_path / "x.dlreplay").stat().st_size == 0
