"""What a dreamer (or a cadre member) wants to do this tick: the only input of the world.

Intents say what a player presses, never where they are. An `Intent` clamps every field
into range when it is made, so a hostile or buggy controller can at worst stand still.

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
    ping: int = 0
    """a PingKind value"""

    def __post_init__(self) -> None:
        """Bring every field into range: an Intent cannot exist out of range, whoever built
        it (a bot, a decoded network message, a test). Non-finite numbers become 0."""
        (mx, my), (ax, ay) = self.move, self.aim
        if (
            type(mx) is float and type(my) is float and type(ax) is float and type(ay) is float
            # (a unit vector's squares may add up to a hair over 1: what the mending below
            # would leave as it is, it may keep at once)
            and (mx * mx + my * my <= 1.0 or math.hypot(mx, my) <= 1.0)
            and -AIM_LIMIT <= ax <= AIM_LIMIT and -AIM_LIMIT <= ay <= AIM_LIMIT
            and type(self.paint) is bool and type(self.ability) is bool
            and type(self.shove) is bool and type(self.ping) is int
            and 0 <= self.ping <= _PING_MAX
        ):
            return  # the common case; NaN fails the comparisons above and is mended below
        mx, my = _finite(float(mx), 1e9), _finite(float(my), 1e9)
        n = math.hypot(mx, my)
        if n > 1.0:
            mx, my = mx / n, my / n
        ping = int(self.ping) if 0 <= int(self.ping) <= _PING_MAX else 0
        put = object.__setattr__
        put(self, "move", (mx, my))
        put(self, "aim", (_finite(float(ax), AIM_LIMIT), _finite(float(ay), AIM_LIMIT)))
        put(self, "paint", bool(self.paint))
        put(self, "ability", bool(self.ability))
        put(self, "shove", bool(self.shove))
        put(self, "ping", ping)


_PING_MAX = int(max(PingKind))
IDLE = Intent()

