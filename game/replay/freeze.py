"""A night's whole state as a few compressed bytes, and back: the checkpoints a viewer
seeks from.

`Freezer(night)` remembers what every state of that night shares and never changes (the
level, the bots' navigation grid, the tuning); `freeze(night)` pickles the rest (the
world with its bodies, RNG and paint grid; the bot crew with every policy's RNG) and
compresses it, and `thaw(data)` gives a new `Night` that plays on bit for bit as the
frozen one would have (tests prove it against a straight re-simulation). On the largest
level with 4 dreamers a state takes about 45 KB and 10 ms each way.

A copied pymunk space finds its contacts in another order than the original (its
spatial index is built anew, not grown through the night), and the contact solver's
result depends on that order. So states are frozen only at the ticks where the world
itself moves its bodies into a fresh space (`World.rebase_physics`, every
`motion.REBASE_TICKS` ticks), and a thawed world is rebased the same way: both then hold
the same space, built in the same order, with fresh bodies (whose new ids the world
indexes anew).

Imports pickle, zlib, pymunk and game.sim, game.bots, and the replay's night.
"""

from __future__ import annotations

import io
import pickle
import zlib
from typing import Any

import pymunk.batch

from game.bots.nav import NavGrid
from game.replay.night import Night
from game.sim import motion
from game.sim.level import Level
from game.sim.tuning import Tuning

__all__ = ["Freezer"]

_BUFFER = "body buffer"
"""a pymunk.batch.Buffer: native arrays a pickle cannot carry; a thawed world gets a new
one (it only carries values within a tick)"""


class Freezer:
    """Freezes and thaws the states of one night (see the module docstring)."""

    def __init__(self, night: Night) -> None:
        world = night.world
        self._shared: dict[int, str] = {id(world.level): "level", id(night.crew.nav): "nav",
                                        id(world.tuning): "tuning"}
        self._objects: dict[str, Level | NavGrid | Tuning] = {
            "level": world.level, "nav": night.crew.nav, "tuning": world.tuning}

    def freeze(self, night: Night) -> bytes:
        """The night's state as bytes. Only a state at a tick that is a multiple of
        `motion.REBASE_TICKS` (0 included) thaws into the same night; the night must
        share this freezer's level, bots' navigation and tuning (ValueError otherwise)."""
        if night.world.tick % motion.REBASE_TICKS:
            raise ValueError(f"freeze(): tick {night.world.tick} is not a multiple of "
                             f"{motion.REBASE_TICKS}: its physics cannot be copied exactly")
        if self._shared.get(id(night.world.level)) != "level" \
                or self._shared.get(id(night.crew.nav)) != "nav":
            raise ValueError("freeze(): a night of another world than this freezer's")
        buf = io.BytesIO()
        _Pickler(buf, self._shared).dump(night)
        return zlib.compress(buf.getvalue(), 1)

    def thaw(self, data: bytes) -> Night:
        """A new Night in the state `data` froze (ValueError if it is not a frozen night
        of this freezer's)."""
        try:
            night = _Unpickler(io.BytesIO(zlib.decompress(data)), self._objects).load()
        except (zlib.error, pickle.UnpicklingError, EOFError, KeyError) as e:
            raise ValueError(f"thaw(): not a frozen night ({e})") from None
        if not isinstance(night, Night):
            raise ValueError("thaw(): not a frozen night")
        night.world.rebase_physics()  # fresh bodies, indexed by their new ids
        return night


class _Pickler(pickle.Pickler):
    def __init__(self, file: io.BytesIO, shared: dict[int, str]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._shared = shared

    def persistent_id(self, obj: Any) -> str | None:
        if isinstance(obj, pymunk.batch.Buffer):
            return _BUFFER
        return self._shared.get(id(obj))


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, objects: dict[str, Level | NavGrid | Tuning]) -> None:
        super().__init__(file)
        self._objects = objects

    def persistent_load(self, pid: Any) -> Any:
        if pid == _BUFFER:
            return motion.body_buffer()
        return self._objects[pid]
