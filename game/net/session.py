"""A sans-I/O connection: bytes in, checked messages out; messages in, bytes to send.

Both ends use the same `Session`: the server (one per websocket), the pygame client and the
headless bots. It knows the connection's phase (h11-style: a table of what each phase
allows, and the messages that move it on), enforces the schema, and on the server side
limits the message rate. It never touches a socket: the caller passes the bytes of one
websocket message to `receive()` and sends whatever `send()` returns.

    phase      the client may send                          moved on by
    HELLO      HELLO                                        WELCOME -> LOBBY
    LOBBY      LIST_ROOMS CREATE_ROOM JOIN_ROOM PING        JOINED -> ROOM
    ROOM       CHOOSE READY START CHAT EMOTE KICK LEAVE     MATCH_START -> PLAYING,
               PING LIST_ROOMS (INPUT: ignored, it crossed  LEAVE -> LOBBY
               MATCH_END on the wire)
    PLAYING    INPUT CHAT EMOTE KICK LEAVE PING             MATCH_END -> ROOM, LEAVE -> LOBBY

A JOIN_ROOM for a room another server of the cluster runs is answered with MOVED (in the
lobby phase, which it does not move): the client connects to that server and sends the same
JOIN_ROOM there.

A client that sent LEAVE takes, in the lobby phase, the room's messages that crossed its
LEAVE on the wire (LOBBY, CHAT_MSG, EMOTE_MSG, MATCH_START, SNAPSHOT, MATCH_END): they
move nothing, and belong to a room it is no longer in.

Imports game.net.schema only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from game.net.schema import (
    PROTOCOL_VERSION,
    CloseCode,
    Kind,
    Message,
    ProtocolError,
    decode,
    encode,
)

__all__ = ["Phase", "Session", "Side", "TokenBucket"]


class Side(Enum):
    CLIENT = "client"
    SERVER = "server"


class Phase(Enum):
    HELLO = "hello"
    LOBBY = "lobby"
    ROOM = "room"
    PLAYING = "playing"
    CLOSED = "closed"


_CLIENT_MAY_SEND: dict[Phase, frozenset[Kind]] = {
    Phase.HELLO: frozenset({Kind.HELLO}),
    Phase.LOBBY: frozenset({Kind.LIST_ROOMS, Kind.CREATE_ROOM, Kind.JOIN_ROOM, Kind.PING}),
    # INPUT too: the inputs a client sent before it read MATCH_END are still on their way
    Phase.ROOM: frozenset({Kind.CHOOSE, Kind.READY, Kind.START, Kind.CHAT, Kind.EMOTE,
                           Kind.KICK, Kind.LEAVE, Kind.PING, Kind.LIST_ROOMS, Kind.INPUT}),
    Phase.PLAYING: frozenset({Kind.INPUT, Kind.CHAT, Kind.EMOTE, Kind.KICK, Kind.LEAVE,
                              Kind.PING}),
    Phase.CLOSED: frozenset(),
}
_ALWAYS_FROM_SERVER = frozenset({Kind.ERROR, Kind.PONG, Kind.ROOM_LIST})
_SERVER_MAY_SEND: dict[Phase, frozenset[Kind]] = {
    Phase.HELLO: frozenset({Kind.WELCOME}) | _ALWAYS_FROM_SERVER,
    Phase.LOBBY: frozenset({Kind.JOINED, Kind.MOVED}) | _ALWAYS_FROM_SERVER,
    Phase.ROOM: frozenset({Kind.LOBBY, Kind.MATCH_START, Kind.CHAT_MSG, Kind.EMOTE_MSG})
    | _ALWAYS_FROM_SERVER,
    Phase.PLAYING: frozenset({Kind.SNAPSHOT, Kind.MATCH_END, Kind.CHAT_MSG, Kind.EMOTE_MSG,
                              Kind.LOBBY}) | _ALWAYS_FROM_SERVER,
    Phase.CLOSED: frozenset(),
}
_CROSSED_LEAVE = frozenset({Kind.LOBBY, Kind.CHAT_MSG, Kind.EMOTE_MSG, Kind.MATCH_START,
                            Kind.SNAPSHOT, Kind.MATCH_END})
"""the room's messages the server may have sent before it read a client's LEAVE: the client
takes them in the lobby phase (they move nothing) instead of closing over them"""
_FROM_CLIENT = frozenset(k for k in Kind if k.from_client)
_MOVES: dict[Kind, dict[Phase, Phase]] = {
    Kind.WELCOME: {Phase.HELLO: Phase.LOBBY},
    Kind.JOINED: {Phase.LOBBY: Phase.ROOM},
    Kind.MATCH_START: {Phase.ROOM: Phase.PLAYING},
    Kind.MATCH_END: {Phase.PLAYING: Phase.ROOM},
    Kind.LEAVE: {Phase.ROOM: Phase.LOBBY, Phase.PLAYING: Phase.LOBBY},
}


@dataclass(slots=True)
class TokenBucket:
    """Allows `rate` events per second on average. Time is passed in.

    It starts with `burst` tokens (what may come at once on a fresh start) and refills at
    `rate` up to `cap` (`burst` when not given). A cap above the burst sizes the bucket in
    time: whoever stayed quiet for `cap / rate` seconds may then deliver that long's worth
    at once, the catch-up after a network stall, while a sender that keeps going faster
    than `rate` runs dry after at most `cap` extra events whatever it does.
    """

    rate: float
    burst: float
    cap: float = 0.0
    tokens: float = -1.0
    last: float = 0.0

    def take(self, now: float, cost: float = 1.0) -> bool:
        """Take `cost` tokens at time `now` (seconds, any monotonic origin); False, taking
        nothing, when there are not enough."""
        if self.tokens < 0:
            self.tokens, self.last = self.burst, now
        # (comparisons rather than min/max: this runs for every message a host receives)
        top = self.cap if self.cap > self.burst else self.burst
        gap = now - self.last
        tokens = self.tokens + gap * self.rate if gap > 0.0 else self.tokens
        self.tokens = tokens if tokens < top else top
        self.last = now
        if self.tokens < cost:
            return False
        self.tokens -= cost
        return True


class Session:
    """One end of one connection.

    After `receive()` returns, the message has been checked against the schema and the
    phase, and the phase has moved on if the message moves it. On the server side every
    message takes a token of a `TokenBucket(rate, burst, cap=rate * catch_up_seconds)`:
    a client may send `rate` messages a second (twice the tick rate by default, an honest
    client sends one INPUT a tick and a PING a second), a new connection `burst` at once, and
    one that went quiet (a stalled network holding its inputs back) that silence's worth at
    once, up to `catch_up_seconds`; running dry closes with 4004. `send()` does the same for
    outgoing messages and returns the bytes to put on the wire; sending a message the
    phase does not allow is a bug and raises ValueError.
    """

    def __init__(self, side: Side, *, rate: float = 60.0, burst: float = 120.0,
                 catch_up_seconds: float = 0.0, max_size: int = 1 << 21) -> None:
        self.side = side
        self.phase = Phase.HELLO
        self.left = False
        """this client sent LEAVE (and has not joined a room since): the room's messages
        that crossed it on the wire are taken quietly"""
        self.max_size = max_size
        self.bucket = TokenBucket(rate, burst, cap=rate * catch_up_seconds)
        self.bytes_in = 0
        self.bytes_out = 0
        self.messages_in = 0
        self._tables_at: Phase | None = None
        self._receivable: frozenset[Kind] = frozenset()
        self._sendable: frozenset[Kind] = frozenset()

    # ------------------------------------------------------------------ in
    def receive(self, data: bytes | str, now: float = 0.0) -> Message:
        """Check one incoming websocket message. Raises ProtocolError with the close code
        to answer with; the session is then CLOSED."""
        try:
            return self._receive(data, now)
        except ProtocolError:
            self.phase = Phase.CLOSED
            raise

    def _receive(self, data: bytes | str, now: float) -> Message:
        if isinstance(data, str):
            raise ProtocolError(CloseCode.MALFORMED, "text frames are not part of the protocol")
        self.bytes_in += len(data)
        self.messages_in += 1
        if self.side is Side.SERVER and not self.bucket.take(now):
            raise ProtocolError(CloseCode.FLOOD, "too many messages")
        msg = decode(data, self.max_size)
        if (msg.kind in _FROM_CLIENT) != (self.side is Side.SERVER):
            raise ProtocolError(CloseCode.WRONG_PHASE, f"{msg.kind.name} is not for this side")
        if self.left and self.phase is Phase.LOBBY and msg.kind in _CROSSED_LEAVE:
            return msg  # it crossed our LEAVE on the wire: from a room we are no longer in
        if msg.kind not in self._may_receive():
            raise ProtocolError(CloseCode.WRONG_PHASE,
                                f"{msg.kind.name} is not allowed in phase {self.phase.value}")
        if msg.kind is Kind.HELLO and msg["version"] != PROTOCOL_VERSION:
            raise ProtocolError(CloseCode.VERSION_MISMATCH,
                                f"client speaks protocol {msg['version']}, "
                                f"this server speaks {PROTOCOL_VERSION}")
        if msg.kind is Kind.WELCOME and msg["version"] != PROTOCOL_VERSION:
            raise ProtocolError(CloseCode.VERSION_MISMATCH,
                                f"server speaks protocol {msg['version']}, "
                                f"this client speaks {PROTOCOL_VERSION}")
        self._move(msg.kind)
        return msg

    # ------------------------------------------------------------------ out
    def send(self, kind: Kind, values: Mapping[str, Any] | None = None,
             trusted: bool = False) -> bytes:
        """The bytes of one outgoing message; moves the phase on if the message does.
        `trusted` skips the schema check of the values (see `encode`)."""
        if (kind in _FROM_CLIENT) != (self.side is Side.CLIENT):
            raise ValueError(f"a {self.side.value} does not send {kind.name}")
        if kind not in self._may_send():
            raise ValueError(f"{kind.name} is not allowed in phase {self.phase.value}")
        data = encode(kind, values, check=not trusted)
        if kind is Kind.LEAVE:
            self.left = True
        elif kind is Kind.JOIN_ROOM or kind is Kind.CREATE_ROOM:
            self.left = False
        self.bytes_out += len(data)
        self._move(kind)
        return data

    @property
    def wire_bytes_in(self) -> int:
        """Bytes received including websocket frame headers (2-4 bytes each; 4 counted)."""
        return self.bytes_in + 4 * self.messages_in

    def close(self) -> None:
        self.phase = Phase.CLOSED

    def _move(self, kind: Kind) -> None:
        moves = _MOVES.get(kind)
        if moves is not None:
            self.phase = moves.get(self.phase, self.phase)

    def _may_receive(self) -> frozenset[Kind]:
        """What the other side may send in the current phase (looked up once per phase:
        hashing an Enum member runs Python code, and this is asked for every message)."""
        if self._tables_at is not self.phase:
            self._tables_at = phase = self.phase
            server = self.side is Side.SERVER
            self._receivable = (_CLIENT_MAY_SEND if server else _SERVER_MAY_SEND)[phase]
            self._sendable = (_SERVER_MAY_SEND if server else _CLIENT_MAY_SEND)[phase]
        return self._receivable

    def _may_send(self) -> frozenset[Kind]:
        """What this side may send in the current phase (see `_may_receive`)."""
        self._may_receive()
        return self._sendable


def hello(name: str) -> dict[str, Any]:
    """The values of a HELLO for this build."""
    return {"version": PROTOCOL_VERSION, "name": name}


__all__ += ["hello"]
