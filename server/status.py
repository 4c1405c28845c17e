"""The host's live status for its web page: the server, its rooms and its last nights.

`report(...)` builds the JSON object `GET /api/status` answers (and `GET /admin/status`,
with the private rooms) from one process's rooms; `merge(...)` joins the reports of several
worker processes into one, so a supervisor can answer for all of them. `Chronicle` keeps
the last nights played to their end, `Rates` turns the byte counters into bytes a second.

What the public report shows and never shows: a room is *private* when it has a password
or is not listed (`public` false); private rooms, their codes and their nights appear only
in the admin report. Counts (rooms, dreamers, connections) include them.

Imports game (its version), game.net (the protocol version, the wire's meter scale),
game.sim and the server's room module (for types and states); never websockets or the
host.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from game import __version__
from game.net.schema import PROTOCOL_VERSION
from game.net.snapshot import world_meters
from game.sim.events import Outcome
from game.sim.level import Realm
from game.sim.roles import Role
from game.sim.tuning import TICK_RATE
from server.room import RoomState

if TYPE_CHECKING:
    from server.recording import Recording
    from server.room import Room

__all__ = ["Chronicle", "Night", "Rates", "merge", "report", "room_status"]

LAST_NIGHTS = 20
"""how many ended nights the status lists"""

_OUTCOMES = {Outcome.SEALED: "sealed", Outcome.DAWN: "dawn", Outcome.FRACTURE: "fracture"}
"""how the status names an outcome (as /replays does: the Outcome's name, lower case)"""


def private(room: Room) -> bool:
    """A room the public page never shows: with a password, or not listed."""
    return bool(room.password) or not room.public


def phase(room: Room) -> str:
    """What the room is doing, in a word or two: "lobby", "story" (the night's clock waits
    for its players), "playing", "paused" (nobody connected), "between retreats"."""
    if room.state is RoomState.INTERMISSION:
        return "between retreats"
    if room.state is not RoomState.PLAYING:
        return "lobby"
    if room.paused:
        return "paused"
    if room.story_until is not None:
        return "story"
    return "playing"


def room_status(room: Room, spectator_slots: int) -> dict[str, Any]:
    """One room as the status shows it: code, retreat, phase, players (name, realm, role,
    ping, bot, host, held), spectators, meters (0..100, Sanctuary then Rest Zone) and the
    seconds of night left while a night is on."""
    players = []
    for p in room.lobby_values()["players"]:
        if p.spectator:
            continue
        member = room.members.get(p.player) if p.player else None
        players.append({
            "id": p.player, "name": p.name, "realm": Realm(p.realm).title,
            "role": Role(p.role).name.title(), "ping_ms": p.latency_ms, "bot": p.bot,
            "host": p.host, "held": member is not None and not member.connected})
    world = room.world
    night = room.state is RoomState.PLAYING and world is not None
    return {
        "code": room.code, "retreat": room.level.title, "level": room.level.name,
        "phase": phase(room), "hazard": room.hazard, "max_dreamers": room.max_dreamers,
        "campaign": len(room.levels) > 1, "private": private(room),
        "players": players,
        "spectators": [m.name for m in room.spectators],
        "spectator_seats": max(spectator_slots - len(room.spectators), 0),
        "meters": [v / 100 for v in world_meters(world)] if night and world else None,
        "seconds_to_dawn": round(max(world.night_ticks - world.tick, 0) / TICK_RATE, 1)
        if night and world else None,
    }


@dataclass(frozen=True, slots=True)
class Night:
    """A night played to its end."""

    ended: float
    """wall-clock time (seconds since the epoch)"""
    room: str
    private: bool
    level: str
    retreat: str
    outcome: str
    score: int
    seconds: float
    """seconds of night played"""
    players: tuple[str, ...]
    """the people who played it (ally bots apart)"""
    bots: int
    replay: str
    """the replay's id ("" when the night was not recorded)"""

    def as_dict(self, replay_kept: bool) -> dict[str, Any]:
        return {"ended": round(self.ended, 1), "room": self.room, "level": self.level,
                "retreat": self.retreat, "outcome": self.outcome, "score": self.score,
                "seconds": self.seconds, "players": list(self.players), "bots": self.bots,
                "replay": f"/replays/{self.replay}" if self.replay and replay_kept else None}

    def fields(self) -> list[Any]:
        """The night as a plain list (for a worker's channel to its supervisor)."""
        return [self.ended, self.room, self.private, self.level, self.retreat, self.outcome,
                self.score, self.seconds, list(self.players), self.bots, self.replay]

    @classmethod
    def of_fields(cls, raw: object) -> Night:
        """The night `fields` gave; ValueError for anything else."""
        if not isinstance(raw, (list, tuple)) or len(raw) != 11 \
                or not isinstance(raw[8], (list, tuple)):
            raise ValueError(f"not a night: {raw!r:.80}")
        f: Sequence[Any] = raw
        try:
            return cls(float(f[0]), str(f[1]), bool(f[2]), str(f[3]), str(f[4]), str(f[5]),
                       int(f[6]), float(f[7]), tuple(str(p) for p in f[8]), int(f[9]),
                       str(f[10]))
        except (TypeError, ValueError) as e:
            raise ValueError(f"not a night: {raw!r:.80}") from e


class Chronicle:
    """The last `LAST_NIGHTS` nights played to their end, newest first. `on_night`, when
    given, is handed each night this chronicle sees end instead of keeping it (a worker
    tells its supervisor, whose chronicle is the host's and outlives the worker)."""

    def __init__(self, wall: Callable[[], float] = time.time,
                 on_night: Callable[[Night], None] | None = None) -> None:
        self.nights: deque[Night] = deque(maxlen=LAST_NIGHTS)
        self._wall = wall
        self.on_night = on_night

    def night_ended(self, room: Room, recording: Recording | None) -> None:
        """`room`'s night has just ended (its world no longer runs): remember it, with the
        id of its replay when one is being written (`recording`, still open)."""
        world = room.world
        if world is None:
            return
        people = tuple(m.name for m in room.dreamer_members)
        replay = recording.path.stem if recording is not None and recording.active else ""
        night = Night(
            ended=self._wall(), room=room.code, private=private(room), level=room.level.name,
            retreat=room.level.title, outcome=_OUTCOMES.get(world.outcome, "unfinished"),
            score=world.score(), seconds=round(world.tick / TICK_RATE, 1), players=people,
            bots=len(room.bot_seats), replay=replay)
        if self.on_night is not None:
            self.on_night(night)
        else:
            self.add(night)

    def add(self, night: Night) -> None:
        """Remember a night (one another process saw end, too): the newest `LAST_NIGHTS`
        are kept, newest first."""
        newest = sorted([night, *self.nights], key=lambda n: -n.ended)[:LAST_NIGHTS]
        self.nights = deque(newest, maxlen=LAST_NIGHTS)

    def matches(self, with_private: bool, replay_kept: Callable[[str], bool]
                ) -> list[dict[str, Any]]:
        """The nights as the status shows them (`replay_kept(id)`: its replay file is
        still there), private ones only `with_private`."""
        return [n.as_dict(bool(n.replay) and replay_kept(n.replay)) for n in self.nights
                if with_private or not n.private]


class Rates:
    """Bytes a second from two ever-growing counters, over the last `window` seconds
    (over the whole run until a first sample is that old). Time is passed in."""

    def __init__(self, start: float, window: float = 10.0) -> None:
        self.window = window
        self._samples: deque[tuple[float, float, float]] = deque([(start, 0.0, 0.0)])

    def per_second(self, now: float, sent: float, received: float) -> tuple[float, float]:
        """(sent, received) bytes a second, the counters being at `sent` and `received`
        now."""
        samples = self._samples
        while len(samples) > 1 and now - samples[1][0] >= self.window:
            samples.popleft()
        t0, s0, r0 = samples[0]
        if now - samples[-1][0] >= 1.0:
            samples.append((now, sent, received))
        span = now - t0
        if span <= 0:
            return 0.0, 0.0
        return round((sent - s0) / span, 1), round((received - r0) / span, 1)


def report(health: Mapping[str, Any], rooms: Iterable[Room], chronicle: Chronicle, *,
           rates: tuple[float, float], spectator_slots: int, admin: bool,
           replay_kept: Callable[[str], bool] = lambda replay_id: True,
           with_private: bool = False
           ) -> dict[str, Any]:
    """The status object: `server` (the /healthz report `health`, the versions, bytes a
    second out and in as `rates`, whether admin actions exist), `rooms` and `matches` (the
    last nights, newest first, each with its replay's address while `replay_kept(id)`).
    Private rooms and their nights are left out unless `with_private`."""
    shown = [r for r in rooms if not r.closed and (with_private or not private(r))]
    sent, received = rates
    server = {**health, "version": __version__, "protocol": PROTOCOL_VERSION,
              "bytes_out_per_s": sent, "bytes_in_per_s": received, "admin": admin}
    return {
        "server": server,
        "rooms": sorted((room_status(r, spectator_slots) for r in shown),
                        key=lambda r: (r["phase"] == "lobby", r["code"])),
        "matches": chronicle.matches(with_private, replay_kept),
    }


_SUMMED = ("rooms", "playing", "paused", "connections", "dreamers", "spectators",
           "rooms_behind", "bytes_out_per_s", "bytes_in_per_s")
_WORST = ("tick_lag_ms_max", "behind_seconds_max")


def merge(reports: list[dict[str, Any]], health: Mapping[str, Any] | None = None
          ) -> dict[str, Any]:
    """One status from the reports of several workers (each from `report`): counts and
    rates summed, the worst lag kept, tick p50/p99 the worst worker's (a bound: the
    workers' samples are not pooled), rooms listed together, nights merged newest first.
    `health`, when given (a supervisor's own /healthz, with its `workers`), is the base of
    `server`. Raises ValueError for an empty list."""
    if not reports:
        raise ValueError("no reports to merge")
    first = reports[0]["server"]
    server: dict[str, Any] = {**first, **(health or {})}
    for key in _SUMMED:
        if all(key in r["server"] for r in reports):
            server[key] = round(sum(r["server"][key] for r in reports), 1)
    for key in _WORST:
        if all(key in r["server"] for r in reports):
            server[key] = max(r["server"][key] for r in reports)
    ticks = [r["server"]["tick_ms"] for r in reports if "tick_ms" in r["server"]]
    if ticks:
        server["tick_ms"] = {
            "p50": max(t["p50"] for t in ticks), "p99": max(t["p99"] for t in ticks),
            "max": max(t["max"] for t in ticks), "samples": sum(t["samples"] for t in ticks)}
    server["admin"] = all(r["server"].get("admin", False) for r in reports)
    rooms = [room for r in reports for room in r["rooms"]]
    rooms.sort(key=lambda room: (room["phase"] == "lobby", room["code"]))
    nights = sorted((n for r in reports for n in r["matches"]), key=lambda n: -n["ended"])
    return {"server": server, "rooms": rooms, "matches": nights[:LAST_NIGHTS]}
