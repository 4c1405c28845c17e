"""The `dreamlayer` command.

Subcommands:
  simulate   play a whole match headless, ally bots against the cadre, and print the outcome
             (`--record PATH` keeps it as a replay)
  replay     watch a replay in the game's viewer, `--summary` it, or `--verify` it:
             re-simulate it and compare its hashes
  balance    the balance table: headless nights per level, dreamers and hazard; win rate,
             mean time to the end and mean score per cell
  bench      measure (`bench sim`: the simulation's and the bots' time per tick on every level;
             `bench net`: bandwidth, snapshot and join-state sizes, and what a room costs a
             host under load with the cadre at full strength)
  levels     list the retreats
  rooms      list the public rooms a server knows (with a cluster: every server's)

Every bad argument is named with the reason, exit status 2; a broken level file is named
with what is wrong. Imports game.sim, game.bots, game.match, game.retreats, game.bench,
game.replay (lazily, per command).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from game.retreats import LevelError, UnknownLevel, campaign, load_retreat
from game.sim.tuning import TICK_RATE, Tuning, tuning_change

__all__ = ["main"]


def _ranged(lo: int, hi: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            v = int(raw)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{raw!r} is not a whole number") from None
        if not lo <= v <= hi:
            raise argparse.ArgumentTypeError(f"must be {lo}..{hi}, got {v}")
        return v

    parse.__name__ = f"number {lo}..{hi}"
    return parse


def _workers(raw: str) -> int | str:
    """--workers: "auto" or a whole number 1..64."""
    if raw.strip().lower() == "auto":
        return "auto"
    return _ranged(1, 64)(raw)


def _ranged_list(lo: int, hi: int) -> Callable[[str], list[int]]:
    """A comma-separated list of whole numbers lo..hi, each named if it is wrong."""
    one = _ranged(lo, hi)

    def parse(raw: str) -> list[int]:
        items = [p.strip() for p in raw.split(",")]
        if not all(items):
            raise argparse.ArgumentTypeError(f"{raw!r} is not a comma-separated list")
        return list(dict.fromkeys(one(p) for p in items))

    parse.__name__ = f"list of numbers {lo}..{hi}"
    return parse


def _names(raw: str) -> list[str]:
    items = [p.strip() for p in raw.split(",")]
    if not all(items):
        raise argparse.ArgumentTypeError(f"{raw!r} is not a comma-separated list")
    return list(dict.fromkeys(items))


def _rule_change(raw: str) -> tuple[str, float]:
    """--tune NAME=VALUE: one rule number of `Tuning`, checked on its own."""
    try:
        name, value = tuning_change(raw)
        Tuning().changed([(name, value)])
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    return name, value


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="dreamlayer",
        description="Dreamlayer: repaint the nightmare before the unity meters collapse.",
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sim = sub.add_parser("simulate", help="play a whole match headless, bots against the cadre")
    sim.add_argument("--level", required=True, help="a level name (see `dreamlayer levels`) "
                     "or a path to a .tmx file")
    sim.add_argument("--dreamers", type=_ranged(1, 8), default=4, help="ally bots, 1..8")
    sim.add_argument("--seed", type=_ranged(0, 2**63 - 1), default=0)
    sim.add_argument("--hazard", type=_ranged(1, 5), default=None,
                     help="1..5 (default: the level's own)")
    sim.add_argument("--night-seconds", type=_ranged(1, 7200), default=None,
                     help="a shorter or longer night than the level's")
    sim.add_argument("--json", action="store_true", help="print one JSON object")
    sim.add_argument("--record", metavar="PATH", default=None,
                     help="write the match as a replay; the bots stand in for people, their "
                     "inputs rounded as a server rounds a person's (so the state hash can "
                     "differ from a run without --record)")

    rp = sub.add_parser("replay", help="watch a replay, or summarise or verify it")
    rp.add_argument("path", help="a replay file (.dlreplay)")
    rp.add_argument("--verify", action="store_true",
                    help="re-simulate it headless and compare its state hashes; exit 0 on a "
                    "match, 1 on a mismatch, 2 for a file refused")
    rp.add_argument("--summary", action="store_true",
                    help="print what the file holds (header, outcome, ticks) instead of "
                    "watching it")
    rp.add_argument("--json", action="store_true",
                    help="print one JSON object (the summary, or with --verify the verdict)")
    rp.add_argument("--level", default=None, metavar="PATH",
                    help="the level file, when it is not the shipped one of the recorded name")
    rp.add_argument("--any-build", action="store_true",
                    help="try a replay from another version or build instead of refusing it")

    bal = sub.add_parser("balance", help="the balance table: headless nights, bots standing "
                         "in for the players; win rate, time and score per cell")
    bal.add_argument("--levels", type=_names, default=None, metavar="NAME,...",
                     help="levels (default: every retreat)")
    bal.add_argument("--dreamers", type=_ranged_list(1, 8), default=[1, 2, 4], metavar="N,...",
                     help="dreamer counts, 1..8 (default 1,2,4)")
    bal.add_argument("--hazards", type=_ranged_list(1, 5), default=[1, 2, 3, 4, 5],
                     metavar="H,...", help="hazards, 1..5 (default 1,2,3,4,5)")
    bal.add_argument("--seeds", type=_ranged(1, 10_000), default=12,
                     help="nights per cell, seeds 0..K-1 (default 12)")
    bal.add_argument("--night-seconds", type=_ranged(1, 7200), default=None,
                     help="a shorter night than the levels' own (for exploring only)")
    seats = bal.add_mutually_exclusive_group()
    seats.add_argument("--companions", action="store_true",
                       help="seat 0 a full ally bot (the player), the others companion bots")
    seats.add_argument("--idle-player", action="store_true",
                       help="seat 0 a player who sends nothing, the others companion bots")
    bal.add_argument("--tune", type=_rule_change, action="append", default=[],
                     metavar="NAME=VALUE",
                     help="play with a rule number of game/sim/tuning.py changed (repeatable): "
                          "try a balance change without editing the code")
    bal.add_argument("--jobs", type=_ranged(1, 64), default=2, help="worker processes (2)")
    bal.add_argument("--json", action="store_true", help="print a JSON list, one object per cell")

    bench = sub.add_parser("bench", help="measure performance")
    bench.add_argument("what", choices=["sim", "net", "client", "soak"],
                       help="sim: simulation tick time per level; net: the network budgets; "
                       "client: frame time at 1280x720 on the largest level; soak: a host's "
                       "memory after 10 and after --rooms rooms played and closed")
    bench.add_argument("--ticks", type=_ranged(30, 100_000), default=900,
                       help="sim: ticks measured per level (after a warm-up)")
    bench.add_argument("--rooms", type=_ranged(1, 256), default=None,
                       help="net: rooms of 4 network clients on the host (default 40); "
                       "soak: rooms played and closed (default 200)")
    bench.add_argument("--seconds", type=_ranged(1, 3600), default=20,
                       help="net: seconds the match and the loaded server are measured")
    bench.add_argument("--workers", type=_ranged(1, 64), default=1,
                       help="net: the host's worker processes (default 1)")
    bench.add_argument("--level", default=None,
                       help="net: the retreat the loaded rooms play (default: the largest)")
    bench.add_argument("--load-only", action="store_true",
                       help="net: only the loaded host and the recording's cost")
    bench.add_argument("--at-once", action="store_true",
                       help="net: measure the load as soon as every room plays, without "
                       "waiting for the cadre's full strength (about 2 minutes into a night)")
    bench.add_argument("--json", action="store_true")

    sub.add_parser("levels", help="list the retreats")

    play = sub.add_parser("play", help="open the game (title screen and menus)")
    play.add_argument("--solo", action="store_true",
                      help="go straight into a local match, an ally bot playing your dreamer")
    play.add_argument("--level", default="first-retreat", help="with --solo: the retreat")
    play.add_argument("--allies", type=_ranged(1, 3), default=1,
                      help="with --solo: ally bots (1..3: mosaic needs both realms)")
    play.add_argument("--hazard", type=_ranged(1, 5), default=1, help="with --solo: 1..5")
    play.add_argument("--screenshot", default=None, help="save the last frame to this PNG")
    play.add_argument("--quit-after", type=float, default=None, metavar="SECONDS",
                      help="close the game after this long")

    join = sub.add_parser("join", help="join a co-op room: dreamlayer join ws://HOST:PORT CODE")
    join.add_argument("url", help="the server, ws://HOST:PORT")
    join.add_argument("code", help="the room code your friend shares")
    join.add_argument("--password", default="")

    host = sub.add_parser("host", help="run a dedicated server (also: python -m server)")
    host.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1; "
                      "0.0.0.0 for every interface)")
    host.add_argument("--port", type=_ranged(0, 65535), default=None,
                      help="port (default 8765; 0 picks a free one)")
    host.add_argument("--config", default=None, help="a TOML file (see server.example.toml)")
    host.add_argument("--workers", type=_workers, default=None,
                      help="worker processes behind one port, each running its own rooms: "
                           "1..64, or auto (one per core; the default); 1 is a single process")
    host.add_argument("--redis", default=None, metavar="URL",
                      help="share one room directory with every host on this Redis "
                      "(redis://HOST:PORT/DB; cluster.redis_url)")
    host.add_argument("--public-url", default=None, metavar="URL",
                      help="where players reach this host when another host sends them "
                      "(ws://HOST:PORT; default: the address it listens on; "
                      "cluster.public_url)")

    rooms = sub.add_parser("rooms", help="list the public rooms a server (or its whole "
                           "cluster) knows")
    rooms.add_argument("--url", required=True, help="any server of the cluster, ws://HOST:PORT")
    rooms.add_argument("--json", action="store_true")

    bots = sub.add_parser("bots", help="connect headless bot players to a server")
    bots.add_argument("--url", required=True, help="ws://HOST:PORT")
    bots.add_argument("--room", default="", help="join this room code (default: create one)")
    bots.add_argument("-n", type=_ranged(1, 64), default=4, help="how many players")
    bots.add_argument("--seconds", type=float, default=30.0, help="how long to play")
    bots.add_argument("--level", default="", help="level of a room they create")
    bots.add_argument("--hazard", type=_ranged(1, 5), default=1)
    bots.add_argument("--json", action="store_true")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    import os

    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    args = _parser().parse_args(argv)
    try:
        if args.command == "simulate":
            return _simulate(args)
        if args.command == "balance":
            return _balance(args)
        if args.command == "bench":
            return _bench(args)
        if args.command == "host":
            return _host(args)
        if args.command == "play":
            return _play(args)
        if args.command == "join":
            return _join(args)
        if args.command == "bots":
            return _bots(args)
        if args.command == "replay":
            return _replay(args)
        if args.command == "rooms":
            return _rooms(args)
        return _levels()
    except (UnknownLevel, LevelError) as e:
        print(f"dreamlayer: {e}", file=sys.stderr)
        return 2


def _play(args: argparse.Namespace) -> int:
    from pathlib import Path

    if args.quit_after is not None and not args.quit_after > 0:
        print("dreamlayer play: --quit-after must be above 0", file=sys.stderr)
        return 2
    if args.screenshot and args.quit_after is None:
        print("dreamlayer play: --screenshot needs --quit-after (when to take it)",
              file=sys.stderr)
        return 2
    if args.solo:
        load_retreat(args.level)  # an unknown level is named before any window opens
    from game.client.app import run_play

    shot = Path(args.screenshot) if args.screenshot else None
    return run_play(solo=args.solo, level=args.level, allies=args.allies, hazard=args.hazard,
                    screenshot=shot, quit_after=args.quit_after)


def _join(args: argparse.Namespace) -> int:
    from game.client.app import run_join

    return run_join(args.url, args.code, args.password)


def _bench_client(args: argparse.Namespace) -> int:
    import os

    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    from game.bench.client import frame_bench
    from game.bench.sim import machine_noise

    noise = machine_noise()
    result = frame_bench()
    if args.json:
        print(json.dumps({"bench": "client", "machine_noise_p99_over_p50": noise, **result}))
        return 0
    print(f"machine noise: a fixed workload's p99 is {noise:.2f}x its p50 here")
    print("client frame at 1280x720, night-of-unity, busy match (software rendering): "
          + ", ".join(f"{k} {round(v, 3) if isinstance(v, float) else v}"
                      for k, v in result.items()))
    return 0


def _host(args: argparse.Namespace) -> int:
    import asyncio
    import logging

    from server.board import BoardError
    from server.config import ConfigError, load_config

    try:
        config = load_config(args.config, host=args.host, port=args.port,
                             redis_url=args.redis, public_url=args.public_url,
                             workers=args.workers)
    except ConfigError as e:
        print(f"dreamlayer host: {e}", file=sys.stderr)
        return 2
    try:
        campaign(config.levels_folder())  # every map must load before anyone is let in
    except (UnknownLevel, LevelError, OSError) as e:
        print(f"dreamlayer host: server.levels: {e}", file=sys.stderr)
        return 2
    workers = config.worker_count()
    logging.basicConfig(level=config.log_level, format="%(asctime)s %(levelname)s "
                        f"{'supervisor ' if workers > 1 else ''}%(name)s: %(message)s")
    if config.log_level != "DEBUG":  # one line per connection is noise for a host
        logging.getLogger("websockets").setLevel(logging.WARNING)
    if workers > 1:
        from server.supervisor import run
    else:
        from server.host import run
    try:
        asyncio.run(run(config))
    except OSError as e:
        print(f"dreamlayer host: cannot listen on {config.host}:{config.port}: "
              f"{e.strerror or e}", file=sys.stderr)
        return 1
    except (RuntimeError, BoardError) as e:  # a worker that does not start; no board
        print(f"dreamlayer host: {e}", file=sys.stderr)
        return 1
    return 0


def _rooms(args: argparse.Namespace) -> int:
    import asyncio

    from game.remote import RemoteError, list_rooms

    if not args.url.startswith(("ws://", "wss://")):
        print(f"dreamlayer rooms: --url must be a server address, ws://HOST:PORT; got "
              f"{args.url!r}", file=sys.stderr)
        return 2
    try:
        rooms = asyncio.run(list_rooms(args.url))
    except RemoteError as e:
        print(f"dreamlayer rooms: {e}", file=sys.stderr)
        return 1
    rows = [{"code": r.code, "retreat": r.level or "the campaign",
             "phase": "playing" if r.playing else "lobby", "dreamers": r.dreamers,
             "max_dreamers": r.max_dreamers, "host": r.host, "locked": r.locked,
             "url": r.url or args.url} for r in rooms]
    if args.json:
        print(json.dumps({"url": args.url, "rooms": rows}))
        return 0
    if not rows:
        print(f"no public rooms at {args.url}")
        return 0
    print(f"{'code':6} {'retreat':18} {'phase':8} {'players':7} {'host':24} server")
    for r in rows:
        lock = " (locked)" if r["locked"] else ""
        print(f"{r['code']:6} {r['retreat']:18} {r['phase']:8} "
              f"{r['dreamers']}/{r['max_dreamers']:<5} {r['host']:24} {r['url']}{lock}")
    return 0


def _bots(args: argparse.Namespace) -> int:
    import asyncio

    from game.swarm import swarm

    if not args.seconds > 0:
        print("dreamlayer bots: --seconds must be above 0", file=sys.stderr)
        return 2
    async def until_done_or_stopped() -> list[Any]:
        # Ctrl-C or SIGTERM ends the run early and still prints what was measured
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        return await swarm(args.url, args.n, args.seconds, args.room, level=args.level,
                           hazard=args.hazard, stop=stop)

    stats = asyncio.run(until_done_or_stopped())
    rows = [s.summary() for s in stats]
    if args.json:
        print(json.dumps({"url": args.url, "players": rows}))
    else:
        for r in rows:
            print(f"{r['name']:10} room {r['room'] or '-':6} {r['downstream_bytes_per_s']:8.0f} B/s"
                  f" {r['snapshots_per_s']:5.1f} snapshots/s  input->ack p50 "
                  f"{r['ack_ms_p50']} ms p99 {r['ack_ms_p99']} ms  reconnects "
                  f"{r['reconnects']}  {r['ended']}")
    failed = [r for r in rows if r["ended"] != "still connected"]
    return 1 if failed and len(failed) == len(rows) else 0


def _levels() -> int:
    for lv in campaign():
        ethan = ", Ethan" if lv.has_ethan else ""
        print(f"{lv.name:18} {lv.title} ({lv.width}x{lv.height} cells, "
              f"{lv.night_seconds} s night, {len(lv.rifts)} rifts{ethan})")
    return 0


def _simulate(args: argparse.Namespace) -> int:
    from game.match import bot_match

    level = load_retreat(args.level)
    hazard = args.hazard or level.hazard
    t0 = time.perf_counter()
    if args.record:
        from game.replay.headless import record_bot_match

        try:
            with open(args.record, "wb") as f:
                s = record_bot_match(level, args.dreamers, args.seed, f, hazard=hazard,
                                     night_seconds=args.night_seconds,
                                     started=int(time.time()))
        except OSError as e:
            print(f"dreamlayer simulate: cannot write the replay {args.record}: "
                  f"{e.strerror}", file=sys.stderr)
            return 2
    else:
        _, s = bot_match(level, args.dreamers, args.seed, hazard, args.night_seconds)
    wall = time.perf_counter() - t0
    result = {
        "level": level.name,
        "dreamers": args.dreamers,
        "seed": args.seed,
        "hazard": hazard,
        "outcome": s.outcome.name.lower(),
        "won": s.outcome.won,
        "ticks": s.ticks,
        "night_seconds_played": round(s.ticks / TICK_RATE, 2),
        "coverage": s.coverage,
        "meters": s.meters,
        "rifts_sealed": s.rifts_sealed,
        "rifts": s.rifts,
        "cadre_awakened": s.cadre_awakened,
        "score": s.score,
        "state_hash": s.state_hash,
        "wall_seconds": round(wall, 3),
    }
    if args.record:
        result["replay"] = args.record
    if args.json:
        print(json.dumps(result))
        return 0
    verdict = {"sealed": "won: every rift sealed", "dawn": "won: dawn with both meters standing",
               "fracture": "lost: the dreamscape fractured"}[result["outcome"]]
    print(f"{level.title} - {args.dreamers} dreamers, hazard {hazard}, seed {args.seed}")
    print(f"  {verdict} after {s.ticks} ticks ({result['night_seconds_played']} s of night)")
    print("  coverage: " + ", ".join(f"{k} {v:.1%}" for k, v in s.coverage.items()))
    print("  meters:   " + ", ".join(f"{k} {v:.1f}" for k, v in s.meters.items()))
    print(f"  rifts sealed {s.rifts_sealed}/{s.rifts}, cadre awakened {s.cadre_awakened}, "
          f"score {s.score}")
    print(f"  state hash {s.state_hash}  ({wall:.1f} s wall time)")
    if args.record:
        print(f"  replay written to {args.record}")
    return 0


def _replay(args: argparse.Namespace) -> int:
    from game.replay import ReplayError, describe, verify

    if not (args.verify or args.summary or args.json):
        return _watch(args)
    try:
        if args.verify:
            verdict = verify(args.path, level=args.level, any_build=args.any_build)
        else:
            summary = describe(args.path)
    except ReplayError as e:
        print(f"dreamlayer replay: {args.path}: {e}", file=sys.stderr)
        if args.json:
            print(json.dumps({"error": f"{args.path}: {e}"}))
        return 2
    if args.verify:
        v = verdict.as_dict()
        if args.json:
            print(json.dumps(v))
        else:
            said = ("match" if verdict.match else
                    f"MISMATCH: the first differing hash is at tick {verdict.first_bad_tick}")
            print(f"{args.path}: {said}")
            print(f"  {verdict.ticks} ticks re-simulated in {verdict.seconds:.2f} s")
            print(f"  hash_recorded {verdict.hash_recorded}")
            print(f"  hash_replayed {verdict.hash_replayed}")
            if verdict.note:
                print(f"  note: {verdict.note}")
        return 0 if verdict.match else 1
    if args.json:
        print(json.dumps(summary.as_dict()))
        return 0
    h, d = summary.header, summary.as_dict()
    night = f"{h.night_seconds} s night" if h.night_seconds else "the level's night"
    print(f"{args.path} ({summary.size / 1024:.1f} KB)")
    print(f"  level {h.level.name} ({h.level.file}), hazard {h.hazard}, seed {h.seed}, {night}")
    print(f"  recorded {d['date']} by Dreamlayer {h.game_version} (build {h.build})"
          + (f" in room {h.room}" if h.room else ""))
    print("  seats: " + "; ".join(f"{st.name} ({st.realm.title}, {st.role.name.lower()}, "
                                  f"{st.control.name.lower()})" for st in h.seats))
    if summary.end is not None:
        print(f"  {d['outcome']} after {summary.ticks} ticks ({summary.seconds:.1f} s)")
    else:
        print(f"  the file ends at tick {summary.ticks} ({summary.seconds:.1f} s), before "
              "the night did")
    print(f"  {summary.checkpoints} checkpoints, {summary.roster_changes} roster changes, "
          f"{summary.chat_lines} chat lines, {summary.emotes} emotes")
    return 0


def _watch(args: argparse.Namespace) -> int:
    """`dreamlayer replay PATH`: the viewer (a refused file is said on screen, and here)."""
    from game.client.app import run_replay
    from game.replay import ReplayError
    from game.replay.summary import read_header

    try:
        read_header(args.path)
    except ReplayError as e:
        print(f"dreamlayer replay: {args.path}: {e}", file=sys.stderr)
        return 2
    return run_replay(args.path, args.level, args.any_build)


def _balance(args: argparse.Namespace) -> int:
    from game.bench.balance import Lineup, balance_table, render

    lineup = (Lineup.IDLE if args.idle_player
              else Lineup.COMPANIONS if args.companions else Lineup.ALLIES)
    if lineup is Lineup.IDLE and min(args.dreamers) < 2:
        print("dreamlayer balance: --idle-player needs --dreamers of 2 or more (seat 0 idles, "
              "companions fill the others)", file=sys.stderr)
        return 2
    levels = args.levels or [lv.name for lv in campaign()]

    def progress(done: int, total: int) -> None:
        if not args.json and (done == total or done % 10 == 0):
            print(f"nights played: {done}/{total}", file=sys.stderr, flush=True)

    t0 = time.perf_counter()
    rows = balance_table(levels, args.dreamers, args.hazards, args.seeds, lineup=lineup,
                         night_seconds=args.night_seconds, tuning=args.tune, jobs=args.jobs,
                         on_night=progress)
    wall = time.perf_counter() - t0
    if args.json:
        print(json.dumps(rows))
        return 0
    print(render(rows))
    print(f"{wall:.0f} s wall time with {args.jobs} worker(s)")
    return 0


def _bench(args: argparse.Namespace) -> int:
    if args.what == "net":
        return _bench_net(args)
    if args.what == "soak":
        return _bench_soak(args)
    if args.what == "client":
        return _bench_client(args)
    from game.bench.sim import bench_sim, machine_noise

    noise = machine_noise()
    rows = bench_sim(args.ticks)
    if args.json:
        print(json.dumps({"bench": "sim", "machine_noise_p99_over_p50": noise, "levels": rows}))
        return 0
    print(f"machine noise: a fixed workload's p99 is {noise:.2f}x its p50 here")
    print("simulation tick and bots, 8 ally bots, the full cadre and Ethan, "
          f"{args.ticks} ticks per level; CPU ms (wall-clock p99 in brackets)")
    print(f"{'level':18} {'cells':>7} {'cadre':>5} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} "
          f"{'(wall)':>7} {'bots p50':>8} {'bots p99':>8} {'(wall)':>7}")
    for r in rows:
        print(f"{r['level']:18} {r['cells']:>7} {r['cadre_mean']:>5.1f} {r['tick_p50_ms']:>7.3f} "
              f"{r['tick_p99_ms']:>7.3f} {r['tick_max_ms']:>7.3f} {r['tick_wall_p99_ms']:>7.3f} "
              f"{r['bots_p50_ms']:>8.3f} {r['bots_p99_ms']:>8.3f} {r['bots_wall_p99_ms']:>7.3f}")
    print("way-finding worked out once per level before the first tick: "
          + ", ".join(f"{r['level']} {r['nav_bake_ms']:.0f} ms" for r in rows))
    return 0


def _bench_net(args: argparse.Namespace) -> int:
    from game.bench.net import bench_net, render

    def progress(part: str) -> None:
        if not args.json:
            print(f"measuring: {part}...", file=sys.stderr, flush=True)

    if args.level is not None:
        try:
            load_retreat(args.level)
        except (UnknownLevel, LevelError) as e:
            print(f"dreamlayer bench net: {e}", file=sys.stderr)
            return 2
    try:
        result = bench_net(40 if args.rooms is None else args.rooms, float(args.seconds),
                           workers=args.workers, level=args.level, load_only=args.load_only,
                           wait_full=not args.at_once, on_part=progress)
    except RuntimeError as e:
        print(f"dreamlayer bench net: {e}", file=sys.stderr)
        return 1
    print(json.dumps(result) if args.json else render(result))
    return 0


def _bench_soak(args: argparse.Namespace) -> int:
    from game.bench.soak import render, soak

    def progress(played: int) -> None:
        if not args.json:
            print(f"\rrooms played: {played}", end="", file=sys.stderr, flush=True)

    try:
        result = soak(200 if args.rooms is None else args.rooms, on_room=progress)
    except RuntimeError as e:
        print(f"dreamlayer bench soak: {e}", file=sys.stderr)
        return 1
    if not args.json:
        print(file=sys.stderr)
    print(json.dumps(result) if args.json else render(result))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

