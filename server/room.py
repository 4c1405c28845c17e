"""A room: its members, one retreat after another, the fixed-rate tick and its cost.

A room's night runs on a `Ticker`: each tick reads whatever inputs have arrived, steps the
world and wakes the members' writers (it never waits on a client). Each member's writer (in
`server.connection`) sends its queued control messages in order and, when a snapshot is due,
builds one from its `Observer` at send time, so a slow client gets one merged snapshot instead
of a growing queue; what building and sending it cost is added to the room's next tick
(`note_send_cost`), so the tick figure is the room's whole cost. A writer that cannot send for
`slow_client_seconds` drops its client (close 4005).

The night clock starts when the players are in: after MATCH_START the world does not step
until every connected dreamer has sent its first INPUT (a client sends none while its story
card is up) or `rooms.story_seconds` have passed; snapshots flow meanwhile. A room with no
connected player pauses its ticker (its bots too: nothing runs) until someone comes back.

A room chosen for one retreat plays that retreat only and goes back to its lobby; a campaign
room goes on to the next retreat (the same one after a loss) when its host sends START.

Every night is recorded (`server.recording`): the room applies exactly the rounded
`PersonInput`s it records, and mirrors each of its roster calls (`crew.add_ally`,
`crew.remove_ally`, `world.add_dreamer`) and each chat line and emote into the recording.

What a room needs of its host is `RoomSite`; it imports no host, and takes its time from it.

Imports game.sim, game.net, game.bots, game.replay (the header's controls and the inputs)
and the server's config, metrics, recording, roster and ticker.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from enum import IntEnum
from typing import TYPE_CHECKING, Any, Protocol

from game.bots.crew import BotCrew
from game.net.records import Buttons, Contribution, LobbyPlayer
from game.net.schema import CloseCode, Kind
from game.net.session import Phase
from game.net.snapshot import ChunkClock, Observer
from game.replay.header import Control
from game.replay.inputs import STILL, PersonInput
from game.replay.resume import Resumed
from game.sim.events import Event
from game.sim.level import Level, Realm
from game.sim.roles import Role, lineup
from game.sim.world import World
from server.config import ServerConfig
from server.metrics import ServerMetrics
from server.recording import Recording
from server.roster import NAME_LIMIT, distinct_name, next_seat
from server.spool import RoomCard, SeatCard
from server.ticker import Ticker

if TYPE_CHECKING:
    from server.connection import Connection

__all__ = ["Member", "Room", "RoomSite", "RoomState"]

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


class RoomState(IntEnum):
    """A room's state as LOBBY carries it."""

    LOBBY = 0
    """before the first night, or after a chosen retreat or the campaign's last: START plays
    (again) from the room's first retreat"""
    PLAYING = 1
    INTERMISSION = 2
    """between a campaign's nights: LOBBY names the next retreat; START plays it"""


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
    last_input: PersonInput | None = None
    """the input last applied from this member's INPUTs (None: none yet this night)"""
    quiet_ticks: int = 0
    """ticks since this member's last input was applied"""

    @property
    def connected(self) -> bool:
        return self.conn is not None


class RoomSite(Protocol):
    """What a room needs of its host, and nothing more."""

    @property
    def config(self) -> ServerConfig: ...

    @property
    def metrics(self) -> ServerMetrics: ...

    def now(self) -> float:
        """The host's clock (seconds, monotonic): holds, the story wait, emptiness."""

    def seat_ended(self, room: Room, member: Member, why: str) -> None:
        """`member`'s seat in `room` is over: forget its token (a later try with it is told
        `why`), let its id go."""

    def room_failed(self, room: Room, reason: str) -> None:
        """The room cannot go on (its tick raised): close it."""

    def room_changed(self, room: Room) -> None:
        """What `room.card()` holds has changed (seats, state, the night): keep it where
        another process could take the room up after a crash."""

    def tick_done(self, room: Room, seconds: float) -> None:
        """One tick of `room` cost `seconds` (all of it: simulation, bots, snapshots)."""

    def record(self, room: Room, world: World, seed: int, people: set[int],
               companions: set[int]) -> Recording | None:
        """Start recording `room`'s night in `world` (seated, no tick played; `people` the
        dreamers people play, `companions` those companion bots play, full ally bots the
        rest), or None when it is not recorded."""


