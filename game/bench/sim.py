"""Benchmarks for `dreamlayer bench`: they print numbers and never fail a test run.

`bench_sim` measures `World.step()` on every level with 8 ally bots and the full cadre
(the director's peak strength for 8 dreamers at hazard 5, topped up every tick as the
bots awaken them), plus Ethan (on every level, so the numbers compare), over the ticks
after a warm-up (the cadre are at full strength from the first tick on). The bots' own
decision time (`BotCrew.decide`) is reported apart: it is not part of the tick the
server's budget speaks of.

Times are the thread's CPU time (`time.thread_time`): on a machine shared with other work,
wall-clock percentiles mostly measure the other work (the moments this process waited for
a core). The wall-clock p99s are reported too (`*_wall_p99_ms`), with the machine noise.

Imports game.sim, game.bots, game.match, game.percentile, game.retreats.
"""

from __future__ import annotations

import time

from game.bots.crew import BotCrew
from game.bots.nav import NavGrid
from game.match import start_bot_match
from game.percentile import percentile
from game.retreats import campaign
from game.sim.events import Event
from game.sim.level import Level
from game.sim.world import World

__all__ = ["bench_sim", "busy_world", "machine_noise", "top_up"]

_WARMUP = 150


def busy_world(level: Level, seed: int = 7) -> tuple[World, BotCrew]:
    """A long night at hazard 5 with 8 ally bots; see `top_up` for the cadre."""
    return start_bot_match(level, 8, seed, hazard=5,
                           night_seconds=max(level.night_seconds, 3600))


def top_up(world: World, turn: int) -> None:
    """Bring the cadre back to full strength at the level's entries, and Ethan if gone."""
    entries = world.level.cadre_entries
    full = world.director.full_cadre(len(world.dreamers))
    members = sum(1 for c in world.cadre.values() if not c.is_ethan)
    for k in range(full - members):
        m = entries[(turn + k) % len(entries)]
        world.spawn_cadre(m.x, m.y)
    if world.ethan is None:
        m = world.level.ethan_entry or entries[turn % len(entries)]
        world.spawn_cadre(m.x, m.y, ethan=True)


def machine_noise(samples: int = 600) -> float:
    """p99 / p50 of a fixed ~1 ms numpy workload: how much this machine alone stretches a
    p99 (1.0 would be a perfectly quiet machine). Printed next to every benchmark."""
    import numpy as np

    data = np.arange(100_000, dtype=np.float64)
    times: list[float] = []
    for _ in range(samples):
        t0 = time.perf_counter()
        for _ in range(10):
            data.sum()
        times.append(time.perf_counter() - t0)
    return round(percentile(times, 99) / percentile(times, 50), 3)


def bench_sim(ticks: int = 900) -> list[dict[str, float | int | str]]:
    """One row per level: tick and bots CPU times (p50, p99, max, ms), the wall-clock p99s,
    the cadre's mean count and full strength, ticks measured, and what working out the
    level's way-finding cost before the first tick (`nav_bake_ms`: once per process and
    level, 0 when already done)."""
    rows: list[dict[str, float | int | str]] = []
    cpu, wall = time.thread_time, time.perf_counter
    for level in campaign():
        c0 = cpu()
        NavGrid.of(level).bake()  # what the level's first match in a process pays, once
        bake = cpu() - c0
        world, crew = busy_world(level)
        events: list[Event] = []
        steps: list[float] = []
        bots: list[float] = []
        steps_wall: list[float] = []
        bots_wall: list[float] = []
        cadre = 0
        for i in range(_WARMUP + ticks):
            top_up(world, i)
            c0, w0 = cpu(), wall()
            intents = crew.decide(world, events)
            c1, w1 = cpu(), wall()
            events = world.step(intents)
            c2, w2 = cpu(), wall()
            if i >= _WARMUP:
                steps.append(c2 - c1)
                bots.append(c1 - c0)
                steps_wall.append(w2 - w1)
                bots_wall.append(w1 - w0)
                cadre += len(world.cadre)
            if not world.running:
                break
        n = max(len(steps), 1)
        rows.append({
            "level": level.name,
            "cells": level.width * level.height,
            "ticks": len(steps),
            "cadre_mean": round(cadre / n, 2),
            "cadre_full": world.director.full_cadre(len(world.dreamers)) + 1,
            "tick_p50_ms": _ms(percentile(steps, 50)),
            "tick_p99_ms": _ms(percentile(steps, 99)),
            "tick_max_ms": _ms(max(steps, default=0.0)),
            "bots_p50_ms": _ms(percentile(bots, 50)),
            "bots_p99_ms": _ms(percentile(bots, 99)),
            "bots_max_ms": _ms(max(bots, default=0.0)),
            "tick_wall_p99_ms": _ms(percentile(steps_wall, 99)),
            "bots_wall_p99_ms": _ms(percentile(bots_wall, 99)),
            "nav_bake_ms": _ms(bake),
        })
    return rows


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 4)
