"""The replay budgets, measured: `python -m game.replay.bench [--level NAME]... [--json]`.

For each level a whole night of 4 dreamers is played by stand-in bots and recorded as if
they were people (`StandInMatch`), then verified. It reports:

- the file's size per minute of play (budget: <= 20 KB/min for 4 dreamers);
- the recorder's cost per tick against `World.step()`'s (budget: < 2%), and against the
  step and the cadre's planning together (the simulation a room runs each tick; its
  snapshots come on top): the recorder's calls (`people`, `checkpoint_due`, `checkpoint`,
  `end`) plus the state hashes taken for the checkpoints; and apart, what rounding the
  people's inputs adds to a room: `PersonInput.of(...).intent()` where it calls
  `intent_of(...)` today;
- how long verifying the whole night takes against the night's real length (budget:
  < 10%): re-simulation runs the cadre's and Ethan's planning, not the people's;
- the viewer's seeking (`game.replay.scrub`): how long learning the whole night takes, its
  checkpoints' count and bytes, and how long a seek backwards takes (budget: well under a
  second), from the night's end to 40 ticks spread over the night (p50 and max).

It prints numbers and never fails. Imports the replay package, game.retreats, game.sim,
game.percentile and game.net.records.
"""

from __future__ import annotations

import argparse
import functools
import json
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from game.net.records import intent_of
from game.percentile import percentile
from game.replay.headless import StandInMatch
from game.replay.inputs import PersonInput
from game.replay.playback import open_level
from game.replay.scrub import Scrubber
from game.replay.tape import Tape
from game.replay.verify import verify
from game.retreats import level_names, load_retreat
from game.sim.events import Event
from game.sim.intent import Intent
from game.sim.tuning import TICK_RATE
from game.sim.world import World

__all__ = ["bench_replay"]

F = TypeVar("F", bound=Callable[..., Any])


