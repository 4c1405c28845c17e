"""The load part of `dreamlayer bench net`: what one room costs a host, with the cadre at
full strength.

`measure_load` plays R rooms x 4 network clients against one host (`HostProcess`:
`python -m server`, with `--workers W` when W is not 1) and measures a window of
`seconds` once every room's night has reached the tick where the director's cadre is at
full strength, Ethan come where the level has him (`full_strength_tick`, plus a margin):
not the first seconds of the night, when a room costs far less.

The load runs in its own process(es) (`multiprocessing`, spawned), never in the host's or
this one: lightweight clients (`game.remote.Remote`, one INPUT per tick with a slowly
turning move and the brush held; every message read and counted; each room's first client
keeps a `Mirror` to count the cadre it sees). This process only coordinates them over a
pipe (`ready`, `status`, `mark`, `stop`) and reads the host from outside.

Figures:
- `server_cpu_ms_per_room_tick`: the host's CPU time over the window (utime + stime from
  /proc of the host process and every process under it), divided by the room-ticks the
  rooms played in it (each room's ticks from its snapshots); `rooms_per_core` = 33.3 /
  that: how many rooms at 30 ticks/s one core holds at this cost;
- `ticks_per_second` (median over rooms, and the slowest room), `snapshots_per_second`
  (median over clients, and the lowest), clients dropped, the host's tick times
  (`/healthz`, and the `/metrics` histogram over the window), client bytes/s;
- memory: the host's VmRSS (its processes summed) before any room, with the rooms
  playing, and with `idle` more connections that only say HELLO (made from this
  process, after the window).

Imports game.bench.host, game.net, game.remote, game.retreats and game.sim; websockets via
game.remote; the standard library otherwise. Linux only (/proc).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import multiprocessing
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from game.bench.host import (
    HostProcess,
    cpu_between,
    http_get,
    labelled,
    prometheus,
    tree_cpu_seconds,
    tree_rss_kb,
)
from game.net.schema import Kind
from game.net.session import Phase as LinkPhase
from game.net.snapshot import EntityKind, Mirror
from game.percentile import percentile
from game.remote import Remote, RemoteError
from game.retreats import campaign, load_retreat
from game.sim.director import Phase as NightPhase
from game.sim.level import Level
from game.sim.tuning import TICK_RATE
from game.sim.world import World

__all__ = ["HAZARD", "full_strength", "full_strength_tick", "measure_load"]

HAZARD = 1
"""hazard of the rooms the load creates (the host's default)"""
FULL_MARGIN_SECONDS = 5.0
"""how long after the full strength's tick the window opens (the last arrivals walk in)"""
_FRAME_HEADER = 4
"""bytes added per websocket message, as game.swarm counts them"""
_CADRE_KINDS = (EntityKind.CADRE, EntityKind.ETHAN)


# ---------------------------------------------------------------------------- full strength
def full_strength_tick(level: Level, hazard: int = HAZARD) -> int:
    """The first tick of a night of `level` at which the director wants its full cadre
    (its peak) and Ethan has come, where the level has him."""
    world = World(level, 0, hazard=hazard)
    d = world.director
    rest = max(d.night_ticks - d.arrival_tick, 1)
    tick = max(d.arrival_tick + math.floor(d.tuning.build_up_share * rest) - 1, 0)
    while tick < d.night_ticks - 1 and d.phase(tick) < NightPhase.PEAK:
        tick += 1
    if level.has_ethan:
        tick = max(tick, world.ethan_tick)
    return min(tick, d.night_ticks - 1)


def full_strength(level: Level, dreamers: int, hazard: int = HAZARD) -> int:
    """How many cadre members (Ethan counted) a room of `dreamers` has at full strength."""
    world = World(level, 0, hazard=hazard)
    return world.director.full_cadre(dreamers) + (1 if level.has_ethan else 0)


# ---------------------------------------------------------------------------- the clients
@dataclass
class _Client:
    """One lightweight client of the load."""

    remote: Remote
    group: int
    host: bool
    messages: int = 0
    snapshots: int = 0
    matches: int = 0
    ended_matches: int = 0
    level: str = ""
    started: bool = False
    ended: str = ""
    seen_tick: int = 0
    """the tick of the last snapshot read (INPUT's seen_tick)"""
    mirror: Mirror | None = None
    """the room's first client's copy of the world (for the cadre count)"""
    reader: asyncio.Task[None] | None = None

    def down(self) -> int:
        """Bytes received so far (message bytes + frame headers) of the messages read."""
        return self.remote.session.bytes_in + _FRAME_HEADER * self.messages

    @property
    def playing(self) -> bool:
        return not self.ended and self.remote.session.phase is LinkPhase.PLAYING

    def cadre(self) -> int:
        m = self.mirror
        return -1 if m is None else sum(1 for e in m.entities.values()
                                        if e.kind in _CADRE_KINDS)

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
                    if self.mirror is not None:
                        self.mirror.apply(msg)
                elif msg.kind is Kind.MATCH_START:
                    self.matches += 1
                    self.level = msg["level"]
                    self.seen_tick = 0
                    if self.host:
                        self.mirror = Mirror(msg["state"])
                elif msg.kind is Kind.MATCH_END:
                    self.ended_matches += 1
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
        first = await Remote.connect(url, f"load {g}.1", timeout=30.0)
        c0 = _Client(first, g, True)
        clients.append(c0)
        code = (await first.create_room(level=level, max_dreamers=size, hazard=HAZARD,
                                        bot_fill=False))["code"]
        c0.reader = asyncio.get_running_loop().create_task(c0.read(size))
        for k in range(1, size):
            r = await Remote.connect(url, f"load {g}.{k + 1}", timeout=30.0)
            c = _Client(r, g, False)
            clients.append(c)
            await r.join_room(code)
            c.reader = asyncio.get_running_loop().create_task(c.read(0))
    except RemoteError as e:
        failures.append(f"room {g}: {e}")


def _mark(clients: list[_Client], lag: list[float]) -> dict[str, Any]:
    """The counters at this moment (and the send lags since the last mark)."""
    rooms: dict[int, tuple[int, int, int]] = {}
    for c in clients:
        if c.host:
            rooms[c.group] = (c.seen_tick, c.cadre(), c.ended_matches)
    out = {"t": time.monotonic(), "cpu": time.process_time(),
           "clients": [(c.group, c.down(), c.snapshots, c.ended) for c in clients],
           "rooms": rooms, "lag": list(lag)}
    lag.clear()
    return out


def load_process(url: str, groups: list[int], size: int, level: str,
                 conn: Connection) -> None:
    """The body of one load process: connect `groups`' rooms, play them, and answer the
    coordinator on `conn` until it says `stop` (see the module docstring)."""
    asyncio.run(_load_main(url, groups, size, level, conn))


async def _load_main(url: str, groups: list[int], size: int, level: str,
                     conn: Connection) -> None:
    loop = asyncio.get_running_loop()
    commands: asyncio.Queue[str] = asyncio.Queue()

    def readable() -> None:
        while conn.poll():
            try:
                commands.put_nowait(conn.recv())
            except EOFError:
                commands.put_nowait("stop")
                loop.remove_reader(conn.fileno())
                return

    loop.add_reader(conn.fileno(), readable)
    clients: list[_Client] = []
    failures: list[str] = []
    stop = asyncio.Event()
    lag: list[float] = []
    driver = loop.create_task(_drive(clients, stop, lag))
    try:
        t0 = time.monotonic()
        await asyncio.gather(*(_group(url, g, size, clients, failures, level)
                               for g in groups))
        deadline = time.monotonic() + 30.0 + 0.5 * len(groups)
        while not all(c.playing or c.ended for c in clients) and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        conn.send({"ready": all(c.playing or c.ended for c in clients),
                   "failures": failures, "setup_seconds": time.monotonic() - t0,
                   "connected": len(clients),
                   "levels": sorted({c.level for c in clients if c.level})})
        while True:
            command = await commands.get()
            if command == "stop":
                break
            conn.send(_mark(clients, lag))
    finally:
        stop.set()
        driver.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await driver
        closing = [c.remote.close() for c in clients]
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.gather(*closing, return_exceptions=True), 15.0)
        for c in clients:
            if c.reader is not None:
                c.reader.cancel()
        await asyncio.gather(*(c.reader for c in clients if c.reader is not None),
                             return_exceptions=True)
        with contextlib.suppress(OSError):
            conn.send({"stopped": True,
                       "matches": sum(c.matches for c in clients if c.host)})
        conn.close()


