"""What a bot may know: the public picture of a world, and one entity's own view of it.

A `WorldView` is taken once per tick and holds only what every player sees on screen
(positions, the painted dreamscape, the meters, the rifts, pings) plus the observer's own
cooldowns. Never the world's RNG, the director's plans, or another entity's hidden
counters (awakening progress, strikes, cooldowns). Policies get an `Observation` and
nothing else, so a bot cannot cheat, and the same policy could run on a network client.

The records a view holds (`DreamerSeen`, `Me`, `Observation`...) are mostly NamedTuples:
read-only, and several times cheaper to make than frozen dataclasses, which counts at a
few dozen a tick in every room of a host.

Imports game.sim only.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from game.sim.events import Event, EventKind
from game.sim.grid import CHUNK, Cell
from game.sim.level import DistrictKind, Realm
from game.sim.roles import Role
from game.sim.tuning import TICK_RATE, Tuning
from game.sim.world import World

__all__ = ["CadreSeen", "DreamerSeen", "Observation", "PingSeen", "RiftSeen", "WorldView"]

_PING_MEMORY = 10 * TICK_RATE


class DreamerSeen(NamedTuple):
    id: int
    x: float
    y: float
    realm: Realm
    role: Role
    asleep: bool
    distorted: bool


class CadreSeen(NamedTuple):
    id: int
    x: float
    y: float
    is_ethan: bool


@dataclass(frozen=True, slots=True)
class RiftSeen:  # (not a NamedTuple: its `index` would hide tuple.index)
    index: int
    x: float
    y: float
    cx: int
    cy: int
    sealed: bool
    open: bool
    core_radius: int
    seal_radius: int


class PingSeen(NamedTuple):
    by: int
    x: float
    y: float
    kind: int
    tick: int


class BeaconSeen(NamedTuple):
    owner: int
    x: float
    y: float


class Me(NamedTuple):
    """The observer's own state, which its player sees on the HUD."""

    id: int
    x: float
    y: float
    vx: float
    vy: float
    inspiration: float
    ability_ready: bool
    shove_ready: bool
    realm: Realm | None
    role: Role | None
    asleep: bool
    distorted: bool
    is_ethan: bool


