"""A headless bot match recorded as if its dreamers were people: `dreamlayer simulate
--record`, the replay tests and the replay bench.

Each dreamer's seat is a person's in the replay; an ally bot of a separate stand-in crew
plays it, and its intents go through `PersonInput` as a person's INPUT does on a server.
So the night is the one a room with those players would record (the cadre's crew never
sees the stand-ins), and its state hash can differ from `bot_match`'s for the same seed,
whose bots' intents are not rounded.

Imports game.sim, game.bots, game.match (the lineup) and the replay's recorder, night,
header and inputs.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import BinaryIO

from game.bots.crew import BotCrew
from game.match import lineup
from game.replay.header import Control, LevelFile, ReplayHeader, Seat
from game.replay.inputs import PersonInput
from game.replay.night import Night
from game.replay.recorder import Recorder
from game.sim.level import Level
from game.sim.world import MatchSummary

__all__ = ["StandInMatch", "record_bot_match"]


class StandInMatch:
    """A bot match under way, recorded as if its dreamers were people: `play_tick()` until
    `running` is False, then `finish()`. `record_bot_match` plays one whole; the replay
    bench reads `recording_seconds` against the world's steps."""

    def __init__(self, level: Level, dreamers: int, seed: int, stream: BinaryIO, *,
                 hazard: int = 1, night_seconds: int | None = None, started: int = 0,
                 checkpoint_every: int = 90) -> None:
        """See `record_bot_match`."""
        if not 1 <= dreamers <= 8:
            raise ValueError(f"dreamers must be 1..8, got {dreamers}")
        if not level.source:
            raise ValueError(f"level {level.name} was not read from a file: a replay names "
                             "its level file")
        seats = tuple(Seat(k + 1, f"Dreamer {k + 1}", realm, role, Control.PERSON)
                      for k, (realm, role) in enumerate(lineup(dreamers)))
        header = ReplayHeader(level=LevelFile.of(Path(level.source)), seed=seed,
                              bot_seed=seed, hazard=hazard, seats=seats, start_hash="",
                              night_seconds=night_seconds, started=started,
                              checkpoint_every=checkpoint_every)
        self.night = night = Night(level, header)
        header = dataclasses.replace(header, start_hash=night.world.state_hash())
        self.stand_ins = BotCrew(night.world, seed)
        for st in seats:
            self.stand_ins.add_ally(st.dreamer)
        self.recorder = Recorder(stream, header)
        self.recording_seconds = 0.0
        """time spent in the recorder's calls and the checkpoints' state hashes"""

    @property
    def running(self) -> bool:
        return self.night.world.running

    def play_tick(self) -> None:
        night, world, rec = self.night, self.night.world, self.recorder
        wanted = self.stand_ins.decide(world, night.events)
        people = {did: PersonInput.of_intent(wanted[did]) for did in night.people}
        night.step(people)
        t0 = time.perf_counter()
        rec.people(world.tick, people)
        if rec.checkpoint_due(world.tick):
            rec.checkpoint(world.tick, world.state_hash())
        self.recording_seconds += time.perf_counter() - t0

    def finish(self) -> MatchSummary:
        """Write the END record; returns the match's summary."""
        summary = self.night.world.summary()
        t0 = time.perf_counter()
        self.recorder.end(summary.outcome, summary.ticks, summary.state_hash)
        self.recording_seconds += time.perf_counter() - t0
        return summary


def record_bot_match(level: Level, dreamers: int, seed: int, stream: BinaryIO, *,
                     hazard: int = 1, night_seconds: int | None = None, started: int = 0,
                     checkpoint_every: int = 90) -> MatchSummary:
    """Play one match to its end with `dreamers` stand-in bots against the cadre and
    record it to `stream`; returns the match's summary.

    `level` must have been read from a file (`level.source`). Raises ValueError for fewer
    than 1 or more than 8 dreamers, a bad hazard or a level without a file; OSError if the
    level file or the stream cannot be read or written.
    """
    match = StandInMatch(level, dreamers, seed, stream, hazard=hazard,
                         night_seconds=night_seconds, started=started,
                         checkpoint_every=checkpoint_every)
    while match.running:
        match.play_tick()
    return match.finish()
