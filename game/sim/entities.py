"""The things that live in the dreamscape: dreamers, Ethan's cadre (and Ethan), beacons, rifts.

These are plain records that `World` owns and changes; each moving one has a pymunk body.
Anyone outside the simulation reads them, never writes them.

Imports pymunk, the level and the roles.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pymunk

from game.sim.level import Realm
from game.sim.motion import quantise
from game.sim.roles import Role, RoleSpec

__all__ = ["Beacon", "Cadre", "Dreamer", "Hijack", "Rift"]


class Moving:
    """What a body-carrying entity offers: its cached position and velocity, and `sync()`.
    Subclasses declare the `body`, `pos` and `vel` fields."""

    body: pymunk.Body
    pos: tuple[float, float]
    vel: tuple[float, float]

    @property
    def position(self) -> tuple[float, float]:
        return self.pos

    @property
    def velocity(self) -> tuple[float, float]:
        return self.vel

    def sync(self) -> None:
        """Quantise the body's state to the wire's steps and cache it (once per tick)."""
        b = self.body
        p, v = b.position, b.velocity
        self.pos, self.vel = quantise((p.x, p.y), (v.x, v.y))
        b.position = self.pos
        b.velocity = self.vel


@dataclass(slots=True)
class Dreamer(Moving):
    """A player's (or an ally bot's) dreamer."""

    id: int
    name: str
    realm: Realm
    role: Role
    spec: RoleSpec
    body: pymunk.Body
    inspiration: float
    ability_ready: int = 0
    """first tick at which the ability may be used again"""
    shove_ready: int = 0
    distorted_until: int = 0
    strikes: list[int] = field(default_factory=list)
    """ticks of recent distortions; enough of them inside the window put the dreamer asleep"""
    asleep: bool = False
    revive: int = 0
    """revival progress while asleep (revive_ticks wakes)"""
    wakes_at: int = 0
    """while asleep: the tick at which the dreamer wakes on their own"""
    stagger_until: int = 0
    # contribution, for the results screen
    painted: int = 0
    cleansed: int = 0
    revived_others: int = 0
    awakenings: int = 0

    pos: tuple[float, float] = (0.0, 0.0)
    """the body's position at the end of the last tick (quantised); read this, not the body"""
    vel: tuple[float, float] = (0.0, 0.0)

    def distorted(self, tick: int) -> bool:
        return tick < self.distorted_until


@dataclass(slots=True)
class Hijack:
    """Ethan's hijack in progress: nightmare growing from a centre cell."""

    cx: int
    cy: int
    started: int


@dataclass(slots=True)
class Cadre(Moving):
    """One of Ethan's cadre, or Ethan himself (`is_ethan`)."""

    id: int
    body: pymunk.Body
    is_ethan: bool = False
    awaken: int = 0
    """ticks of awakening pressure; enough and the member leaves the dream"""
    ability_ready: int = 0
    stagger_until: int = 0
    slowed: bool = False
    hijack: Hijack | None = None

    pos: tuple[float, float] = (0.0, 0.0)
    """the body's position at the end of the last tick (quantised); read this, not the body"""
    vel: tuple[float, float] = (0.0, 0.0)


@dataclass(slots=True)
class Beacon:
    """A NeuroNook beacon: repaints a growing disc around itself in its owner's realm."""

    id: int
    owner: int
    realm: Realm
    cx: int
    cy: int
    x: float
    y: float
    placed: int


@dataclass(slots=True)
class Rift:
    """A nightmare source. It seals when the ring around its core stays dream or mosaic."""

    index: int
    x: float
    y: float
    cx: int
    cy: int
    core_radius: int
    seal_radius: int
    core: npt.NDArray[np.bool_]
    seal_ring: npt.NDArray[np.bool_]
    surge: npt.NDArray[np.bool_]
    surge_period: int
    seal_ticks: int
    opens_tick: int
    """the tick the rift opens at; before it, it is dormant and harmless"""
    sealed: bool = False
    progress: int = 0
    ring_share: float = 0.0

    def open(self, tick: int) -> bool:
        return tick >= self.opens_tick and not self.sealed
