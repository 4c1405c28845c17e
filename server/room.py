"""A room: its members, one retreat after another, the fixed-rate tick and each member's sender.

The tick never waits on a client: it reads whatever inputs have arrived, steps the world,
and wakes the members' writers. Each member's writer (in `server.connection`) sends its
queued control messages in order and, when a snapshot is due, builds one from its `Observer` at send
time, so a slow client gets one merged snapshot instead of a growing queue. A writer that
cannot send for `slow_client_seconds` drops its client (close 4005).

Imports game.sim, game.net, game.bots, game.retreats and the server's config and metrics.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from game.bots.crew import BotCrew
from game.match import lineup
from game.net.records import Buttons, Contribution, LobbyPlayer, intent_of
from game.net.schema import CloseCode, Kind
from game.net.session import Phase
from game.net.snapshot import ChunkClock, Observer
from game.sim.events import Event
from game.sim.intent import Intent
from game.sim.level import Level, Realm
from game.sim.roles import Role
from game.sim.world import World

if TYPE_CHECKING:
    from server.connection import Connection
    from server.host import Host

__all__ = ["Member", "Room", "RoomState"]

log = logging.getLogger("dreamlayer.room")

_INPUT_QUEUE = 3
"""inputs waiting per member: a small jitter buffer. A client running ahead of the tick has
its oldest waiting input folded into the next (presses kept), so its inputs never wait
long (each waiting input is one tick of delay)"""
_STALE_SECONDS = 2.0
"""an input made on a picture of the dream older than this (its `seen_tick` that many
seconds' ticks behind the room's) is dropped: an honest client's lag is a round trip and a
snapshot interval, far less; the inputs a network stall held back are far more, and would
replay seconds-old moves and presses"""
_COAST_TICKS = 15
"""ticks a dreamer keeps its last move and brush while no input arrives (a late packet);
after that it stands still until its player's inputs come back"""
_INTERMISSION = 8.0
"""seconds between one retreat's end and the next one's start"""


class RoomState(IntEnum):
    LOBBY = 0
    PLAYING = 1
    INTERMISSION = 2


@dataclass(slots=True)
class Pending:
    """One INPUT as received."""

    seq: int
    seen_tick: int
    """the newest server tick the client had seen when it made this input"""
    move: tuple[float, float]
    aim: tuple[float, float]
    buttons: int
    ping: int


@dataclass(eq=False)
class Member:
    """A seat in a room: a connected player, a held seat, or a spectator."""

    id: int
    name: str
    conn: Connection | None
    token: str
    realm: Realm = Realm.SANCTUARY
    role: Role = Role.ARCHITECT
    ready: bool = False
    spectator: bool = False
    dreamer: int = 0
    held_until: float = 0.0
    inputs: deque[Pending] = field(default_factory=lambda: deque(maxlen=_INPUT_QUEUE))
    last_seq: int = 0
    last_input: Pending | None = None
    quiet_ticks: int = 0
    """ticks since this member's last input was applied"""

    @property
    def connected(self) -> bool:
        return self.conn is not None


