"""The gate's quick reader: a whole binary message is handed to it on arrival only when the
handler would read that message next and holds none of its own, so every message is acted
on in the order the client sent it; whatever it declines, or cannot be offered, is read as
usual. Real websockets on 127.0.0.1, an ephemeral port."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection
from websockets.frames import Frame, Opcode
from websockets.http11 import Request, Response

from server.config import ServerConfig
from server.gate import READ_SIZE, Gate, GateConnection
from tests.server.conftest import until


class _Handler:
    """Reads like the host does: quick takes binary messages starting with b"q"; the
    message b"slow" keeps the handler busy until `release` is set."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, bytes | str]] = []
        self.release = asyncio.Event()
        self.conn: GateConnection | None = None

    def quick(self, data: bytes) -> bool:
        if not data.startswith(b"q"):
            return False
        self.seen.append(("quick", data))
        return True

    async def __call__(self, ws: ServerConnection) -> None:
        assert isinstance(ws, GateConnection)
        self.conn = ws
        ws.quick = self.quick
        while (data := await ws.read()) is not None:
            self.seen.append(("read", data))
            if data == b"slow":
                await self.release.wait()


async def _no_page(ws: ServerConnection, request: Request) -> Response | None:
    return None


@contextlib.asynccontextmanager
async def _serving(handler: _Handler, max_message_bytes: int = 4096) -> AsyncIterator[str]:
    """A gate listening on 127.0.0.1 (an ephemeral port) for the test's span: its URL."""
    gate = Gate(ServerConfig(host="127.0.0.1", port=0, max_message_bytes=max_message_bytes),
                handler, _no_page)
    server = await gate.listen("127.0.0.1", 0)
    try:
        yield f"ws://127.0.0.1:{next(iter(server.sockets)).getsockname()[1]}"
    finally:
        server.close()
        await server.wait_closed()


def test_messages_are_acted_on_in_the_order_sent() -> None:
    async def main() -> None:
        h = _Handler()
        async with _serving(h) as url, connect(url) as ws:
            await until(lambda: h.conn is not None, "the handler")  # and it reads now
            await ws.send(b"q1")  # the handler waits with nothing queued: taken at once
            await until(lambda: h.seen == [("quick", b"q1")], "q1 taken quickly")
            await ws.send(b"slow")
            await until(lambda: ("read", b"slow") in h.seen, "slow read")
            await ws.send(b"q2")  # the handler is busy: q2 must wait its turn
            await ws.send("q3")  # text is never offered
            await (await ws.ping())  # the server has parsed both frames
            assert h.seen == [("quick", b"q1"), ("read", b"slow")]
            h.release.set()
            await until(lambda: len(h.seen) == 4, "q2 and q3 read")
            await ws.send(b"q4")
            await ws.send(b"n5")  # declined by quick: read
            await until(lambda: len(h.seen) == 6, "q4 and n5")
            assert h.seen == [("quick", b"q1"), ("read", b"slow"), ("read", b"q2"),
                              ("read", "q3"), ("quick", b"q4"), ("read", b"n5")]

    asyncio.run(main())


def test_a_message_behind_a_queued_one_waits_for_it() -> None:
    async def main() -> None:
        h = _Handler()
        async with _serving(h) as url, connect(url) as ws:
            await ws.send(b"n0")
            await until(lambda: h.seen == [("read", b"n0")], "n0 read")
            conn = h.conn
            assert conn is not None
            # two frames parsed in one go, as from one TCP read, before the handler runs:
            # the handler waits, but n1 is queued ahead of q2
            conn.process_event(Frame(Opcode.BINARY, b"n1"))
            conn.process_event(Frame(Opcode.BINARY, b"q2"))
            await until(lambda: len(h.seen) == 3, "n1 and q2")
            assert h.seen[1:] == [("read", b"n1"), ("read", b"q2")]
            # a message in fragments is read whole, as usual
            await ws.send([b"q", b"3"])
            await until(lambda: len(h.seen) == 4, "q3")
            await ws.send(b"q4")
            await until(lambda: len(h.seen) == 5, "q4")
            assert h.seen[3:] == [("read", b"q3"), ("quick", b"q4")]

    asyncio.run(main())


def test_the_socket_is_read_in_small_pieces_and_large_messages_arrive_whole() -> None:
    async def main() -> None:
        h = _Handler()
        async with _serving(h, max_message_bytes=4 * READ_SIZE) as url, \
                connect(url, max_size=None) as ws:
            await until(lambda: h.conn is not None, "the handler")
            assert h.conn is not None
            assert getattr(h.conn.transport, "max_size", None) == READ_SIZE
            big = b"n" + bytes(range(256)) * (3 * READ_SIZE // 256)
            await ws.send(big)
            await ws.send(b"q" * (READ_SIZE + 1))  # more than one read, still quick
            await until(lambda: len(h.seen) == 2, "both messages")
            assert h.seen == [("read", big), ("quick", b"q" * (READ_SIZE + 1))]

    asyncio.run(main())
