"""Ids that cannot collide: the pool under 70,000 allocations of churn, and a host whose ids
wrap many times over real sockets while some connections and a held seat stay live."""

from __future__ import annotations

import asyncio
import random

import pytest

from game.net.schema import CloseCode, Kind
from game.remote import Remote
from server.host import Host
from server.ids import IdPool, IdsExhausted
from tests.server.conftest import serve_and, until
from tests.server.test_host import closed_with, hello, raw


def test_seventy_thousand_allocations_of_churn_never_hand_out_a_live_id() -> None:
    pool = IdPool(1, 65535)
    rng = random.Random(8)
    live: set[int] = set()
    for _ in range(70_000):
        if live and (len(live) > 3000 or rng.random() < 0.45):
            gone = rng.choice(tuple(live))
            live.discard(gone)
            pool.release(gone)
        i = pool.take()
        assert i not in live and 1 <= i <= 65535
        live.add(i)
    assert len(pool) == len(live)


def test_a_full_pool_says_so_and_a_held_id_outlives_its_first_holder() -> None:
    pool = IdPool(1, 3)
    a, b, c = pool.take(), pool.take(), pool.take()
    assert sorted((a, b, c)) == [1, 2, 3]
    with pytest.raises(IdsExhausted):
        pool.take()
    pool.hold(b)  # a seat keeps its connection's id
    pool.release(b)  # the connection ends
    with pytest.raises(IdsExhausted):
        pool.take()
    pool.release(b)  # the seat ends
    assert pool.take() == b
    with pytest.raises(ValueError, match="not live"):
        pool.release(99)
    with pytest.raises(ValueError, match="not live"):
        pool.hold(99)


def test_a_freed_id_comes_back_as_late_as_it_can() -> None:
    pool = IdPool(1, 5)
    first = pool.take()
    pool.release(first)
    assert [pool.take() for _ in range(4)] == [2, 3, 4, 5]
    assert pool.take() == first


def test_connection_churn_over_sockets_never_gives_two_live_connections_one_id() -> None:
    async def go(host: Host, url: str) -> None:
        host.directory.ids = IdPool(1, 40)  # a small range, so 400 connections wrap it often
        keep = [await Remote.connect(url, f"keeper {k}") for k in range(8)]
        held = await Remote.connect(url, "held")
        joined = await held.create_room(bot_fill=True, max_dreamers=2)
        room = host.rooms[joined["code"]]
        await held.send(Kind.START)
        await held.expect(Kind.MATCH_START)
        await held.close()
        seat = room.members[joined["player"]]
        await until(lambda: seat.conn is None, "the seat to be held")
        for wave in range(50):
            batch = await asyncio.gather(*(Remote.connect(url, f"churn {wave}.{k}")
                                           for k in range(8)))
            ids = [c.id for c in host.connections.values()]
            assert len(ids) == len(set(ids)) == len(host.connections)
            assert seat.id not in ids  # the held seat's id is not given away
            assert {r.player for r in (*keep, *batch)} == set(host.connections)
            assert sum(host.per_ip.values()) == len(host.connections)
            for r in batch:
                await r.close()
            await until(lambda: len(host.connections) == len(keep), "the churn to close")
        assert len(host.directory.ids) == len(keep) + 1  # the keepers and the held seat

    serve_and(go)


def test_a_host_out_of_ids_closes_the_newcomer_as_full() -> None:
    async def go(host: Host, url: str) -> None:
        host.directory.ids = IdPool(1, 2)
        first, second = await raw(url), await raw(url)
        late = await raw(url)
        assert await closed_with(late) == (CloseCode.SERVER_FULL, "the server is full")
        assert host.metrics.value("dreamlayer_messages_rejected_total",
                                  reason="server_full") == 1
        await hello(first)
        await hello(second)  # the others play on
        await first.close()
        await until(lambda: len(host.connections) == 1, "the first to leave")
        again = await raw(url)
        await hello(again)  # its id is free again
        for ws in (second, again):
            await ws.close()

    serve_and(go)
