"""What the client knows of its room and match, kept up to date from the link's messages.

One `Online` lives from connecting until leaving. Every scene that is online calls
`pump()` once per frame; it applies snapshots to the `Mirror`, feeds the interpolation
and the prediction, and keeps the roster, chat, results and the last error. Scenes only
read it.

Imports game.net, game.sim, game.retreats and the client's link and prediction.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from game.client.link import Link, LinkError, LocalServer, Reconnecting
from game.client.predict import Interpolator, Predictor
from game.net.records import LobbyPlayer
from game.net.schema import Kind, Message, ProtocolError
from game.net.snapshot import EntityKind, Mirror
from game.retreats import load_retreat
from game.sim.events import EventKind
from game.sim.level import Level
from game.sim.motion import POSITION_SCALE

__all__ = ["ChatLine", "Effect", "Online"]

_EFFECT_KINDS = {EventKind.PING, EventKind.BURST, EventKind.DISTORTED, EventKind.AWAKENED,
                 EventKind.RIFT_SEALED, EventKind.HIJACK, EventKind.RALLY, EventKind.BEACON,
                 EventKind.SHOVE, EventKind.ASLEEP, EventKind.REVIVED,
                 EventKind.ETHAN_DRIVEN_OUT, EventKind.RIFT_OPENED, EventKind.ETHAN_ARRIVED,
                 EventKind.METER_WARNING, EventKind.VICTORY, EventKind.FRACTURE}


@dataclass(frozen=True)
class ChatLine:
    """A chat message or an emote as shown: who (empty for the game's own lines), what, and
    when it arrived (time.monotonic()), so the screen can let it fade."""

    name: str
    text: str
    at: float


@dataclass
class Effect:
    kind: int
    x: float
    y: float
    at: float
    value: float
    entity: int


@dataclass
class Match:
    level: Level
    mirror: Mirror
    dreamer: int
    night_ticks: int
    hazard: int
    interp: Interpolator = field(default_factory=Interpolator)
    predictor: Predictor | None = None
    effects: deque[Effect] = field(default_factory=lambda: deque(maxlen=64))
    started_at: float = field(default_factory=time.monotonic)
    meter_history: list[tuple[float, float]] = field(default_factory=list)
    heard: list[int] = field(default_factory=list)
    """event kinds since the match scene last played sounds (it empties this)"""


class Online:
    """The client's live state, fed by `pump()`."""

    def __init__(self, link: Link) -> None:
        self.link = link
        self.local: LocalServer | None = None
        self.code = ""
        self.token = ""
        self.player = 0
        self.is_host = False
        self.lobby: dict[str, Any] | None = None
        self.rooms: list[list[Any]] = []
        self.match: Match | None = None
        self.results: dict[str, Any] | None = None
        self.error: str = ""
        self.notice: str = ""
        self.chat: deque[ChatLine] = deque(maxlen=8)
        self.reconnecting = 0
        """0 while connected; n while the link is trying to come back for the n-th time
        (the match screen shows "connection lost, reconnecting (n)..." over the frozen
        match); back to 0 with the JOINED of the new connection, after which MATCH_START
        brings the same dreamer back (a new `Match`: prediction starts afresh)"""
        self.lost = ""
        """why the connection dropped, while `reconnecting`"""

    def pump(self) -> list[str]:
        """Take what arrived; returns the names of what happened ('joined', 'lobby',
        'start', 'snapshot', 'end', 'error', 'local', 'rooms', 'chat', 'notice',
        'reconnecting')."""
        happened: list[str] = []
        for item in self.link.poll():
            if isinstance(item, Reconnecting):
                self.reconnecting, self.lost = item.attempt, item.why
                happened.append("reconnecting")
            elif isinstance(item, LinkError):
                self.error = item.text
                self.reconnecting, self.lost = 0, ""
                happened.append("error")
            elif isinstance(item, LocalServer):
                self.local = item
                happened.append("local")
            else:
                try:
                    name = self._message(item)
                except ProtocolError as e:
                    self.error = f"The server sent something this game cannot read ({e.reason})"
                    name = "error"
                if name:
                    happened.append(name)
        return happened

    def _message(self, msg: Message) -> str:
        k = msg.kind
        if k is Kind.JOINED:
            self.code, self.token = msg["code"], msg["token"]
            self.player, self.is_host = msg["player"], msg["host"]
            self.reconnecting, self.lost = 0, ""
            return "joined"
        if k is Kind.LOBBY:
            self.lobby = dict(msg.values)
            return "lobby"
        if k is Kind.ROOM_LIST:
            self.rooms = list(msg["rooms"])
            return "rooms"
        if k is Kind.MATCH_START:
            level = load_retreat(msg["level"])
            mirror = Mirror(msg["state"])
            self.match = Match(level, mirror, msg["dreamer"], msg["night_ticks"], msg["hazard"])
            self.results = None
            self._positions(self.match, time.monotonic())
            me = mirror.entities.get(msg["dreamer"])
            if me is not None:
                self.match.predictor = Predictor(level, (me.px, me.py))
            return "start"
        if k is Kind.SNAPSHOT:
            m = self.match
            if m is None:
                return ""
            m.mirror.apply(msg)
            now = time.monotonic()
            self._positions(m, now)
            if m.predictor is not None and msg["me"] is not None:
                m.predictor.reconcile(msg["ack"], msg["me"])
            for ev in msg["events"]:
                if ev.kind in _EFFECT_KINDS:
                    m.effects.append(Effect(ev.kind, ev.x, ev.y, now, ev.value, ev.entity))
                    if len(m.heard) < 32:
                        m.heard.append(ev.kind)
            if m.mirror.tick % 15 == 0 and len(m.mirror.meters) == 2:
                m.meter_history.append((m.mirror.meters[0] / 100, m.mirror.meters[1] / 100))
            return "snapshot"
        if k is Kind.MATCH_END:
            self.results = dict(msg.values)
            if self.match is not None:
                self.results["meter_history"] = list(self.match.meter_history)
                self.results["level"] = self.match.level
            return "end"
        if k is Kind.CHAT_MSG:
            self.chat.append(ChatLine(msg["name"], msg["text"], time.monotonic()))
            return "chat"
        if k is Kind.EMOTE_MSG:
            self.chat.append(ChatLine("", f"{self._name_of(msg['player'])} says: together!",
                                      time.monotonic()))
            return "chat"
        if k is Kind.ERROR:
            self.notice = msg["text"]
            return "notice"
        return ""

    def _name_of(self, player: int) -> str:
        roster: list[LobbyPlayer] = (self.lobby or {}).get("players", [])
        for p in roster:
            if p.player == player:
                return p.name
        return "someone"

    @staticmethod
    def _positions(m: Match, now: float) -> None:
        m.interp.add(m.mirror.tick, now, {
            eid: (e.x / POSITION_SCALE, e.y / POSITION_SCALE)
            for eid, e in m.mirror.entities.items() if e.kind != EntityKind.BEACON})
