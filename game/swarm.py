"""Headless network players: ally-bot policies playing over real websockets.

Each player connects with `game.remote.Remote` and plays through a `game.remote.Line`
(after a drop that is not final it comes back into its seat with its token, as the pygame
client does), rebuilds the world from snapshots in a `Mirror`, turns that into the same
`Observation` the in-process bots get, and sends one INPUT per tick. A room that another
server of a cluster runs is joined there (`Remote.join_room` follows MOVED). It measures what a
player's machine sees: downstream bytes per second, snapshots per second, the delay from
sending an input to the snapshot acknowledging it, how often it came back, and how the
connection ended. The engine of `dreamlayer bots` and `dreamlayer bench net`.

Imports game.net, game.remote, game.bots, game.sim, game.retreats.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from game.bots.ally import AllyPolicy
from game.bots.nav import NavGrid
from game.bots.observation import (
    BeaconSeen,
    CadreSeen,
    DreamerSeen,
    Me,
    PingSeen,
    RiftSeen,
    WorldView,
)
from game.net.records import DreamerStatus, LobbyPlayer, RiftFlags, input_values
from game.net.schema import Kind
from game.net.session import Phase
from game.net.snapshot import EntityKind, Mirror
from game.percentile import percentile
from game.remote import Line, Remote, RemoteError
from game.retreats import load_retreat
from game.sim.events import EventKind
from game.sim.grid import CHUNK, Cell, PaintGrid
from game.sim.level import Level, Realm
from game.sim.motion import POSITION_SCALE, VELOCITY_SCALE
from game.sim.roles import Role
from game.sim.tuning import TICK_RATE, Tuning
from game.sim.world import rift_radii

__all__ = ["LevelKit", "PlayerStats", "play", "swarm", "view_of"]


@dataclass
class PlayerStats:
    """What one network player measured."""

    name: str
    bytes_down: int = 0
    snapshots: int = 0
    seconds: float = 0.0
    ack_ms: list[float] = field(default_factory=list)
    inputs: int = 0
    matches: int = 0
    outcomes: list[int] = field(default_factory=list)
    """the outcome (game.sim.Outcome value) of every match that ended"""
    ended: str = ""
    room: str = ""
    server: str = ""
    """the URL of the server the player's room runs on (another one than it was sent to
    when a server of a cluster moved it there)"""
    reconnects: int = 0
    """times the player's connection dropped and it came back into its seat"""
    dreamers: list[int] = field(default_factory=list)
    """the dreamer of every MATCH_START (one per match, and again after each comeback)"""

    def summary(self) -> dict[str, Any]:
        secs = max(self.seconds, 1e-9)
        acks = self.ack_ms
        return {
            "name": self.name,
            "room": self.room,
            "server": self.server,
            "seconds": round(self.seconds, 2),
            "downstream_bytes_per_s": round(self.bytes_down / secs, 1),
            "snapshots_per_s": round(self.snapshots / secs, 2),
            "inputs_sent": self.inputs,
            "ack_ms_p50": round(percentile(acks, 50), 2) if acks else None,
            "ack_ms_p99": round(percentile(acks, 99), 2) if acks else None,
            "matches_started": self.matches,
            "matches_ended": len(self.outcomes),
            "reconnects": self.reconnects,
            "ended": self.ended or "still connected",
        }