class _LoadProcesses:
    """The coordinator's side of the load processes."""

    def __init__(self, url: str, rooms: int, processes: int, size: int, level: str) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.links: list[Connection] = []
        self.procs: list[Any] = []
        for k in range(processes):
            groups = list(range(k, rooms, processes))
            if not groups:
                continue
            mine, theirs = ctx.Pipe()
            proc = ctx.Process(target=load_process, args=(url, groups, size, level, theirs),
                               name=f"dreamlayer-load-{k}", daemon=True)
            proc.start()
            theirs.close()
            self.links.append(mine)
            self.procs.append(proc)

    async def _recv(self, link: Connection, timeout: float) -> dict[str, Any]:
        def wait() -> dict[str, Any]:
            if not link.poll(timeout):
                raise TimeoutError("a load process did not answer")
            answer: dict[str, Any] = link.recv()
            return answer

        return await asyncio.to_thread(wait)

    async def ready(self, timeout: float) -> list[dict[str, Any]]:
        return list(await asyncio.gather(*(self._recv(k, timeout) for k in self.links)))

    async def ask(self, command: str, timeout: float = 30.0) -> list[dict[str, Any]]:
        for link in self.links:
            link.send(command)
        return list(await asyncio.gather(*(self._recv(k, timeout) for k in self.links)))

    async def stop(self) -> list[dict[str, Any]]:
        answers: list[dict[str, Any]] = []
        for link in self.links:
            with contextlib.suppress(OSError):
                link.send("stop")
        for link in self.links:
            with contextlib.suppress(OSError, EOFError, TimeoutError):
                answers.append(await self._recv(link, 30.0))
        for proc in self.procs:
            await asyncio.to_thread(proc.join, 10.0)
            if proc.is_alive():
                proc.kill()
                await asyncio.to_thread(proc.join, 5.0)
        for link in self.links:
            link.close()
        return answers