@dataclass(frozen=True)
class WorldView:
    """The public picture of a world at one tick (shared by every bot that tick). A captured
    view looks at the live world where copying would cost (the grid's layers, `selves`, the
    per-chunk counts worked out on first use): read it within the tick it was taken."""

    tick: int
    night_ticks: int
    cell_size: int
    tuning: Tuning
    state: npt.NDArray[np.uint8]
    """the paint grid's state layer (read-only view)"""
    realm: npt.NDArray[np.uint8]
    dreamers: tuple[DreamerSeen, ...]
    cadre: tuple[CadreSeen, ...]
    rifts: tuple[RiftSeen, ...]
    beacons: tuple[BeaconSeen, ...]
    pings: tuple[PingSeen, ...]
    meters: dict[Realm, float]
    selves: Mapping[int, Me]
    """each entity's own state (what its player sees on the HUD), handed out by observe()"""
    kind_map: npt.NDArray[np.uint8]
    """the DistrictKind of every cell: the map, which every player sees"""
    chunk_nightmare: npt.NDArray[np.int64] | None = field(default=None, repr=False)
    """nightmare cells per chunk if the maker had them at hand, else None: read
    `nightmare_per_chunk`, which works them out from `state` when needed"""
    chunk_dream: npt.NDArray[np.int64] | None = field(default=None, repr=False)
    """plain dream cells per chunk, likewise (read `dream_per_chunk`)"""
    _cache: dict[int, npt.NDArray[np.int64]] = field(default_factory=dict, repr=False)

    @functools.cached_property
    def awake(self) -> tuple[DreamerSeen, ...]:
        """The dreamers not asleep."""
        return tuple(d for d in self.dreamers if not d.asleep)

    @functools.cached_property
    def nightmare_per_chunk(self) -> npt.NDArray[np.int64]:
        """Nightmare cells per chunk (rows, columns of chunks), worked out when a bot first
        asks this tick (most ticks of a small crew none does: plans are made every few
        ticks)."""
        if self.chunk_nightmare is not None:
            return self.chunk_nightmare
        return _per_chunk(self.state == Cell.NIGHTMARE)

    @functools.cached_property
    def dream_per_chunk(self) -> npt.NDArray[np.int64]:
        """Plain dream cells (either realm) per chunk."""
        if self.chunk_dream is not None:
            return self.chunk_dream
        return _per_chunk(self.state == Cell.DREAM)

    @functools.cached_property
    def mosaic_per_chunk(self) -> npt.NDArray[np.int64]:
        """Mosaic cells per chunk."""
        return _per_chunk(self.state == Cell.MOSAIC)

    @property
    def chunk_centres(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """The pixel x and y of every chunk's centre (rows, columns of chunks; read-only)."""
        h, w = self.state.shape
        return _chunk_centres(h // CHUNK, w // CHUNK, CHUNK * self.cell_size)

    def chunk_nightmare_in(self, kind: DistrictKind) -> npt.NDArray[np.int64]:
        """Nightmare cells per chunk within districts of one kind (computed once a tick)."""
        hit = self._cache.get(kind)
        if hit is None:
            hit = _per_chunk((self.state == Cell.NIGHTMARE) & (self.kind_map == kind))
            self._cache[kind] = hit
        return hit

    @classmethod
    def capture(cls, world: World, pings: Iterable[PingSeen] = ()) -> WorldView:
        g = world.grid
        state = g.state.view()
        state.flags.writeable = False
        realm = g.realm.view()
        realm.flags.writeable = False
        tick = world.tick
        return cls(
            tick=tick,
            night_ticks=world.night_ticks,
            cell_size=g.cell_size,
            tuning=world.tuning,
            state=state,
            realm=realm,
            # (tuples of list comprehensions: a generator costs a call per item)
            dreamers=tuple([
                DreamerSeen(d.id, *d.pos, d.realm, d.role, d.asleep, d.distorted(tick))
                for d in world.dreamers.values()
            ]),
            cadre=tuple([CadreSeen(c.id, *c.pos, c.is_ethan) for c in world.cadre.values()]),
            rifts=tuple([
                RiftSeen(r.index, r.x, r.y, r.cx, r.cy, r.sealed, r.open(tick), r.core_radius,
                         r.seal_radius)
                for r in world.rifts
            ]),
            beacons=tuple([BeaconSeen(b.owner, b.x, b.y) for b in world.beacons]),
            pings=tuple([p for p in pings if tick - p.tick < _PING_MEMORY]),
            meters={r: m.value for r, m in world.meters.items()},
            selves=_Selves(world),
            kind_map=g.kind_map,
        )

    def observe(self, entity: int) -> Observation:
        """The view from one dreamer or cadre member (KeyError if it is not in the world)."""
        return Observation(self, self.selves[entity])


@functools.lru_cache(maxsize=8)
def _chunk_centres(rows: int, cols: int, span: int) -> tuple[npt.NDArray[np.float64],
                                                            npt.NDArray[np.float64]]:
    ys, xs = np.indices((rows, cols))
    cx = np.asarray((xs + 0.5) * span, dtype=np.float64)
    cy = np.asarray((ys + 0.5) * span, dtype=np.float64)
    cx.flags.writeable = False
    cy.flags.writeable = False
    return cx, cy


def _per_chunk(mask: npt.NDArray[np.bool_]) -> npt.NDArray[np.int64]:
    """How many cells of `mask` are set in each chunk (rows, columns of chunks): the rows
    of each chunk added first (small counts), then its columns, each one ufunc call, a
    few times faster than a bincount over the grid or a sum over two axes at once."""
    h, w = mask.shape
    cells = mask.view(np.uint8).reshape(h // CHUNK, CHUNK, w // CHUNK, CHUNK)
    columns = np.add.reduce(cells, axis=1, dtype=np.int16)
    out: npt.NDArray[np.int64] = np.add.reduce(columns, axis=2, dtype=np.int64)
    return out


class _Selves(Mapping[int, Me]):
    """Every entity's own state, as `Me`, worked out for an entity when it is first asked
    for (a crew asks for its bots' only). Read within the tick the view was taken: it
    looks at the live world."""

    def __init__(self, world: World) -> None:
        self._world = world
        self._made: dict[int, Me] = {}

    def __getitem__(self, entity: int) -> Me:
        me = self._made.get(entity)
        if me is None:
            me = self._made[entity] = _me(self._world, entity)
        return me

    def __contains__(self, entity: object) -> bool:
        w = self._world
        return entity in w.dreamers or entity in w.cadre

    def __iter__(self) -> Iterator[int]:
        yield from self._world.dreamers
        yield from self._world.cadre

    def __len__(self) -> int:
        return len(self._world.dreamers) + len(self._world.cadre)


def _me(world: World, entity: int) -> Me:
    """One entity's own state (KeyError if it is not in the world)."""
    tick = world.tick
    d = world.dreamers.get(entity)
    if d is not None:
        return Me(d.id, *d.pos, *d.vel, d.inspiration, tick >= d.ability_ready,
                  tick >= d.shove_ready, d.realm, d.role, d.asleep, d.distorted(tick), False)
    c = world.cadre[entity]
    return Me(c.id, *c.pos, *c.vel, 0.0, tick >= c.ability_ready, False, None, None, False,
              False, c.is_ethan)


def pings_from(events: Iterable[Event], tick: int) -> list[PingSeen]:
    """The pings among a tick's events."""
    return [PingSeen(e.entity, e.x, e.y, int(e.value), tick)
            for e in events if e.kind is EventKind.PING]


class Observation(NamedTuple):
    """What one entity knows this tick: the public view and itself."""

    view: WorldView
    me: Me

    def cell_of(self, x: float, y: float) -> tuple[int, int]:
        cs = self.view.cell_size
        h, w = self.view.state.shape
        return min(max(int(x // cs), 0), w - 1), min(max(int(y // cs), 0), h - 1)


__all__ += ["BeaconSeen", "Me", "pings_from"]
