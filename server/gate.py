"""The websocket gate of a host process: the one place that sets the websocket options, and
the two ways connections come in.

Imports websockets and the server's config only (never the host, nor game code).

- A single-process host listens: `Gate.listen(host, port)` is websockets' `serve`.
- A worker process listens nowhere: the supervisor accepts each TCP connection, and hands the
  socket over with the request still unread in the kernel's buffer. `Gate.adopt(sock, ...)`
  builds the `ServerProtocol` and `ServerConnection` exactly as `serve`'s own factory does
  (same options: `SocketOptions`) and gives the socket to the event loop with
  `loop.connect_accepted_socket`; `connection_made` then starts the server's normal handler,
  so the opening handshake (with `process_request`), the keepalive, the size limits and the
  closing handshake are websockets' own, as on a listening host. The websockets `Server` of a
  worker (`Gate.open`) comes from `serve` without being awaited, so it never binds a port; the
  asyncio server it closes and asks "still serving?" is one with no sockets.

Every connection is a `GateConnection`: websockets' own, with one short cut on the way in.
A message normally goes from the parser into websockets' queue, wakes the handler's task,
and is read from there: a future set, a task stepped and a coroutine resumed per message,
for the INPUT every client sends every tick (10-17 us of CPU a message, measured alone:
one gate, 160 clients, 4800 messages a second; see the note of issue 9). So
the handler may name a `quick` reader: each whole binary message is offered to it as soon as
it is parsed, on the protocol's callback, when nothing is ahead of it (no message waiting in
the queue and the handler not busy with one), and whatever it declines takes the usual
way. Order is kept: a message is taken at once only when the handler would have read it
next and is idle. Flow control, limits and closing stay websockets' own.

A handed-over socket has two owners: the worker, and the supervisor that keeps its own copy
until the worker says the connection ended (to tell the client something if the worker
dies). Closing one copy does not end a TCP connection, so a `HandedConnection` shuts the
socket down when its connection is lost: the client sees the end at once, as from a host
that listens itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosedOK
from websockets.frames import Frame, Opcode
from websockets.http11 import Request, Response
from websockets.protocol import Event
from websockets.server import ServerProtocol
from websockets.typing import Data

from server.config import ServerConfig

__all__ = ["READ_SIZE", "Gate", "GateConnection", "HandOver", "HandedConnection",
           "SocketOptions", "read_at_most"]

Handler = Callable[[ServerConnection], Awaitable[None]]
RequestHook = Callable[[ServerConnection, Request], Awaitable[Response | None]]


@dataclass(frozen=True, slots=True)
class SocketOptions:
    """Every option of a host's websocket connections, from its config."""

    max_size: int
    ping_interval: float
    ping_timeout: float
    max_queue: int = 16
    write_limit: int = 16384
    open_timeout: float = 10.0
    close_timeout: float = 10.0
    server_header: str = "Dreamlayer"

    @classmethod
    def of(cls, config: ServerConfig) -> SocketOptions:
        return cls(max_size=config.max_message_bytes, ping_interval=config.ping_interval_seconds,
                   ping_timeout=config.ping_timeout_seconds)

    def protocol_kwargs(self) -> dict[str, Any]:
        """For `ServerProtocol` (the sans-I/O side)."""
        return {"max_size": self.max_size}

    def connection_kwargs(self) -> dict[str, Any]:
        """For `ServerConnection` (the asyncio side)."""
        return {"ping_interval": self.ping_interval, "ping_timeout": self.ping_timeout,
                "close_timeout": self.close_timeout, "max_queue": self.max_queue,
                "write_limit": self.write_limit}

    def serve_kwargs(self) -> dict[str, Any]:
        """For `serve` (both of the above, and the handshake's)."""
        return {**self.protocol_kwargs(), **self.connection_kwargs(), "compression": None,
                "open_timeout": self.open_timeout, "server_header": self.server_header,
                "create_connection": GateConnection}


_DATA_OPCODES = (Opcode.TEXT, Opcode.BINARY, Opcode.CONT)
READ_SIZE = 64 * 1024
"""bytes asked of the socket per read. asyncio's own transport asks for 256 KiB, and a
buffer that large is above glibc's mmap threshold (128 KiB): every read mapped and unmapped
fresh memory for a 40-byte INPUT, which on this machine cost ~16 us a message, more than
reading and checking it (measured alone as above; see the note of issue 9). Any read size
works: a larger message takes more reads."""


