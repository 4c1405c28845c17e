"""What a dreamer (or a cadre member) wants to do this tick: the only input of the world.

Intents say what a player presses, never where they are. `Intent.sanitised()` clamps
everything into range, so a hostile or buggy controller can at worst stand still.

Imports the events module (for PingKind) only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from game.sim.events import PingKind

__all__ = ["AIM_LIMIT", "IDLE", "Intent"]

AIM_LIMIT = 2048.0
"""Largest aim offset in pixels, either axis."""


def _finite(v: float, limit: float) -> float:
    if not math.isfinite(v):
        return 0.0
    return min(max(v, -limit), limit)


@dataclass(frozen=True, slots=True)
class Intent:
    """One tick of controls.

    move: desired direction, clamped to the unit disc.
    aim: where the brush points, as an offset in pixels from the dreamer (the brush itself
        is held within the role's reach; pings go where the aim points).
    paint: the brush is held down.
    ability: the role's ability is pressed this tick (used if ready).
    shove: shove is pressed this tick (used if ready).
    ping: a PingKind to place at the aim point, or NONE.
    """

    move: tuple[float, float] = (0.0, 0.0)
    aim: tuple[float, float] = (0.0, 0.0)
    paint: bool = False
    ability: bool = False
    shove: bool = False
    ping: int = PingKind.NONE

    def sanitised(self) -> Intent:
        """This intent with every field in range (non-finite numbers become 0).

        Returns the intent itself when it is already in range (the common case).
        """
        (mx, my), (ax, ay) = self.move, self.aim
        if (
            type(mx) is float and type(my) is float and type(ax) is float and type(ay) is float
            and mx * mx + my * my <= 1.0
            and -AIM_LIMIT <= ax <= AIM_LIMIT and -AIM_LIMIT <= ay <= AIM_LIMIT
            and type(self.paint) is bool and type(self.ability) is bool
            and type(self.shove) is bool and 0 <= self.ping <= _PING_MAX
        ):
            return self  # NaN fails every comparison above, so it never gets here
        mx, my = _finite(float(self.move[0]), 1.0), _finite(float(self.move[1]), 1.0)
        n = math.hypot(mx, my)
        if n > 1.0:
            mx, my = mx / n, my / n
        ping = int(self.ping) if int(self.ping) in PingKind._value2member_map_ else 0
        return Intent(
            move=(mx, my),
            aim=(_finite(float(self.aim[0]), AIM_LIMIT), _finite(float(self.aim[1]), AIM_LIMIT)),
            paint=bool(self.paint),
            ability=bool(self.ability),
            shove=bool(self.shove),
            ping=ping,
        )


IDLE = Intent()
_PING_MAX = max(PingKind)