def _merge(marks: list[dict[str, Any]]) -> dict[str, Any]:
    """One mark from each load process, as one."""
    out: dict[str, Any] = {"t": sum(m["t"] for m in marks) / len(marks),
                           "cpu": sum(m["cpu"] for m in marks), "clients": [], "rooms": {},
                           "lag": []}
    for m in marks:
        out["clients"].extend(m["clients"])
        out["rooms"].update(m["rooms"])
        out["lag"].extend(m["lag"])
    return out


# ---------------------------------------------------------------------------- the host
def config_toml(rooms: int, idle: int, size: int, replays: Path | None) -> str:
    """The host's config: room and connection caps lifted for this load; it records its
    nights into `replays` (never the user's own folder), or records nothing (None)."""
    conns = rooms * size + idle + 64
    record = (f"[replays]\ndir = {json.dumps(str(replays))}\n" if replays is not None
              else "[replays]\nenabled = false\n")
    return (
        'name = "bench net"\nlog_level = "INFO"\n'
        f"[rooms]\nmax = {min(rooms + 8, 1024)}\nmax_players = 8\nbot_fill = false\n"
        f"max_per_address = {min(rooms + 8, 1024)}\ncreation_burst = {min(rooms + 8, 1000)}\n"
        f"[security]\nmax_connections = {conns}\nmax_connections_per_ip = {conns}\n"
        + record
    )


def _histogram_window(before: dict[str, dict[str, float]], after: dict[str, dict[str, float]],
                      name: str) -> dict[str, Any]:
    """Tick histogram over a window (after - before): count, the bucket bound that holds
    the p99 (an upper bound on it, in ms), and the share of ticks over 10 ms."""
    b = labelled(before, f"{name}_bucket", "le")
    a = labelled(after, f"{name}_bucket", "le")
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


async def _connect_idle(url: str, n: int, out: list[Remote], failures: list[str]) -> None:
    """n connections that say HELLO and then only sit there, 50 at a time."""

    async def one(k: int) -> None:
        try:
            out.append(await Remote.connect(url, f"idle {k}"))
        except RemoteError as e:
            failures.append(str(e))

    for start in range(0, n, 50):
        await asyncio.gather(*(one(k) for k in range(start, min(n, start + 50))))


def _level_of(name: str) -> Level:
    return load_retreat(name) if name else campaign()[0]


