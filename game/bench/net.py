"""The network benchmark behind `dreamlayer bench net`: it prints numbers, never fails a test.

Four measurements, each a function returning a JSON-ready dict (`bench_net` runs them all,
`render` turns the result into the table the command prints):

1. `measure_match`: a 4-dreamer match over real websockets on 127.0.0.1, the server (a
   `server.host.Host`) in this process on an ephemeral port, the players from
   `game.swarm.swarm` (ally-bot policies). Downstream bytes per client are counted where the
   server hands each message to its socket (the host's connection handler is wrapped, so
   `swarm` runs unchanged), which gives per-second samples; on loopback that is what the
   client receives. Snapshots per second and input->ack latency come from the players.
2. `entity_bytes`: in-process, no network. A bot match on the largest level (4 dreamers, the
   level's hazard); every 2 ticks an `Observer` builds a snapshot; the entities blob's length
   divided by the number of entities whose wire state changed since the previous snapshot.
3. `join_state_sizes`: in-process, after 1800 ticks of bot play on each level, the length of
   the compressed full state a joining client is sent.
4. `measure_load`: R rooms x 4 clients against ONE server process (`python -m server`, a
   subprocess with a temporary TOML config). The clients are lightweight (`game.remote.Remote`,
   one INPUT per tick with a slowly turning move and the brush held; every message read and
   counted), all in this process. Reports tick time (`/healthz` and the `/metrics`
   histogram), drops and disconnects, client bytes/s, and the server's VmRSS before any
   room, with the rooms playing, and with N more idle connections (HELLO only).

Sizes: 1 KB = 1024 bytes, 1 MB = 1024 KB. Budgets are DESIGN.md's; each is reported as a
check (`measured`, `budget`, `ok`) and never raised as an error.

Imports game.bench.sim, game.match, game.bots, game.net, game.remote, game.retreats, game.sim,
game.swarm, and (for parts 1 and 4) server.config and server.host; websockets via
game.remote and the host; the standard library otherwise. Linux only for memory (/proc).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from game.bench.sim import machine_noise
from game.bots.crew import BotCrew
from game.match import lineup
from game.net.schema import Kind
from game.net.session import Phase
from game.net.snapshot import ChunkClock, EntityState, Observer, world_entities
from game.percentile import percentile
from game.remote import Remote, RemoteError
from game.retreats import campaign
from game.sim.events import Event
from game.sim.level import Level
from game.sim.tuning import TICK_RATE
from game.sim.world import World

__all__ = [
    "BUDGETS",
    "bench_net",
    "entity_bytes",
    "join_state_sizes",
    "measure_load",
    "measure_match",
    "render",
]

KB = 1024
MB = 1024 * KB

BUDGETS: dict[str, float] = {
    "downstream_median_bytes_per_s": 3 * KB,
    "bytes_per_changed_entity": 8,
    "join_state_bytes_largest_level": 24 * KB,
    "tick_p99_ms": 10.0,
    "clients_dropped": 0,
    "mb_per_room": 5.0,
    "kb_per_idle_connection": 50.0,
    "tick_rate_share": 0.95,
}
"""DESIGN.md's budgets, in the units the checks use. Each is an upper bound except
`tick_rate_share` (a lower bound): the share of the configured tick rate every room keeps
under load, which DESIGN.md implies by its fixed-rate tick (a tick p99 within budget means
little if the rooms tick less often than they should)."""

_HAZARD = 1
"""hazard of the rooms the network measurements create (swarm's and the host's default)"""
_FRAME_HEADER = 4
"""bytes added per websocket message, as game.swarm counts them"""


# ---------------------------------------------------------------------------- helpers
def _largest(levels: Sequence[Level]) -> Level:
    return max(levels, key=lambda lv: lv.width * lv.height)



def _check(what: str, measured: float | None, budget: float, unit: str, *,
           at_least: bool = False) -> dict[str, Any]:
    """One budget check: measured <= budget (>= with `at_least`); `measured` None means it
    could not be measured (not ok)."""
    ok = measured is not None and math.isfinite(measured) and (
        measured >= budget if at_least else measured <= budget)
    return {"what": what, "measured": measured, "budget": budget, "unit": unit,
            "at_least": at_least, "ok": ok}


def _kind_code(data: bytes | bytearray | memoryview) -> int:
    """The message code of one encoded message (a msgpack array whose first item is the
    code), or -1 if it does not look like one. Only peeks at the header."""
    b = bytes(data[:4])
    if len(b) >= 2 and b[0] & 0xF0 == 0x90:  # fixarray
        return b[1]
    if len(b) >= 4 and b[0] == 0xDC:  # array 16
        return b[3]
    return -1


# ---------------------------------------------------------------------------- 1. one match
@dataclass
class _Tally:
    """What the server sent one connection: (monotonic time, bytes incl. frame, kind)."""

    sends: list[tuple[float, int, int]] = field(default_factory=list)

    def per_second(self) -> tuple[list[float], float]:
        """Bytes in each whole second from this client's first SNAPSHOT on (steady play:
        the join state and the lobby come before it), and the mean over those seconds."""
        first = next((t for t, _, k in self.sends if k == Kind.SNAPSHOT), None)
        if first is None:
            return [], 0.0
        last = max(t for t, _, k in self.sends if k == Kind.SNAPSHOT)
        whole = int(last - first)
        if whole < 1:
            return [], 0.0
        bins = [0.0] * whole
        for t, n, _ in self.sends:
            k = int(t - first)
            if t >= first and k < whole:
                bins[k] += n
        return bins, sum(bins) / whole


async def measure_match(seconds: float = 20.0, dreamers: int = 4) -> dict[str, Any]:
    """A `dreamers`-player match for `seconds` over websockets against an in-process host
    on 127.0.0.1 (ephemeral port, stopped before returning).

    Returns downstream bytes/s per client (steady play, counted by the server per second:
    median and p99 over clients' means and over all per-second samples, plus the players'
    own whole-connection average), snapshots/s, input->ack ms p50/p99 (pooled over the
    players), how each connection ended, and the level and hazard played.
    """
    from game.swarm import swarm
    from server.config import ServerConfig
    from server.host import Host

    host = Host(ServerConfig(host="127.0.0.1", port=0, replays_enabled=False))
    tallies: list[_Tally] = []
    inner = host.handler

    async def counting_handler(ws: Any) -> None:
        tally = _Tally()
        tallies.append(tally)
        send = ws.send

        async def counted(message: Any, *args: Any, **kwargs: Any) -> None:
            await send(message, *args, **kwargs)
            if isinstance(message, bytes | bytearray | memoryview):
                tally.sends.append((time.monotonic(), len(message) + _FRAME_HEADER,
                                    _kind_code(message)))

        ws.send = counted
        await inner(ws)

    host.handler = counting_handler  # type: ignore[method-assign]
    await host.start()
    try:
        level = host.levels[0]
        stats = await swarm(f"ws://127.0.0.1:{host.port}", dreamers, seconds, hazard=_HAZARD)
    finally:
        await host.shutdown("benchmark over")
    means: list[float] = []
    samples: list[float] = []
    for t in tallies:
        bins, mean = t.per_second()
        if bins:
            means.append(mean)
            samples.extend(bins)
    rows = [s.summary() for s in stats]
    acks = [a for s in stats for a in s.ack_ms]
    snaps = [r["snapshots_per_s"] for r in rows]
    return {
        "level": level.name,
        "hazard": _HAZARD,
        "dreamers": dreamers,
        "seconds": seconds,
        "downstream_bytes_per_s": {
            "client_median": round(percentile(means, 50), 1),
            "client_p99": round(percentile(means, 99), 1),
            "second_median": round(percentile(samples, 50), 1),
            "second_p99": round(percentile(samples, 99), 1),
            "second_samples": len(samples),
            "player_mean": round(sum(r["downstream_bytes_per_s"] for r in rows)
                                 / max(len(rows), 1), 1),
        },
        "snapshots_per_s": round(percentile(snaps, 50), 2),
        "ack_ms": {"p50": round(percentile(acks, 50), 2), "p99": round(percentile(acks, 99), 2),
                   "samples": len(acks)},
        "players": rows,
        "ended": sorted({r["ended"] for r in rows}),
    }


# ---------------------------------------------------------------------------- 2. entity bytes
def _bot_world(level: Level, seed: int, dreamers: int) -> tuple[World, BotCrew]:
    world = World(level, seed, hazard=level.hazard)
    crew = BotCrew(world, seed)
    for realm, role in lineup(dreamers):
        crew.add_ally(world.add_dreamer(realm, role))
    return world, crew


def entity_bytes(ticks: int | None = None, *, seed: int = 1, dreamers: int = 4,
                 snapshot_every: int = 2, level: Level | None = None) -> dict[str, Any]:
    """Bytes per changed entity in snapshots of a bot match (default: the largest level,
    its own hazard), played to its end or for `ticks` ticks.

    An entity counts as changed when it is new or its quantised position or status differs
    from the previous snapshot (computed from `world_entities`, independently of the
    encoder). Snapshots with no changed entity are skipped. Returns the mean and max of
    the per-snapshot ratio, the overall ratio (all blob bytes / all changes), and counts.
    """
    lv = level or _largest(campaign())
    world, crew = _bot_world(lv, seed, dreamers)
    clock = ChunkClock(world)
    observer = Observer(clock)
    observer.full_state(world)
    prev: dict[int, EntityState] = world_entities(world)
    ratios: list[float] = []
    total_bytes = total_changed = snapshots = cadre_max = 0
    events: list[Event] = []
    while world.running and (ticks is None or world.tick < ticks):
        events = world.step(crew.decide(world, events))
        clock.note(world)
        if world.tick % snapshot_every:
            continue
        now = world_entities(world)
        changed = sum(1 for eid, e in now.items() if prev.get(eid) != e)
        blob = observer.delta(world, [], 0)["entities"]
        prev = now
        snapshots += 1
        cadre_max = max(cadre_max, len(world.cadre))
        if changed:
            ratios.append(len(blob) / changed)
            total_bytes += len(blob)
            total_changed += changed
    return {
        "level": lv.name,
        "hazard": lv.hazard,
        "dreamers": dreamers,
        "ticks": world.tick,
        "snapshots": snapshots,
        "snapshots_with_changes": len(ratios),
        "changed_per_snapshot": round(total_changed / max(len(ratios), 1), 2),
        "cadre_max": cadre_max,
        "bytes_per_changed_mean": round(sum(ratios) / len(ratios), 3) if ratios else 0.0,
        "bytes_per_changed_max": round(max(ratios), 3) if ratios else 0.0,
        "bytes_per_changed_overall": round(total_bytes / max(total_changed, 1), 3),
    }


# ---------------------------------------------------------------------------- 3. join state
def join_state_sizes(ticks: int = 1800, *, seed: int = 1,
                     dreamers: int = 4) -> list[dict[str, Any]]:
    """For every level of the campaign: the compressed full state's length after `ticks`
    ticks of bot play (`dreamers` ally bots, the level's hazard; fewer if the match ends)."""
    rows: list[dict[str, Any]] = []
    for lv in campaign():
        world, crew = _bot_world(lv, seed, dreamers)
        events: list[Event] = []
        while world.running and world.tick < ticks:
            events = world.step(crew.decide(world, events))
        state = Observer(ChunkClock(world)).full_state(world)
        rows.append({"level": lv.name, "cells": lv.width * lv.height, "hazard": lv.hazard,
                     "ticks": world.tick, "entities": len(world_entities(world)),
                     "bytes": len(state)})
    return rows


# ---------------------------------------------------------------------------- 4. load
def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rss_kb(pid: int) -> int:
    """VmRSS of a process in KB (0 if it cannot be read)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used (0.0 if unreadable)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


async def _http_get(port: int, path: str, timeout: float = 10.0) -> str:
    """The body of a plain HTTP GET to 127.0.0.1:port (raises OSError/TimeoutError)."""

    async def get() -> str:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         "Connection: close\r\n\r\n".encode())
            await writer.drain()
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            length = 0
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            return (await reader.readexactly(length)).decode()
        finally:
            writer.close()

    return await asyncio.wait_for(get(), timeout)


_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$")


def _prometheus(text: str) -> dict[str, dict[str, float]]:
    """Metric name -> {label text ('' if none) -> value} from Prometheus text."""
    out: dict[str, dict[str, float]] = {}
    for line in text.splitlines():
        m = _SAMPLE.match(line)
        if m:
            out.setdefault(m.group(1), {})[m.group(2) or ""] = float(m.group(3))
    return out


def _labelled(metrics: dict[str, dict[str, float]], name: str, label: str) -> dict[str, float]:
    """{label value -> value} of one labelled family."""
    out: dict[str, float] = {}
    for labels, v in metrics.get(name, {}).items():
        m = re.search(rf'{label}="([^"]*)"', labels)
        if m:
            out[m.group(1)] = v
    return out


def _histogram_window(before: dict[str, dict[str, float]], after: dict[str, dict[str, float]],
                      name: str) -> dict[str, Any]:
    """Tick histogram over a window (after - before): count, the bucket bound that holds
    the p99 (an upper bound on it, in ms), and the share of ticks over 10 ms."""
    b = _labelled(before, f"{name}_bucket", "le")
    a = _labelled(after, f"{name}_bucket", "le")
    count = after.get(f"{name}_count", {}).get("", 0.0) - before.get(f"{name}_count", {}).get(
        "", 0.0)
    bounds = sorted(a, key=lambda le: math.inf if le == "+Inf" else float(le))
    cum = [(le, a[le] - b.get(le, 0.0)) for le in bounds]
    p99_bound = "+Inf"
    for le, c in cum:
        if count and c >= 0.99 * count:
            p99_bound = le
            break
    under10 = next((c for le, c in cum if le == "0.01"), count)
    return {"ticks": int(count),
            "p99_at_most_ms": None if p99_bound == "+Inf" else float(p99_bound) * 1000,
            "share_over_10ms": round(1 - under10 / count, 5) if count else 0.0}


@dataclass
class _Client:
    """One lightweight client of the load test."""

    remote: Remote
    group: int
    host: bool
    messages: int = 0
    snapshots: int = 0
    matches: int = 0
    level: str = ""
    started: bool = False
    ended: str = ""
    inputs: int = 0
    seen_tick: int = 0
    """the tick of the last snapshot read (INPUT's seen_tick)"""
    reader: asyncio.Task[None] | None = None

    def down(self) -> int:
        """Bytes received so far (message bytes + frame headers) of the messages read."""
        return self.remote.session.bytes_in + _FRAME_HEADER * self.messages

    @property
    def playing(self) -> bool:
        return not self.ended and self.remote.session.phase is Phase.PLAYING

    async def read(self, start_when: int) -> None:
        """Read and count every message; the room's host sends START once `start_when`
        people are in the room. Ends (recording why) when the connection does."""
        try:
            while True:
                msg = await self.remote.recv()
                self.messages += 1
                if msg.kind is Kind.SNAPSHOT:
                    self.snapshots += 1
                    self.seen_tick = msg["tick"]
                elif msg.kind is Kind.MATCH_START:
                    self.matches += 1
                    self.level = msg["level"]
                    self.seen_tick = 0
                elif msg.kind is Kind.LOBBY and self.host and not self.started \
                        and msg["state"] == 0:
                    people = sum(1 for p in msg["players"] if not p.bot and not p.spectator)
                    if people >= start_when:
                        self.started = True
                        await self.remote.send(Kind.START)
        except RemoteError as e:
            self.ended = self.ended or str(e)


async def _drive(clients: list[_Client], stop: asyncio.Event, lag: list[float]) -> None:
    """One INPUT per tick for every playing client: a move turning once per 8 s, the
    brush held and aimed ahead. Records how late each tick's sends started (s)."""
    loop = asyncio.get_running_loop()
    period = 1.0 / TICK_RATE
    next_at = loop.time()
    seq = 0
    while not stop.is_set():
        lag.append(max(0.0, loop.time() - next_at))
        seq += 1
        for n, c in enumerate(clients):
            if not c.playing:
                continue
            angle = 2 * math.pi * (seq / (8 * TICK_RATE) + n / 7)
            mx, my = math.cos(angle), math.sin(angle)
            try:
                await c.remote.send(Kind.INPUT, {"seq": seq, "seen_tick": c.seen_tick,
                                                 "move_x": mx, "move_y": my,
                                                 "aim_x": mx * 40, "aim_y": my * 40,
                                                 "buttons": 1, "ping": 0})
                c.inputs += 1
            except RemoteError as e:
                c.ended = c.ended or str(e)
        next_at += period
        delay = next_at - loop.time()
        if delay < -10 * period:  # far behind: do not race to catch up
            next_at = loop.time()
        await asyncio.sleep(max(delay, 0.0))


async def _group(url: str, g: int, size: int, clients: list[_Client],
                 failures: list[str], level: str) -> None:
    """Connect one room's clients: the first creates the room, the rest join by code."""
    try:
        first = await Remote.connect(url, f"load {g}.1")
        c0 = _Client(first, g, True)
        clients.append(c0)
        code = (await first.create_room(level=level, max_dreamers=size, hazard=_HAZARD,
                                        bot_fill=False))["code"]
        c0.reader = asyncio.get_running_loop().create_task(c0.read(size))
        for k in range(1, size):
            r = await Remote.connect(url, f"load {g}.{k + 1}")
            c = _Client(r, g, False)
            clients.append(c)
            await r.join_room(code)
            c.reader = asyncio.get_running_loop().create_task(c.read(0))
    except RemoteError as e:
        failures.append(f"room {g}: {e}")


async def _connect_idle(url: str, n: int, out: list[Remote], failures: list[str]) -> None:
    """n connections that say HELLO and then only sit there, 50 at a time."""

    async def one(k: int) -> None:
        try:
            out.append(await Remote.connect(url, f"idle {k}"))
        except RemoteError as e:
            failures.append(str(e))

    for start in range(0, n, 50):
        await asyncio.gather(*(one(k) for k in range(start, min(n, start + 50))))


def _config_toml(rooms: int, idle: int, size: int, replays: Path) -> str:
    """The server's config; it records its nights into `replays` (a real host records
    every night; the bench's replays never reach the user's own folder)."""
    conns = rooms * size + idle + 64
    return (
        'name = "bench net"\nlog_level = "INFO"\n'
        f"[rooms]\nmax = {min(rooms + 8, 1024)}\nmax_players = 8\nbot_fill = false\n"
        f"max_per_address = {min(rooms + 8, 1024)}\ncreation_burst = {min(rooms + 8, 1000)}\n"
        f"[security]\nmax_connections = {conns}\nmax_connections_per_ip = {conns}\n"
        f"[replays]\ndir = {json.dumps(str(replays))}\n"
    )


async def _stop_server(proc: subprocess.Popen[bytes]) -> int | None:
    """SIGTERM, up to 10 s for a clean exit, then SIGKILL. Returns the exit status."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10.0
        while proc.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await asyncio.to_thread(proc.wait)
    return proc.returncode


async def _wait_until(cond: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.1)
    return True


async def measure_load(rooms: int = 32, seconds: float = 20.0, *, idle: int = 200,
                       size: int = 4, level: str = "") -> dict[str, Any]:
    """`rooms` rooms x `size` network clients against one server subprocess for `seconds`
    (after every room is playing), then `idle` more connections that only say HELLO.

    The subprocess (`python -m server` on a free 127.0.0.1 port with a temporary config)
    and every client are always stopped before this returns or raises. Raises
    RuntimeError (with the end of the server's log) if the server does not come up or
    stops answering. Tick figures: `/healthz` (the host's last 3000 ticks over all rooms)
    and the `/metrics` histogram over the measured window, plus the ticks each room
    actually ran per second; drops: clients whose connection ended during the run, and the
    server's disconnect counts by reason; memory: VmRSS before any room, with the rooms
    playing, and with the idle connections added.
    """
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="dreamlayer-bench-") as tmp:
        cfg = Path(tmp, "server.toml")
        cfg.write_text(_config_toml(rooms, idle, size, Path(tmp, "replays")))
        log_path = Path(tmp, "server.log")
        with log_path.open("wb") as log_file:
            proc = subprocess.Popen(
                [sys.executable, "-m", "server", "--host", "127.0.0.1", "--port", str(port),
                 "--config", str(cfg)], stdout=log_file, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL)
        try:
            up = False
            deadline = time.monotonic() + 30.0
            while time.monotonic() < deadline and proc.poll() is None:
                try:
                    json.loads(await _http_get(port, "/healthz", 2.0))
                    up = True
                    break
                except (OSError, TimeoutError, ValueError, asyncio.IncompleteReadError):
                    await asyncio.sleep(0.2)
            if not up:
                raise RuntimeError("the server did not come up: "
                                   + log_path.read_text(errors="replace")[-2000:])
            try:
                result = await _load_run(proc.pid, port, rooms, seconds, idle, size, level)
            except (OSError, TimeoutError, ValueError, asyncio.IncompleteReadError) as e:
                raise RuntimeError(f"the server stopped answering ({e!r}): "
                                   + log_path.read_text(errors="replace")[-2000:]) from e
        finally:
            exit_status = await _stop_server(proc)
        log_text = log_path.read_text(errors="replace")
    warnings = [ln for ln in log_text.splitlines() if " WARNING " in ln or " ERROR " in ln]
    result["server_exit_status"] = exit_status
    result["server_warnings"] = len(warnings)
    result["server_warning_lines"] = warnings[:10]
    return result


async def _load_run(pid: int, port: int, rooms: int, seconds: float, idle: int, size: int,
                    level: str) -> dict[str, Any]:
    """The body of `measure_load` once its server (process `pid`) answers on `port`.
    Closes every client it opens, whatever happens; leaves the server running."""
    url = f"ws://127.0.0.1:{port}"
    clients: list[_Client] = []
    idlers: list[Remote] = []
    failures: list[str] = []
    idle_failures: list[str] = []
    stop = asyncio.Event()
    lag: list[float] = []
    driver: asyncio.Task[None] | None = None
    try:
        await asyncio.sleep(0.5)
        rss_base = _rss_kb(pid)

        t_setup = time.monotonic()
        driver = asyncio.get_running_loop().create_task(_drive(clients, stop, lag))
        await asyncio.gather(*(_group(url, g, size, clients, failures, level)
                               for g in range(rooms)))
        all_playing = await _wait_until(
            lambda: all(c.playing or c.ended for c in clients), 30.0)
        setup_seconds = time.monotonic() - t_setup

        # ---- the measured window
        t_m0 = time.monotonic()
        metrics_before = _prometheus(await _http_get(port, "/metrics"))
        t_m0 = (t_m0 + time.monotonic()) / 2
        down0 = [c.down() for c in clients]
        snaps0 = [c.snapshots for c in clients]
        cpu0, own0, t0 = _cpu_seconds(pid), time.process_time(), time.monotonic()
        lag.clear()
        per_second: list[float] = []
        last = list(down0)
        for k in range(1, max(1, round(seconds)) + 1):
            await asyncio.sleep(max(0.0, t0 + k - time.monotonic()))
            now = [c.down() for c in clients]
            per_second.extend(float(n - p) for n, p, c in zip(now, last, clients, strict=True)
                              if not c.ended)
            last = now
        window = time.monotonic() - t0
        cpu_server = (_cpu_seconds(pid) - cpu0) / window
        cpu_clients = (time.process_time() - own0) / window
        t_m1 = time.monotonic()
        metrics_after = _prometheus(await _http_get(port, "/metrics"))
        t_m1 = (t_m1 + time.monotonic()) / 2
        health = json.loads(await _http_get(port, "/healthz"))
        rss_rooms = _rss_kb(pid)
        dropped = [c for c in clients if c.ended]
        means = [(c.down() - d) / window for c, d in zip(clients, down0, strict=True)
                 if not c.ended]
        snap_rates = [(c.snapshots - s) / window
                      for c, s in zip(clients, snaps0, strict=True) if not c.ended]
        lags = sorted(lag)

        # ---- idle connections on top of the playing rooms
        await _connect_idle(url, idle, idlers, idle_failures)
        await asyncio.sleep(1.0)
        rss_idle = _rss_kb(pid)
    finally:
        stop.set()
        if driver is not None:
            driver.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await driver
        closing = [c.remote.close() for c in clients] + [r.close() for r in idlers]
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.gather(*closing, return_exceptions=True), 15.0)
        for c in clients:
            if c.reader is not None:
                c.reader.cancel()
        await asyncio.gather(*(c.reader for c in clients if c.reader is not None),
                             return_exceptions=True)

    hist = _histogram_window(metrics_before, metrics_after, "dreamlayer_tick_seconds")
    playing_rooms = len({c.group for c in clients if c.matches})
    return {
        "rooms": rooms,
        "clients": rooms * size,
        "connected": len(clients),
        "rooms_playing": playing_rooms,
        "levels": sorted({c.level for c in clients if c.level}),
        "all_playing_after_setup": all_playing,
        "setup_failures": failures,
        "setup_seconds": round(setup_seconds, 2),
        "seconds": round(window, 2),
        "tick_ms": {k: health["tick_ms"].get(k) for k in ("p50", "p99", "max", "samples")},
        "tick_histogram": hist,
        "ticks_per_room_per_s": round(hist["ticks"] / max(playing_rooms, 1)
                                      / max(t_m1 - t_m0, 1e-9), 2),
        "dropped": len(dropped),
        "dropped_reasons": sorted({c.ended for c in dropped}),
        "server_disconnects": _labelled(metrics_after, "dreamlayer_disconnects_total",
                                        "reason"),
        "server_rejected": _labelled(metrics_after, "dreamlayer_messages_rejected_total",
                                     "reason"),
        "client_bytes_per_s": {"median": round(percentile(means, 50), 1),
                               "p99": round(percentile(means, 99), 1),
                               "second_median": round(percentile(per_second, 50), 1),
                               "second_p99": round(percentile(per_second, 99), 1)},
        "snapshots_per_s": {"median": round(percentile(snap_rates, 50), 2),
                            "min": round(min(snap_rates), 2) if snap_rates else 0.0},
        "client_send_lag_ms": {"p50": round(percentile(lags, 50) * 1000, 2),
                               "p99": round(percentile(lags, 99) * 1000, 2)},
        "cpu_cores": {"server": round(cpu_server, 3), "clients": round(cpu_clients, 3)},
        "memory": {
            "rss_base_mb": round(rss_base / KB, 1),
            "rss_rooms_mb": round(rss_rooms / KB, 1),
            "rss_idle_mb": round(rss_idle / KB, 1),
            "mb_per_room": round((rss_rooms - rss_base) / KB / max(playing_rooms, 1), 3),
            "idle_connections": len(idlers),
            "idle_failures": sorted(set(idle_failures))[:5],
            "kb_per_idle_connection": round((rss_idle - rss_rooms) / max(len(idlers), 1), 2),
        },
    }


# ---------------------------------------------------------------------------- all of it
def bench_net(rooms: int = 32, seconds: float = 20.0, *, idle: int = 200,
              entity_ticks: int | None = None, join_ticks: int = 1800,
              on_part: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Every measurement of `dreamlayer bench net`, with the budget checks and the machine
    noise. `entity_ticks` None plays the entity-bytes match to its end. `on_part` is told
    the name of each part as it starts (for progress output)."""

    def part(name: str) -> None:
        if on_part is not None:
            on_part(name)

    noise = machine_noise()
    part("match")
    match = asyncio.run(measure_match(seconds))
    part("entities")
    entities = entity_bytes(entity_ticks)
    part("join")
    join = join_state_sizes(join_ticks)
    part("load")
    load = asyncio.run(measure_load(rooms, seconds, idle=idle))
    largest = _largest(campaign()).name
    join_largest = next((r["bytes"] for r in join if r["level"] == largest), None)
    mem = load["memory"]
    checks = [
        _check("downstream per client, median (B/s)", match["downstream_bytes_per_s"][
            "client_median"], BUDGETS["downstream_median_bytes_per_s"], "B/s"),
        _check("bytes per changed entity, mean", entities["bytes_per_changed_mean"],
               BUDGETS["bytes_per_changed_entity"], "B"),
        _check(f"join state on {largest}", join_largest,
               BUDGETS["join_state_bytes_largest_level"], "B"),
        _check(f"tick p99, {rooms} rooms (ms)", load["tick_ms"]["p99"],
               BUDGETS["tick_p99_ms"], "ms"),
        _check("tick rate kept under load (share)", load["ticks_per_room_per_s"] / TICK_RATE,
               BUDGETS["tick_rate_share"], "", at_least=True),
        _check("clients dropped", load["dropped"] + len(load["setup_failures"]),
               BUDGETS["clients_dropped"], ""),
        _check("memory per room (MB)", mem["mb_per_room"], BUDGETS["mb_per_room"], "MB"),
        _check("memory per idle connection (KB)", mem["kb_per_idle_connection"],
               BUDGETS["kb_per_idle_connection"], "KB"),
    ]
    return {"bench": "net", "machine_noise_p99_over_p50": noise, "match": match,
            "entities": entities, "join_state": join, "load": load, "checks": checks}


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:,.2f}" if abs(v) < 100 else f"{v:,.0f}"
    return str(v)


def render(result: dict[str, Any]) -> str:
    """The readable report `dreamlayer bench net` prints for a `bench_net` result."""
    m, e, load = result["match"], result["entities"], result["load"]
    d = m["downstream_bytes_per_s"]
    out = [f"machine noise: a fixed workload's p99 is "
           f"{result['machine_noise_p99_over_p50']:.2f}x its p50 here", ""]

    def table(title: str, rows: list[tuple[str, Any, str]]) -> None:
        out.append(title)
        for what, value, note in rows:
            out.append(f"  {what:40} {_fmt(value):>12}  {note}")
        out.append("")

    table(f"1. {m['dreamers']}-dreamer match over websockets, in-process server "
          f"({m['level']}, hazard {m['hazard']}, {m['seconds']:g} s)", [
              ("downstream per client, median B/s", d["client_median"], "budget <= 3072"),
              ("downstream per client, p99 B/s", d["client_p99"], "over clients"),
              ("downstream per second, median B/s", d["second_median"],
               f"over {d['second_samples']} client-seconds"),
              ("downstream per second, p99 B/s", d["second_p99"], ""),
              ("downstream, players' own mean B/s", d["player_mean"],
               "whole connection, join state included"),
              ("snapshots/s (median client)", m["snapshots_per_s"], ""),
              ("input->ack p50 ms", m["ack_ms"]["p50"], ""),
              ("input->ack p99 ms", m["ack_ms"]["p99"], f"{m['ack_ms']['samples']} inputs"),
              ("connections ended", len([r for r in m["players"]
                                         if r["ended"] != "still connected"]),
               "; ".join(m["ended"])[:80]),
          ])
    table(f"2. bytes per changed entity ({e['level']}, {e['dreamers']} dreamers, hazard "
          f"{e['hazard']}, {e['ticks']} ticks, {e['snapshots']} snapshots)", [
              ("mean B", e["bytes_per_changed_mean"], "budget <= 8"),
              ("max B", e["bytes_per_changed_max"], ""),
              ("overall (all bytes / all changes) B", e["bytes_per_changed_overall"], ""),
              ("changed entities per snapshot", e["changed_per_snapshot"],
               f"cadre up to {e['cadre_max']}"),
          ])
    out.append("3. join state (compressed full state) after bot play, 4 dreamers")
    out.append(f"  {'level':18} {'cells':>7} {'ticks':>6} {'entities':>8} {'bytes':>8}")
    for r in result["join_state"]:
        out.append(f"  {r['level']:18} {r['cells']:>7} {r['ticks']:>6} {r['entities']:>8} "
                   f"{r['bytes']:>8}")
    out.append("  budget: <= 24576 bytes on the largest level")
    out.append("")
    t, h, mem = load["tick_ms"], load["tick_histogram"], load["memory"]
    cb = load["client_bytes_per_s"]
    disc = ", ".join(f"{k} {v:g}" for k, v in sorted(load["server_disconnects"].items()))
    table(f"4. {load['rooms']} rooms x {load['clients'] // max(load['rooms'], 1)} clients, "
          f"one server process ({', '.join(load['levels']) or '-'}, hazard {_HAZARD}, "
          f"{load['seconds']:g} s measured)", [
              ("rooms playing", load["rooms_playing"],
               f"setup {load['setup_seconds']:g} s"),
              ("tick p50 ms (/healthz)", t["p50"], f"last {t['samples']} ticks, all rooms"),
              ("tick p99 ms (/healthz)", t["p99"], "budget <= 10"),
              ("tick max ms (/healthz)", t["max"], ""),
              ("tick p99 bucket ms (/metrics)", h["p99_at_most_ms"],
               f"{h['ticks']} ticks in window, {h['share_over_10ms']:.3%} over 10 ms"),
              ("ticks per room per s", load["ticks_per_room_per_s"],
               f"configured {TICK_RATE}; fewer means the server falls behind"),
              ("clients dropped", load["dropped"] + len(load["setup_failures"]),
               "; ".join(["budget 0", *load["dropped_reasons"], *load["setup_failures"]])[:80]),
              ("server disconnects", disc or "none", "by reason, during the run"),
              ("client bytes/s, median", cb["median"], f"p99 {_fmt(cb['p99'])}"),
              ("client bytes/s per second, p99", cb["second_p99"],
               f"median {_fmt(cb['second_median'])}"),
              ("snapshots/s per client, median", load["snapshots_per_s"]["median"],
               f"min {_fmt(load['snapshots_per_s']['min'])}"),
              ("CPU cores used, server / clients",
               f"{load['cpu_cores']['server']:.2f}/{load['cpu_cores']['clients']:.2f}", ""),
              ("client input lag p99 ms", load["client_send_lag_ms"]["p99"],
               "how late the clients' ticks ran"),
              ("server RSS before rooms MB", mem["rss_base_mb"], ""),
              ("server RSS rooms playing MB", mem["rss_rooms_mb"], ""),
              ("memory per room MB", mem["mb_per_room"], "budget <= 5"),
              (f"server RSS + {mem['idle_connections']} idle MB", mem["rss_idle_mb"], ""),
              ("memory per idle connection KB", mem["kb_per_idle_connection"],
               "budget <= 50"),
              ("server log warnings", load["server_warnings"], ""),
          ])
    out.append("budgets")
    for c in result["checks"]:
        bound = ">=" if c["at_least"] else "<="
        verdict = "ok" if c["ok"] else ("UNDER" if c["at_least"] else "OVER")
        out.append(f"  {c['what']:40} {_fmt(c['measured']):>12}  {bound} "
                   f"{_fmt(c['budget']):>8}  {verdict}")
    return "\n".join(out)
