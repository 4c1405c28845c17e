"""Watching a replay at any point: play forward, seek both ways, and learn the night's
shape (its meters and events) for a timeline. The viewer's logic, without drawing.

`Scrubber(tape, level)` holds the night at the playhead (`night`, its world at `tick`).
`step()` plays one tick; `seek(tick)` jumps: it thaws the nearest kept checkpoint at or
before the target (or goes on from where it stands, when that is nearer) and re-simulates
the ticks in between, so the state it lands on is the state a straight re-simulation
reaches, bit for bit. `scout(n)` explores up to `n` ticks beyond what is known, on a
second night, so the timeline fills ahead of the playhead.

Whichever night first plays a tick beyond what is known teaches it to the `Timeline`
(both meters every `sample_every` ticks, the marked events, the outcome) and, every
`every` ticks, freezes a checkpoint (`game.replay.freeze`); where the file recorded a
state hash for that tick, it is compared, and `diverged_at` names the first tick that
does not match (the replay does not play back as it was recorded).

Checkpoints can only be taken where the world rebases its physics (every
`motion.REBASE_TICKS`, 150 ticks: 5 s of night; see game.replay.freeze), so that is their
spacing by default, and a seek re-simulates at most one spacing of ticks after one thaw.
The memory bound: each checkpoint takes about 40 KB on the largest level (4 dreamers),
4 MB for its 7-minute night; they are kept within `budget_bytes` (32 MB by default): over
it, every other one is dropped (tick 0 stays) and the spacing doubles, so a 2-hour night
still fits at the cost of slower seeks.

Imports numpy-free pieces of game.sim and the replay's tape, night and freeze; never
pygame.
"""

from __future__ import annotations

from typing import NamedTuple

from game.replay.format import ReplayError
from game.replay.freeze import Freezer
from game.replay.night import Night, SeatingError
from game.replay.tape import Tape
from game.sim.events import Event, EventKind, Outcome
from game.sim.level import Level, Realm
from game.sim.motion import REBASE_TICKS

__all__ = ["DEFAULT_BUDGET", "MARKED", "Checkpoints", "Mark", "Scrubber", "Timeline"]

DEFAULT_BUDGET = 32 << 20
"""bytes of checkpoints a scrubber keeps at most"""

MARKED = frozenset({EventKind.RIFT_SEALED, EventKind.AWAKENED, EventKind.ASLEEP,
                    EventKind.ETHAN_ARRIVED, EventKind.ETHAN_DRIVEN_OUT})
"""the events a timeline marks: rifts sealed, cadre awakened, dreamers asleep, and Ethan
coming and going"""


class Mark(NamedTuple):
    """A marked event: when, what, where (world pixels) and whose."""

    tick: int
    kind: EventKind
    x: float
    y: float
    entity: int


