"""A night's whole state as a few compressed bytes, and back: the checkpoints a viewer
seeks from.

`Freezer(night)` remembers what every state of that night shares and never changes (the
level, the bots' navigation grid, the tuning); `freeze(night)` pickles the rest (the
world with its bodies, RNG and paint grid; the bot crew with every policy's RNG) and
compresses it, and `thaw(data)` gives a new `Night` that plays on bit for bit as the
frozen one would have (tests prove it against a straight re-simulation). On the largest
level with 4 dreamers a state takes about 40 KB, 3 ms to freeze (2 of them pickling, the
rest compressing) and 6 ms to thaw.

Thawing reads a pickle, and a pickle can name any function to call: `thaw` reads only
the classes a night really holds (`_ALLOWED`: the game's own classes under game.sim,
game.bots and the replay's header and night, pymunk's, and numpy's, random's and a few
builtins' reconstructors) and refuses anything else as not a frozen night. That matters
because a server takes up a room from a checkpoint another process wrote, and with a
cluster the bytes come over the network from Redis. It narrows what bytes can do, but a
forged state can still build a nonsense (or very large) night of those classes: the taker
checks the thawed world's state hash against the one recorded with it and the replay's,
and Redis must stay a private, trusted store (its access is the cluster's access).

A copied pymunk space finds its contacts in another order than the original (its
spatial index is built anew, not grown through the night), and the contact solver's
result depends on that order. So states are frozen only at the ticks where the world
itself moves its bodies into a fresh space (`World.rebase_physics`, every
`motion.REBASE_TICKS` ticks), and a thawed world is rebased the same way: both then hold
the same space, built in the same order, with fresh bodies (whose new ids the world
indexes anew). At such a tick the space is the level's walls and one round body per
moving entity, and a rebase keeps of each body its mass, radius, position and velocity
alone (`motion.rebased`). So the space is not pickled at all (pickling pymunk's objects
was two thirds of a freeze): it is frozen as a mark, each body as those four values, and
thawing builds the walls from the level and a body from each record, which the rebase
then makes fresh in the world's order.

Imports pickle, zlib, importlib (to check names), pymunk and game.sim, game.bots, and the
replay's night.
"""

from __future__ import annotations

import importlib
import io
import math
import pickle
import zlib
from typing import Any

import pymunk.batch

from game.bots.nav import NavGrid
from game.replay.night import Night
from game.sim import motion
from game.sim.level import Level
from game.sim.tuning import Tuning

__all__ = ["Freezer", "allowed", "pack"]

_BUFFER = "body buffer"
"""a pymunk.batch.Buffer: native arrays a pickle cannot carry; a thawed world gets a new
one (it only carries values within a tick)"""


_SPACE = "space"
"""the world's pymunk space: the level's walls and the bodies (each frozen on its own)"""
_BODY = "body"
"""a body's record: (_BODY, its number in this pickle, mass, radius, x, y, vx, vy)"""


_ALLOWED_PREFIXES = ("game.sim.", "game.bots.", "pymunk.")
"""modules whose classes (classes only, never functions) a frozen night may hold"""
_ALLOWED_MODULES = frozenset({"game.replay.header", "game.replay.night", "pymunk"})
_ALLOWED_NAMES = frozenset({
    ("numpy", "dtype"), ("numpy", "ndarray"),
    ("numpy._core.numeric", "_frombuffer"), ("numpy.core.numeric", "_frombuffer"),
    ("numpy._core.multiarray", "_reconstruct"), ("numpy.core.multiarray", "_reconstruct"),
    ("numpy.random._pcg64", "PCG64"),
    ("numpy.random._pickle", "__bit_generator_ctor"),
    ("numpy.random._pickle", "__generator_ctor"),
    ("numpy.random.bit_generator", "SeedSequence"),
    ("numpy.random.bit_generator", "__pyx_unpickle_SeedSequence"),
    ("random", "Random"),
    ("builtins", "set"), ("builtins", "frozenset"), ("builtins", "complex"),
    ("builtins", "bytearray"),
    ("collections", "deque"), ("collections", "OrderedDict"), ("collections", "defaultdict"),
})
"""anything else a night's pickle may name: numpy's arrays and generators, random's RNG
and plain containers"""


