"""Seeking in a replay: the night a scrubber lands on, forwards or backwards, is the one a
straight re-simulation (the verifier's `Playback`) reaches at that tick, cell for cell and
hash for hash; checkpoints stay within their budget; the scout learns the whole night;
a file cut short plays to its cut; a changed input is seen where it first shows."""

from __future__ import annotations

import math
import zlib
from pathlib import Path

import numpy as np
import pymunk
import pytest

import game.replay.freeze as freeze_module
from game.replay.format import ReplayError, ReplayReader
from game.replay.freeze import Freezer
from game.replay.playback import Playback, open_level
from game.replay.scrub import MARKED, Checkpoints, Scrubber, Timeline
from game.replay.tape import Tape
from game.sim.events import Event
from game.sim.level import Level
from game.sim.motion import REBASE_TICKS as R
from game.tmx import load_level
from tests.replay.conftest import blocks_of, play_a_room, tiny_night, turn_round, write_blocks


def straight(replay: Path, level: Level, tick: int) -> tuple[bytes, bytes, str]:
    """(paint states, paint realms, state hash) of the night at `tick`, re-simulated from
    the start by the verifier's own playback."""
    with replay.open("rb") as f:
        pb = Playback(ReplayReader(f), level)
        while pb.tick < tick and pb.step() is not None:
            pass
        g = pb.world.grid
        return g.state.tobytes(), g.realm.tobytes(), pb.world.state_hash()


def landed(s: Scrubber) -> tuple[bytes, bytes, str]:
    g = s.night.world.grid
    return g.state.tobytes(), g.realm.tobytes(), s.night.world.state_hash()


def scrubber(replay: Path, level_path: Path, **kw: int) -> tuple[Scrubber, Level]:
    tape = Tape.read(replay)
    level = open_level(tape.header, level_path)
    return Scrubber(tape, level, **kw), level


def test_seeks_both_ways_land_on_the_straight_nights_grid(recorded: tuple[Path, Path]) -> None:
    replay, level_path = recorded
    s, level = scrubber(replay, level_path)
    for target in (200, 37, 359, 0, 301, 2 * R, 2 * R - 1, R + 1, R, 121):
        s.seek(target)
        assert s.tick == target
        assert landed(s) == straight(replay, level, target), target
    assert s.diverged_at is None


def test_stepping_after_a_seek_back_plays_the_same_night(recorded: tuple[Path, Path]) -> None:
    replay, level_path = recorded
    s, level = scrubber(replay, level_path)
    s.seek(R + 100)
    s.seek(R + 5)  # back: thawed from tick R, five ticks re-simulated
    for _ in range(40):
        assert s.step() is not None
    assert s.tick == R + 45 and landed(s) == straight(replay, level, R + 45)


def test_a_seek_back_replays_only_from_the_nearest_checkpoint(
        recorded: tuple[Path, Path]) -> None:
    replay, level_path = recorded
    s, _ = scrubber(replay, level_path)
    assert s.seek(R + 50) == R + 50  # nothing kept beyond tick 0 yet: all of it
    assert s.seek(R + 10) == 10  # from the checkpoint of tick R
    assert s.seek(R + 20) == 10  # forward from where it stands
    assert s.seek(R + 5) == 5
    assert s.seek(7) == 7  # from tick 0
    assert s.seek(R + 2) == 2  # from the checkpoint of tick R, nearer than tick 7


def test_seeks_across_roster_changes_land_on_the_straight_night(
        tiny_level: tuple[Path, Level], tmp_path: Path) -> None:
    """A room's night: a seat handed to bots and back, a newcomer, a dreamer leaving."""
    level_path, level = tiny_level
    replay = tmp_path / "room.dlreplay"
    play_a_room(level_path, level, replay)
    s, level = scrubber(replay, level_path)
    for target in (300, 45, 210, 99, 131, 101, 0, 231, 229, R + 1, R):
        s.seek(target)
        assert landed(s) == straight(replay, level, target), target
        assert {did: st.name for did, st in s.night.seats.items()} == seats_at(replay, level,
                                                                                target)
    assert s.diverged_at is None and s.at_end is False


def seats_at(replay: Path, level: Level, tick: int) -> dict[int, str]:
    with replay.open("rb") as f:
        pb = Playback(ReplayReader(f), level)
        while pb.tick < tick and pb.step() is not None:
            pass
        return {did: st.name for did, st in pb.night.seats.items()}


