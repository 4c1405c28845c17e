"""The client's line to a server, kept off the frame loop.

A `Link` owns one background thread running an asyncio loop. In it live the player's
`Line` to the server (a `Remote` connection that comes back into its seat by itself after
a drop that is not final) and, for solo play and hosting, a whole `server.host.Host` on
loopback ("local play is the real thing"). The frame loop never waits on the network:
it calls `poll()` to take what arrived, and `send()` to queue what to send. Each
reconnection attempt arrives as `Reconnecting` (then the JOINED of the new connection, and
MATCH_START when a match runs); every final failure as a `LinkError` with text fit for the
screen.

Imports game.remote, game.net and (for local servers) server.host; never pygame.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from game.net.schema import Kind, Message
from game.remote import Line, Remote, RemoteError

__all__ = ["Link", "LinkError", "LocalServer", "Reconnecting"]

log = logging.getLogger("dreamlayer.link")


@dataclass(frozen=True)
class LinkError:
    """The connection failed or ended; `text` says why, for the player."""

    text: str
    code: int = 0


@dataclass(frozen=True)
class Reconnecting:
    """The connection dropped (`why`) and the link is trying to come back into its seat:
    this is attempt number `attempt`. Sends are dropped until the next JOINED."""

    attempt: int
    why: str


@dataclass(frozen=True)
class LocalServer:
    """Where a server this client started listens."""

    port: int
    addresses: tuple[str, ...]


class Link:
    """A background connection. Create it, then `start_local()` and/or `connect()`."""

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="dreamlayer-net",
                                        daemon=True)
        self._thread.start()
        self._inbox: queue.Queue[Message | LinkError | LocalServer | Reconnecting] = \
            queue.Queue()
        self.line: Line | None = None
        self._jobs: list[concurrent.futures.Future[None]] = []
        self._host: Any = None
        self.bytes_in = 0
        """wire bytes received when the rates were last worked out"""
        self.snapshots = 0
        self.rtt_ms = 0.0
        self._stats_at = time.monotonic()
        self._rate = (0.0, 0.0)

    # ------------------------------------------------------------------ thread plumbing
    def _run(self, coro: Awaitable[Any]) -> None:
        self._jobs.append(asyncio.run_coroutine_threadsafe(self._guard(coro), self._loop))

    async def _guard(self, coro: Awaitable[Any]) -> None:
        try:
            await coro
        except RemoteError as e:
            self._inbox.put(LinkError(str(e), e.code))
        except Exception as e:  # anything else is a bug, but the player gets words
            log.exception("network task failed")
            self._inbox.put(LinkError(f"Something went wrong with the connection ({e})"))

    def _run_quiet(self, coro: Awaitable[Any]) -> None:
        """Run `coro` in the network thread; its failures are not reported (the reader sees
        the same drop and reports or mends it)."""
        async def quiet() -> None:
            try:
                await coro
            except RemoteError:
                pass
            except Exception:
                log.exception("network send failed")

        asyncio.run_coroutine_threadsafe(quiet(), self._loop)

    def poll(self) -> list[Message | LinkError | LocalServer | Reconnecting]:
        """Everything that arrived since the last call (never blocks)."""
        out: list[Message | LinkError | LocalServer | Reconnecting] = []
        while True:
            try:
                out.append(self._inbox.get_nowait())
            except queue.Empty:
                return out

    # ------------------------------------------------------------------ a local server
    def start_local(self, public: bool = False, port: int = 0) -> None:
        """Start a server in the background; its LocalServer arrives through poll().

        `public` listens on every interface (hosting for friends), else loopback only.
        """
        self._run(self._start_local(public, port))

    async def _start_local(self, public: bool, port: int) -> None:
        from server.config import ServerConfig
        from server.host import Host

        host = Host(ServerConfig(host="0.0.0.0" if public else "127.0.0.1", port=port,
                                 name="Local dream" if not public else "Co-op dream",
                                 empty_room_grace_seconds=3600))
        try:
            await host.start()
        except OSError as e:
            if port == 0:
                raise RemoteError(f"Cannot start a server: {e.strerror}") from None
            log.warning("port %d is taken (%s); using a free one", port, e.strerror)
            await self._start_local(public, 0)
            return
        self._host = host
        self._inbox.put(LocalServer(host.port, tuple(_lan_addresses(host.port, public))))

    # ------------------------------------------------------------------ the connection
    def connect(self, url: str, name: str, then: Callable[[Remote], Awaitable[Any]]) -> None:
        """Connect and say hello, run `then(remote)` (create or join a room; if it returns
        a message, such as the JOINED it waited for, that goes to poll() first), then keep
        reading: every message goes to poll(). After a drop that is not final the line
        comes back into the seat of the last JOINED by itself (see `Reconnecting`)."""
        self._run(self._connect(url, name, then))

    async def _connect(self, url: str, name: str,
                       then: Callable[[Remote], Awaitable[Any]]) -> None:
        remote = await Remote.connect(url, name)
        line = Line(remote, url, name, on_attempt=self._reconnecting)
        self.line = line
        first = await then(remote)
        if isinstance(first, Message):
            if first.kind is Kind.JOINED:
                line.seat_from(first)
            self._inbox.put(first)  # the JOINED that `then` waited for
        ping_task = self._loop.create_task(self._pinger(line))
        try:
            while True:
                msg = await line.recv()
                if msg.kind is Kind.PONG:
                    self.rtt_ms = float((int(time.monotonic() * 1000) - msg["t"]) % 2**32)
                    continue
                if msg.kind is Kind.SNAPSHOT:
                    self.snapshots += 1
                self._inbox.put(msg)
        finally:
            ping_task.cancel()

    def _reconnecting(self, attempt: int, why: str) -> None:
        self._inbox.put(Reconnecting(attempt, why))

    async def _pinger(self, line: Line) -> None:
        with contextlib.suppress(RemoteError, asyncio.CancelledError):
            while True:
                await line.send(Kind.PING, {"t": int(time.monotonic() * 1000) % 2**32})
                await asyncio.sleep(1.0)

    @property
    def remote(self) -> Remote | None:
        """The connection in use now (another one after each reconnection)."""
        return self.line.remote if self.line is not None else None

    def send(self, kind: Kind, values: dict[str, Any] | None = None) -> None:
        """Queue one message to the server. Dropped silently when not connected, while
        reconnecting, or when the connection's phase no longer allows it (an INPUT that
        crosses a drop)."""
        line = self.line
        if line is None or line.attempt:
            return
        self._run_quiet(line.send(kind, values))

    def rates(self) -> tuple[float, float]:
        """(snapshots per second, bytes per second) over the last second or so."""
        now = time.monotonic()
        if now - self._stats_at >= 1.0:
            span = now - self._stats_at
            total = self.line.wire_bytes_in if self.line is not None else 0
            self._rate = (self.snapshots / span, (total - self.bytes_in) / span)
            self.snapshots = 0
            self.bytes_in = total
            self._stats_at = now
        return self._rate

    # ------------------------------------------------------------------ the end
    def close(self) -> None:
        """Leave: close the connection, stop a local server, end the thread (bounded)."""
        async def down() -> None:
            for job in self._jobs:  # the reader, perhaps in the middle of coming back
                job.cancel()
            if self.line is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self.line.close(), 2.0)
            if self._host is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(self._host.shutdown("the host left"), 5.0)

        fut = asyncio.run_coroutine_threadsafe(down(), self._loop)
        with contextlib.suppress(Exception):
            fut.result(timeout=8.0)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=3.0)


def _lan_addresses(port: int, public: bool) -> list[str]:
    """Addresses friends could use to reach this machine, LAN ones first (asks the local
    interfaces and the host name only; sends nothing on the network)."""
    import socket

    if not public:
        return [f"ws://127.0.0.1:{port}"]
    found: set[str] = set()
    with contextlib.suppress(OSError):
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET):
            found.add(str(info[4][0]))
    with contextlib.suppress(OSError, ImportError, AttributeError):
        import fcntl
        import struct

        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            for _, name in socket.if_nameindex():
                with contextlib.suppress(OSError):
                    req = struct.pack("256s", name.encode()[:15])
                    raw = fcntl.ioctl(probe.fileno(), 0x8915, req)  # SIOCGIFADDR
                    found.add(socket.inet_ntoa(raw[20:24]))
        finally:
            probe.close()
    lan = sorted(a for a in found if not a.startswith("127."))
    return [f"ws://{a}:{port}" for a in lan] + [f"ws://127.0.0.1:{port}"]
