"""A headless bot match: the one place that sets up "a World, its BotCrew and a team from
`lineup`" (`start_bot_match`), and plays one to its end (`bot_match`). The engine of
`dreamlayer simulate`, `dreamlayer balance`, the benchmarks and the bots-finish-a-match
tests.

Imports game.sim and game.bots.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import Enum

from game.bots.crew import BotCrew
from game.sim.events import Event
from game.sim.level import Level
from game.sim.roles import lineup
from game.sim.tuning import Tuning
from game.sim.world import MatchSummary, World

__all__ = ["MAX_DREAMERS", "Seat", "bot_match", "lineup", "start_bot_match"]
# `lineup` is a rule and lives in game.sim.roles; it is re-exported here for the callers
# that still import it from game.match (server/room.py).

MAX_DREAMERS = 8


class Seat(Enum):
    """Who sits in one dreamer's seat of a bot match."""

    ALLY = "ally"
    """a full ally bot: it plays the whole map, as it does standing in for a player"""
    COMPANION = "companion"
    """an ally bot filling a seat no player took: it follows the players' lead
    (`BotCrew.add_ally(did, companion=True)`)"""
    IDLE = "idle"
    """a player who sends no input at all (their dreamer stands where it spawned)"""


def start_bot_match(
    level: Level,
    seats: int | Sequence[Seat],
    seed: int,
    hazard: int = 1,
    *,
    night_seconds: int | None = None,
    tuning: Tuning | None = None,
) -> tuple[World, BotCrew]:
    """A fresh world with its dreamers in place and a crew to play the bots' part.

    `seats` is how many dreamers (each a full ally bot) or one `Seat` per dreamer; seat k
    takes `lineup`'s realm and role k (realms alternate, Sanctuary first; roles cycle).
    The crew's policies are seeded from `seed`, like the world. Step it with
    `world.step(crew.decide(world, events))` until `not world.running`.

    Raises ValueError for fewer than 1 or more than MAX_DREAMERS seats, and (from World)
    for a bad hazard or night length.
    """
    kinds = [Seat.ALLY] * seats if isinstance(seats, int) else list(seats)
    if not 1 <= len(kinds) <= MAX_DREAMERS:
        raise ValueError(f"dreamers must be 1..{MAX_DREAMERS}, got {len(kinds)}")
    world = World(level, seed, hazard=hazard, tuning=tuning, night_seconds=night_seconds)
    crew = BotCrew(world, seed)
    for kind, (realm, role) in zip(kinds, lineup(len(kinds)), strict=True):
        did = world.add_dreamer(realm, role)
        if kind is not Seat.IDLE:
            crew.add_ally(did, companion=kind is Seat.COMPANION)
    return world, crew


def bot_match(
    level: Level,
    dreamers: int | Sequence[Seat],
    seed: int,
    hazard: int = 1,
    night_seconds: int | None = None,
    on_tick: Callable[[World, list[Event]], None] | None = None,
    *,
    tuning: Tuning | None = None,
) -> tuple[World, MatchSummary]:
    """Play one match to its end: `dreamers` full ally bots (or the given seats) against
    the cadre. `on_tick` is called after every tick with the world and its events.

    Raises ValueError like `start_bot_match`.
    """
    world, crew = start_bot_match(level, dreamers, seed, hazard, night_seconds=night_seconds,
                                  tuning=tuning)
    events: list[Event] = []
    while world.running:
        events = world.step(crew.decide(world, events))
        if on_tick is not None:
            on_tick(world, events)
    return world, world.summary()
