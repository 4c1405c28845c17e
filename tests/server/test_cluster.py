"""Many hosts, one directory, on a real Redis: codes unique across the cluster, one public
list from any host, a player sent to the host that runs its room (MOVED) and playing there,
a host that dies leaving the list within its TTL while the others play on, and Redis going
away and coming back under running matches. Every redis-server and host a test starts is
stopped; a missing redis-server skips (fails under DREAMLAYER_REQUIRE_ALL=1)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import msgpack
import pytest

from game.net.records import RoomEntry
from server.cluster import BoardEntry, BoardError, RedisBoard
from tests.server.netplay import until
from tests.server.redis_server import RedisServer
from tests.tools import free_port


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def entry(code: str, players: int = 1) -> RoomEntry:
    return RoomEntry(code, "Mira", "first-retreat", players, 4, False, False)


@contextlib.asynccontextmanager
async def boards(url: str, *names: str, **kw: float) -> AsyncIterator[list[RedisBoard]]:
    started = []
    try:
        for name in names:
            board = RedisBoard(url, f"ws://{name}:8765", **kw)
            await board.start()
            started.append(board)
        yield started
    finally:
        for board in started:
            await board.stop()


async def heartbeat(board: RedisBoard, rooms: list[BoardEntry]) -> None:
    """Post `rooms` five times a second, as a host's janitor and changes do."""
    while True:
        board.post(rooms)
        await asyncio.sleep(0.2)


# ---------------------------------------------------------------------------- the board
def test_the_board_claims_posts_lists_and_locates(redis_server: RedisServer) -> None:
    async def go() -> None:
        async with boards(redis_server.url, "a", "b") as (a, b):
            assert await a.claim("ABCDE") and await a.claim("PRIV8")
            assert not await b.claim("ABCDE") and not await a.claim("ABCDE")
            a.post([BoardEntry(entry("ABCDE"), True, ""), BoardEntry(entry("PRIV8"), False, "")])
            await until(lambda: [x.entry.code for x in b.listing()] == ["ABCDE"], 10,
                        "a's public room in b's list")
            seen = b.listing()[0]
            assert seen.url == seen.entry.url == "ws://a:8765" and seen.public
            assert seen.entry._replace(url="") == entry("ABCDE")
            mine = a.listing()  # its own rooms as posted, with its URL for the wire
            assert mine == [BoardEntry(entry("ABCDE")._replace(url="ws://a:8765"), True, "")]
            assert await b.locate("ABCDE") == "ws://a:8765"
            assert await b.locate("PRIV8") == "ws://a:8765"  # private: found, never listed
            assert await a.locate("ABCDE") is None  # its own
            assert await b.locate("NONE1") is None and await b.why_gone("NONE1") is None
            a.release("PRIV8")
            a.post([BoardEntry(entry("ABCDE"), True, "")])
            await until(lambda: not a._released, 10, "the release written")
            assert await b.locate("PRIV8") is None and await b.claim("PRIV8")
            await b.stop()  # withdraws everything it had
            assert await a.locate("PRIV8") is None

    asyncio.run(go())


def test_a_node_that_stops_posting_leaves_the_list_and_its_codes_are_refused_clearly(
        redis_server: RedisServer) -> None:
    async def go() -> None:
        async with boards(redis_server.url, "a", "b", live_seconds=1.0) as (a, b):
            assert await a.claim("GHOST")
            loop = asyncio.get_running_loop()
            beating = [loop.create_task(heartbeat(a, [BoardEntry(entry("GHOST"), True, "")])),
                       loop.create_task(heartbeat(b, []))]
            await until(lambda: b.listing(), 10, "a's room listed on b")
            beating[0].cancel()  # a stops posting abruptly (its process hangs or dies)
            await until(lambda: not b.listing(), 10, "a's room gone from b's list")
            assert await b.locate("GHOST") is None
            assert await b.why_gone("GHOST") == ("room GHOST was on a server that is no "
                                                 "longer running")
            assert not await b.claim("GHOST")  # still reserved: never a new room's
            with redis_server.client() as r:  # and the dead node left the nodes set
                await until(lambda: r.smembers("dreamlayer:nodes") == {b.node.encode()}, 10,
                            "the dead node pruned")
            beating[1].cancel()

    asyncio.run(go())


def test_a_redis_that_cannot_be_reached_at_start_is_a_board_error() -> None:
    port = free_port()

    async def go() -> None:
        board = RedisBoard(f"redis://user:secret@127.0.0.1:{port}/0", "ws://a:1")
        with pytest.raises(BoardError) as err:
            await board.start()
        text = str(err.value)
        assert f"cannot reach Redis at redis://127.0.0.1:{port}/0" in text
        assert "secret" not in text

    asyncio.run(go())


def test_junk_in_redis_never_reaches_a_room_list(redis_server: RedisServer) -> None:
    async def go() -> None:
        async with boards(redis_server.url, "b") as (b,):
            with redis_server.client() as r:
                r.sadd("dreamlayer:nodes", "junk")
                r.set("dreamlayer:node:junk", msgpack.packb("ws://junk:1"), px=60_000)
                r.hset("dreamlayer:rooms:junk", mapping={
                    "OK123": msgpack.packb(list(entry("OK123"))[:-1]),
                    "BAD12": msgpack.packb(["BAD12", "x", "y", 99, 4, False, False]),
                    "NOPE1": b"\xc1not msgpack"})
                r.set("dreamlayer:code:JUNK1", b"\xc1")
            await until(lambda: b.listing(), 10, "the readable room listed")
            assert [x.entry.code for x in b.listing()] == ["OK123"]
            assert await b.locate("JUNK1") is None

    asyncio.run(go())