def allowed(module: str, name: str) -> bool:
    """Whether a frozen night may name `module.name` (see the module docstring). A name of
    an allowed module must be a class defined there, not a function or a module."""
    if (module, name) in _ALLOWED_NAMES:
        return True
    if module not in _ALLOWED_MODULES and not module.startswith(_ALLOWED_PREFIXES):
        return False
    if name.startswith("_") or "." in name:
        return False
    try:
        obj = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return False
    return isinstance(obj, type) and obj.__module__ == module


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
        return pack(self.dump(night))

    def dump(self, night: Night) -> bytes:
        """`freeze` without its compression (`pack`, which a caller may run on another
        thread: these bytes share nothing with the night). The costly half that must run
        while the night stands still."""
        if night.world.tick % motion.REBASE_TICKS:
            raise ValueError(f"freeze(): tick {night.world.tick} is not a multiple of "
                             f"{motion.REBASE_TICKS}: its physics cannot be copied exactly")
        if self._shared.get(id(night.world.level)) != "level" \
                or self._shared.get(id(night.crew.nav)) != "nav":
            raise ValueError("freeze(): a night of another world than this freezer's")
        buf = io.BytesIO()
        _Pickler(buf, self._shared).dump(night)
        return buf.getvalue()

    def thaw(self, data: bytes) -> Night:
        """A new Night in the state `data` froze (ValueError if it is not a frozen night
        of this freezer's, or names anything a night does not hold: see `allowed`)."""
        try:
            raw = zlib.decompressobj().decompress(data, _MAX_THAWED + 1)
            if len(raw) > _MAX_THAWED:
                raise ValueError(f"more than {_MAX_THAWED >> 20} MB once uncompressed")
            night = _Unpickler(io.BytesIO(raw), self._objects).load()
        except (zlib.error, pickle.UnpicklingError, EOFError, KeyError, ValueError,
                TypeError, AttributeError, IndexError) as e:
            raise ValueError(f"thaw(): not a frozen night ({e})") from None
        if not isinstance(night, Night):
            raise ValueError("thaw(): not a frozen night")
        night.world.rebase_physics()  # fresh bodies, indexed by their new ids
        return night


def pack(raw: bytes) -> bytes:
    """`Freezer.dump`'s bytes compressed as `freeze` gives them (thread-safe)."""
    return zlib.compress(raw, 1)


_MAX_THAWED = 64 << 20
"""bytes a frozen night may have uncompressed (the largest level's is about 360 KB)"""


class _Pickler(pickle.Pickler):
    def __init__(self, file: io.BytesIO, shared: dict[int, str]) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        self._shared = shared
        self._bodies: dict[pymunk.Body, int] = {}

    def persistent_id(self, obj: Any) -> str | tuple[str | float, ...] | None:
        if isinstance(obj, pymunk.Body):
            n = self._bodies.setdefault(obj, len(self._bodies))
            return _body_record(obj, n)
        if isinstance(obj, pymunk.Space):
            return _SPACE
        if isinstance(obj, pymunk.batch.Buffer):
            return _BUFFER
        return self._shared.get(id(obj))


def _body_record(body: pymunk.Body, n: int) -> tuple[str | float, ...]:
    """What a rebase keeps of a body, and its number `n` (a body held twice is one body
    when thawed). ValueError for any body a world does not move."""
    shapes = list(body.shapes)
    if body.body_type != pymunk.Body.DYNAMIC or len(shapes) != 1 \
            or not isinstance(shapes[0], pymunk.Circle):
        raise ValueError("freeze(): a body that is not one moving circle")
    p, v = body.position, body.velocity
    return (_BODY, n, body.mass, shapes[0].radius, p.x, p.y, v.x, v.y)


class _Unpickler(pickle.Unpickler):
    def __init__(self, file: io.BytesIO, objects: dict[str, Level | NavGrid | Tuning]) -> None:
        super().__init__(file)
        self._objects = objects
        self._space: pymunk.Space | None = None
        self._bodies: dict[int, pymunk.Body] = {}

    def persistent_load(self, pid: Any) -> Any:
        if pid == _BUFFER:
            return motion.body_buffer()
        if pid == _SPACE:
            return self._the_space()
        if isinstance(pid, tuple) and pid and pid[0] == _BODY:
            return self._body(pid)
        if not isinstance(pid, str) or pid not in self._objects:
            raise pickle.UnpicklingError(f"an unknown shared object {pid!r:.40}")
        return self._objects[pid]

    def _the_space(self) -> pymunk.Space:
        """The thawed world's space: the level's walls, and every body thawed so far."""
        if self._space is None:
            level = self._objects["level"]
            assert isinstance(level, Level)
            self._space = motion.new_space()
            motion.add_walls(self._space, level)
        return self._space

    def _body(self, record: tuple[Any, ...]) -> pymunk.Body:
        """A body from its record, in the thawed space (which the world's rebase empties)."""
        if len(record) != 8 or type(record[1]) is not int:
            raise pickle.UnpicklingError("a body's record is not a numbered body")
        held = self._bodies.get(record[1])
        if held is not None:
            return held
        values = record[2:]  # six, by the length checked above
        if not all(type(x) is float and math.isfinite(x) for x in values):
            raise pickle.UnpicklingError("a body's record is not six finite numbers")
        mass, radius, x, y, vx, vy = values
        if mass <= 0.0 or radius <= 0.0:
            raise pickle.UnpicklingError("a body without mass or size")
        body = motion.make_body(self._the_space(), (x, y), radius, mass)
        motion.set_velocity(body, (vx, vy))
        self._bodies[record[1]] = body
        return body

    def find_class(self, module: str, name: str) -> Any:
        if not allowed(module, name):
            raise pickle.UnpicklingError(f"{module}.{name} is not part of a night")
        return super().find_class(module, name)
