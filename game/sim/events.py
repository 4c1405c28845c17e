"""What happened during a tick: the events `World.step()` returns.

Events are facts for the HUD, the sound, the story and the server's broadcast; the world's
state never depends on anyone reading them.

Imports nothing from the game.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

__all__ = ["Event", "EventKind", "Outcome", "PingKind"]


class EventKind(IntEnum):
    """Kinds of event. `entity` is the subject; `other` the cause where there is one."""

    PAINTED = 1
    """entity painted `value` cells this tick"""
    DISTORTED = 2
    """entity (a dreamer) was distorted by `other` (a cadre member)"""
    ASLEEP = 3
    """entity fell asleep at (x, y)"""
    REVIVED = 4
    """entity woke from sleep; `other` is the teammate who painted nearest (-1: it woke on
    its own, after Tuning.sleep_ticks)"""
    AWAKENED = 5
    """entity (a cadre member) was awakened and left the dream; value is 1 on mosaic"""
    RIFT_SEALED = 6
    """rift number `value` was sealed at (x, y)"""
    HIJACK = 7
    """Ethan (entity) began to hijack the dreamscape around (x, y)"""
    METER_WARNING = 8
    """the meter of realm `other` fell below `value`"""
    VICTORY = 9
    """the retreat is won; value is 1 for all rifts sealed, 2 for dawn"""
    FRACTURE = 10
    """the meter of realm `other` collapsed: the dreamscape fractured"""
    PING = 11
    """entity pinged (x, y) with PingKind `value`"""
    SHOVE = 12
    """entity shoved; value is how many it hit"""
    BURST = 13
    """entity's Mosaic Burst at (x, y)"""
    BEACON = 14
    """entity placed a NeuroNook beacon at (x, y)"""
    RALLY = 15
    """entity rallied; value is how many distorted allies it freed"""
    CADRE_ARRIVED = 16
    """a cadre member (entity) slipped in at (x, y)"""
    ETHAN_ARRIVED = 17
    ETHAN_DRIVEN_OUT = 18
    DREAMER_JOINED = 19
    RIFT_OPENED = 20
    """rift number `value` opened at (x, y)"""


class PingKind(IntEnum):
    """What a ping says. NONE in an intent means no ping."""

    NONE = 0
    NIGHTMARE = 1
    HELP = 2
    RIFT = 3


class Outcome(IntEnum):
    """Where the match stands."""

    RUNNING = 0
    SEALED = 1
    """won: every rift sealed before dawn"""
    DAWN = 2
    """won: dawn came with both unity meters standing"""
    FRACTURE = 3
    """lost: a unity meter collapsed"""

    @property
    def won(self) -> bool:
        return self in (Outcome.SEALED, Outcome.DAWN)


@dataclass(frozen=True, slots=True)
class Event:
    kind: EventKind
    entity: int = -1
    x: float = 0.0
    y: float = 0.0
    value: float = 0.0
    other: int = -1
