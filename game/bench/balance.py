"""The balance table behind `dreamlayer balance`: headless nights with bots standing in for
the players, for every cell of levels x dreamers x hazards, and per cell the win rate, the
mean time to the end (seconds of night) and the mean score.

Nights are independent, so they are played in a pool of worker processes; each night's
seed is its number (seeds 0..K-1), so a table is the same on every run and machine. Only
the wall time and the CPU seconds differ.

Who sits in the seats (`Lineup`):
  allies      every seat a full ally bot (the players, played by bots): the balance goals
  companions  seat 0 a full ally bot (the player), every other seat a companion bot (what
              fills a room's empty seats)
  idle        seat 0 a player who sends nothing, every other seat a companion: what the
              companions achieve without the player

Imports game.match, game.retreats, game.sim, and the standard library's process pool.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import Any

from game.match import Seat, bot_match
from game.retreats import load_retreat
from game.sim.level import Level
from game.sim.tuning import TICK_RATE, Tuning

__all__ = ["Lineup", "NightPlan", "NightResult", "balance_table", "play_night", "render",
           "seats_for"]


class Lineup(Enum):
    """Who sits in a balance night's seats (see the module's docstring)."""

    ALLIES = "allies"
    COMPANIONS = "companions"
    IDLE = "idle"


def seats_for(dreamers: int, lineup: Lineup) -> tuple[Seat, ...]:
    """The seats of a night with `dreamers` dreamers under `lineup`; seat 0 is the player."""
    if lineup is Lineup.ALLIES:
        return (Seat.ALLY,) * dreamers
    first = Seat.ALLY if lineup is Lineup.COMPANIONS else Seat.IDLE
    return (first,) + (Seat.COMPANION,) * (dreamers - 1)


@dataclass(frozen=True, slots=True)
class NightPlan:
    """One night to play: a level (name or path), its seats, the hazard and the seed;
    `night_seconds` None is the level's own night."""

    level: str
    seats: tuple[Seat, ...]
    hazard: int
    seed: int
    night_seconds: int | None = None
    tuning: tuple[tuple[str, float], ...] = ()
    """rule numbers changed from the default `Tuning` (`dreamlayer balance --tune`)"""


@dataclass(frozen=True, slots=True)
class NightResult:
    plan: NightPlan
    won: bool
    outcome: str
    seconds: float
    """seconds of night played, to the win or the fracture"""
    score: int
    rifts_sealed: int
    cpu_seconds: float


@lru_cache(maxsize=16)
def _level(name: str) -> Level:
    return load_retreat(name)


def play_night(plan: NightPlan) -> NightResult:
    """Play one night to its end (in this process) and say how it went."""
    t0 = time.process_time()
    _, s = bot_match(_level(plan.level), plan.seats, plan.seed, plan.hazard,
                     night_seconds=plan.night_seconds, tuning=Tuning().changed(plan.tuning))
    return NightResult(plan, s.outcome.won, s.outcome.name.lower(), s.ticks / TICK_RATE,
                       s.score, s.rifts_sealed, time.process_time() - t0)


