"""The two unity meters, one per realm, shared by every dreamer.

A meter drains while nightmare covers its realm's districts (and, at a lower weight, the
Commons) and refills as they are repainted, as mosaic grows and on awakenings. Either
meter at zero fractures the dreamscape for everyone.

Imports the level (for Realm) only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from game.sim.level import Realm

__all__ = ["UnityMeter"]


@dataclass(slots=True)
class UnityMeter:
    """One realm's meter, kept within [0, maximum]."""

    realm: Realm
    value: float
    maximum: float = 100.0
    warnings: tuple[float, ...] = (30.0, 15.0)
    rearm: float = 5.0
    """a warning re-arms once the meter is this far above it again"""
    _armed: set[float] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._armed = {w for w in self.warnings if self.value > w}

    @property
    def collapsed(self) -> bool:
        return self.value <= 0.0

    @property
    def fraction(self) -> float:
        return self.value / self.maximum

    def change(self, delta: float) -> list[float]:
        """Add `delta` (clamped to the range); returns the warning levels crossed downwards.

        A warning re-arms once the meter climbs `rearm` points above it again.
        """
        self.value = min(max(self.value + delta, 0.0), self.maximum)
        crossed = sorted((w for w in self._armed if self.value <= w), reverse=True)
        for w in crossed:
            self._armed.discard(w)
        for w in self.warnings:
            if self.value > w + self.rearm:
                self._armed.add(w)
        return crossed
