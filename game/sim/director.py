"""The director: paces Ethan's cadre through the night.

The night has three phases after the cadre's arrival: a build-up (the count ramps up), a
peak (the full cadre), and a calm before dawn (fewer of them). The full count and the
nightmare's spread rate grow with the number of dreamers and with the hazard level (1-5)
the host chose. The director decides; `World` carries out.

Imports the tuning table only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import IntEnum

from game.sim.tuning import Tuning

__all__ = ["Director", "Phase"]

HAZARD_MIN, HAZARD_MAX = 1, 5


class Phase(IntEnum):
    QUIET = 0
    """before the cadre arrive"""
    BUILD_UP = 1
    PEAK = 2
    CALM = 3


@dataclass(frozen=True, slots=True)
class Director:
    """Pacing for one match: `night_ticks` long, cadre first arriving at `arrival_tick`,
    on a level of `floor` floor cells (0: unknown, no scaling by size)."""

    tuning: Tuning
    hazard: int
    night_ticks: int
    arrival_tick: int
    floor: int = 0

    def __post_init__(self) -> None:
        if not HAZARD_MIN <= self.hazard <= HAZARD_MAX:
            raise ValueError(f"hazard must be {HAZARD_MIN}..{HAZARD_MAX}, got {self.hazard}")

    def phase(self, tick: int) -> Phase:
        if tick < self.arrival_tick:
            return Phase.QUIET
        rest = max(self.night_ticks - self.arrival_tick, 1)
        f = (tick - self.arrival_tick) / rest
        if f < self.tuning.build_up_share:
            return Phase.BUILD_UP
        if f < self.tuning.calm_from:
            return Phase.PEAK
        return Phase.CALM

    def full_cadre(self, dreamers: int) -> int:
        """The cadre's full strength for this many dreamers at this hazard."""
        t = self.tuning
        per = t.cadre_per_dreamer + t.cadre_per_dreamer_hazard * (self.hazard - 1)
        return max(1, round(max(dreamers, 1) * per * self._size(t.cadre_floor_exponent)))

    def target(self, tick: int, dreamers: int) -> int:
        """How many cadre members should be in the dream at `tick`."""
        phase = self.phase(tick)
        full = self.full_cadre(dreamers)
        if phase is Phase.QUIET:
            return 0
        if phase is Phase.BUILD_UP:
            rest = max(self.night_ticks - self.arrival_tick, 1)
            f = (tick - self.arrival_tick) / (self.tuning.build_up_share * rest)
            return max(1, math.ceil(full * f))
        if phase is Phase.PEAK:
            return full
        return max(1, round(full * self.tuning.calm_share))

    def spawn_gap(self) -> int:
        """Ticks between two arrivals: shorter at higher hazard."""
        t = self.tuning
        return max(1, round(t.cadre_spawn_gap / (1 + t.spawn_gap_hazard_step * (self.hazard - 1))))

    def trail_mosaic_chance(self, ethan_comes: bool, dreamers: int) -> float:
        """The chance per tick that a cadre member's trail turns mosaic to nightmare too,
        per hazard level above 1: `trail_mosaic_hazard_step` on a retreat Ethan does not
        come to (where he does, his hijack breaks mosaic), plus `trail_mosaic_team_step`
        per dreamer beyond two on every retreat (a bigger team covers the dream in mosaic).
        Never at hazard 1."""
        t = self.tuning
        step = (0.0 if ethan_comes else t.trail_mosaic_hazard_step) \
            + t.trail_mosaic_team_step * max(dreamers - 2, 0)
        return min(1.0, step * (self.hazard - 1))

    def rift_pace(self, dreamers: int) -> float:
        """How much harder than at hazard 1 with two dreamers the rifts are: they take this
        many times longer to seal and surge this many times as often. Each hazard level
        above 1 adds `rift_hazard_step`; each dreamer beyond two multiplies by another
        `rift_team_step` (the nightmare pulls harder against a bigger team, which can hold
        several seal rings at once)."""
        t = self.tuning
        return ((1 + t.rift_hazard_step * (self.hazard - 1))
                * (1 + t.rift_team_step * max(dreamers - 2, 0)))

    def spread_factor(self, dreamers: int) -> float:
        """Multiplier of the nightmare's spread chances."""
        t = self.tuning
        return ((1 + t.spread_hazard_step * (self.hazard - 1))
                * (t.spread_base + t.spread_per_dreamer * max(dreamers, 1))
                * self._size(t.spread_floor_exponent))

    def _size(self, exponent: float) -> float:
        """(reference floor / this level's floor) ** exponent: below 1 on a level wider
        than the reference, 1 when the floor is unknown."""
        if self.floor <= 0 or not exponent:
            return 1.0
        return float((self.tuning.spread_reference_floor / self.floor) ** exponent)
