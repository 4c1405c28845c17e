"""The three roles a dreamer can take, from the story: Mira's Architect, Liam's Innovator,
Jade's Organizer. Each has a brush and an ability; the numbers come from `Tuning`. And the
rule that makes a balanced team of them (`lineup`): who plays which realm and role.

Imports the tuning table and the level (for Realm) only.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from game.sim.level import Realm
from game.sim.tuning import Tuning

__all__ = ["Role", "RoleSpec", "lineup", "role_spec"]


class Role(IntEnum):
    ARCHITECT = 1
    """wide brush; Mosaic Burst paints a large circle at once"""
    INNOVATOR = 2
    """narrow brush; places NeuroNook beacons that repaint around them and slow the cadre"""
    ORGANIZER = 3
    """normal brush; Rally aura, and Rally frees distorted allies and lifts both meters"""

    @property
    def ability_name(self) -> str:
        return {1: "Mosaic Burst", 2: "NeuroNook beacon", 3: "Rally"}[self.value]


@dataclass(frozen=True, slots=True)
class RoleSpec:
    """A role's brush radius (cells), brush cost (inspiration per second) and ability
    cooldown (ticks)."""

    brush: int
    cost: float
    cooldown: int


def role_spec(role: Role, tuning: Tuning) -> RoleSpec:
    if role is Role.ARCHITECT:
        return RoleSpec(tuning.architect_brush, tuning.architect_cost, tuning.architect_cooldown)
    if role is Role.INNOVATOR:
        return RoleSpec(tuning.innovator_brush, tuning.innovator_cost, tuning.innovator_cooldown)
    return RoleSpec(tuning.organizer_brush, tuning.organizer_cost, tuning.organizer_cooldown)


_ROLES = (Role.ARCHITECT, Role.INNOVATOR, Role.ORGANIZER)


def lineup(n: int) -> list[tuple[Realm, Role]]:
    """A balanced team of n dreamers: realms alternate (Sanctuary first), roles cycle
    (Architect, Innovator, Organizer). Seat k of a room takes `lineup(k + 1)[k]`, so a
    team's first seats never change as more dreamers join. n <= 0 gives []."""
    return [(Realm.SANCTUARY if i % 2 == 0 else Realm.REST, _ROLES[i % 3]) for i in range(n)]
