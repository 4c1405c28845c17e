"""A whole match played headless by bots: the engine of `dreamlayer simulate` and of the
bots-finish-a-match tests.

Imports game.sim and game.bots.
"""

from __future__ import annotations

from collections.abc import Callable

from game.bots.crew import BotCrew
from game.sim.events import Event
from game.sim.level import Level, Realm
from game.sim.roles import Role
from game.sim.world import MatchSummary, World

__all__ = ["bot_match", "lineup"]

_ROLES = (Role.ARCHITECT, Role.INNOVATOR, Role.ORGANIZER)


def lineup(n: int) -> list[tuple[Realm, Role]]:
    """A balanced team of n dreamers: realms alternate, roles cycle."""
    return [(Realm.SANCTUARY if i % 2 == 0 else Realm.REST, _ROLES[i % 3]) for i in range(n)]


def bot_match(
    level: Level,
    dreamers: int,
    seed: int,
    hazard: int = 1,
    night_seconds: int | None = None,
    on_tick: Callable[[World, list[Event]], None] | None = None,
) -> tuple[World, MatchSummary]:
    """Play one match to its end with `dreamers` ally bots against the cadre.

    Raises ValueError for fewer than 1 or more than 8 dreamers, or a bad hazard.
    """
    if not 1 <= dreamers <= 8:
        raise ValueError(f"dreamers must be 1..8, got {dreamers}")
    world = World(level, seed, hazard=hazard, night_seconds=night_seconds)
    crew = BotCrew(world, seed)
    for realm, role in lineup(dreamers):
        crew.add_ally(world.add_dreamer(realm, role))
    events: list[Event] = []
    while world.running:
        events = world.step(crew.decide(world, events))
        if on_tick is not None:
            on_tick(world, events)
    return world, world.summary()