class Timeline:
    """What is known of the night so far, for a timeline bar: ticks 0..`upto`."""

    def __init__(self, sample_every: int = 15) -> None:
        if sample_every < 1:
            raise ValueError(f"sample_every must be at least 1, got {sample_every}")
        self.sample_every = sample_every
        self.meters: list[tuple[float, float]] = []
        """(Sanctuary, Rest Zone) unity, 0..100, at ticks 0, sample_every, 2 * sample_every,
        ... up to `upto`"""
        self.marks: list[Mark] = []
        """every marked event up to `upto`, in order"""
        self.upto = -1
        """the last tick known (-1: nothing yet)"""
        self.outcome = Outcome.RUNNING
        """how the night ended, once a known tick ended it"""

    @property
    def over(self) -> bool:
        """The night's end is known."""
        return self.outcome is not Outcome.RUNNING

    def record(self, tick: int, meters: tuple[float, float], events: list[Event],
               outcome: Outcome) -> None:
        """Learn tick `tick` (the one after `upto`): the meters after it, its events, and
        where the night stands. ValueError for a tick out of order."""
        if tick != self.upto + 1:
            raise ValueError(f"record(): tick {tick} after tick {self.upto}")
        self.upto = tick
        if tick % self.sample_every == 0:
            self.meters.append(meters)
        self.marks += [Mark(tick, e.kind, e.x, e.y, e.entity) for e in events
                       if e.kind in MARKED]
        self.outcome = outcome

    def meters_at(self, tick: int) -> tuple[float, float] | None:
        """The meters sampled at or just before `tick`, if known."""
        if tick < 0 or tick > self.upto or not self.meters:
            return None
        return self.meters[min(tick // self.sample_every, len(self.meters) - 1)]


class Checkpoints:
    """Frozen night states by tick, within a memory budget (see the module docstring)."""

    def __init__(self, every: int = REBASE_TICKS, budget_bytes: int = DEFAULT_BUDGET) -> None:
        if every < 1 or every % REBASE_TICKS or budget_bytes < 1:
            raise ValueError(f"every must be a positive multiple of {REBASE_TICKS} (the "
                             f"ticks a night can be frozen at) and budget_bytes positive, "
                             f"got {every}, {budget_bytes}")
        self.every = every
        self.budget_bytes = budget_bytes
        self.states: dict[int, bytes] = {}
        self.size = 0
        """bytes kept"""

    def due(self, tick: int) -> bool:
        return tick % self.every == 0 and tick not in self.states

    def keep(self, tick: int, state: bytes) -> None:
        """Keep `state` as tick `tick`'s, then thin out to the budget."""
        old = self.states.get(tick)
        self.size += len(state) - (len(old) if old is not None else 0)
        self.states[tick] = state
        while self.size > self.budget_bytes and len(self.states) > 1:
            self.every *= 2
            for t in [t for t in self.states if t % self.every and t != 0]:
                self.size -= len(self.states.pop(t))

    def nearest(self, tick: int) -> int:
        """The latest kept tick at or before `tick` (0 is always kept)."""
        return max(t for t in self.states if t <= tick)


class Scrubber:
    """A replay's night at a playhead that moves both ways (see the module docstring)."""

    def __init__(self, tape: Tape, level: Level, *, every: int = REBASE_TICKS,
                 budget_bytes: int = DEFAULT_BUDGET, sample_every: int = 15) -> None:
        """Raises ReplayError if the lineup does not fit the level's world. Checking the
        build and the level is the caller's (`playback.check_build`, `open_level`)."""
        self.tape = tape
        try:
            night = Night(level, tape.header)
        except SeatingError as e:
            raise ReplayError(f"the lineup does not fit: {e}") from None
        self.night = night
        self.freezer = Freezer(night)
        self.timeline = Timeline(sample_every)
        self.checkpoints = Checkpoints(every, budget_bytes)
        self.events: list[Event] = []
        """the events of the last tick `step()` played (none after a seek)"""
        self.diverged_at: int | None = None
        """the first tick whose recorded state hash the re-simulation missed (0: the
        start), or None"""
        if night.world.state_hash() != tape.header.start_hash:
            self.diverged_at = 0
        self._scout: Night | None = None
        self._learn(night, [])

    # ------------------------------------------------------------------ where it stands
    @property
    def tick(self) -> int:
        return self.night.world.tick

    @property
    def last_tick(self) -> int:
        """The last tick the replay reaches (its night's end, or where the file ends)."""
        return self.tape.last_tick

    @property
    def at_end(self) -> bool:
        """The playhead can go no further: the night is over, or the file ends here."""
        return not self.night.world.running or self.tick >= self.last_tick

    # ------------------------------------------------------------------ moving
    def step(self) -> list[Event] | None:
        """Play the next tick; its events, or None at the end (see `at_end`). Raises
        ReplayError for a file that does not hold what the night needs."""
        events = self._advance(self.night)
        if events is not None:
            self.events = events
        return events

    def seek(self, tick: int) -> int:
        """Move the playhead to `tick` (clamped to 0..last_tick; short of it if the night
        ended sooner). Returns how many ticks were re-simulated. Raises ReplayError as
        `step()` does."""
        target = min(max(tick, 0), self.last_tick)
        start = self.checkpoints.nearest(target)
        if not start <= self.tick <= target:
            self.night = self.freezer.thaw(self.checkpoints.states[start])
        played = 0
        while self.tick < target and self._advance(self.night) is not None:
            played += 1
        self.events = []
        return played

    def scout(self, ticks: int) -> int:
        """Play up to `ticks` ticks on the scout's own night to learn the night beyond the
        timeline's `upto`; returns the ticks played (0 once the whole night is known)."""
        timeline = self.timeline
        played = 0
        while played < ticks:
            if timeline.over or timeline.upto >= self.last_tick:
                self._scout = None
                break
            scout = self._scout
            newest = self.checkpoints.nearest(timeline.upto)
            if scout is None or scout.world.tick < newest:  # a nearer start to go on from
                scout = self._scout = self.freezer.thaw(self.checkpoints.states[newest])
            if self._advance(scout) is None:
                self._scout = None
                break
            played += 1
        return played

    # ------------------------------------------------------------------ the tick
    def _advance(self, night: Night) -> list[Event] | None:
        """One tick of `night`, as the room played it; learnt if it is new."""
        world = night.world
        tick = world.tick
        if not world.running or tick >= self.last_tick:
            return None
        for seat in self.tape.seats_after(tick):
            try:
                night.seat(seat)
            except SeatingError as e:
                raise ReplayError(f"after tick {tick}: {e}") from None
        events = night.step(self.tape.people_at(tick + 1, night.people))
        if world.tick == self.timeline.upto + 1:
            self._learn(night, events)
        return events

    def _learn(self, night: Night, events: list[Event]) -> None:
        world = night.world
        tick = world.tick
        meters = (world.meters[Realm.SANCTUARY].value, world.meters[Realm.REST].value)
        self.timeline.record(tick, meters, events, world.outcome)
        if self.checkpoints.due(tick):
            self.checkpoints.keep(tick, self.freezer.freeze(night))
        end = self.tape.end
        recorded = self.tape.checkpoints.get(tick)
        if recorded is None and end is not None and tick == end.ticks:
            recorded = end.state_hash
        if self.diverged_at is None and recorded is not None \
                and world.state_hash() != recorded:
            self.diverged_at = tick