class Room:
    """One room of the server. All methods run on the server's event loop."""

    def __init__(self, host: Host, code: str, owner: Member, *, password: str,
                 max_dreamers: int, public: bool, hazard: int, bot_fill: bool,
                 levels: list[Level]) -> None:
        self.host = host
        self.code = code
        self.password = password
        self.max_dreamers = max_dreamers
        self.public = public
        self.hazard = hazard
        self.bot_fill = bot_fill
        self.levels = levels
        self.level_index = 0
        self.state = RoomState.LOBBY
        self.members: dict[int, Member] = {owner.id: owner}
        self.owner = owner.id
        self.world: World | None = None
        self.crew: BotCrew | None = None
        self.clock: ChunkClock | None = None
        self.bot_seats: dict[int, str] = {}
        """dreamer id -> name, for the seats ally bots play"""
        self.empty_since: float | None = None
        self.lag = 0.0
        """seconds the last tick started behind its schedule (a host's overload signal)"""
        self._tick_task: asyncio.Task[None] | None = None
        self._seed = secrets.randbits(31)
        self.closed = False

    # ------------------------------------------------------------------ roster
    @property
    def level(self) -> Level:
        return self.levels[self.level_index]

    @property
    def dreamer_members(self) -> list[Member]:
        return [m for m in self.members.values() if not m.spectator]

    @property
    def spectators(self) -> list[Member]:
        return [m for m in self.members.values() if m.spectator]

    def dreamer_count(self) -> int:
        """Seats taken by people (connected or held)."""
        return len(self.dreamer_members)

    def connected(self) -> list[Member]:
        return [m for m in self.members.values() if m.conn is not None]

    def add(self, member: Member) -> None:
        """Seat a new member (the caller has checked capacity and password)."""
        if not member.spectator:
            taken = [m.realm for m in self.dreamer_members]
            member.realm = (Realm.REST if taken.count(Realm.SANCTUARY) > taken.count(Realm.REST)
                            else Realm.SANCTUARY)
            member.role = lineup(len(taken) + 1)[-1][1]
        self.members[member.id] = member
        self.empty_since = None
        if self.state is RoomState.PLAYING and not member.spectator and self.world is not None:
            self._seat_in_match(member)

    def remove(self, member: Member, reason: str) -> None:
        """A member leaves for good: its dreamer (if any) stays with an ally bot."""
        self.members.pop(member.id, None)
        if member.dreamer and self.crew is not None and self.world is not None \
                and member.dreamer in self.world.dreamers:
            self.crew.add_ally(member.dreamer)
            self.bot_seats[member.dreamer] = f"{member.name} (bot)"
        if self.owner == member.id:
            people = [m for m in self.members.values() if m.connected]
            self.owner = people[0].id if people else 0
        log.info("room %s: %s left (%s)", self.code, member.name, reason)
        self.note_empty()
        self.broadcast_lobby()

    def drop(self, member: Member) -> None:
        """A member's connection is gone. In a match the seat is held for reconnection
        (an ally bot plays it meanwhile); otherwise the member leaves."""
        member.conn = None
        if self.state is RoomState.LOBBY or member.spectator or not member.dreamer:
            self.remove(member, "disconnected")
            return
        member.held_until = time.monotonic() + self.host.config.reconnect_seconds
        if self.crew is not None:
            self.crew.add_ally(member.dreamer)
        log.info("room %s: holding %s's seat for %.0f s", self.code, member.name,
                 self.host.config.reconnect_seconds)
        self.note_empty()
        self.broadcast_lobby()

    def reclaim(self, member: Member, conn: Connection) -> None:
        """A member came back with its token: `conn` plays its seat from now on, whether
        the seat was held (its link had dropped) or still had a link (the caller has closed
        that one). Its inputs start afresh: the new link numbers them from wherever it
        likes, and the dreamer stands still until the first one."""
        member.conn = conn
        member.held_until = 0.0
        member.inputs.clear()
        member.last_seq = 0
        member.last_input = None
        member.quiet_ticks = 0
        if self.crew is not None:
            self.crew.remove_ally(member.dreamer)
        self.empty_since = None
        log.info("room %s: %s reconnected", self.code, member.name)

    def note_empty(self) -> None:
        if not self.connected() and self.empty_since is None:
            self.empty_since = time.monotonic()

    # ------------------------------------------------------------------ messages out
    def lobby_values(self) -> dict[str, Any]:
        players = []
        for m in self.members.values():
            latency = 0
            if m.conn is not None:
                latency = min(int(m.conn.latency * 1000), 65535)
            players.append(LobbyPlayer(m.id, m.name[:32], int(m.realm), int(m.role), m.ready,
                                       False, m.id == self.owner, m.spectator, latency,
                                       m.dreamer))
        for did, name in self.bot_seats.items():
            d = self.world.dreamers.get(did) if self.world else None
            if d is not None and not any(m.dreamer == did and m.connected
                                         for m in self.members.values()):
                players.append(LobbyPlayer(0, name[:32], int(d.realm), int(d.role), True, True,
                                           False, False, 0, did))
        return {"code": self.code, "level": self.level.name, "title": self.level.title[:64],
                "hazard": self.hazard, "max_dreamers": self.max_dreamers,
                "state": int(self.state), "players": players[:64]}

    def broadcast_lobby(self) -> None:
        values = self.lobby_values()
        for m in self.connected():
            assert m.conn is not None
            if m.conn.session.phase in (Phase.ROOM, Phase.PLAYING):
                m.conn.post(Kind.LOBBY, values)

    def broadcast(self, kind: Kind, values: dict[str, Any]) -> None:
        for m in self.connected():
            assert m.conn is not None
            if m.conn.session.phase in (Phase.ROOM, Phase.PLAYING):
                m.conn.post(kind, values)

    # ------------------------------------------------------------------ lobby actions
    def choose(self, member: Member, realm: int, role: int) -> None:
        if self.state is RoomState.PLAYING:
            self._tell(member, "realm and role are chosen before the match")
            return
        member.realm, member.role = Realm(realm), Role(role)
        self.broadcast_lobby()

    def set_ready(self, member: Member, ready: bool) -> None:
        member.ready = ready
        self.broadcast_lobby()

    def start(self, member: Member) -> None:
        if member.id != self.owner:
            self._tell(member, "only the room's host can start")
            return
        if self.state is not RoomState.LOBBY:
            self._tell(member, "the match is already under way")
            return
        self.start_match()

    def _tell(self, member: Member, text: str) -> None:
        if member.conn is not None:
            member.conn.error(text)

    # ------------------------------------------------------------------ the match
    def start_match(self) -> None:
        cfg = self.host.config
        level = self.level
        self._seed = (self._seed * 1103515245 + 12345) & 0x7FFFFFFF
        world = World(level, self._seed, hazard=self.hazard)
        crew = BotCrew(world, self._seed)
        self.world, self.crew = world, crew
        self.bot_seats = {}
        for m in self.dreamer_members:
            m.dreamer = world.add_dreamer(m.realm, m.role, m.name)
            m.inputs.clear()
            m.last_seq = 0
            m.last_input = None
            if not m.connected:
                crew.add_ally(m.dreamer)
        if self.bot_fill:
            people = len(self.dreamer_members)
            for realm, role in lineup(self.max_dreamers)[people:]:
                did = world.add_dreamer(realm, role, f"Ally bot {len(self.bot_seats) + 1}")
                crew.add_ally(did)
                self.bot_seats[did] = f"Ally bot {len(self.bot_seats) + 1}"
        self.clock = ChunkClock(world)
        self.state = RoomState.PLAYING
        for m in self.connected():
            self._send_start(m)
        self.broadcast_lobby()
        log.info("room %s: %s begins (%d dreamers, %d bots, hazard %d)", self.code,
                 level.title, len(world.dreamers), len(self.bot_seats), self.hazard)
        self._tick_task = asyncio.get_running_loop().create_task(
            self._tick_loop(cfg.tick_rate, cfg.snapshot_every), name=f"room-{self.code}")

    def _seat_in_match(self, member: Member) -> None:
        """A newcomer joins a running match: take a bot's seat, or a new dreamer."""
        assert self.world is not None and self.crew is not None
        taken = {m.dreamer for m in self.members.values() if m.dreamer}
        free = [did for did in self.bot_seats if did not in taken and did in self.world.dreamers]
        if free:
            same = [did for did in free if self.world.dreamers[did].realm is member.realm]
            did = (same or free)[0]
            self.bot_seats.pop(did)
            d = self.world.dreamers[did]
            member.realm, member.role = d.realm, d.role
        else:
            did = self.world.add_dreamer(member.realm, member.role, member.name)
        member.dreamer = did
        self.crew.remove_ally(did)

    def _send_start(self, m: Member) -> None:
        assert self.world is not None and self.clock is not None and m.conn is not None
        observer = Observer(self.clock, dreamer=0 if m.spectator else m.dreamer)
        m.conn.start_match(self, observer, {
            "level": self.level.name, "hazard": self.hazard,
            "night_ticks": self.world.night_ticks, "tick_rate": self.host.config.tick_rate,
            "dreamer": 0 if m.spectator else m.dreamer,
            "state": observer.full_state(self.world)})

    def join_running(self, m: Member) -> None:
        """Send a member who joined (or came back) mid-match what it needs to play."""
        if self.state is RoomState.PLAYING and m.conn is not None:
            self._send_start(m)

    def take_input(self, member: Member, p: Pending) -> bool:
        """Queue one INPUT for the next tick, or drop it (returning False) when it is stale:
        not newer than what the room has applied or queued for this member, made for another
        night (`seen_tick` ahead of the room's tick), or made on a picture of the dream more
        than `_STALE_SECONDS` old (the inputs a network stall held back, arriving at once).
        A client ahead of the tick has its oldest waiting input folded into the next, presses
        kept, so the newest inputs never wait long."""
        world = self.world
        newest = member.inputs[-1].seq if member.inputs else member.last_seq
        if world is None or p.seq <= newest or p.seen_tick > world.tick \
                or world.tick - p.seen_tick > _STALE_SECONDS * self.host.config.tick_rate:
            return False
        if len(member.inputs) == member.inputs.maxlen:
            old = member.inputs.popleft()
            nxt = member.inputs[0]
            member.inputs[0] = Pending(nxt.seq, nxt.seen_tick, nxt.move, nxt.aim,
                                       nxt.buttons | (old.buttons & Buttons.PRESSES),
                                       nxt.ping or old.ping)
        member.inputs.append(p)
        return True

    def _intent_of(self, m: Member) -> Intent:
        if m.inputs:
            p = m.inputs.popleft()
            m.last_seq = p.seq
            m.last_input = p
            m.quiet_ticks = 0
            return intent_of(p.move, p.aim, p.buttons, p.ping)
        m.quiet_ticks += 1
        last = m.last_input
        if last is None or m.quiet_ticks > _COAST_TICKS:
            return Intent()
        # no input arrived this tick: keep moving and painting as before, press nothing new
        return intent_of(last.move, last.aim, last.buttons & Buttons.PAINT, 0)

    async def _tick_loop(self, tick_rate: int, snapshot_every: int) -> None:
        loop = asyncio.get_running_loop()
        period = 1.0 / tick_rate
        next_at = loop.time()
        events: list[Event] = []
        metrics = self.host.metrics
        world, crew, clock = self.world, self.crew, self.clock
        assert world is not None and crew is not None and clock is not None
        try:
            while world.running and not self.closed:
                self.lag = max(loop.time() - next_at, 0.0)
                t0 = time.perf_counter()
                intents = crew.decide(world, events)
                for m in self.dreamer_members:
                    if m.connected and m.dreamer in world.dreamers:
                        intents[m.dreamer] = self._intent_of(m)
                events = world.step(intents)
                clock.note(world)
                due = world.tick % snapshot_every == 0 or not world.running
                for m in self.connected():
                    assert m.conn is not None
                    m.conn.tick_done(events, m.last_seq, due)
                self._expire_held()
                spent = time.perf_counter() - t0
                metrics.tick_seconds.observe(spent)
                self.host.tick_times.append(spent)
                next_at += period
                delay = next_at - loop.time()
                if delay < -10 * period:  # far behind (a stalled loop): do not race to catch up
                    next_at = loop.time()
                    delay = 0.0
                await asyncio.sleep(max(delay, 0.0))
            if world is self.world and not self.closed:
                self._end_match(world)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("room %s: the tick failed; closing the room", self.code)
            self.host.close_room(self, "the room hit an internal error")

    def _expire_held(self) -> None:
        now = time.monotonic()
        for m in list(self.members.values()):
            if m.conn is None and m.held_until and now > m.held_until:
                self.host.forget_token(m.token, f"the seat expired (held "
                                                f"{self.host.config.reconnect_seconds:.0f} s "
                                                f"after the drop)")
                self.remove(m, "did not come back in time")

    def _end_match(self, world: World) -> None:
        s = world.summary()
        contributions = []
        names = {m.dreamer: m.name for m in self.members.values() if m.dreamer}
        names.update(self.bot_seats)
        for d in list(world.dreamers.values())[:16]:
            contributions.append(Contribution(d.id, names.get(d.id, d.name)[:32], int(d.realm),
                                              int(d.role), d.painted, d.cleansed,
                                              d.revived_others, d.awakenings))
        won = s.outcome.won
        nxt = self.level_index + 1 if won else self.level_index
        next_level = self.levels[nxt].name if nxt < len(self.levels) else ""
        cov = s.coverage
        values = {
            "outcome": int(s.outcome), "score": s.score, "ticks": s.ticks,
            "meters": [round(v * 100) for v in s.meters.values()],
            "coverage": [round(cov[k] * 1000) for k in
                         ("sanctuary_dream", "rest_dream", "mosaic", "nightmare", "unformed")],
            "rifts_sealed": s.rifts_sealed, "rifts": s.rifts, "awakened": s.cadre_awakened,
            "dreamers": contributions, "next_level": next_level,
        }
        for m in self.connected():
            assert m.conn is not None
            m.conn.end_match(values)
        log.info("room %s: %s ended: %s", self.code, self.level.title, s.outcome.name.lower())
        self.host.metrics.matches_total.labels(outcome=s.outcome.name.lower()).inc()
        if next_level:
            self.level_index = nxt
            self.state = RoomState.INTERMISSION
            asyncio.get_running_loop().call_later(_INTERMISSION, self._next_retreat)
        else:
            self.level_index = 0
            self.state = RoomState.LOBBY
        for m in self.members.values():
            m.ready = False
        self.broadcast_lobby()

    def _next_retreat(self) -> None:
        if self.closed or self.state is not RoomState.INTERMISSION:
            return
        if not self.connected():
            self.state = RoomState.LOBBY
            return
        self.state = RoomState.LOBBY
        self.start_match()

    async def close(self, code: CloseCode, reason: str) -> None:
        """Stop the room and close every member's connection with `code`."""
        self.closed = True
        if self._tick_task is not None:
            self._tick_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._tick_task
        for m in self.connected():
            assert m.conn is not None
            await m.conn.close(code, reason)


def new_token() -> str:
    return secrets.token_urlsafe(18)


_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_code(taken: Callable[[str], bool]) -> str:
    """A short join code (5 characters, no look-alikes) not yet in use."""
    while True:
        code = "".join(secrets.choice(_ALPHABET) for _ in range(5))
        if not taken(code):
            return code


__all__ += ["new_code", "new_token"]