def balance_table(
    levels: Sequence[str],
    dreamers: Sequence[int],
    hazards: Sequence[int],
    seeds: int,
    *,
    lineup: Lineup = Lineup.ALLIES,
    night_seconds: int | None = None,
    tuning: Sequence[tuple[str, float]] = (),
    jobs: int = 2,
    on_night: Callable[[int, int], None] | None = None,
) -> list[dict[str, Any]]:
    """Play seeds 0..seeds-1 for every level x dreamers x hazard and return one JSON-ready
    row per cell (in that order): level, dreamers, hazard, lineup, seeds, wins, win_rate,
    mean_seconds, mean_score, mean_rifts_sealed, outcomes (count per outcome),
    cpu_seconds (the CPU time its nights took) and tuning (the rule numbers `tuning`
    changed, as a mapping: empty for the game's own rules).

    `jobs` worker processes play the nights (1: in this process). `on_night(done, total)`
    is called after every night. Raises UnknownLevel or LevelError for a bad level (before
    any night is played) and ValueError for a bad count, hazard, night length or rule
    number (before any night too).
    """
    if seeds < 1 or jobs < 1:
        raise ValueError(f"seeds and jobs must be >= 1, got {seeds} and {jobs}")
    if lineup is Lineup.IDLE and min(dreamers) < 2:
        raise ValueError("an idle player needs at least 2 dreamers (the others are companions)")
    names = [_level(name).name for name in levels]  # refuses a bad level before any night
    changes = tuple(tuning)
    Tuning().changed(changes)  # and bad rule numbers
    plans = [NightPlan(path, seats_for(n, lineup), h, k, night_seconds, changes)
             for path in levels for n in dreamers for h in hazards for k in range(seeds)]
    results: list[NightResult] = []
    if jobs == 1:
        for plan in plans:
            results.append(play_night(plan))
            if on_night is not None:
                on_night(len(results), len(plans))
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for result in pool.map(play_night, plans, chunksize=1):
                results.append(result)
                if on_night is not None:
                    on_night(len(results), len(plans))
    rows: list[dict[str, Any]] = []
    for (path, name) in zip(levels, names, strict=True):
        for n in dreamers:
            for h in hazards:
                cell = [r for r in results if r.plan.level == path
                        and len(r.plan.seats) == n and r.plan.hazard == h]
                rows.append(_row(name, n, h, lineup, cell) | {"tuning": dict(changes)})
    return rows


def _row(level: str, dreamers: int, hazard: int, lineup: Lineup,
         nights: list[NightResult]) -> dict[str, Any]:
    k = len(nights)
    wins = sum(r.won for r in nights)
    outcomes: dict[str, int] = {}
    for r in nights:
        outcomes[r.outcome] = outcomes.get(r.outcome, 0) + 1
    return {
        "level": level,
        "dreamers": dreamers,
        "hazard": hazard,
        "lineup": lineup.value,
        "seeds": k,
        "wins": wins,
        "win_rate": round(wins / k, 4),
        "mean_seconds": round(sum(r.seconds for r in nights) / k, 1),
        "mean_score": round(sum(r.score for r in nights) / k, 1),
        "mean_rifts_sealed": round(sum(r.rifts_sealed for r in nights) / k, 2),
        "outcomes": dict(sorted(outcomes.items())),
        "cpu_seconds": round(sum(r.cpu_seconds for r in nights), 1),
    }


def render(rows: Sequence[dict[str, Any]]) -> str:
    """The table as text: one line per level and dreamer count, a column per hazard with
    win rate, mean seconds of night and mean score."""
    hazards = sorted({r["hazard"] for r in rows})
    lines = [f"{'level':16} {'dreamers':>8}  " + "  ".join(
        f"{'hazard ' + str(h):^22}" for h in hazards)]
    lines.append(f"{'':16} {'':>8}  " + "  ".join(f"{'win':>5} {'secs':>6} {'score':>8} "
                                                  for _ in hazards))
    keys = list(dict.fromkeys((r["level"], r["dreamers"]) for r in rows))
    for level, n in keys:
        cells = {r["hazard"]: r for r in rows if (r["level"], r["dreamers"]) == (level, n)}
        parts = []
        for h in hazards:
            c = cells.get(h)
            parts.append(f"{c['win_rate']:>5.0%} {c['mean_seconds']:>6.0f} {c['mean_score']:>8.0f} "
                         if c else f"{'':22}")
        lines.append(f"{level:16} {n:>8}  " + "  ".join(parts))
    seeds = sorted({r["seeds"] for r in rows})
    cpu = sum(r["cpu_seconds"] for r in rows)
    lineup = rows[0]["lineup"] if rows else Lineup.ALLIES.value
    changed = rows[0].get("tuning", {}) if rows else {}
    rules = ", ".join(f"{k}={v}" for k, v in changed.items()) if changed else "the game's own"
    lines.append(f"seats: {lineup}; {'/'.join(map(str, seeds))} seeds per cell; "
                 f"rules: {rules}; {cpu:.0f} CPU seconds of play")
    return "\n".join(lines)
