"""A loopback TCP proxy for tests: the weather between real clients and a real host.

`Proxy(upstream_port)`, then `await proxy.start()`: it listens on 127.0.0.1 on an ephemeral
port (`proxy.port`, `proxy.url`) and forwards every connection it accepts to the upstream
port, byte for byte, both ways. Between them it can

- `delay`: hold every chunk this many seconds before forwarding it (in order);
- `stall(up=..., down=..., new=...)`: stop forwarding in a direction (`up` client -> server,
  `down` server -> client) while keeping both sockets open. Nothing more is read, so the
  data waits in the kernel's buffers as it does on a stalled network, and arrives as one
  burst on `resume()`. With `new` (the default) connections opened during the stall stall
  too (their handshakes hang); without it only the links open now stall: a link gone
  silent while the network works;
- `cut()`: reset every open link (both sockets aborted) and refuse new connections (accepted
  and reset at once) until `restore()`.

`accepted` and `refused` count connections; `accepted_since_restore` those forwarded since
the last `restore()`. All methods run on the test's event loop; `close()` stops everything.

Imports only asyncio.
"""

from __future__ import annotations

import asyncio
import contextlib

__all__ = ["Proxy"]


class _Gate:
    """Whether one direction of a link forwards; a pump waits on it before each read."""

    def __init__(self, open_: bool) -> None:
        self.event = asyncio.Event()
        if open_:
            self.event.set()


class _Link:
    """One proxied connection: the client's socket, the upstream socket, two pumps."""

    def __init__(self, proxy: Proxy, client: tuple[asyncio.StreamReader, asyncio.StreamWriter],
                 upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter]) -> None:
        self.proxy = proxy
        self.client = client
        self.upstream = upstream
        self.up = _Gate(not proxy.stalled_up)
        self.down = _Gate(not proxy.stalled_down)
        self.tasks = [asyncio.get_running_loop().create_task(self._pump(client[0], upstream[1],
                                                                        self.up)),
                      asyncio.get_running_loop().create_task(self._pump(upstream[0], client[1],
                                                                        self.down))]
        for t in self.tasks:
            t.add_done_callback(self._ended)

    def _ended(self, _: asyncio.Task[None]) -> None:
        if all(t.done() for t in self.tasks):
            self.proxy.links.discard(self)

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                    gate: _Gate) -> None:
        try:
            while True:
                await gate.event.wait()
                data = await reader.read(65536)
                if not data:  # a clean end: pass it on once what was sent is flushed
                    writer.close()
                    return
                if self.proxy.delay:
                    await asyncio.sleep(self.proxy.delay)
                await gate.event.wait()  # what was read just before a stall waits too
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            self.abort()
        except asyncio.CancelledError:
            self.abort()
            raise

    def abort(self) -> None:
        for _, w in (self.client, self.upstream):
            w.transport.abort()
        self.proxy.links.discard(self)


class Proxy:
    """A TCP proxy on 127.0.0.1 in front of `upstream_port` (see the module docstring)."""

    def __init__(self, upstream_port: int, upstream_host: str = "127.0.0.1") -> None:
        self.upstream = (upstream_host, upstream_port)
        self.delay = 0.0
        self.stalled_up = False
        self.stalled_down = False
        self.refusing = False
        self.links: set[_Link] = set()
        self.accepted = 0
        self.refused = 0
        self.accepted_since_restore = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> Proxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        return self

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.refusing:
            self.refused += 1
            writer.transport.abort()
            return
        try:
            upstream = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.transport.abort()
            return
        self.accepted += 1
        self.accepted_since_restore += 1
        self.links.add(_Link(self, (reader, writer), upstream))

    # ------------------------------------------------------------------ weather
    def stall(self, up: bool = True, down: bool = True, new: bool = True) -> None:
        """Stop forwarding `up` (client -> server) and/or `down`; with `new`, links opened
        from now on until `resume()` stall the same way."""
        for link in self.links:
            if up:
                link.up.event.clear()
            if down:
                link.down.event.clear()
        if new:
            self.stalled_up, self.stalled_down = up, down

    def resume(self) -> None:
        """Forward again, everywhere: what waited arrives at once."""
        self.stalled_up = self.stalled_down = False
        for link in self.links:
            link.up.event.set()
            link.down.event.set()

    def cut(self) -> None:
        """Reset every open link and refuse new connections until `restore()`."""
        self.refusing = True
        for link in list(self.links):
            link.abort()

    def restore(self) -> None:
        self.refusing = False
        self.accepted_since_restore = 0

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for link in list(self.links):
            link.abort()
            for t in link.tasks:
                t.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await t
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2.0)
