"""Named wire records: the records nested inside messages, and the bit flags they carry.

A record travels as a msgpack array (positional, like every message), but the program
reads it by name: `decode()` turns each declared record into its NamedTuple here, and the
sender may hand these NamedTuples (msgpack packs a tuple as an array, so the bytes are the
same). `game.net.schema` declares each record's fields and checks at import that the names
below match, so a record cannot drift from the table that checks it.

The flags name the bits of `status`, `flags` and `buttons` fields; nothing outside
game/net should test a bare `& 1`.

Imports game.sim.intent only (for the INPUT codec).
"""

from __future__ import annotations

from enum import IntFlag
from typing import Any, NamedTuple

from game.sim.intent import Intent

__all__ = [
    "Buttons",
    "CadreStatus",
    "Contribution",
    "DreamerStatus",
    "EventRecord",
    "LobbyPlayer",
    "MeRecord",
    "RiftFlags",
    "RiftRecord",
    "RoomEntry",
    "input_values",
    "intent_of",
]


class DreamerStatus(IntFlag):
    """Status bits of a dreamer (entity status and the `me` record)."""

    ASLEEP = 1
    DISTORTED = 2
    STAGGERED = 4
    """shoved: cannot steer for a few ticks"""


class CadreStatus(IntFlag):
    """Status bits of a cadre member or Ethan."""

    HIJACKING = 1
    SLOWED = 2
    AWAKENING = 4


class RiftFlags(IntFlag):
    OPEN = 1
    SEALED = 2


class Buttons(IntFlag):
    """The `buttons` of an INPUT."""

    PAINT = 1
    ABILITY = 2
    SHOVE = 4

    PRESSES = ABILITY | SHOVE
    """the edge-triggered ones: a press must never be lost when inputs are folded"""


class LobbyPlayer(NamedTuple):
    """One line of a LOBBY roster: a person, a held seat, a spectator or an ally bot."""

    player: int
    """member id (0 for an ally bot)"""
    name: str
    realm: int
    role: int
    ready: bool
    bot: bool
    host: bool
    spectator: bool
    latency_ms: int
    dreamer: int
    """the dreamer entity this seat plays in the running match (0 before one)"""


class RoomEntry(NamedTuple):
    """One public room in a ROOM_LIST."""

    code: str
    host: str
    level: str
    dreamers: int
    max_dreamers: int
    locked: bool
    playing: bool
    url: str = ""
    """the public ws:// URL of the server that runs the room ("" from a server without a
    cluster: itself)"""


class MeRecord(NamedTuple):
    """The own dreamer's exact state in a SNAPSHOT, for prediction."""

    x: int
    """1/8 px (game.sim.motion.POSITION_SCALE)"""
    y: int
    vx: int
    """1/4 px/s (VELOCITY_SCALE)"""
    vy: int
    inspiration: int
    """tenths"""
    ability_in: int
    """ticks until the ability is ready"""
    shove_in: int
    status: int
    """DreamerStatus bits"""


class EventRecord(NamedTuple):
    """One game event in a SNAPSHOT (game.sim.events.Event on the wire)."""

    kind: int
    entity: int
    x: int
    y: int
    value: float
    other: int


class RiftRecord(NamedTuple):
    rift: int
    """the rift's index in the level's markers"""
    flags: int
    """RiftFlags"""
    progress: int
    """seal progress 0..255"""


class Contribution(NamedTuple):
    """One dreamer's part in a MATCH_END."""

    dreamer: int
    name: str
    realm: int
    role: int
    painted: int
    cleansed: int
    revived: int
    awakenings: int


def input_values(seq: int, intent: Intent, seen_tick: int) -> dict[str, Any]:
    """The values of the INPUT message that carries `intent` as input number `seq`, made
    when the newest server tick the client had seen was `seen_tick` (the tick of its last
    SNAPSHOT, or of MATCH_START's state before the first one)."""
    buttons = (Buttons.PAINT if intent.paint else 0) | (Buttons.ABILITY if intent.ability
                                                          else 0) | (
        Buttons.SHOVE if intent.shove else 0)
    return {"seq": seq, "seen_tick": seen_tick, "move_x": intent.move[0],
            "move_y": intent.move[1], "aim_x": intent.aim[0], "aim_y": intent.aim[1],
            "buttons": int(buttons), "ping": intent.ping}


def intent_of(move: tuple[float, float], aim: tuple[float, float], buttons: int,
              ping: int) -> Intent:
    """The Intent an INPUT's values stand for (the inverse of `input_values`)."""
    b = Buttons(buttons)
    return Intent(move=move, aim=aim, paint=Buttons.PAINT in b, ability=Buttons.ABILITY in b,
                  shove=Buttons.SHOVE in b, ping=ping)