def _timed(fn: F, into: list[float]) -> F:
    @functools.wraps(fn)
    def run(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            into[0] += time.perf_counter() - t0
    return run  # type: ignore[return-value]


def bench_level(name: str, dreamers: int = 4, seed: int = 7,
                hazard: int | None = None) -> dict[str, Any]:
    """One level's numbers (see the module docstring); hazard None: the level's own."""
    level = load_retreat(name)
    hazard = hazard or level.hazard
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{name}.dlreplay"
        step, cadre = [0.0], [0.0]
        sample: list[Intent] = []
        t0 = time.perf_counter()
        with path.open("wb") as f:
            m = StandInMatch(level, dreamers, seed, f, hazard=hazard,
                             started=int(time.time()))
            world, crew = m.night.world, m.night.crew
            world.step = _timed(world.step, step)  # type: ignore[method-assign]
            crew.decide = _timed(crew.decide, cadre)  # type: ignore[method-assign]
            decide = m.stand_ins.decide

            def keep(world: World, events: Iterable[Event] = ()) -> dict[int, Intent]:
                out = decide(world, events)
                if len(sample) < 20_000:
                    sample.extend(out.values())
                return out

            m.stand_ins.decide = keep  # type: ignore[method-assign]
            while m.running:
                m.play_tick()
            s = m.finish()
        recording = m.recording_seconds
        record_wall = time.perf_counter() - t0
        size = path.stat().st_size
        v = verify(path)
        seeking = _seeking(path)
    # what rounding adds to a room: PersonInput.of(...).intent() where it calls
    # intent_of(...) today
    inputs = [(it.move, it.aim, PersonInput.of_intent(it).buttons, it.ping) for it in sample]
    t1 = time.perf_counter()
    for args in inputs:
        PersonInput.of(*args).intent()
    t2 = time.perf_counter()
    for args in inputs:
        intent_of(*args)
    apply_each = ((t2 - t1) - (time.perf_counter() - t2)) / max(len(sample), 1)
    ticks = s.ticks
    minutes = ticks / TICK_RATE / 60
    return {
        "level": name, "dreamers": dreamers, "hazard": hazard, "seed": seed,
        "outcome": s.outcome.name.lower(), "night_ticks": m.night.world.night_ticks,
        "ticks": ticks, "bytes": size, "kb_per_minute": round(size / 1024 / minutes, 2),
        "step_ms_per_tick": round(step[0] / ticks * 1e3, 3),
        "recorder_us_per_tick": round(recording / ticks * 1e6, 2),
        "recorder_share_of_step_pct": round(100 * recording / step[0], 2),
        "cadre_ms_per_tick": round(cadre[0] / ticks * 1e3, 3),
        "recorder_share_of_step_and_cadre_pct": round(100 * recording / (step[0] + cadre[0]),
                                                      2),
        "rounding_net_us_per_tick": round(apply_each * dreamers * 1e6, 2),
        "rounding_net_share_of_step_pct": round(100 * apply_each * dreamers * ticks / step[0],
                                                2),
        "record_wall_seconds": round(record_wall, 2),
        "verify_seconds": round(v.seconds, 2), "verified": v.match,
        "verify_share_of_night_pct": round(100 * v.seconds / (ticks / TICK_RATE), 2),
        **seeking,
    }


def _seeking(path: Path) -> dict[str, Any]:
    """The viewer's seeking on the replay at `path` (see the module docstring)."""
    tape = Tape.read(path)
    s = Scrubber(tape, open_level(tape.header))
    t0 = time.perf_counter()
    while s.scout(500):
        pass
    learn = time.perf_counter() - t0
    back = []
    for k in range(40):
        s.seek(s.last_tick)
        t1 = time.perf_counter()
        s.seek(s.last_tick * k // 40 + k % 7)
        back.append(time.perf_counter() - t1)
    cp = s.checkpoints
    return {"learn_night_seconds": round(learn, 2), "checkpoints": len(cp.states),
            "checkpoint_every": cp.every, "checkpoint_mb": round(cp.size / 2**20, 2),
            "seek_back_ms_p50": round(percentile(back, 50) * 1e3, 1),
            "seek_back_ms_max": round(max(back) * 1e3, 1)}


def bench_replay(levels: list[str] | None = None, dreamers: int = 4, seed: int = 7,
                 hazard: int | None = None) -> list[dict[str, Any]]:
    return [bench_level(name, dreamers, seed, hazard) for name in levels or level_names()]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m game.replay.bench",
                                description="replay size, recorder cost and verify speed")
    p.add_argument("--level", action="append", default=None, help="a level (repeatable; "
                   "default: every shipped one)")
    p.add_argument("--dreamers", type=int, default=4)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--hazard", type=int, default=None, help="default: each level's own")
    p.add_argument("--json", action="store_true")
    args = p.parse_args(argv)
    rows = bench_replay(args.level, args.dreamers, args.seed, args.hazard)
    if args.json:
        print(json.dumps({"bench": "replay", "levels": rows}))
        return 0
    for r in rows:
        print(f"{r['level']:16} {r['dreamers']} dreamers, hazard {r['hazard']}, "
              f"{r['outcome']} after {r['ticks']} of {r['night_ticks']} ticks: "
              f"{r['kb_per_minute']:.1f} KB/min; recorder {r['recorder_us_per_tick']} us/tick "
              f"= {r['recorder_share_of_step_pct']}% of World.step ({r['step_ms_per_tick']} "
              f"ms), {r['recorder_share_of_step_and_cadre_pct']}% of it and the cadre's "
              f"planning; rounding inputs adds {r['rounding_net_share_of_step_pct']}%; verify "
              f"{r['verify_seconds']} s = {r['verify_share_of_night_pct']}% of the night"
              f"{'' if r['verified'] else ' (MISMATCH)'}; the viewer learns the night in "
              f"{r['learn_night_seconds']} s, {r['checkpoints']} checkpoints "
              f"({r['checkpoint_mb']} MB), a seek back takes {r['seek_back_ms_p50']} ms "
              f"(p50), {r['seek_back_ms_max']} ms at most")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
