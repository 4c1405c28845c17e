"""One client's connection: its `Session`, what it asked for, and its writer.

The reader (`Host.handler`) passes each incoming message to `Connection.handle()`, except
the INPUTs and PINGs the gate hands to `quick()` as they arrive (see server.gate), which
are checked and acted on there, with the same code and in the same order. Every
outgoing message goes through `post()` into the outbox, which one writer task drains in
order; snapshots are not queued but built when one is due, from the member's `Observer`,
so they always carry everything the client has not seen yet. A due snapshot is built and
handed to the socket in the room's tick itself when nothing waits before it and the
socket has taken everything so far (the common case: no task to wake, nothing to await);
otherwise the writer builds and sends it, waiting on a backed-up client for at most
`slow_client_seconds`.

A client whose room runs in a sibling worker is piped there (`relay`, see `server.relay`):
the reader passes its messages on, and the sibling's come back through `forward()` into the
same outbox. A connection that is itself such a pipe from a sibling is `relayed`: its bytes
and its end were counted where the client is.

Imports game.net, game.sim and the server's room and relay modules.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import unicodedata
from collections import deque
from typing import TYPE_CHECKING, Any

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed
from websockets.protocol import State

from game.net.schema import CloseCode, Kind, Message, ProtocolError, kind_of
from game.net.session import Phase, Session, Side, TokenBucket
from game.net.snapshot import Observer
from game.sim.events import Event
from server.relay import Relay
from server.room import Member, Pending, Room, RoomState

if TYPE_CHECKING:
    from server.host import Host

__all__ = ["Connection", "clean_text"]

log = logging.getLogger("dreamlayer.connection")

_OUTBOX_LIMIT = 256
_QUICK = frozenset({Kind.INPUT, Kind.PING})
"""what `quick()` takes: the messages of every tick and every second, acted on at once"""


def clean_text(text: str, limit: int) -> str:
    """Text fit to show other players: no control characters, trimmed, at most `limit`."""
    kept = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    return " ".join(kept.split())[:limit]


class Connection:
    """A connected client. `member` and `room` are set while it sits in a room."""

    def __init__(self, host: Host, ws: ServerConnection, cid: int, peer: tuple[str, int], *,
                 relayed: bool = False) -> None:
        cfg = host.config
        self.host = host
        self.ws = ws
        self.id = cid
        self.peer = peer
        self.ip = peer[0]
        self.relayed = relayed
        """this connection is a sibling worker's pipe for a client of its own"""
        self.relay: Relay | None = None
        """set while this client is piped to the sibling worker that runs its room"""
        self.name = f"dreamer {cid}"
        self.session = Session(Side.SERVER, rate=cfg.input_rate, burst=cfg.input_burst,
                               catch_up_seconds=cfg.catch_up_seconds,
                               max_size=cfg.max_message_bytes)
        self.chat = TokenBucket(cfg.chat_per_minute / 60.0, 5)
        self.room: Room | None = None
        self.member: Member | None = None
        self.observer: Observer | None = None
        self._outbox: deque[bytes] = deque()
        self._events: list[Event] = []
        self._ack = 0
        self._snapshot_due = False
        self._wake = asyncio.Event()
        self._writer: asyncio.Task[None] | None = None
        self._sending = False
        self.closing = False
        self.close_reason = ""
        self.replaced = False
        """another connection took this one's seat with its token: it is being closed, and
        whatever it still sends is ignored"""
        self.opened_at = 0.0
        """when the handshake ended (the host's clock)"""
        self.heard_at = 0.0
        """when the client last sent anything but a PING (the host's clock)"""
        self.rooms_created: list[str] = []
        """codes of the rooms this connection created (open or closed since)"""
        self._clock = asyncio.get_running_loop().time
        """the event loop's clock, which the session's token bucket runs on"""

    @property
    def latency(self) -> float:
        return float(self.ws.latency)

    # ------------------------------------------------------------------ writer
    def start_writer(self) -> None:
        self._writer = asyncio.get_running_loop().create_task(self._write_loop(),
                                                              name=f"writer-{self.id}")

    async def stop_writer(self) -> None:
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._writer

    def post(self, kind: Kind, values: dict[str, Any] | None = None) -> None:
        """Queue one message (its phase effect applies now, in queue order)."""
        if self.closing:
            return
        try:
            data = self.session.send(kind, values)
        except ValueError:
            log.debug("not sending %s to %s in phase %s", kind.name, self.name,
                      self.session.phase.value)
            return
        self.forward(data)

    def forward(self, data: bytes) -> None:
        """Queue one message as it is: the bytes of `post`, or of the sibling worker this
        client is piped to."""
        if self.closing:
            return
        self._outbox.append(data)
        if len(self._outbox) > _OUTBOX_LIMIT:
            self._drop_slow()
            return
        self._wake.set()

    def error(self, text: str, code: int = 0) -> None:
        """A refusal that keeps the connection open."""
        self.post(Kind.ERROR, {"code": code, "text": text[:200]})

    def tick_done(self, events: list[Event], ack: int, snapshot_due: bool) -> None:
        """Called by the room after each tick: remember events; a due snapshot is sent now
        if it can be at once, else the writer is woken to send it."""
        if self.observer is None:
            return
        self._events.extend(events)
        if len(self._events) > 512:
            del self._events[:-512]
        self._ack = ack
        if snapshot_due and not self._send_snapshot_now():
            self._snapshot_due = True
            self._wake.set()

    def _snapshot(self) -> bytes | None:
        """The due snapshot's bytes (its events taken), or None when this connection is not
        in a match any more."""
        room = self.room
        if self.observer is None or room is None or room.world is None \
                or self.session.phase is not Phase.PLAYING:
            return None
        values = self.observer.delta(room.world, self._events, self._ack)
        self._events = []
        return self.session.send(Kind.SNAPSHOT, values, trusted=True)

    def _send_snapshot_now(self) -> bool:
        """Build the due snapshot and hand it to the socket without waiting, when nothing
        is queued before it (outbox, a send under way, an earlier snapshot) and the socket
        has taken all it was given (so it cannot push back). False: the writer sends it.

        The frame goes through the websocket's sans-I/O protocol object and straight to
        its transport, as the websocket's own `send()` does once it need not wait."""
        ws = self.ws
        if self._outbox or self._sending or self._snapshot_due or self.closing \
                or ws.protocol.state is not State.OPEN \
                or ws.transport.get_write_buffer_size():
            return False
        data = self._snapshot()
        if data is not None:
            ws.protocol.send_binary(data)
            for frame in ws.protocol.data_to_send():
                ws.transport.write(frame)
            self.host.metrics.bytes_sent.inc(len(data) + 4)
        return True

    async def _write_loop(self) -> None:
        limit = self.host.config.slow_client_seconds
        try:
            while True:
                await self._wake.wait()
                self._wake.clear()
                while self._outbox:
                    await self._send(self._outbox.popleft(), limit)
                room = self.room
                if self._snapshot_due and room is not None:
                    self._snapshot_due = False
                    # the snapshot's cost is the room's: built and sent for its tick (the
                    # send is timed only when it cannot wait on a backed-up client)
                    t0 = time.perf_counter()
                    data = self._snapshot()
                    if data is None:
                        continue
                    clear = self.ws.transport.get_write_buffer_size() == 0
                    built = time.perf_counter()
                    await self._send(data, limit)
                    room.note_send_cost((time.perf_counter() if clear else built) - t0)
        except ConnectionClosed:
            pass
        except TimeoutError:
            self._drop_slow()

    async def _send(self, data: bytes, limit: float) -> None:
        self._sending = True
        try:
            # in this task (not wait_for's own): a send that need not wait for the client
            # never leaves it, so timing it times the send alone
            async with asyncio.timeout(limit):
                await self.ws.send(data)
        finally:
            self._sending = False
        if not self.relayed:
            self.host.metrics.bytes_sent.inc(len(data) + 4)

    @property
    def flushed(self) -> bool:
        """Everything posted so far has been handed to the socket."""
        return not self._outbox and not self._sending

    def _drop_slow(self) -> None:
        if not self.closing:
            self.host.spawn(self.close(CloseCode.TOO_SLOW, "too far behind: could not keep up "
                                                           "with the snapshots"))

    async def close(self, code: CloseCode | int, reason: str, *, label: str = "",
                    counted: bool = True) -> None:
        """Close with `code`; logged once, counted once (as `label`, by default the close
        code's name) unless not `counted` (a close counted in another process)."""
        if self.closing:
            return
        self.closing = True
        self.close_reason = label or (code.name.lower() if isinstance(code, CloseCode)
                                      else f"closed_{int(code)}")
        self.session.close()
        if counted:
            self.host.metrics.disconnects.labels(reason=self.close_reason).inc()
        level = logging.INFO if code in (CloseCode.NORMAL, CloseCode.GOING_AWAY,
                                         CloseCode.REPLACED) or label else logging.WARNING
        log.log(level if counted else logging.DEBUG, "closing %s (%s, %s): %s", self.name,
                self.ip, int(code), reason)
        try:
            await asyncio.wait_for(self.ws.close(int(code), reason[:120]), timeout=2.0)
        except Exception:
            # a client that does not answer the closing handshake (it may not be reading
            # at all) is cut off, so its seat and memory are freed now
            self.ws.transport.abort()

    async def end(self, code: int, reason: str) -> None:
        """Close with what the sibling worker this client was piped to closed it with
        (counted there)."""
        await self.close(code, reason, counted=False)

    def give_up_seat(self) -> None:
        """Another connection came back with this one's token and took its seat: forget
        the seat (so this link's end does not drop it) and ignore whatever still arrives."""
        self.replaced = True
        self.room, self.member, self.observer = None, None, None
        self._events = []
        self._snapshot_due = False

    # ------------------------------------------------------------------ match hooks
    def start_match(self, room: Room, observer: Observer, values: dict[str, Any]) -> None:
        self.observer = observer
        self._events = []
        self._snapshot_due = False
        self.post(Kind.MATCH_START, values)

    def end_match(self, values: dict[str, Any]) -> None:
        if self.observer is not None and self.room is not None and self.room.world is not None \
                and self.session.phase is Phase.PLAYING:
            # the last state of the night, then the results
            self.post(Kind.SNAPSHOT, self.observer.delta(self.room.world, self._events,
                                                          self._ack))
        self.observer = None
        self._events = []
        self._snapshot_due = False
        self.post(Kind.MATCH_END, values)

    # ------------------------------------------------------------------ reading
    def arrived(self, data: bytes | str) -> bool:
        """Count one incoming message's bytes; whether to read it (not while closing: the
        reader keeps reading then only so that the close handshake completes)."""
        if not self.relayed:
            self.host.metrics.bytes_received.inc(len(data) + 6)
        return not self.closing

    def check(self, data: bytes | str) -> Message | None:
        """One incoming message checked by the session (a text frame is refused there);
        None if it was refused (the close with its code is then under way)."""
        try:
            msg = self.session.receive(data, self._clock())
        except ProtocolError as e:
            self.refuse(e)
            return None
        if msg.kind is not Kind.PING:
            self.heard_at = self.host.now()
        return msg

    def refuse(self, e: ProtocolError) -> None:
        """Close for a message that broke the protocol (counted by its code)."""
        self.host.metrics.messages_rejected.labels(reason=e.code.name.lower()).inc()
        self.host.spawn(self.close(e.code, e.reason))

    def quick(self, data: bytes) -> bool:
        """The gate's quick reader: an INPUT or a PING, handled on arrival as the reader
        would handle it; False (declined, for the reader) for anything else, and for
        everything while the client is piped to a sibling worker."""
        if self.relay is not None or kind_of(data) not in _QUICK:
            return False
        if self.arrived(data):
            msg = self.check(data)
            if msg is not None:
                try:
                    self.handle_now(msg)
                except ProtocolError as e:
                    self.refuse(e)
        return True

    async def handle(self, msg: Message) -> None:
        """Act on one checked message. Raises ProtocolError to close the connection."""
        if self.handle_now(msg):
            return
        if msg.kind is Kind.CREATE_ROOM:
            await self.host.seating.create_room(self, msg)
        else:
            await self.host.seating.join_room(self, msg)

    def handle_now(self, msg: Message) -> bool:
        """Act on one checked message, unless it needs waiting for (CREATE_ROOM and
        JOIN_ROOM: False, for `handle`). Raises ProtocolError to close the connection."""
        k = msg.kind
        if self.replaced:
            return True
        room, member = self.room, self.member
        if k is Kind.INPUT and room is not None and member is not None:
            self._input(msg, room, member)  # the most common message by far: first
            return True
        host = self.host
        if k is Kind.HELLO:
            self.name = clean_text(msg["name"], host.config.max_name_length) or self.name
            self.post(Kind.WELCOME, {"version": msg["version"], "player": self.id,
                                     "server": host.config.name[:64]})
        elif k is Kind.PING:
            self.post(Kind.PONG, {"t": msg["t"]})
        elif k is Kind.LIST_ROOMS:
            self.post(Kind.ROOM_LIST, {"rooms": host.room_list()})
        elif k is Kind.CREATE_ROOM or k is Kind.JOIN_ROOM:
            return False
        elif self.room is None or self.member is None:
            raise ProtocolError(CloseCode.WRONG_PHASE, f"{k.name} outside a room")
        else:
            self._in_room(msg, self.room, self.member)
        return True

    def _input(self, msg: Message, room: Room, member: Member) -> None:
        v = msg.values
        if room.state is RoomState.PLAYING and not member.spectator and not room.take_input(
                member, Pending(v["seq"], v["seen_tick"], (v["move_x"], v["move_y"]),
                                (v["aim_x"], v["aim_y"]), v["buttons"], v["ping"])):
            self.host.metrics.messages_rejected.labels(reason="stale_input").inc()

    def _in_room(self, msg: Message, room: Room, member: Member) -> None:
        k = msg.kind
        if k is Kind.INPUT:
            self._input(msg, room, member)
        elif k is Kind.CHOOSE:
            room.choose(member, msg["realm"], msg["role"])
        elif k is Kind.READY:
            room.set_ready(member, msg["ready"])
        elif k is Kind.START:
            room.start(member)
        elif k in (Kind.CHAT, Kind.EMOTE):
            if not self.chat.take(time.monotonic()):
                self.error("slow down: too many chat messages")
                return
            if k is Kind.EMOTE:
                room.emote(member)
            else:
                text = clean_text(msg["text"], self.host.config.max_chat_length)
                if text:
                    room.say(member, text)
        elif k is Kind.KICK:
            self.host.seating.kick(self, room, member, msg["player"])
        elif k is Kind.LEAVE:
            self.observer = None
            self.room, self.member = None, None
            room.remove(member, "left")