# ---------------------------------------------------------------------------- measure
async def measure_load(rooms: int = 40, seconds: float = 20.0, *, idle: int = 200,
                       size: int = 4, level: str = "", workers: int = 1,
                       replays: bool = True, wait_full: bool = True, processes: int = 1,
                       on_status: Callable[[str], None] | None = None) -> dict[str, Any]:
    """`rooms` rooms x `size` network clients (in `processes` load processes) against one
    host with `workers` workers for `seconds`, measured once the cadre are at full
    strength (`wait_full`; False measures as soon as every room plays), then `idle` more
    connections that only say HELLO. The host records its nights (into a temporary
    folder) unless `replays` is False. `level` is a retreat's name ("" the host's first).

    The host and every load process are always stopped before this returns or raises.
    Raises RuntimeError (with the end of the host's log) if the host does not come up,
    does not support `workers`, or stops answering. `on_status` is told what the
    measurement waits for, now and then.
    """

    def status(text: str) -> None:
        if on_status is not None:
            on_status(text)

    lv = _level_of(level)
    with tempfile.TemporaryDirectory(prefix="dreamlayer-bench-") as tmp:
        cfg = Path(tmp, "server.toml")
        cfg.write_text(config_toml(rooms, idle, size,
                                   Path(tmp, "replays") if replays else None))
        host = HostProcess(cfg, Path(tmp, "server.log"), workers=workers)
        async with host:
            try:
                result = await _load_run(host, rooms, seconds, idle, size, lv, level,
                                         wait_full, processes, status)
            except (OSError, TimeoutError, ValueError, asyncio.IncompleteReadError) as e:
                raise RuntimeError(f"the server stopped answering ({e!r}): "
                                   + host.log_tail()) from e
        log_lines = host.log_lines()
    warnings = [ln for ln in log_lines if " WARNING " in ln or " ERROR " in ln]
    result["workers"] = workers
    result["replays"] = replays
    result["server_exit_status"] = host.exit_status
    result["server_warnings"] = len(warnings)
    result["server_warning_lines"] = warnings[:10]
    return result


