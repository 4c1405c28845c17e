"""The recorder a match runner calls: it writes a night's replay as the night is played.

How a room records a night (the room owns the world, the crew and the file; every call
takes the world's tick *after* the step it follows, see game.replay.format):

    header = ReplayHeader(level=LevelFile.of(level.source), seed=seed, bot_seed=seed,
                          hazard=hazard, night_seconds=world.night_ticks // TICK_RATE,
                          seats=lineup, start_hash=world.state_hash(),
                          started=int(time.time()), room=code)
    rec = Recorder(file, header)                 # writes the header at once
    # each tick:
    intents = crew.decide(world, events)
    people = {}
    for each connected person:                   # exactly what the room applies:
        inp = PersonInput.of(p.move, p.aim, p.buttons, p.ping)  # or STILL, last.coasting()
        intents[dreamer] = inp.intent()
        people[dreamer] = inp
    events = world.step(intents)
    rec.people(world.tick, people)               # every tick, every person's seat
    if rec.checkpoint_due(world.tick):
        rec.checkpoint(world.tick, world.state_hash())   # ends a block: written, flushed
    # between ticks, whenever the room changes the roster:
    rec.roster(world.tick, Seat(dreamer, name, realm, role, Control.BOT))   # add_ally
    rec.roster(world.tick, Seat(..., Control.PERSON))    # remove_ally (reclaim, newcomer)
    rec.roster(world.tick, Seat(new_id, ..., Control.PERSON))   # world.add_dreamer
    rec.chat(world.tick, dreamer, name, text); rec.emote(world.tick, dreamer, name)
    # at the end:
    rec.end(summary.outcome, summary.ticks, summary.state_hash)
    # or, if the room closes mid-match: rec.close() (the file then ends early; it still
    # plays and verifies up to its last checkpoint)

The night's length goes in the header as the world has it (a room may play a level whose
night was changed in memory: the file's own would not re-simulate). `roster()` mirrors
the room's own calls one for one: each `crew.add_ally` is a BOT seat
(even for a seat a bot already plays: the crew starts a fresh bot), each `remove_ally` a
PERSON seat, each `world.add_dreamer` a new seat, `world.remove_dreamer` GONE. The header's
`seats` are the lineup once the room has seated everyone before the first tick.

The recorder never touches the world or a clock; misuse (a tick out of order, a person's
seat left out of `people`, a value out of range) raises ValueError: the caller should log
it once and stop recording rather than stop the match. The file is the caller's: the
recorder writes and flushes it, never closes it.

Imports the replay's format, header and inputs, and game.sim's events.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, BinaryIO

from game.replay.format import (
    BlockWriter,
    Kind,
    PeopleSegment,
    ReplayError,
    check_header,
    people_records,
)
from game.replay.header import Control, ReplayHeader, Seat
from game.replay.inputs import PersonInput
from game.sim.events import Outcome

__all__ = ["Recorder"]

_MAX_PENDING = 512
"""roster, chat and emote records that end a block early (a chat flood)"""
_MAX_BLOCK_TICKS = 300
"""ticks that end a block even without a checkpoint"""


class Recorder:
    """Writes one night's replay to `stream` (see the module docstring for the calls)."""

    def __init__(self, stream: BinaryIO, header: ReplayHeader, *,
                 flush_every: int = _MAX_BLOCK_TICKS, _resume_at: int | None = None,
                 _seats: tuple[Seat, ...] = ()) -> None:
        """Write the header now. `flush_every` (ticks, 1..300) bounds how long inputs wait
        in memory before their block is written: what a crash of the process can lose.
        Raises ValueError for a header the format cannot hold, OSError if the stream cannot
        be written. (`Recorder.resume` continues a file instead.)"""
        if not 1 <= header.checkpoint_every <= _MAX_BLOCK_TICKS:
            raise ValueError(f"checkpoint_every must be 1..{_MAX_BLOCK_TICKS}, "
                             f"got {header.checkpoint_every}")
        if not 1 <= flush_every <= _MAX_BLOCK_TICKS:
            raise ValueError(f"flush_every must be 1..{_MAX_BLOCK_TICKS}, got {flush_every}")
        try:  # what is written must read back: the reader's own checks
            check_header(header)
        except ReplayError as e:
            raise ValueError(f"this header cannot be recorded: {e}") from None
        self.header = header
        self._writer = BlockWriter(stream, header if _resume_at is None else None)
        self._every = header.checkpoint_every
        self._flush_every = flush_every
        self._tick = _resume_at or 0
        self._block_start = self._tick
        self._seats: dict[int, Control] = {}
        self._people: set[int] = set()
        """the seats people play"""
        self._segment = PeopleSegment(1, (), 0, [])
        """the inputs since the people's seats last changed or the block began"""
        self._order: tuple[int, ...] = ()
        self._flat: list[int] = []
        self._segments: list[PeopleSegment] = []
        self._records: list[list[Any]] = []
        self._ended = False
        for seat in (header.seats if _resume_at is None else _seats):
            self._seat(seat, self._tick + 1)

    @classmethod
    def resume(cls, stream: BinaryIO, header: ReplayHeader, tick: int,
               seats: Mapping[int, Seat], *, flush_every: int = _MAX_BLOCK_TICKS) -> Recorder:
        """Continue a replay whose recording was cut short (its process crashed): `stream`
        stands just after the file's last whole block (`ReplayReader.whole_bytes`, the rest
        cut off), which ends at `tick`; `seats` are every dreamer's seat as they are after
        that block (`Night.seats`, once its roster changes of `tick` are applied). The next
        call is `people(tick + 1, ...)` or a roster change of `tick`; the file then reads
        and verifies as one night."""
        return cls(stream, header, flush_every=flush_every, _resume_at=tick,
                   _seats=tuple(seats.values()))

    @property
    def bytes_written(self) -> int:
        return self._writer.bytes_written

    @property
    def tick(self) -> int:
        """The last tick given to `people()`."""
        return self._tick

    # ---------------------------------------------------------------- each tick
    def people(self, tick: int, inputs: Mapping[int, PersonInput]) -> None:
        """The people's inputs the room applied in the step that made the world's tick
        `tick`: one for every seat a person plays, every tick (an empty mapping when
        nobody does). Raises ValueError for a tick out of turn or the wrong seats."""
        if tick != self._tick + 1 or self._ended:
            raise ValueError(f"people() for tick {tick} after tick {self._tick}"
                             f"{' and the end' if self._ended else ''}: once per tick, "
                             "in order")
        if inputs.keys() != self._people:
            raise ValueError(f"people() at tick {tick} got dreamers {sorted(inputs)}; the "
                             f"people's seats are {sorted(self._people)}")
        self._tick = tick
        flat = self._flat
        for did in self._order:
            flat.extend(inputs[did])
        if tick - self._block_start >= self._flush_every and tick % self._every:
            self._flush()  # (a checkpoint due now ends the block itself, holding its hash)

    def checkpoint_due(self, tick: int) -> bool:
        """Whether `checkpoint()` is wanted after the step that made tick `tick`."""
        return tick % self._every == 0

    def checkpoint(self, tick: int, state_hash: str) -> None:
        """The world's `state_hash()` at `tick` (the tick of the last `people()`): ends
        the block, which is written and flushed now."""
        self._now(tick, "checkpoint")
        self._records.append([Kind.CHECKPOINT, tick, bytes.fromhex(state_hash)])
        self._flush()

    # ---------------------------------------------------------------- between ticks
    def roster(self, tick: int, seat: Seat) -> None:
        """A roster change the room made after tick `tick` (see the module docstring)."""
        self._now(tick, "roster")
        if seat.dreamer not in self._seats and seat.control is Control.GONE:
            raise ValueError(f"dreamer {seat.dreamer} leaves without having joined")
        self._records.append([Kind.SEAT, tick, seat.dreamer, seat.name[:64], int(seat.realm),
                              int(seat.role), int(seat.control)])
        self._seat(seat, tick + 1)
        self._maybe_flush()

    def chat(self, tick: int, dreamer: int, name: str, text: str) -> None:
        """A chat line said after tick `tick` (dreamer 0: a spectator)."""
        self._now(tick, "chat")
        self._records.append([Kind.CHAT, tick, dreamer, name[:64], text[:1000]])
        self._maybe_flush()

    def emote(self, tick: int, dreamer: int, name: str, emote: str = "together") -> None:
        """An emote made after tick `tick`."""
        self._now(tick, "emote")
        self._records.append([Kind.EMOTE, tick, dreamer, name[:64], emote[:32]])
        self._maybe_flush()

    # ---------------------------------------------------------------- the end
    def end(self, outcome: Outcome, ticks: int, final_hash: str) -> None:
        """The night is over after `ticks` (the last `people()` tick) with `outcome`;
        writes the last block with the END record. Nothing may be recorded after."""
        self._now(ticks, "end")
        if outcome is Outcome.RUNNING:
            raise ValueError("end() takes how the night ended; a night cut short is close()d")
        self._records.append([Kind.END, ticks, int(outcome), bytes.fromhex(final_hash)])
        self._flush()
        self._ended = True

    def close(self) -> None:
        """Write what is pending without an END (a night cut short): the file then ends
        early and plays up to its last checkpoint."""
        if not self._ended:
            self._flush()
            self._ended = True

    # ---------------------------------------------------------------- inside
    def _now(self, tick: int, what: str) -> None:
        if self._ended:
            raise ValueError(f"{what}() after the replay ended")
        if tick != self._tick:
            raise ValueError(f"{what}() for tick {tick}, but the last tick played is "
                             f"{self._tick}")

    def _seat(self, seat: Seat, next_tick: int) -> None:
        self._seats[seat.dreamer] = seat.control
        if seat.control is Control.PERSON:
            self._people.add(seat.dreamer)
        else:
            self._people.discard(seat.dreamer)
        self._cut(next_tick)

    def _cut(self, next_tick: int) -> None:
        """Close the inputs so far into a segment: the people's seats change, or a block
        ends."""
        seg = self._segment
        ticks = self._tick + 1 - seg.first
        if ticks > 0 and self._order:
            self._segments.append(seg._replace(ticks=ticks))
        self._order = tuple(sorted(self._people))
        self._flat = []
        self._segment = PeopleSegment(next_tick, self._order, 0, self._flat)

    def _maybe_flush(self) -> None:
        if len(self._records) >= _MAX_PENDING:
            self._flush()

    def _flush(self) -> None:
        self._cut(self._tick + 1)
        people = people_records(self._segments)
        self._writer.write([[Kind.BLOCK, self._tick], *people, *self._records])
        self._segments = []
        self._records = []
        self._block_start = self._tick
