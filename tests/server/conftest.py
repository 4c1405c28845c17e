"""Servers for tests: real websockets on 127.0.0.1, an ephemeral port, always stopped; a clock
the test moves by hand; waiting on a condition with a deadline instead of sleeping."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from game.sim.world import World
from server.config import ServerConfig
from server.host import Host
from server.metrics import ServerMetrics
from server.room import Member, Room

T = TypeVar("T")


class Clock:
    """A monotonic clock that moves only when told (`advance`)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.t = start

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


async def until(cond: Callable[[], object], what: str, within: float = 15.0) -> None:
    """Wait until `cond()` is true; AssertionError naming `what` after `within` seconds (a
    deadline for a stuck test, never a measurement)."""
    deadline = time.monotonic() + within
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting for {what}")
        await asyncio.sleep(0.01)


def serve_and(fn: Callable[[Host, str], Awaitable[T]], night_seconds: int | None = None,
              timeout: float = 90.0, clock: Callable[[], float] | None = None,
              **config: Any) -> T:
    """Start a Host (with `clock` if given), run `fn(host, url)` against it, stop the host;
    returns fn's result."""

    async def main() -> T:
        cfg = ServerConfig(host="127.0.0.1", port=0, **config)
        host = Host(cfg) if clock is None else Host(cfg, clock=clock)
        if night_seconds is not None:
            host.levels = [dataclasses.replace(lv, night_seconds=night_seconds)
                           for lv in host.levels]
        await host.start()
        try:
            return await asyncio.wait_for(fn(host, f"ws://127.0.0.1:{host.port}"), timeout)
        finally:
            await host.shutdown("test over")

    return asyncio.run(main())


class Site:
    """A `RoomSite` for rooms tested without a host: a hand-moved clock, and a record of the
    seats ended, the failures and the tick costs reported."""

    def __init__(self, config: ServerConfig | None = None, clock: Clock | None = None) -> None:
        self.config = config if config is not None else ServerConfig()
        self.metrics = ServerMetrics()
        self.clock = clock if clock is not None else Clock()
        self.ended: list[tuple[str, int]] = []
        self.why: list[str] = []
        self.failed: list[str] = []
        self.ticks: list[float] = []
        self.changes = 0

    def now(self) -> float:
        return self.clock()

    def seat_ended(self, room: Room, member: Member, why: str) -> None:
        self.ended.append((room.code, member.id))
        self.why.append(why)

    def room_failed(self, room: Room, reason: str) -> None:
        self.failed.append(reason)

    def tick_done(self, room: Room, seconds: float) -> None:
        self.ticks.append(seconds)

    def room_changed(self, room: Room) -> None:
        self.changes += 1

    def record(self, room: Room, world: World, seed: int, people: set[int],
               companions: set[int]) -> None:
        return None  # rooms tested without a host record nothing
