"""Servers for tests: real websockets on 127.0.0.1, an ephemeral port, always stopped; a clock
the test moves by hand; waiting on a condition with a deadline instead of sleeping.

`serve_and(..., workers=2)` serves the same test from a host with two workers behind a
supervisor: the real supervisor, door, control channels, socket hand-over, board and relay,
with the workers run in this process (`InlineLauncher`) so the test can still move their
clock and look into their rooms (`Hosts` adds up what it reads). Worker processes proper are
tested in test_workers.py. `redis_server` is a real redis-server of the test's own."""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import os
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, cast

from game.sim.world import World
from server.config import ServerConfig
from server.host import Host
from server.metrics import ServerMetrics
from server.room import Member, Room
from server.supervisor import Supervisor, WorkerHandle
from server.worker import Worker
from tests.server.redis_server import redis_server  # noqa: F401  (a fixture of these tests)

T = TypeVar("T")


class Clock:
    """A monotonic clock that moves only when told (`advance`)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.t = start

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


async def until(cond: Callable[[], object], what: str, within: float = 15.0,
                every: float = 0.01) -> None:
    """Wait until `cond()` is true (awaited first when it gives an awaitable), asking every
    `every` seconds; AssertionError naming `what` after `within` seconds (a deadline for a
    stuck test, never a measurement)."""
    deadline = time.monotonic() + within
    while True:
        got = cond()
        if inspect.isawaitable(got):
            got = await got
        if got:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting for {what}")
        await asyncio.sleep(every)


def serve_and(fn: Callable[[Host, str], Awaitable[T]], night_seconds: int | None = None,
              timeout: float = 90.0, clock: Callable[[], float] | None = None,
              workers: int = 1, **config: Any) -> T:
    """Start a Host (with `clock` if given), run `fn(host, url)` against it, stop the host;
    returns fn's result. With `workers` above 1, a supervisor and that many workers in this
    process, and `fn` gets their `Hosts` as its host."""

    def prepare(host: Host) -> None:
        if night_seconds is not None:
            host.levels = [dataclasses.replace(lv, night_seconds=night_seconds)
                           for lv in host.levels]

    async def main() -> T:
        cfg = ServerConfig(host="127.0.0.1", port=0, workers=workers, **config)
        if workers > 1:
            return await _with_workers(cfg, fn, prepare, clock or time.monotonic, timeout)
        host = Host(cfg) if clock is None else Host(cfg, clock=clock)
        prepare(host)
        await host.start()
        try:
            return await asyncio.wait_for(fn(host, f"ws://127.0.0.1:{host.port}"), timeout)
        finally:
            await host.shutdown("test over")

    return asyncio.run(main())


async def _with_workers(cfg: ServerConfig, fn: Callable[[Host, str], Awaitable[T]],
                        prepare: Callable[[Host], None], clock: Callable[[], float],
                        timeout: float) -> T:
    launcher = InlineLauncher(clock, prepare)
    supervisor = Supervisor(cfg, launcher=launcher, clock=clock)
    await supervisor.start()
    try:
        hosts = Hosts(supervisor, launcher)
        return await asyncio.wait_for(fn(cast(Host, hosts), f"ws://127.0.0.1:{supervisor.port}"),
                                      timeout)
    finally:
        await supervisor.stop("test over")


class InlineWorker:
    """A worker run as a task of this process (a `WorkerHandle`)."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self.pid = os.getpid()
        self.task = asyncio.get_running_loop().create_task(worker.run())

    async def wait(self) -> int:
        try:  # (shielded: a waiter given up on, as the supervisor's stop does, ends no worker)
            await asyncio.shield(self.task)
        except asyncio.CancelledError:
            if not self.task.cancelled():
                raise
            return -9
        return 0

    def terminate(self) -> None:
        self.worker.stop("the server is shutting down (SIGTERM)")

    def kill(self) -> None:
        self.task.cancel()


class InlineLauncher:
    """Workers in this process, on real control channels (a `Launcher`)."""

    def __init__(self, clock: Callable[[], float], prepare: Callable[[Host], None]) -> None:
        self.clock = clock
        self.prepare = prepare
        self.workers: dict[int, InlineWorker] = {}

    async def launch(self, channel_end: socket.socket, slot: int) -> WorkerHandle:
        end = socket.socket(fileno=os.dup(channel_end.fileno()))  # the caller closes its own
        self.workers[slot] = InlineWorker(Worker(end, clock=self.clock, prepare=self.prepare))
        return self.workers[slot]


class _SummedIds:
    def __init__(self, hosts: list[Host]) -> None:
        self.hosts = hosts

    def __len__(self) -> int:
        return sum(len(h.directory.ids) for h in self.hosts)


class _SummedDirectory:
    def __init__(self, hosts: list[Host]) -> None:
        self.ids = _SummedIds(hosts)


class _SummedMetrics:
    def __init__(self, hosts: Hosts) -> None:
        self.hosts = hosts

    def value(self, name: str, **labels: str) -> float:
        door = self.hosts.supervisor.metrics.registry.get_sample_value(name, labels) or 0.0
        return door + sum(h.metrics.value(name, **labels) for h in self.hosts.all())


class Hosts:
    """The workers' Hosts of a supervisor as one host, for what tests read and do: rooms,
    tokens, connections and metrics added up; `sweep()` and `close_room()` where they
    belong."""

    def __init__(self, supervisor: Supervisor, launcher: InlineLauncher) -> None:
        self.supervisor = supervisor
        self.launcher = launcher
        self.config = supervisor.config
        self.metrics = _SummedMetrics(self)

    def all(self) -> list[Host]:
        return [w.worker.host for w in self.launcher.workers.values()
                if w.worker.host is not None]

    @property
    def rooms(self) -> dict[str, Room]:
        return {code: r for h in self.all() for code, r in h.rooms.items()}

    @property
    def tokens(self) -> dict[str, tuple[str, int]]:
        return {t: seat for h in self.all() for t, seat in h.tokens.items()}

    @property
    def connections(self) -> dict[tuple[int, int], Any]:
        """Client connections (a relay's line between two workers is not one)."""
        return {(k, cid): c for k, h in enumerate(self.all())
                for cid, c in h.connections.items() if not c.relayed}

    @property
    def directory(self) -> _SummedDirectory:
        return _SummedDirectory(self.all())

    def sweep(self) -> None:
        for h in self.all():
            h.sweep()

    def close_room(self, room: Room, reason: str) -> None:
        for h in self.all():
            if h.rooms.get(room.code) is room:
                h.close_room(room, reason)


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