class Room:
    """One room of the server. All methods run on the server's event loop."""

    def __init__(self, site: RoomSite, code: str, *, password: str, max_dreamers: int,
                 public: bool, hazard: int, bot_fill: bool, levels: list[Level],
                 creator_address: str = "") -> None:
        self.site = site
        self.code = code
        self.password = password
        self.max_dreamers = max_dreamers
        self.public = public
        self.hazard = hazard
        self.bot_fill = bot_fill
        self.levels = levels
        """the retreats this room plays in order: one chosen retreat, or the campaign"""
        self.creator_address = creator_address
        self.level_index = 0
        self.state = RoomState.LOBBY
        self.members: dict[int, Member] = {}
        self.owner = 0
        self.world: World | None = None
        self.crew: BotCrew | None = None
        self.clock: ChunkClock | None = None
        self.ticker: Ticker | None = None
        self.bot_seats: dict[int, str] = {}
        """dreamer id -> name, for the seats ally bots play"""
        self.empty_since: float | None = site.now()
        """when the room last had no connected player (None while it has one)"""
        self.changed_at = site.now()
        """when the room last changed in a way its members see (LOBBY sent, a night ended)"""
        self.story_until: float | None = None
        """while set, the night's clock waits for the players' first inputs until this time"""
        self._send_cost = 0.0
        self._events: list[Event] = []
        """the last tick's events, for the bots' next decisions"""
        self._ticks_run = 0
        """ticks run this night (the story wait's too): snapshots are due by them"""
        self._seed = secrets.randbits(31)
        self.recording: Recording | None = None
        """the replay of the night under way (None between nights or when not recorded)"""
        self.closed = False

    # ------------------------------------------------------------------ roster
    @property
    def level(self) -> Level:
        return self.levels[self.level_index]

    @property
    def under_way(self) -> bool:
        """A night is on, or the room is between a campaign's nights."""
        return self.state is not RoomState.LOBBY

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
        """Seat a new member (the caller has checked capacity and password): a name no one
        else in the room has, and a dreamer seat on the side with fewer dreamers. The first
        member is the room's host."""
        member.name = distinct_name(member.name, [*(m.name for m in self.members.values()),
                                                  *self.bot_seats.values()])
        if not member.spectator:
            member.realm, member.role = next_seat([m.realm for m in self.dreamer_members])
        self.members[member.id] = member
        if self.state is RoomState.PLAYING and not member.spectator and self.world is not None:
            self._seat_in_match(member)
        self.note_presence()

    def remove(self, member: Member, reason: str) -> None:
        """A member leaves for good (LEAVE, a kick, a lobby disconnect, a hold run out): its
        seat ends (token and id with it) and its dreamer, if any, stays with an ally bot."""
        self.members.pop(member.id, None)
        if member.dreamer and self.crew is not None and self.world is not None \
                and member.dreamer in self.world.dreamers:
            self.crew.add_ally(member.dreamer)
            self.bot_seats[member.dreamer] = f"{member.name} (bot)"
            self._record_seat(member.dreamer, Control.BOT, self.bot_seats[member.dreamer])
        self.site.seat_ended(self, member, self._why_ended(reason))
        log.info("room %s: %s left (%s)", self.code, member.name, reason)
        self.note_presence()
        self.broadcast_lobby()

    def _why_ended(self, reason: str) -> str:
        """What a later try with the ended seat's token is told (the 4007 reason)."""
        return {
            "left": "that seat has ended: its player left",
            "kicked": f"its player was kicked from room {self.code}",
            "disconnected": "that seat has ended: its player dropped outside a match",
            "did not come back in time": f"the seat expired (held "
                                         f"{self.site.config.reconnect_seconds:.0f} s after "
                                         f"the drop)",
        }.get(reason, f"that seat has ended ({reason})")

    def drop(self, member: Member) -> None:
        """A member's connection is gone. During a campaign or a night the seat is held for
        reconnection (an ally bot plays it meanwhile); otherwise the member leaves."""
        member.conn = None
        if self.state is RoomState.LOBBY or member.spectator or not member.dreamer:
            self.remove(member, "disconnected")
            return
        member.held_until = self.site.now() + self.site.config.reconnect_seconds
        if self.crew is not None:
            self.crew.add_ally(member.dreamer)
            self._record_seat(member.dreamer, Control.BOT, member.name)
        log.info("room %s: holding %s's seat for %.0f s", self.code, member.name,
                 self.site.config.reconnect_seconds)
        self.note_presence()
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
            self._record_seat(member.dreamer, Control.PERSON, member.name)
        self.empty_since = None
        log.info("room %s: %s reconnected", self.code, member.name)

    def note_presence(self) -> None:
        """Who is connected has changed: the room's host is a connected player whenever one
        is there (a dropped host's rights pass on, so someone can start the next night); a
        room with nobody connected stops ticking at once (its bots too) and starts its grace
        period; a player back resumes it."""
        people = self.connected()
        host = self.members.get(self.owner)
        if host is None or (host.conn is None and people):
            self.owner = min(people, key=lambda m: m.spectator).id if people else 0
        if people:
            self.empty_since = None
            if self.ticker is not None:
                self.ticker.resume()
            return
        if self.empty_since is None:
            self.empty_since = self.site.now()
        if self.ticker is not None:
            self.ticker.pause()

    def hold_deadlines(self) -> list[float]:
        """The deadlines of the seats held for dropped players."""
        return [m.held_until for m in self.members.values() if m.conn is None and m.held_until]

    def expire_held(self, now: float) -> None:
        """Seats whose players did not come back in time end."""
        for m in list(self.members.values()):
            if m.conn is None and m.held_until and now > m.held_until:
                self.remove(m, "did not come back in time")

    # ------------------------------------------------------------------ schedule and health
    @property
    def lag(self) -> float:
        """Seconds the last tick started behind its schedule (0 when not ticking)."""
        return self.ticker.lag if self.ticking and self.ticker is not None else 0.0

    @property
    def behind_since(self) -> float | None:
        """Loop time since which every tick has started well behind schedule, or None."""
        return self.ticker.behind_since if self.ticking and self.ticker is not None else None

    @property
    def ticking(self) -> bool:
        """A night is being played and not paused."""
        return self.ticker is not None and self.ticker.running and not self.ticker.paused

    @property
    def paused(self) -> bool:
        """A night is on but nobody is connected: nothing runs."""
        return self.ticker is not None and self.ticker.running and self.ticker.paused

    def note_send_cost(self, seconds: float) -> None:
        """A writer built and sent a snapshot of this room: count it in the next tick."""
        self._send_cost += seconds

    # ------------------------------------------------------------------ messages out
    def lobby_values(self) -> dict[str, Any]:
        players = []
        for m in self.members.values():
            latency = 0
            if m.conn is not None:
                latency = min(int(m.conn.latency * 1000), 65535)
            players.append(LobbyPlayer(m.id, m.name[:NAME_LIMIT], int(m.realm), int(m.role),
                                       m.ready, False, m.id == self.owner, m.spectator,
                                       latency, m.dreamer))
        for did, name in self.bot_seats.items():
            d = self.world.dreamers.get(did) if self.world else None
            if d is not None and not any(m.dreamer == did and m.connected
                                         for m in self.members.values()):
                players.append(LobbyPlayer(0, name[:NAME_LIMIT], int(d.realm), int(d.role),
                                           True, True, False, False, 0, did))
        return {"code": self.code, "level": self.level.name, "title": self.level.title[:64],
                "hazard": self.hazard, "max_dreamers": self.max_dreamers,
                "state": int(self.state), "players": players[:64]}

    def broadcast_lobby(self) -> None:
        """Tell everyone the room as it is now (every change of seats or state comes here,
        so this is also where the room's card is kept up to date)."""
        self.changed_at = self.site.now()
        self.broadcast(Kind.LOBBY, self.lobby_values())
        if not self.closed:
            self.site.room_changed(self)

    # ------------------------------------------------------------------ surviving a crash
    def card(self, pid: int) -> RoomCard:
        """What another process needs to take this room up (`server.spool`); `pid` is the
        process that runs it."""
        night = self.recording.path.name if self.recording is not None \
            and self.recording.active and self.state is RoomState.PLAYING else ""
        return RoomCard(
            self.code, self.password, self.max_dreamers, self.public, self.hazard,
            self.bot_fill, tuple(lv.name for lv in self.levels), self.level_index,
            int(self.state), self.owner, self._seed, self.creator_address,
            tuple(SeatCard(m.id, m.name, m.token, int(m.realm), int(m.role), m.ready,
                           m.spectator, m.dreamer)
                  for m in self.members.values() if not m.spectator),
            tuple(self.bot_seats.items()), night, pid)

    @classmethod
    def take_up(cls, site: RoomSite, card: RoomCard, levels: list[Level],
                night: tuple[Resumed, Recording | None] | None) -> Room:
        """The room of `card`, whose process died, run here: every seat held for its
        player (an ally bot plays it meanwhile), who comes back with the same token; a
        night under way goes on from `night` (its world re-simulated from the replay, and
        the replay recorded on), paused until a player is back. Spectators are not kept.
        `levels` are the card's retreats, loaded. Raises ValueError for a card that does
        not fit them (a PLAYING card needs `night`)."""
        if len(levels) != len(card.levels) or not 0 <= card.level_index < len(levels):
            raise ValueError(f"room {card.code}: its card names retreats this server lacks")
        state = RoomState(card.state)
        if state is RoomState.PLAYING and night is None:
            raise ValueError(f"room {card.code}: its night cannot be taken up")
        room = cls(site, card.code, password=card.password, max_dreamers=card.max_dreamers,
                   public=card.public, hazard=card.hazard, bot_fill=card.bot_fill,
                   levels=levels, creator_address=card.creator_address)
        room.level_index, room.owner, room._seed = card.level_index, card.owner, card.seed
        held = site.now() + site.config.reconnect_seconds
        for s in card.members:
            room.members[s.id] = Member(s.id, s.name, None, s.token, Realm(s.realm),
                                        Role(s.role), s.ready, False, s.dreamer, held)
        room.bot_seats = dict(card.bot_seats)
        room.state = state
        if night is not None and state is RoomState.PLAYING:
            resumed, recording = night
            world, crew = resumed.night.world, resumed.night.crew
            room.world, room.crew, room.recording = world, crew, recording
            room._events = list(resumed.night.events)  # what the crew decides on next
            room.clock = ChunkClock(world)
            for m in room.dreamer_members:
                if m.dreamer in world.dreamers:
                    crew.add_ally(m.dreamer)
                    room._record_seat(m.dreamer, Control.BOT, m.name)
            room.ticker = Ticker(1.0 / site.config.tick_rate, room._tick,
                                 name=f"room-{room.code}", on_error=room._tick_failed)
            room.ticker.start()
        room.note_presence()
        log.info("room %s taken up after its process stopped (%s, tick %d, %d seats held)",
                 card.code, state.name.lower(), room.world.tick if room.world else 0,
                 len(room.members))
        return room

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
        """START from `member`: the room's host begins the night (the room's first retreat
        from the lobby, the next one between a campaign's nights)."""
        if member.id != self.owner:
            self._tell(member, "only the room's host can start")
            return
        if self.state is RoomState.PLAYING:
            self._tell(member, "the match is already under way")
            return
        self.start_match()

    def _tell(self, member: Member, text: str) -> None:
        if member.conn is not None:
            member.conn.error(text)

    # ------------------------------------------------------------------ the match
    def start_match(self) -> None:
        cfg = self.site.config
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
            self._fill_with_allies(world, crew)
        if self.recording is not None:
            self.recording.close()
        self.recording = self.site.record(
            self, world, self._seed,
            {m.dreamer for m in self.dreamer_members if m.connected}, set(self.bot_seats))
        self.clock = ChunkClock(world)
        self.state = RoomState.PLAYING
        self.story_until = self.site.now() + cfg.story_seconds
        for m in self.connected():
            self._send_start(m)
        self.broadcast_lobby()
        log.info("room %s: %s begins (%d dreamers, %d bots, hazard %d)", self.code,
                 level.title, len(world.dreamers), len(self.bot_seats), self.hazard)
        self._send_cost = 0.0
        self._events = []
        self._ticks_run = 0
        self.ticker = Ticker(1.0 / cfg.tick_rate, self._tick, name=f"room-{self.code}",
                             on_error=self._tick_failed)
        self.ticker.start()
        self.note_presence()

    def _fill_with_allies(self, world: World, crew: BotCrew) -> None:
        """The one place where ally bots fill the seats no player took (up to the room's
        size). They are companions: they follow the players' lead and work with them, never
        for them (a player who drops is played by a full ally instead)."""
        for realm, role in lineup(self.max_dreamers)[len(self.dreamer_members):]:
            name = f"Ally bot {len(self.bot_seats) + 1}"
            did = world.add_dreamer(realm, role, name)
            crew.add_ally(did, companion=True)
            self.bot_seats[did] = name

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
        self._record_seat(did, Control.PERSON, member.name)

    def _record_seat(self, dreamer: int, control: Control, name: str) -> None:
        """Mirror one roster call of the room's into the night's recording (`name`: who
        plays the seat now)."""
        if self.recording is not None and self.world is not None:
            self.recording.seat(self.world, dreamer, control, name)

    def say(self, member: Member, text: str) -> None:
        """A chat line from `member` (cleaned by the caller): to everyone, and into the
        night's recording."""
        self.broadcast(Kind.CHAT_MSG, {"player": member.id, "name": member.name[:32],
                                       "text": text})
        if self.recording is not None and self.world is not None:
            self.recording.chat(self.world, 0 if member.spectator else member.dreamer,
                                member.name, text)

    def emote(self, member: Member) -> None:
        """An emote from `member`: to everyone, and into the night's recording."""
        self.broadcast(Kind.EMOTE_MSG, {"player": member.id})
        if self.recording is not None and self.world is not None:
            self.recording.emote(self.world, 0 if member.spectator else member.dreamer,
                                 member.name)

    def _send_start(self, m: Member) -> None:
        assert self.world is not None and self.clock is not None and m.conn is not None
        observer = Observer(self.clock, dreamer=0 if m.spectator else m.dreamer)
        m.conn.start_match(self, observer, {
            "level": self.level.name, "hazard": self.hazard,
            "night_ticks": self.world.night_ticks, "tick_rate": self.site.config.tick_rate,
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
                or world.tick - p.seen_tick > _STALE_SECONDS * self.site.config.tick_rate:
            return False
        if len(member.inputs) == member.inputs.maxlen:
            old = member.inputs.popleft()
            nxt = member.inputs[0]
            member.inputs[0] = Pending(nxt.seq, nxt.seen_tick, nxt.move, nxt.aim,
                                       nxt.buttons | (old.buttons & Buttons.PRESSES),
                                       nxt.ping or old.ping)
        member.inputs.append(p)
        return True

    def _input_of(self, m: Member) -> PersonInput:
        """What `m`'s dreamer does this tick, in the whole steps a replay records: its next
        INPUT; while none arrives, its last one coasting (same move and brush, no press)
        for `_COAST_TICKS`; then, or before its first, standing still."""
        if m.inputs:
            p = m.inputs.popleft()
            m.last_seq = p.seq
            m.quiet_ticks = 0
            m.last_input = PersonInput.of(p.move, p.aim, p.buttons, p.ping)
            return m.last_input
        m.quiet_ticks += 1
        last = m.last_input
        if last is None or m.quiet_ticks > _COAST_TICKS:
            return STILL
        return last.coasting()

    def _has_spoken(self, m: Member) -> bool:
        """`m` has sent an INPUT this night (its story card is closed)."""
        return bool(m.inputs) or m.last_input is not None

    def _story_told(self, world: World) -> bool:
        """Whether the night's clock may run: every connected dreamer has sent its first
        input, or the story wait is over."""
        if self.story_until is None:
            return True
        if self.site.now() < self.story_until and not all(
                self._has_spoken(m) for m in self.dreamer_members
                if m.connected and m.dreamer in world.dreamers):
            return False
        self.story_until = None
        return True

    def _tick(self) -> bool:
        """One tick of the night (the ticker's step): False once the night is over."""
        world, crew, clock = self.world, self.crew, self.clock
        assert world is not None and crew is not None and clock is not None
        if self.closed:
            return False
        t0 = time.perf_counter()
        events: list[Event] = []
        if self._story_told(world):
            intents = crew.decide(world, self._events)
            people: dict[int, PersonInput] = {}
            for m in self.dreamer_members:
                if m.connected and m.dreamer in world.dreamers:
                    inp = people[m.dreamer] = self._input_of(m)
                    intents[m.dreamer] = inp.intent()
            events = world.step(intents)
            clock.note(world)
            if self.recording is not None:
                self.recording.step(world, people, crew, events)
        self._events = events
        self._ticks_run += 1
        due = self._ticks_run % self.site.config.snapshot_every == 0 or not world.running
        for m in self.connected():
            assert m.conn is not None
            m.conn.tick_done(events, m.last_seq, due)
        self.expire_held(self.site.now())
        spent = time.perf_counter() - t0 + self._send_cost
        self._send_cost = 0.0
        self.site.tick_done(self, spent)
        if world.running:
            return True
        self._end_match(world)
        return False

    def _tick_failed(self, error: Exception) -> None:
        log.error("room %s: the tick failed; closing the room", self.code,
                  exc_info=(type(error), error, error.__traceback__))
        self.site.room_failed(self, "the room hit an internal error")

    def _end_match(self, world: World) -> None:
        s = world.summary()
        replay = ""
        if self.recording is not None:
            self.recording.end(s)
            replay = self.recording.path.stem if self.recording.kept else ""
            self.recording = None
        contributions = []
        names = {m.dreamer: m.name for m in self.members.values() if m.dreamer}
        names.update(self.bot_seats)
        for d in list(world.dreamers.values())[:16]:
            contributions.append(Contribution(d.id, names.get(d.id, d.name)[:NAME_LIMIT],
                                              int(d.realm), int(d.role), d.painted, d.cleansed,
                                              d.revived_others, d.awakenings))
        title = self.level.title
        next_level = self._next_retreat(s.outcome.won)
        cov = s.coverage
        values = {
            "outcome": int(s.outcome), "score": s.score, "ticks": s.ticks,
            "meters": [round(v * 100) for v in s.meters.values()],
            "coverage": [round(cov[k] * 1000) for k in
                         ("sanctuary_dream", "rest_dream", "mosaic", "nightmare", "unformed")],
            "rifts_sealed": s.rifts_sealed, "rifts": s.rifts, "awakened": s.cadre_awakened,
            "dreamers": contributions, "next_level": next_level, "replay": replay,
        }
        for m in self.connected():
            assert m.conn is not None
            m.conn.end_match(values)
        log.info("room %s: %s ended: %s", self.code, title, s.outcome.name.lower())
        self.site.metrics.matches_total.labels(outcome=s.outcome.name.lower()).inc()
        for m in self.members.values():
            m.ready = False
        self.broadcast_lobby()

    def _next_retreat(self, won: bool) -> str:
        """After a night: move the room on and name the retreat its host starts next ("" when
        the room goes back to its lobby). A chosen retreat is played once; a campaign goes on
        to the next retreat after a win, the same one after a loss, and back to its lobby
        after the last."""
        nxt = self.level_index + 1 if won else self.level_index
        if len(self.levels) > 1 and nxt < len(self.levels):
            self.level_index = nxt
            self.state = RoomState.INTERMISSION
            return self.levels[nxt].name
        self.level_index = 0
        self.state = RoomState.LOBBY
        return ""

    async def close(self, code: CloseCode, reason: str) -> None:
        """Stop the room and close every member's connection with `code`. The room lets go of
        its ticker (which holds the room's own methods), so no reference cycle keeps a closed
        room and its world alive until the cyclic garbage collector's rare full pass."""
        self.closed = True
        if self.ticker is not None:
            await self.ticker.stop()
            self.ticker = None
        if self.recording is not None:
            self.recording.close()
            self.recording = None
        for m in self.connected():
            assert m.conn is not None
            await m.conn.close(code, reason)
