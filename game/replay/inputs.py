"""One person's controls for one tick, quantised to whole steps: what a room applies and a
replay records.

A replay holds the people's inputs, not their dreamers' positions, so re-simulating it is
bit-exact only if the room applies exactly what the file holds. INPUT carries 64-bit
floats; a night of those does not compress (every tick's aim differs in its last bits),
so the room rounds them to `PersonInput`'s steps first and applies
`PersonInput.intent()`: the recorded integers *are* the applied input. The steps are below
what a player can feel: a move as a direction in 1/256 turns (the eight keyboard
directions exactly) and a length in 1/16ths (a gamepad's stick), an aim to one pixel (a
paint cell is 8). A direction changes by a step or two from one tick to the next where x
and y would both change, so a night takes half the room.

Imports game.sim.intent and game.net.records (the INPUT's buttons) only.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from game.net.records import Buttons
from game.sim.intent import AIM_LIMIT, Intent

__all__ = ["AIMING_BUTTONS", "AIM_MAX", "ALL_BUTTONS", "DIRECTIONS", "LENGTH_STEPS", "PING_MAX",
           "PersonInput"]

DIRECTIONS = 256
"""a move's direction is a whole number of 1/256 turns, 0..255 (0 is +x, 64 is +y)"""
LENGTH_STEPS = 16
"""a move's length is a whole number of 1/16ths, 0..16"""
AIM_MAX = int(AIM_LIMIT)
"""an aim component is a whole number of pixels, -AIM_MAX..AIM_MAX"""
PING_MAX = 3


def _unit(k: int) -> tuple[float, float]:
    """The unit vector of direction k, exact on the axes and the diagonals."""
    if k % (DIRECTIONS // 8) == 0:
        x, y = ((1.0, 0.0), (_R, _R), (0.0, 1.0), (-_R, _R), (-1.0, 0.0), (-_R, -_R),
                (0.0, -1.0), (_R, -_R))[k // (DIRECTIONS // 8)]
        return x, y
    a = 2 * math.pi * k / DIRECTIONS
    return math.cos(a), math.sin(a)


_R = 0.7071067811865475
"""sqrt(1/2) rounded down, so that a diagonal stays inside the unit disc"""
_UNITS = tuple(_unit(k) for k in range(DIRECTIONS))


class PersonInput(NamedTuple):
    """One tick of a person's controls in whole steps (see the module docstring).

    Build it with `of()` from an INPUT's values or `of_intent()` from an Intent; both
    clamp, so any instance they return is in range. `intent()` is what the room applies.
    """

    move_dir: int
    """0..DIRECTIONS-1, in 1/256 turns from +x towards +y (read only if move_len > 0)"""
    move_len: int
    """0..LENGTH_STEPS"""
    aim_x: int
    """pixels, -2048..2048"""
    aim_y: int
    buttons: int
    """game.net.records.Buttons bits, 0..7"""
    ping: int
    """a PingKind value, 0..3"""

    @classmethod
    def of(cls, move: tuple[float, float], aim: tuple[float, float], buttons: int,
           ping: int) -> PersonInput:
        """The steps of an INPUT's values (as `game.net.records.intent_of` takes them)."""
        mx, my = move
        ax, ay = aim
        length = 0
        if math.isfinite(mx) and math.isfinite(my):
            n = math.hypot(mx, my)
            length = LENGTH_STEPS if n >= 1.0 else round(n * LENGTH_STEPS)
        direction = round(math.atan2(my, mx) * _PER_RADIAN) % DIRECTIONS if length else 0
        return cls(direction, length,
                   min(max(round(ax), -AIM_MAX), AIM_MAX) if math.isfinite(ax) else 0,
                   min(max(round(ay), -AIM_MAX), AIM_MAX) if math.isfinite(ay) else 0,
                   int(buttons) & _ALL, int(ping) if 0 <= ping <= PING_MAX else 0)

    @classmethod
    def of_intent(cls, intent: Intent) -> PersonInput:
        """The steps of an Intent (a bot standing in for a person)."""
        buttons = ((_PAINT if intent.paint else 0) | (_ABILITY if intent.ability else 0)
                   | (_SHOVE if intent.shove else 0))
        return cls.of(intent.move, intent.aim, buttons, intent.ping)

    def intent(self) -> Intent:
        """The Intent these steps stand for: what the room applies and a replay re-applies,
        the same as `game.net.records.intent_of` makes of them. A move of length 0 is
        (0.0, 0.0) whatever its direction says."""
        if self.move_len:
            ux, uy = _UNITS[self.move_dir % DIRECTIONS]
            f = self.move_len / LENGTH_STEPS
            move = (ux * f, uy * f)
        else:
            move = (0.0, 0.0)
        b = self.buttons
        # built here rather than through intent_of, whose IntFlag arithmetic costs a room
        # microseconds per person and tick; a test keeps the two equal
        return Intent(move, (float(self.aim_x), float(self.aim_y)), bool(b & _PAINT),
                      bool(b & _ABILITY), bool(b & _SHOVE), self.ping)

    def coasting(self) -> PersonInput:
        """What a room repeats while a person's inputs are late: the same move, aim and
        held brush, no press and no ping."""
        return self._replace(buttons=self.buttons & _PAINT, ping=0)

    @property
    def aims(self) -> bool:
        """Whether the simulation reads the aim this tick: only a brush stroke, an ability
        or a ping uses it. On other ticks a replay holds the last aim that did."""
        return bool(self.buttons & _AIMING) or self.ping != 0


_PAINT, _ABILITY, _SHOVE = int(Buttons.PAINT), int(Buttons.ABILITY), int(Buttons.SHOVE)
_ALL = ALL_BUTTONS = _PAINT | _ABILITY | _SHOVE
"""every button bit: `PersonInput.buttons` lies in 0..ALL_BUTTONS"""
_AIMING = AIMING_BUTTONS = _PAINT | _ABILITY
"""the buttons whose press reads the aim"""
_PER_RADIAN = DIRECTIONS / (2 * math.pi)

STILL = PersonInput(0, 0, 0, 0, 0, 0)
"""standing still, pressing nothing: the room's input for a person who sent none yet"""

__all__ += ["STILL"]
