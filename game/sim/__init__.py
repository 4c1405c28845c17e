"""The dream layer's simulation: deterministic, fixed-tick, free of I/O and of pygame.

Imports numpy and pymunk only; nothing here imports asyncio, websockets, msgpack or pygame.
"""

from __future__ import annotations

from game.sim.director import Director, Phase
from game.sim.entities import Beacon, Cadre, Dreamer, Rift
from game.sim.events import Event, EventKind, Outcome, PingKind
from game.sim.grid import CHUNK, Cell, PaintGrid
from game.sim.intent import IDLE, Intent
from game.sim.level import DistrictKind, Level, Marker, Realm
from game.sim.meters import UnityMeter
from game.sim.roles import Role
from game.sim.tuning import DT, TICK_RATE, Tuning
from game.sim.world import MatchSummary, World

__all__ = [
    "CHUNK",
    "DT",
    "IDLE",
    "TICK_RATE",
    "Beacon",
    "Cadre",
    "Cell",
    "Director",
    "DistrictKind",
    "Dreamer",
    "Event",
    "EventKind",
    "Intent",
    "Level",
    "Marker",
    "MatchSummary",
    "Outcome",
    "PaintGrid",
    "Phase",
    "PingKind",
    "Realm",
    "Rift",
    "Role",
    "Tuning",
    "UnityMeter",
    "World",
]
