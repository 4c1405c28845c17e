"""The relay: a client of this worker whose room runs in a sibling worker, piped there.

Imports websockets (its client), game.net.schema and the gate's read size; never the host
(it sees the client's connection as a `Piped`, the supervisor's channel as `Siblings`).

Our clients name the room they are joining when they connect (`ws://HOST:PORT/?room=CODE`),
and the supervisor hands such a connection straight to the worker that runs the room. A
client that does not (another author's, an old one, a player who joins a second room on the
same link) lands on any worker; when it sends JOIN_ROOM for a code of another worker, that
worker's host opens a `Relay`: a socket pair whose other end the supervisor hands to the
room's worker as a connection marked *relayed*, with the client's real address (it travels
in the hand-over record on the supervisor's channel, which no outsider can write to, so it
cannot be spoofed). Over it this worker says HELLO with the client's name and passes the
client's JOIN_ROOM on; from then on it pipes every websocket message both ways unchanged, and
the room's worker does everything else (seats, tokens, rate limits, lifetimes). A close from
there (kicked, room closed, shut down, too slow...) reaches the client with its code and
reason; a client that closes or drops is closed or dropped there the same way. No step is
added for the client: it sees exactly the conversation of a one-process host.

Why a relay and not handing the socket itself over to the room's worker: the websocket is
already open, and part of its state lives in this process (bytes already read from the
kernel, a frame half received, pings in flight, the session's rate budget). websockets has
no way to export that state or to build a connection from it, so a hand-over would need our
own websocket framing. The relay costs one decode-free copy per message in this process,
only for clients that did not name their room, and keeps every rule in one place.

The room's worker answers a JOIN_ROOM on a relayed link for a code that is not its own (the
client left the room and joins another elsewhere) by closing the link with `REROUTE`; this
worker then handles that JOIN_ROOM itself (its own room, or a relay to the right worker), so
relays never chain.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Awaitable, Callable
from typing import Protocol

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

from game.net.schema import (
    PROTOCOL_VERSION,
    Kind,
    Message,
    ProtocolError,
    decode,
    encode,
    kind_of,
)
from server.gate import read_at_most

__all__ = ["REROUTE", "SIBLING_LOST", "SIBLING_RESTARTING", "Piped", "Relay", "RelayFailed",
           "Siblings", "open_relay"]

log = logging.getLogger("dreamlayer.relay")

REROUTE = 4900
"""close code of a relayed link whose client joins a room of another worker (never sent to a
client: the relaying worker acts on it)"""
SIBLING_LOST = "the server process running your room stopped; the room is lost"
SIBLING_RESTARTING = ("the server process running your room stopped; it is being started "
                      "again and takes your room up: come back to go on")
"""what a dead worker's clients are told when rooms outlive a crash (replays on: the
replacement takes its rooms up from their cards)"""
_OPEN_SECONDS = 5.0
_FLUSH_SECONDS = 2.0


class RelayFailed(Exception):
    """The room's worker could not be reached (restarting, or stopped)."""


class Siblings(Protocol):
    """What a worker's host needs to reach the sibling worker that runs a room."""

    def line_to(self, code: str, peer: tuple[str, int]) -> socket.socket:
        """One end of a new socket pair; the supervisor hands the other to the worker that
        runs `code`, as a relayed connection from the client at `peer`."""


class Piped(Protocol):
    """What a relay needs of the client's connection on this worker."""

    name: str
    closing: bool

    def forward(self, data: bytes) -> None:
        """Queue one websocket message for the client, as it came."""

    @property
    def flushed(self) -> bool:
        """Everything queued for the client has been handed to its socket."""

    async def end(self, code: int, reason: str) -> None:
        """Close the client's connection with `code` and `reason` (counted where the room
        runs, not here)."""


class Relay:
    """A client piped to a sibling worker over `link` (after its JOIN_ROOM `join`)."""

    def __init__(self, client: Piped, link: ClientConnection, join: Message) -> None:
        self.client = client
        self.link = link
        self.join = join
        """the client's last JOIN_ROOM passed on (handled here if the link says REROUTE)"""

    async def send(self, data: bytes | str) -> None:
        """Pass one message of the client on (a text frame as a text frame: the room's
        worker refuses it as it would from the client)."""
        if isinstance(data, bytes) and kind_of(data) == Kind.JOIN_ROOM:
            with contextlib.suppress(ProtocolError):
                self.join = decode(data)
        with contextlib.suppress(ConnectionClosed):
            await self.link.send(data)

    async def run(self, reroute: Callable[[Message], Awaitable[None]]) -> None:
        """Pass the sibling's messages to the client until the link ends, then end the
        client the same way (REROUTE: `reroute(join)` instead, the client staying here)."""
        with contextlib.suppress(ConnectionClosed):
            async for data in self.link:
                if isinstance(data, bytes):
                    self.client.forward(data)
        if self.client.closing:
            return
        rcvd = self.link.close_code
        if rcvd == REROUTE:
            await reroute(self.join)
            return
        if rcvd is None or rcvd == 1006:
            code, reason = 1011, SIBLING_LOST
        else:
            code, reason = rcvd, self.link.close_reason or ""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(_FLUSH_SECONDS):
                while not self.client.flushed:
                    await asyncio.sleep(0.01)
        await self.client.end(code, reason)

    async def end(self, code: int | None, reason: str) -> None:
        """The client's link ended with close `code` (None: dropped without one): end the
        sibling's side the same way."""
        if code is None:
            self.link.transport.abort()
            return
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.link.close(code if code in (1000, 1001) else 1000,
                                                   reason), _FLUSH_SECONDS)


async def open_relay(line: socket.socket, client: Piped, join: Message) -> Relay:
    """Say HELLO on `line` (the socket the supervisor connects to the room's worker) in the
    client's name and pass `join` on. Raises RelayFailed if the room's worker does not answer
    (the line is closed then)."""
    code = str(join["code"])
    try:
        link = await connect(f"ws://worker/?room={code}", sock=line, compression=None,
                             max_size=None, ping_interval=None, open_timeout=_OPEN_SECONDS,
                             close_timeout=_FLUSH_SECONDS)
    except (OSError, TimeoutError, InvalidHandshake) as e:
        line.close()
        raise RelayFailed(f"room {code}'s server process cannot be reached ({e})") from None
    read_at_most(link.transport)
    try:
        async with asyncio.timeout(_OPEN_SECONDS):
            await link.send(encode(Kind.HELLO, {"version": PROTOCOL_VERSION,
                                                "name": client.name}))
            while kind_of(await _bytes(link)) != Kind.WELCOME:
                pass
            await link.send(encode(Kind.JOIN_ROOM, join.values))
    except (ConnectionClosed, TimeoutError) as e:
        link.transport.abort()
        raise RelayFailed(f"room {code}'s server process did not answer ({e})") from None
    return Relay(client, link, join)


async def _bytes(link: ClientConnection) -> bytes:
    data = await link.recv()
    return data if isinstance(data, bytes) else b""