async def _load_run(host: HostProcess, rooms: int, seconds: float, idle: int, size: int,
                    lv: Level, level: str, wait_full: bool, processes: int,
                    status: Callable[[str], None]) -> dict[str, Any]:
    """The body of `measure_load` once its host answers. Stops every load process and
    closes every client it opens, whatever happens; leaves the host running."""
    port, pid = host.port, host.pid
    idlers: list[Remote] = []
    idle_failures: list[str] = []
    await asyncio.sleep(0.5)
    rss_base = tree_rss_kb(pid)
    load = _LoadProcesses(host.url, rooms, max(1, min(processes, rooms)), size, level)
    try:
        status(f"{rooms} rooms joining")
        setup = await load.ready(60.0 + rooms)
        failures = [f for s in setup for f in s["failures"]]
        target = full_strength_tick(lv) + round(FULL_MARGIN_SECONDS * TICK_RATE) \
            if wait_full else 0
        waited = time.monotonic()
        reached = True
        if wait_full:
            # (rooms on a host that cannot keep up tick slower: give them three times as long)
            deadline = time.monotonic() + target / TICK_RATE * 3 + 60.0
            told = 0.0
            while True:
                ticks = [t for t, _, _ in _merge(await load.ask("mark"))["rooms"].values()]
                low = min(ticks, default=0)
                if low >= target:
                    break
                if time.monotonic() > deadline:
                    reached = False
                    break
                if time.monotonic() - told >= 15.0:
                    told = time.monotonic()
                    status(f"waiting for the cadre's full strength: night tick {low} of {target}")
                await asyncio.sleep(2.0)
        waited = time.monotonic() - waited

        # ---- the measured window
        status(f"measuring {seconds:g} s")
        metrics_before = prometheus(await http_get(port, "/metrics"))
        cpu0 = tree_cpu_seconds(pid)
        marks = [_merge(await load.ask("mark"))]
        t0 = marks[0]["t"]
        for k in range(1, max(1, round(seconds)) + 1):
            await asyncio.sleep(max(0.0, t0 + k - time.monotonic()))
            marks.append(_merge(await load.ask("mark")))
        cpu1 = tree_cpu_seconds(pid)
        metrics_after = prometheus(await http_get(port, "/metrics"))
        health = json.loads(await http_get(port, "/healthz"))
        rss_rooms = tree_rss_kb(pid)

        # ---- idle connections on top of the playing rooms
        await _connect_idle(host.url, idle, idlers, idle_failures)
        await asyncio.sleep(1.0)
        rss_idle = tree_rss_kb(pid)
    finally:
        await load.stop()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.gather(*(r.close() for r in idlers),
                                                  return_exceptions=True), 15.0)
    first, last = marks[0], marks[-1]
    window = last["t"] - first["t"]
    server_cpu = cpu_between(cpu0, cpu1)

    # rooms: ticks each played in the window (from its snapshots), and the cadre seen
    room_ticks: dict[int, int] = {}
    cadre_seen: list[int] = []
    for g, (tick1, cadre1, ended1) in last["rooms"].items():
        tick0, cadre0, ended0 = first["rooms"].get(g, (tick1, -1, ended1))
        if ended1 == ended0 and tick1 > tick0:
            room_ticks[g] = tick1 - tick0
        cadre_seen += [n for n in (cadre0, cadre1) if n >= 0]
    played = sum(room_ticks.values())
    tps = [n / window for n in room_ticks.values()] if window > 0 else []
    cpu_ms = 1000 * server_cpu / played if played else None

    # clients: bytes and snapshots per second, drops
    ended = {(g, i): e for i, (g, _, _, e) in enumerate(last["clients"]) if e}
    live = [i for i, (_, _, _, e) in enumerate(last["clients"]) if not e]
    down = [(last["clients"][i][1] - first["clients"][i][1]) / window for i in live] \
        if window > 0 else []
    snaps = [(last["clients"][i][2] - first["clients"][i][2]) / window for i in live] \
        if window > 0 else []
    per_second: list[float] = []
    for a, b in itertools.pairwise(marks):
        per_second += [float(b["clients"][i][1] - a["clients"][i][1]) for i in live]
    lags = sorted(x for m in marks[1:] for x in m["lag"])
    hist = _histogram_window(metrics_before, metrics_after, "dreamlayer_tick_seconds")
    playing_rooms = len(room_ticks)
    expected = full_strength(lv, size)
    return {
        "rooms": rooms,
        "clients": rooms * size,
        "connected": sum(s["connected"] for s in setup),
        "level": lv.name,
        "hazard": HAZARD,
        "rooms_playing": playing_rooms,
        "levels": sorted({name for s in setup for name in s["levels"]}),
        "all_playing_after_setup": all(s["ready"] for s in setup),
        "setup_failures": failures,
        "setup_seconds": round(max((s["setup_seconds"] for s in setup), default=0.0), 2),
        "full_strength": {
            "waited": wait_full, "reached": reached, "tick": target,
            "waited_seconds": round(waited, 1),
            "window_ticks": [min((t for t, _, _ in first["rooms"].values()), default=0),
                             max((t for t, _, _ in last["rooms"].values()), default=0)],
            "cadre_expected": expected,
            "cadre_seen": {"min": min(cadre_seen, default=-1),
                           "max": max(cadre_seen, default=-1),
                           "mean": round(sum(cadre_seen) / len(cadre_seen), 2)
                           if cadre_seen else -1},
        },
        "seconds": round(window, 2),
        "room_ticks": played,
        "server_cpu_seconds": round(server_cpu, 3),
        "server_cpu_ms_per_room_tick": round(cpu_ms, 4) if cpu_ms else None,
        "rooms_per_core": round(1000 / TICK_RATE / cpu_ms, 2) if cpu_ms else None,
        "ticks_per_second": round(percentile(tps, 50), 2),
        "ticks_per_second_min": round(min(tps), 2) if tps else 0.0,
        "snapshots_per_second": round(percentile(snaps, 50), 2),
        "snapshots_per_second_min": round(min(snaps), 2) if snaps else 0.0,
        "tick_ms": {k: health["tick_ms"].get(k) for k in ("p50", "p99", "max", "samples")},
        "tick_histogram": hist,
        "ticks_per_room_per_s": round(hist["ticks"] / max(playing_rooms, 1)
                                      / max(window, 1e-9), 2),
        "dropped": len(ended),
        "dropped_reasons": sorted(set(ended.values())),
        "server_disconnects": labelled(metrics_after, "dreamlayer_disconnects_total",
                                       "reason"),
        "server_rejected": labelled(metrics_after, "dreamlayer_messages_rejected_total",
                                    "reason"),
        "client_bytes_per_s": {"median": round(percentile(down, 50), 1),
                               "p99": round(percentile(down, 99), 1),
                               "second_median": round(percentile(per_second, 50), 1),
                               "second_p99": round(percentile(per_second, 99), 1)},
        "client_send_lag_ms": {"p50": round(percentile(lags, 50) * 1000, 2),
                               "p99": round(percentile(lags, 99) * 1000, 2)},
        "cpu_cores": {"server": round(server_cpu / window, 3) if window > 0 else 0.0,
                      "clients": round((last["cpu"] - first["cpu"]) / window, 3)
                      if window > 0 else 0.0},
        "memory": {
            "rss_base_mb": round(rss_base / 1024, 1),
            "rss_rooms_mb": round(rss_rooms / 1024, 1),
            "rss_idle_mb": round(rss_idle / 1024, 1),
            "mb_per_room": round((rss_rooms - rss_base) / 1024 / max(playing_rooms, 1), 3),
            "idle_connections": len(idlers),
            "idle_failures": sorted(set(idle_failures))[:5],
            "kb_per_idle_connection": round((rss_idle - rss_rooms) / max(len(idlers), 1), 2),
        },
    }
