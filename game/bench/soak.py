"""`dreamlayer bench soak`: does a host give back the memory of the rooms it has closed?

One server subprocess (`python -m server` on a free 127.0.0.1 port, a temporary config with
empty rooms closed at once and the abuse caps lifted for this one address). Rooms are played
`parallel` at a time: a network player creates a bot-filled room, starts its night, sends an
input (so the night clock runs), reads `snapshots` snapshots and leaves; the room then closes.
The server's VmRSS is read once the first 10 rooms have been played and closed (and the host
has handed their memory back), every 50 rooms after, and after all of them. A host that
returns what its rooms used ends within a few percent of the first figure; one that leaks
grows with every room.

Prints numbers and never fails a test run. Imports game.net, game.remote and the helpers of
game.bench.host; never game.client.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from game.bench.host import HostProcess
from game.bench.host import http_get as _http_get
from game.bench.host import rss_kb as _rss_kb
from game.net.records import input_values
from game.net.schema import Kind
from game.remote import Remote, RemoteError
from game.sim.intent import Intent

__all__ = ["render", "soak"]

FIRST = 10
"""rooms played before the first reading"""


def _config_toml(parallel: int) -> str:
    return (
        'name = "bench soak"\nlog_level = "WARNING"\n[server]\nworkers = 1\n'
        f"[rooms]\nmax = {parallel + 8}\nmax_players = 4\nempty_grace_seconds = 0\n"
        f"max_per_connection = 1\nmax_per_address = {parallel + 8}\n"
        "creations_per_minute = 6000\ncreation_burst = 1000\n"
        f"[security]\nmax_connections_per_ip = {parallel * 2 + 8}\n"
    )


async def _play_one(url: str, k: int, level: str, snapshots: int) -> None:
    """One room: create, start, one input, `snapshots` snapshots, leave."""
    r = await Remote.connect(url, f"soak {k}")
    try:
        await r.create_room(level=level, max_dreamers=4, hazard=1, bot_fill=True)
        await r.send(Kind.START)
        await r.expect(Kind.MATCH_START)
        await r.send(Kind.INPUT, input_values(1, Intent(), 0))
        seen = 0
        while seen < snapshots:
            msg = await r.expect(Kind.SNAPSHOT, Kind.MATCH_END)
            if msg.kind is Kind.MATCH_END:
                break
            seen += 1
        await r.send(Kind.LEAVE)
    finally:
        await r.close()


async def _rooms_open(port: int) -> int:
    return int(json.loads(await _http_get(port, "/healthz"))["rooms"])


async def _trims(port: int) -> float:
    """How many times the host has handed freed memory back (its /metrics counter)."""
    for family in text_string_to_metric_families(await _http_get(port, "/metrics")):
        if family.name == "dreamlayer_memory_trims":
            return sum(s.value for s in family.samples if s.name.endswith("_total"))
    return 0.0


async def _settle(port: int, timeout: float = 30.0) -> None:
    """Wait until the host has closed every room and then handed their memory back (it does
    so within seconds of a room closing, where the C library allows; without, the wait ends
    at `timeout`). RuntimeError if rooms stay open that long."""
    deadline = time.monotonic() + timeout
    while await _rooms_open(port):
        if time.monotonic() > deadline:
            raise RuntimeError("the host kept rooms open after their players left")
        await asyncio.sleep(0.2)
    trims = await _trims(port)
    deadline = time.monotonic() + timeout
    while await _trims(port) <= trims and time.monotonic() < deadline:
        await asyncio.sleep(0.2)


async def _run(port: int, pid: int, rooms: int, parallel: int, level: str, snapshots: int,
               on_room: Callable[[int], None] | None) -> dict[str, Any]:
    url = f"ws://127.0.0.1:{port}"
    rss_start = _rss_kb(pid)
    readings: dict[int, int] = {}
    played = 0
    t0 = time.monotonic()
    marks = sorted({min(FIRST, rooms), *range(50, rooms, 50), rooms})
    for upto in marks:
        while played < upto:
            batch = range(played, min(played + parallel, upto))
            await asyncio.gather(*(_play_one(url, k, level, snapshots) for k in batch))
            played = batch[-1] + 1
            if on_room is not None:
                on_room(played)
        await _settle(port)
        readings[played] = _rss_kb(pid)
    first, last = readings[min(FIRST, rooms)], readings[rooms]
    return {
        "bench": "soak", "rooms": rooms, "parallel": parallel, "level": level,
        "snapshots_per_room": snapshots, "seconds": round(time.monotonic() - t0, 1),
        "rss_start_mb": round(rss_start / 1024, 2),
        f"rss_after_{min(FIRST, rooms)}_mb": round(first / 1024, 2),
        f"rss_after_{rooms}_mb": round(last / 1024, 2),
        "growth_percent": round((last - first) / first * 100, 2) if first else None,
        "growth_kb_per_room": round((last - first) / max(rooms - FIRST, 1), 1),
        "rss_mb_by_rooms": {n: round(kb / 1024, 2) for n, kb in readings.items()},
    }


def soak(rooms: int = 200, *, parallel: int = 8, level: str = "first-retreat",
         snapshots: int = 45, on_room: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Play `rooms` rooms (`parallel` at a time) against one server subprocess and read its
    memory after the first 10 and after all of them. The subprocess is always stopped.
    Raises RuntimeError (with the end of the server's log) if it does not come up, stops
    answering or keeps rooms open."""
    with tempfile.TemporaryDirectory(prefix="dreamlayer-soak-") as tmp:
        cfg = Path(tmp, "server.toml")
        cfg.write_text(_config_toml(parallel))
        host = HostProcess(cfg, Path(tmp, "server.log"))

        async def main() -> dict[str, Any]:
            async with host:
                return await _run(host.port, host.pid, rooms, parallel, level, snapshots,
                                  on_room)

        try:
            return asyncio.run(main())
        except (RemoteError, OSError, TimeoutError) as e:
            raise RuntimeError(f"{e}: {host.log_tail()}") from e
        except RuntimeError as e:
            raise RuntimeError(f"{e}: {host.log_tail()}") from e


def render(result: dict[str, Any]) -> str:
    """The soak's figures as a few lines for a person."""
    n = result["rooms"]
    first = min(FIRST, n)
    return "\n".join([
        f"soak: {n} rooms of {result['level']} ({result['parallel']} at a time, "
        f"{result['snapshots_per_room']} snapshots each), {result['seconds']} s",
        f"  host RSS at start        {result['rss_start_mb']:8.1f} MB",
        f"  after {first:>3} rooms closed {result[f'rss_after_{first}_mb']:8.1f} MB",
        f"  after {n:>3} rooms closed {result[f'rss_after_{n}_mb']:8.1f} MB",
        f"  growth {result['growth_percent']} % ({result['growth_kb_per_room']} KB per room;"
        " goal: within 10 %)",
        "  RSS by rooms played: " + ", ".join(
            f"{k}: {v:.1f} MB" for k, v in result["rss_mb_by_rooms"].items()),
    ])