class GateConnection(ServerConnection):
    """websockets' server connection, read with `read()` and with an optional `quick`
    reader (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.quick: Callable[[bytes], bool] | None = None
        """offered each whole binary message the handler would read next while it waits;
        returns whether it took it (then `read()` never sees it)"""
        self._waiting = False
        """the handler waits in `read()`: it holds no message of its own"""
        self._queued = 0
        """whole messages in websockets' queue that `read()` has not returned yet"""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        read_at_most(transport)

    async def read(self) -> Data | None:
        """The next message `quick` did not take; None once the connection closed normally
        (raises ConnectionClosedError otherwise, as `recv` does)."""
        self._waiting = True
        try:
            data = await self.recv()
        except ConnectionClosedOK:
            return None
        finally:
            self._waiting = False
        self._queued -= 1
        return data

    def process_event(self, event: Event) -> None:
        if type(event) is Frame and event.opcode in _DATA_OPCODES:
            quick = self.quick
            if quick is not None and self._waiting and not self._queued \
                    and event.fin and event.opcode is Opcode.BINARY \
                    and quick(event.data if type(event.data) is bytes else bytes(event.data)):
                return
            if event.fin:
                self._queued += 1
        super().process_event(event)


@dataclass(frozen=True, slots=True)
class HandOver:
    """What the supervisor says with a socket it hands over."""

    serial: int
    """the supervisor's number for the connection (the worker reports its end with it)"""
    peer: tuple[str, int]
    """the client's address and port"""
    relayed: bool = False
    """the socket is another worker's line to this one, piping a client whose room is here
    (`server.relay`); `peer` is still the client's"""


def read_at_most(transport: asyncio.BaseTransport, size: int = READ_SIZE) -> None:
    """Make an asyncio socket transport read `size` bytes at a time (see `READ_SIZE`);
    other event loops' transports are left as they are."""
    if isinstance(getattr(transport, "max_size", None), int):
        transport.max_size = size  # type: ignore[attr-defined]


class HandedConnection(GateConnection):
    """A websocket connection on a socket the supervisor accepted."""

    def __init__(self, protocol: ServerProtocol, server: Server, hand_over: HandOver,
                 on_lost: Callable[[HandedConnection], None], **kwargs: Any) -> None:
        super().__init__(protocol, server, **kwargs)
        self.hand_over = hand_over
        self.on_lost = on_lost

    def connection_lost(self, exc: Exception | None) -> None:
        # the supervisor's copy keeps the socket open: shut it down so the client sees the
        # end now (the transport closes our copy right after this)
        sock = self.transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        super().connection_lost(exc)
        self.on_lost(self)


class Gate:
    """A host process's websocket server: `listen` or `open` once, then `adopt` sockets (a
    worker) or let the listening socket accept them."""

    def __init__(self, config: ServerConfig, handler: Handler,
                 process_request: RequestHook) -> None:
        self.options = SocketOptions.of(config)
        self.handler = handler
        self.process_request = process_request
        self.server: Server | None = None

    async def listen(self, host: str, port: int) -> Server:
        """Listen on `host:port` (raises OSError if it cannot)."""
        self.server = await serve(self.handler, host, port,
                                  process_request=self.process_request,
                                  **self.options.serve_kwargs())
        return self.server

    async def open(self) -> Server:
        """A server that listens nowhere, for `adopt`."""
        server = serve(self.handler, process_request=self.process_request,
                       **self.options.serve_kwargs())
        loop = asyncio.get_running_loop()
        nowhere = asyncio.base_events.Server(loop, [], _refuse, None, 0, None)
        await nowhere.start_serving()
        server.server = nowhere
        self.server = server
        return server

    async def adopt(self, sock: socket.socket, hand_over: HandOver,
                    on_lost: Callable[[HandedConnection], None]) -> HandedConnection:
        """Serve the client on `sock` (accepted elsewhere, its request unread) as if this
        process had accepted it. `on_lost` is called once the connection is gone. Raises
        OSError if the socket is already unusable."""
        assert self.server is not None, "open() the gate first"
        protocol = ServerProtocol(**self.options.protocol_kwargs())
        connection = HandedConnection(protocol, self.server, hand_over, on_lost,
                                      **self.options.connection_kwargs())
        await asyncio.get_running_loop().connect_accepted_socket(lambda: connection, sock)
        return connection


def _refuse() -> asyncio.Protocol:
    raise AssertionError("a worker's server listens nowhere")
