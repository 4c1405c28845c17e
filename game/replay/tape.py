"""A whole replay read into memory, indexed by tick: what a viewer needs to play a night
from any point (verifying streams the file instead, see `playback`).

`Tape.read(path)` reads every block once (a damaged file is refused with its
`ReplayError`; a file that ends early is fine and plays up to `last_tick`). Then
`people_at(tick, dreamers)` gives the people's inputs of a tick and `seats_after(tick)`
the roster changes made after it, in any order of ticks: a night re-simulated from a
checkpoint asks for the same inputs again. A 7-minute night of 4 people holds about
12600 x 4 rows of six small numbers.

Imports numpy and the replay's format, header and inputs.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from game.replay.format import ChatLine, Emote, End, ReplayError, ReplayReader
from game.replay.header import ReplayHeader, Seat
from game.replay.inputs import PersonInput

__all__ = ["Tape"]


@dataclass
class _Runs:
    """One dreamer's inputs: runs of consecutive ticks, in order of their first tick."""

    firsts: list[int] = field(default_factory=list)
    values: list[npt.NDArray[np.int16]] = field(default_factory=list)

    def add(self, first: int, values: npt.NDArray[np.int64]) -> None:
        rows = values.astype(np.int16)  # every PersonInput field fits (aims are +-2048)
        if self.firsts and self.firsts[-1] + len(self.values[-1]) == first:
            self.values[-1] = np.concatenate([self.values[-1], rows])
        else:
            self.firsts.append(first)
            self.values.append(rows)

    def at(self, tick: int) -> PersonInput | None:
        k = bisect.bisect_right(self.firsts, tick) - 1
        if k < 0:
            return None
        row = tick - self.firsts[k]
        if row >= len(self.values[k]):
            return None
        return PersonInput(*(int(v) for v in self.values[k][row]))


@dataclass
class Tape:
    """Everything a replay holds after its header, by tick (see the module docstring)."""

    header: ReplayHeader
    end: End | None
    """None: the file ends early"""
    upto: int
    """the file's inputs are known up to this tick"""
    chat: list[ChatLine]
    emotes: list[Emote]
    checkpoints: dict[int, str]
    """tick -> the state hash recorded there"""
    _seats: dict[int, list[Seat]]
    _people: dict[int, _Runs]

    @classmethod
    def read(cls, path: str | Path) -> Tape:
        """Read the replay at `path`. Raises ReplayError for a file that cannot be opened,
        is not a replay or is damaged."""
        p = Path(path)
        try:
            stream = p.open("rb")
        except OSError as e:
            raise ReplayError(f"cannot open the file ({e.strerror})") from None
        with stream:
            reader = ReplayReader(stream)
            seats: dict[int, list[Seat]] = {}
            people: dict[int, _Runs] = {}
            chat: list[ChatLine] = []
            emotes: list[Emote] = []
            checkpoints: dict[int, str] = {}
            upto = 0
            for block in reader.blocks():
                upto = block.upto
                for run in block.people:
                    people.setdefault(run.dreamer, _Runs()).add(run.first, run.values)
                for tick, seat in block.seats:
                    seats.setdefault(tick, []).append(seat)
                chat += block.chat
                emotes += block.emotes
                checkpoints.update(block.checkpoints)
        return cls(reader.header, reader.end, upto, chat, emotes, checkpoints, seats, people)

    @property
    def last_tick(self) -> int:
        """The last tick the replay reaches: the night's end, or where the file ends."""
        return self.end.ticks if self.end is not None else self.upto

    def seats_after(self, tick: int) -> list[Seat]:
        """The roster changes made after tick `tick` was played (before the next), in
        order."""
        return self._seats.get(tick, [])

    def people_at(self, tick: int, dreamers: Iterable[int]) -> dict[int, PersonInput]:
        """The inputs applied at tick `tick` for each of `dreamers` (the people's seats).
        Raises ReplayError if the file holds none for one of them."""
        out = {}
        for did in dreamers:
            runs = self._people.get(did)
            inp = runs.at(tick) if runs is not None else None
            if inp is None:
                raise ReplayError(f"the file holds no input for dreamer {did} at tick {tick}")
            out[did] = inp
        return out

    def talk_between(self, after: int, upto: int) -> list[ChatLine | Emote]:
        """Chat lines and emotes said after tick `after` up to tick `upto`, in order."""
        said: list[ChatLine | Emote] = [c for c in self.chat if after < c.tick <= upto]
        said += [e for e in self.emotes if after < e.tick <= upto]
        said.sort(key=lambda s: s.tick)
        return said
