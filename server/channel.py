"""The control channel between a host's supervisor and one of its workers: msgpack messages,
some carrying sockets, over a unix SOCK_SEQPACKET socket pair.

Imports msgpack only (nothing from the game, nor from the rest of the server).

SOCK_SEQPACKET keeps each message whole and its file descriptors with it (a stream socket may
merge or split them), and still tells when the other end is gone (end of file), which is how
each side learns that the other died. A message is a map with a type under "t". Either side
may `tell` (no answer), `ask` (an answer, or None after a timeout: a stuck peer never hangs
the asker) or `send_socket` (one socket, duplicated into the other process; the sender's copy
stays its own). Incoming messages go to the `on_message` callback, which answers asks by
returning a map (or an awaitable of one).

Writes never block: what the kernel does not take at once waits in a queue (with its own
copies of the sockets) until the socket is writable. Linux: SOCK_SEQPACKET unix sockets.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import socket
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

import msgpack

__all__ = ["MAX_MESSAGE", "Channel", "ChannelClosed", "pair"]

log = logging.getLogger("dreamlayer.channel")

MAX_MESSAGE = 1 << 20
"""the largest message either side reads (a worker's board of 1024 rooms is some 80 KB)"""
_SEND_BUFFER = 4 << 20

Incoming = Callable[[dict[str, Any], list[socket.socket]],
                    "Awaitable[dict[str, Any] | None] | dict[str, Any] | None"]


class ChannelClosed(Exception):
    """The other end is gone."""


def pair() -> tuple[socket.socket, socket.socket]:
    """Two connected ends (the supervisor keeps one, the worker gets the other)."""
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    for s in (a, b):
        with contextlib.suppress(OSError):  # the kernel may cap it lower: fine
            s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, _SEND_BUFFER)
    return a, b


class Channel:
    """One end of a control channel, on the running event loop. `closed` is done once the
    other end is gone (or `close` was called)."""

    def __init__(self, sock: socket.socket, on_message: Incoming, name: str = "channel") -> None:
        self.sock = sock
        self.on_message = on_message
        self.name = name
        self.loop = asyncio.get_running_loop()
        self.closed: asyncio.Future[None] = self.loop.create_future()
        self._queue: deque[tuple[bytes, list[int]]] = deque()
        self._asks: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        self._tasks: set[asyncio.Task[None]] = set()
        sock.setblocking(False)
        self.loop.add_reader(sock.fileno(), self._readable)

    # ------------------------------------------------------------------ out
    def tell(self, message: dict[str, Any]) -> None:
        """Send `message`; never blocks, never raises (dropped once the channel is closed)."""
        self._send(message, [])

    def send_socket(self, message: dict[str, Any], sock: socket.socket) -> None:
        """Send `message` with a copy of `sock` (the caller's stays open and its own)."""
        self._send(message, [sock.fileno()])

    async def ask(self, message: dict[str, Any], timeout: float) -> dict[str, Any] | None:
        """Send `message` and wait for its answer; None if none came within `timeout`
        seconds or the channel closed."""
        if self.closed.done():
            return None
        n = next(self._ids)
        fut: asyncio.Future[dict[str, Any]] = self.loop.create_future()
        self._asks[n] = fut
        self._send({**message, "ask": n}, [])
        try:
            async with asyncio.timeout(timeout):
                return await fut
        except (TimeoutError, ChannelClosed):
            return None
        finally:
            self._asks.pop(n, None)

    def _send(self, message: dict[str, Any], fds: list[int]) -> None:
        if self.closed.done():
            return
        data = msgpack.packb(message, use_bin_type=True)
        if len(data) > MAX_MESSAGE:
            log.error("%s: a %r message of %d bytes is too big to send; dropped", self.name,
                      message.get("t"), len(data))
            return
        if not self._queue and self._try(data, fds):
            return
        self._queue.append((data, [os.dup(fd) for fd in fds]))
        if len(self._queue) == 1:
            self.loop.add_writer(self.sock.fileno(), self._writable)

    def _try(self, data: bytes, fds: list[int]) -> bool:
        """Send now; False if the socket is full (the caller queues it)."""
        try:
            socket.send_fds(self.sock, [data], fds)
        except (BlockingIOError, InterruptedError):
            return False
        except OSError as e:
            self._lost(f"cannot send ({e.strerror or e})")
        return True

    def _writable(self) -> None:
        while self._queue:
            data, fds = self._queue[0]
            if not self._try(data, fds):
                return
            self._queue.popleft()
            for fd in fds:
                os.close(fd)
        self.loop.remove_writer(self.sock.fileno())

    # ------------------------------------------------------------------ in
    def _readable(self) -> None:
        while not self.closed.done():
            try:
                data, fds, flags, _ = socket.recv_fds(self.sock, MAX_MESSAGE, 8)
            except (BlockingIOError, InterruptedError):
                return
            except OSError as e:
                self._lost(f"cannot read ({e.strerror or e})")
                return
            if not data:
                self._lost("")
                return
            socks = [socket.socket(fileno=fd) for fd in fds]
            if flags & (socket.MSG_TRUNC | socket.MSG_CTRUNC):
                log.error("%s: a message was cut short; dropped", self.name)
                for s in socks:
                    s.close()
                continue
            try:
                message = msgpack.unpackb(data, raw=False)
                if not isinstance(message, dict):
                    raise ValueError("not a map")
            except (ValueError, msgpack.UnpackException) as e:
                log.error("%s: an unreadable message (%s); dropped", self.name, e)
                for s in socks:
                    s.close()
                continue
            self._dispatch(message, socks)

    def _dispatch(self, message: dict[str, Any], socks: list[socket.socket]) -> None:
        if message.get("t") == "answer":
            fut = self._asks.get(message.get("to", -1))
            if fut is not None and not fut.done():
                fut.set_result(message)
            return
        try:
            result = self.on_message(message, socks)
        except Exception:
            log.exception("%s: handling a %r message failed", self.name, message.get("t"))
            return
        ask = message.get("ask")
        if isinstance(result, Awaitable):
            task = self.loop.create_task(self._answer_later(ask, result))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        elif ask is not None:
            self.tell({**(result or {}), "t": "answer", "to": ask})

    async def _answer_later(self, ask: object,
                            result: Awaitable[dict[str, Any] | None]) -> None:
        try:
            answer = await result
        except Exception:
            log.exception("%s: answering failed", self.name)
            answer = None
        if ask is not None:
            self.tell({**(answer or {}), "t": "answer", "to": ask})

    # ------------------------------------------------------------------ end
    def _lost(self, why: str) -> None:
        if why:
            log.warning("%s: %s", self.name, why)
        self.close()

    def close(self) -> None:
        """Stop reading and writing and close this end (idempotent)."""
        if self.closed.done():
            return
        self.closed.set_result(None)
        with contextlib.suppress(ValueError, OSError):
            self.loop.remove_reader(self.sock.fileno())
            self.loop.remove_writer(self.sock.fileno())
        for _, fds in self._queue:
            for fd in fds:
                os.close(fd)
        self._queue.clear()
        for fut in self._asks.values():
            if not fut.done():
                fut.set_exception(ChannelClosed())
        self.sock.close()
