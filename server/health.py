"""What a host process says about itself: the `/healthz` report (`server.pages` answers it).

Imports game.percentile and the server's config and metrics (rooms only as types); never
websockets, the host or a socket.

`/healthz` is JSON. Its `status` is "ok", "degraded" when a room has started every tick more
than `BEHIND_PERIODS` tick periods late for `DEGRADED_AFTER` seconds or more (the host cannot
keep up: a load balancer should send new rooms elsewhere), or "stopping" while it drains. The tick
figures cover a room's whole tick: the simulation, the bots, and the snapshots built and sent
for it.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from game.percentile import percentile
from server.config import ServerConfig
from server.metrics import ServerMetrics
from server.ticker import BEHIND_PERIODS

if TYPE_CHECKING:
    from server.room import Room

__all__ = ["DEGRADED_AFTER", "Health", "resident_mb"]

DEGRADED_AFTER = 2.0
"""seconds a room must stay behind schedule before the host reports itself degraded (a
single slow tick, or a garbage collection, is not an overload)"""


def resident_mb() -> float | None:
    """This process's resident memory in MB (None where /proc cannot tell)."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return round(pages * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


class Health:
    """Recent tick costs and the two answers. `note_tick` is called after every room tick."""

    def __init__(self, config: ServerConfig, metrics: ServerMetrics) -> None:
        self.config = config
        self.metrics = metrics
        self.tick_times: deque[float] = deque(maxlen=3000)
        """the last ticks' whole costs over all rooms, in seconds"""

    def note_tick(self, seconds: float) -> None:
        self.tick_times.append(seconds)
        self.metrics.tick_seconds.observe(seconds)

    def status(self, rooms: Iterable[Room], now: float, stopping: bool) -> str:
        """"stopping", "degraded" or "ok" (`now` on the event loop's clock, as the rooms'
        schedules are)."""
        if stopping:
            return "stopping"
        for r in rooms:
            since = r.behind_since
            if since is not None and now - since >= DEGRADED_AFTER:
                return "degraded"
        return "ok"

    def report(self, rooms: list[Room], *, connections: int, levels: list[str],
               stopping: bool, uptime: float, now: float) -> dict[str, Any]:
        """The /healthz JSON object."""
        behind = [now - r.behind_since for r in rooms if r.behind_since is not None]
        return {
            "status": self.status(rooms, now, stopping),
            "name": self.config.name,
            "uptime_seconds": round(uptime, 1),
            "rooms": len(rooms),
            "playing": sum(1 for r in rooms if r.ticking),
            "paused": sum(1 for r in rooms if r.paused),
            "connections": connections,
            "dreamers": sum(r.dreamer_count() for r in rooms),
            "spectators": sum(len(r.spectators) for r in rooms),
            "levels": levels,
            "tick_ms": _quantiles(self.tick_times),
            "tick_lag_ms_max": round(max((r.lag for r in rooms), default=0.0) * 1000, 2),
            "rooms_behind": sum(1 for r in rooms
                                if r.lag > BEHIND_PERIODS / self.config.tick_rate),
            "behind_seconds_max": round(max(behind, default=0.0), 2),
            "memory_mb": resident_mb(),
        }


def _quantiles(values: deque[float]) -> dict[str, float]:
    """p50, p99 and max in milliseconds of recent tick costs."""
    if not values:
        return {"p50": 0.0, "p99": 0.0, "max": 0.0, "samples": 0}
    return {"p50": round(percentile(values, 50) * 1000, 3),
            "p99": round(percentile(values, 99) * 1000, 3),
            "max": round(max(values) * 1000, 3), "samples": len(values)}