class LevelKit:
    """What a network player derives once from a level: navigation, district map, rifts."""

    def __init__(self, level: Level, tuning: Tuning) -> None:
        self.level = level
        self.nav = NavGrid(level)
        self.kind_map = PaintGrid(level).kind_map
        cs = level.cell_size
        self.rifts = [(i, m.x, m.y, int(m.x // cs), int(m.y // cs), *rift_radii(m.strength, tuning))
                      for i, m in enumerate(level.rifts)]


def view_of(mirror: Mirror, lv: LevelKit, me_id: int, night_ticks: int,
            pings: list[PingSeen], tuning: Tuning) -> WorldView:
    """The public picture a network player has, in the bots' own terms."""
    state, realm = mirror.state, mirror.realm
    h, w = state.shape
    blocks = state.reshape(h // CHUNK, CHUNK, w // CHUNK, CHUNK)
    dreamers, cadre, beacons = [], [], []
    for eid, e in mirror.entities.items():
        x, y = e.px, e.py
        if e.kind == EntityKind.DREAMER:
            dreamers.append(DreamerSeen(eid, x, y, Realm(e.realm), Role(e.role),
                                        bool(e.status & DreamerStatus.ASLEEP),
                                        bool(e.status & DreamerStatus.DISTORTED)))
        elif e.kind in (EntityKind.CADRE, EntityKind.ETHAN):
            cadre.append(CadreSeen(eid, x, y, e.kind == EntityKind.ETHAN))
        else:
            beacons.append(BeaconSeen(-1, x, y))
    rifts = []
    for index, x, y, cx, cy, core, seal in lv.rifts:
        flags, _ = mirror.rifts.get(index, (0, 0))
        rifts.append(RiftSeen(index, x, y, cx, cy, bool(flags & RiftFlags.SEALED),
                              bool(flags & RiftFlags.OPEN), core, seal))
    selves: dict[int, Me] = {}
    mine = mirror.entities.get(me_id)
    if mirror.me is not None and mine is not None:
        me = mirror.me
        selves[me_id] = Me(me_id, me.x / POSITION_SCALE, me.y / POSITION_SCALE,
                           me.vx / VELOCITY_SCALE, me.vy / VELOCITY_SCALE, me.inspiration / 10,
                           me.ability_in == 0, me.shove_in == 0, Realm(mine.realm),
                           Role(mine.role), bool(me.status & DreamerStatus.ASLEEP),
                           bool(me.status & DreamerStatus.DISTORTED), False)
    return WorldView(
        tick=mirror.tick, night_ticks=night_ticks, cell_size=lv.level.cell_size, tuning=tuning,
        state=state, realm=realm,
        chunk_nightmare=(blocks == Cell.NIGHTMARE).sum(axis=(1, 3)),
        chunk_dream=(blocks == Cell.DREAM).sum(axis=(1, 3)),
        dreamers=tuple(dreamers), cadre=tuple(cadre), rifts=tuple(rifts),
        beacons=tuple(beacons), pings=tuple(pings),
        meters={Realm.SANCTUARY: mirror.meters[0] / 100, Realm.REST: mirror.meters[1] / 100},
        selves=selves, kind_map=lv.kind_map)


async def play(line: Line, stats: PlayerStats, seconds: float, *, seed: int,
               start_when: int = 0, stop: asyncio.Event | None = None) -> None:
    """Play in the joined room for `seconds` (or until the connection ends for good, or
    `stop` is set).

    With `start_when` > 0 this player is the room's host and starts the match once that
    many players are in the room. A drop that is not final is mended by `line` (which comes
    back into the seat); inputs are not sent meanwhile.
    """
    tuning = Tuning()
    t0 = time.monotonic()
    deadline = t0 + seconds
    state: dict[str, Any] = {"mirror": None}
    sent_at: deque[tuple[int, float]] = deque()
    pings: list[PingSeen] = []

    async def reader() -> None:
        while True:
            msg = await line.recv()
            if msg.kind is Kind.SNAPSHOT and state["mirror"] is not None:
                stats.snapshots += 1
                mirror: Mirror = state["mirror"]
                mirror.apply(msg)
                now = time.monotonic()
                while sent_at and sent_at[0][0] <= msg["ack"]:
                    stats.ack_ms.append((now - sent_at.popleft()[1]) * 1000)
                for ev in msg["events"]:
                    if ev.kind == EventKind.PING:
                        pings.append(PingSeen(ev.entity, ev.x, ev.y, int(ev.value), mirror.tick))
                del pings[:-16]
            elif msg.kind is Kind.MATCH_START:
                stats.matches += 1
                stats.dreamers.append(msg["dreamer"])
                state["mirror"] = Mirror(msg["state"])
                level = load_retreat(msg["level"])
                state["level"] = LevelKit(level, tuning)
                state["night"] = msg["night_ticks"]
                state["me"] = msg["dreamer"]
                state["policy"] = AllyPolicy(msg["dreamer"], state["level"].nav, seed)
                sent_at.clear()
            elif msg.kind is Kind.JOINED:  # back after a drop: MATCH_START follows if playing
                state["mirror"] = None
            elif msg.kind is Kind.MATCH_END:
                state["mirror"] = None
                stats.outcomes.append(msg["outcome"])
            elif msg.kind is Kind.LOBBY and start_when and msg["state"] == 2:
                await line.send(Kind.START)  # a campaign: on to the next retreat
            elif msg.kind is Kind.LOBBY and start_when and msg["state"] == 0 \
                    and not state.get("started"):
                roster: list[LobbyPlayer] = msg["players"]
                people = sum(1 for p in roster if not p.bot and not p.spectator)
                if people >= start_when:
                    state["started"] = True
                    await line.send(Kind.START)

    task = asyncio.get_running_loop().create_task(reader())
    counted_from = line.wire_bytes_in
    seq = 0
    period = 1.0 / TICK_RATE
    next_at = time.monotonic()
    try:
        while time.monotonic() < deadline and not task.done() \
                and not (stop is not None and stop.is_set()):
            mirror = state["mirror"]
            if mirror is not None and not line.attempt \
                    and line.remote.session.phase is Phase.PLAYING:
                me = state["me"]
                view = view_of(mirror, state["level"], me, state["night"], pings, tuning)
                intent = state["policy"].decide(view.observe(me)) if me in view.selves else None
                if intent is not None:
                    seq += 1
                    if await line.send(Kind.INPUT, input_values(seq, intent, mirror.tick)):
                        sent_at.append((seq, time.monotonic()))
                        stats.inputs += 1
            next_at += period
            delay = next_at - time.monotonic()
            if delay < -10 * period:  # far behind (a stalled loop): do not race to catch up
                next_at = time.monotonic()
            await asyncio.sleep(max(0.0, delay))
        if task.done() and task.exception() is not None:
            raise task.exception()  # type: ignore[misc]
    except RemoteError as e:
        stats.ended = str(e)
    finally:
        stats.seconds = time.monotonic() - t0
        stats.bytes_down = line.wire_bytes_in - counted_from
        stats.reconnects = line.reconnects
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, RemoteError, Exception):
            await task


async def swarm(url: str, n: int, seconds: float, room: str = "", *, level: str = "",
                hazard: int = 1, bot_fill: bool = False,
                ping_timeout: float | None = 4.0,
                stop: asyncio.Event | None = None) -> list[PlayerStats]:
    """Connect n bot players; without `room` the first creates one and starts the match
    when all n are in; they play for `seconds` or until `stop` is set. Returns each
    player's stats (connection failures included). Each
    player comes back into its seat after a drop that is not final (`reconnects`); a link
    silent for `ping_timeout` seconds counts as dropped (None: only a closed one)."""
    stats = [PlayerStats(f"netbot {k + 1}") for k in range(n)]
    lines: list[Line | None] = [None] * n
    interval = 2.0 if ping_timeout is not None else None
    opened: list[Remote] = []
    try:
        first = await Remote.connect(url, stats[0].name, ping_interval=interval,
                                     ping_timeout=ping_timeout)
        opened.append(first)
        if room:
            joined = await first.join_room(room)
        else:
            joined = await first.create_room(level=level, max_dreamers=max(1, min(n, 8)),
                                             hazard=hazard, bot_fill=bot_fill)
        lines[0] = Line(first, url, stats[0].name, joined)
        code = joined["code"]
        for k in range(1, n):
            r = await Remote.connect(url, stats[k].name, ping_interval=interval,
                                     ping_timeout=ping_timeout)
            opened.append(r)
            lines[k] = Line(r, url, stats[k].name, await r.join_room(code))
    except RemoteError as e:
        for s, ln in zip(stats, lines, strict=True):
            if ln is None and not s.ended:
                s.ended = str(e)
        for left in opened:
            with contextlib.suppress(Exception):
                await left.close()
        return stats
    for s, ln in zip(stats, lines, strict=True):
        s.room = code
        s.server = ln.remote.url if ln is not None else ""
    await asyncio.gather(*(
        play(ln, s, seconds, seed=k + 1, start_when=n if (k == 0 and not room) else 0,
             stop=stop)
        for k, (ln, s) in enumerate(zip(lines, stats, strict=True)) if ln is not None))
    for done in lines:
        if done is not None:
            with contextlib.suppress(Exception):
                await done.close()
    return stats