def test_checkpoints_keep_their_budget_and_seeks_stay_exact(
        recorded: tuple[Path, Path]) -> None:
    replay, level_path = recorded
    probe, _ = scrubber(replay, level_path)
    probe.seek(2 * R)
    size = {t: len(b) for t, b in probe.checkpoints.states.items()}
    # room for the checkpoints of ticks 0 and 2R (and some), not for R's as well
    budget = size[0] + size[2 * R] + size[R] // 2
    s, level = scrubber(replay, level_path, budget_bytes=budget)
    s.seek(359)
    cp = s.checkpoints
    assert cp.size <= cp.budget_bytes and cp.size == sum(map(len, cp.states.values()))
    assert sorted(cp.states) == [0, 2 * R] and cp.every == 2 * R  # R was dropped
    for target in (355, 1, 2 * R - 1, R + 1):
        s.seek(target)
        assert landed(s) == straight(replay, level, target)


def test_checkpoints_thin_out_evenly() -> None:
    cp = Checkpoints(every=R, budget_bytes=45)
    for t in range(0, 10 * R, R):
        if cp.due(t):
            cp.keep(t, b"x" * 10)
    assert sorted(cp.states) == [0, 4 * R, 8 * R] and cp.every == 4 * R and cp.size == 30
    assert cp.nearest(8 * R - 1) == 4 * R and cp.nearest(8 * R) == 8 * R
    assert cp.nearest(5) == 0
    for every in (0, R // 3, R + 10):  # a night freezes only where its physics is rebased
        with pytest.raises(ValueError, match=f"multiple of {R}"):
            Checkpoints(every=every)


@pytest.fixture(scope="module")
def marked(tmp_path_factory: pytest.TempPathFactory,
           tiny_level: tuple[Path, Level]) -> tuple[Path, Path]:
    """A tiny night with marked events (seed and hazard chosen for it: most tiny nights of
    12 seconds have none; if the bots change so that this one has none either, pick another
    seed)."""
    return tiny_night(tmp_path_factory, tiny_level, seed=5, hazard=5)


def test_the_scout_learns_the_whole_night(marked: tuple[Path, Path]) -> None:
    replay, level_path = marked
    s, level = scrubber(replay, level_path, sample_every=15)
    assert s.timeline.upto == 0 and s.timeline.meters and not s.timeline.over
    played = 0
    while (n := s.scout(50)) > 0:
        played += n
    assert s.scout(50) == 0
    tl = s.timeline
    assert tl.upto == s.last_tick == 360 and tl.over
    assert s.tape.end is not None and tl.outcome is s.tape.end.outcome
    assert len(tl.meters) == 360 // 15 + 1 and s.tick == 0  # the playhead stayed
    assert s.diverged_at is None and sorted(s.checkpoints.states) == list(range(0, 361, R))
    # the marks are the straight night's marked events, in order
    marks: list[tuple[int, int, int]] = []
    with replay.open("rb") as f:
        pb = Playback(ReplayReader(f), level)
        while (events := pb.step()) is not None:
            marks += [(pb.tick, int(e.kind), e.entity) for e in events if e.kind in MARKED]
    assert [(m.tick, int(m.kind), m.entity) for m in tl.marks] == marks
    assert marks  # this night has some (see the fixture)
    assert tl.meters_at(44) == tl.meters[2] and tl.meters_at(361) is None
    assert played >= 360


def test_the_playhead_and_the_scout_teach_each_tick_once(recorded: tuple[Path, Path]) -> None:
    replay, level_path = recorded
    s, _ = scrubber(replay, level_path)
    s.seek(R + 10)  # the playhead learns 1..R+10
    assert s.scout(20) == 20  # the scout starts from tick R: 10 ticks known, 10 new
    assert s.timeline.upto == R + 20
    s.seek(2 * R + 20)  # the playhead passes the scout
    s.scout(30)  # which starts again from tick 2R, re-learning nothing
    assert s.timeline.upto == 2 * R + 30 and len(s.timeline.meters) == (2 * R + 30) // 15 + 1
    ticks = [m.tick for m in s.timeline.marks]
    assert ticks == sorted(ticks)


def test_a_file_cut_short_plays_to_its_cut(recorded: tuple[Path, Path], tmp_path: Path) -> None:
    replay, level_path = recorded
    data = replay.read_bytes()
    cut = tmp_path / "cut.dlreplay"
    cut.write_bytes(data[: len(data) // 2])
    s, level = scrubber(cut, level_path)
    assert s.tape.end is None and 0 < s.last_tick < 360
    s.seek(10_000)
    assert s.tick == s.last_tick and s.at_end and s.night.world.running
    assert s.step() is None
    assert landed(s) == straight(replay, level, s.last_tick)


def test_a_changed_input_shows_at_the_first_checkpoint_after_it(
        recorded: tuple[Path, Path], tmp_path: Path) -> None:
    replay, level_path = recorded
    version, blocks = blocks_of(replay)
    tick = turn_round(blocks)
    changed = tmp_path / "changed.dlreplay"
    write_blocks(changed, blocks, version)
    s, _ = scrubber(changed, level_path)
    s.seek(tick - 1)
    assert s.diverged_at is None
    s.seek(360)
    assert s.diverged_at == (tick // 30 + 1) * 30


def test_a_frozen_night_thaws_into_the_same_night(recorded: tuple[Path, Path]) -> None:
    replay, level_path = recorded
    s, _ = scrubber(replay, level_path)
    s.seek(R)
    freezer = Freezer(s.night)
    copy = freezer.thaw(freezer.freeze(s.night))
    assert copy is not s.night and copy.world.state_hash() == s.night.world.state_hash()
    for _ in range(60):  # and both go on alike, bodies and bots included
        events: list[Event] = copy.step(s.tape.people_at(copy.world.tick + 1, copy.people))
        assert events == s.step()
    assert copy.world.state_hash() == s.night.world.state_hash()
    assert np.array_equal(copy.world.grid.state, s.night.world.grid.state)
    with pytest.raises(ValueError, match="not a frozen night"):
        freezer.thaw(b"nonsense")
    with pytest.raises(ValueError, match=f"tick {R + 60} is not a multiple of {R}"):
        freezer.freeze(s.night)


def test_a_frozen_night_holds_its_bodies_not_the_physics_space(
        recorded: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    replay, level_path = recorded
    s, _ = scrubber(replay, level_path)
    s.seek(R)
    freezer = Freezer(s.night)
    raw = zlib.decompress(freezer.freeze(s.night))
    assert b"pymunk" not in raw  # no space, shape or body of pymunk's is pickled
    copy = freezer.thaw(freezer.freeze(s.night))
    bodies = {m.body for m in [*copy.world.dreamers.values(), *copy.world.cadre.values()]}
    assert set(copy.world.space.bodies) - bodies == {
        b for b in copy.world.space.bodies if b.body_type == pymunk.Body.STATIC}
    # a forged body (bytes that came over the network) is refused, not built
    real = freeze_module._body_record
    monkeypatch.setattr(freeze_module, "_body_record",
                        lambda body, n: (*real(body, n)[:2], math.nan, *real(body, n)[3:]))
    with pytest.raises(ValueError, match=r"not a frozen night.*six finite numbers"):
        freezer.thaw(freezer.freeze(s.night))


def test_a_night_missing_an_input_is_refused_with_its_tick(
        tiny_level: tuple[Path, Level], tmp_path: Path) -> None:
    level_path, level = tiny_level
    replay = tmp_path / "room.dlreplay"
    play_a_room(level_path, level, replay)
    version, blocks = blocks_of(replay)
    for block in blocks[1:]:  # forget that a bot held Ada's seat at tick 40
        block[:] = [r for r in block if not (r[0] == 4 and r[1] == 40)]
    write_blocks(tmp_path / "forgot.dlreplay", blocks, version)
    s, _ = scrubber(tmp_path / "forgot.dlreplay", level_path)
    with pytest.raises(ReplayError, match="no input for dreamer 1 at tick 41"):
        s.seek(60)


def test_the_timeline_takes_its_ticks_in_order() -> None:
    tl = Timeline(sample_every=2)
    tl.record(0, (50.0, 50.0), [], tl.outcome)
    with pytest.raises(ValueError, match="tick 2 after tick 0"):
        tl.record(2, (50.0, 50.0), [], tl.outcome)
    with pytest.raises(ValueError):
        Timeline(sample_every=0)


def test_a_shipped_level_by_name(recorded: tuple[Path, Path]) -> None:
    """The tiny level is given by path; `load_level` and `open_level` agree on it."""
    replay, level_path = recorded
    tape = Tape.read(replay)
    assert open_level(tape.header, level_path).walls.shape == load_level(level_path).walls.shape
