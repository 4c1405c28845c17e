"""The relay between two workers (in this process, on real channels and sockets): a client
that names no room is piped to its room's worker and back home when it joins a room there,
its bad messages are refused there as they would be at home, and its drop holds its seat."""

from __future__ import annotations

import pytest
from websockets.asyncio.client import connect

from game.net.records import input_values
from game.net.schema import CloseCode, Kind, encode, kind_of
from game.remote import Remote, with_room
from game.sim.intent import Intent
from server.host import Host
from tests.server.conftest import Hosts, serve_and, until
from tests.server.test_host import closed_with, hello


def worker_of(hosts: Hosts, code: str) -> Host:
    return next(h for h in hosts.all() if code in h.rooms)


def relays(hosts: Hosts) -> list[int]:
    return [sum(1 for c in h.connections.values() if c.relay is not None) for h in hosts.all()]


def test_a_relayed_client_goes_home_when_it_joins_a_room_there_and_out_again() -> None:
    async def go(host: Host, url: str) -> None:
        hosts = host if isinstance(host, Hosts) else None
        assert hosts is not None
        x, y = await Remote.connect(url, "Mira"), await Remote.connect(url, "Liam")
        here = (await x.create_room(bot_fill=False))["code"]  # worker 0 (fewest, first)
        there = (await y.create_room(bot_fill=False))["code"]  # worker 1
        assert worker_of(hosts, here) is not worker_of(hosts, there)
        z = await Remote.connect(url, "Jade")  # a tie: worker 0, with `here`
        await z.join_room(there)
        await z.expect(Kind.LOBBY)  # read the roster before leaving (it would cross LEAVE)
        assert relays(hosts) == [1, 0]
        assert [m.name for m in worker_of(hosts, there).rooms[there].members.values()] == [
            "Liam", "Jade"]
        await z.send(Kind.LEAVE)
        await until(lambda: len(worker_of(hosts, there).rooms[there].members) == 1, "the leave")
        await z.join_room(here)  # its own worker's room: rerouted home, no relay left
        assert relays(hosts) == [0, 0]
        await z.expect(Kind.LOBBY)
        await z.send(Kind.LEAVE)
        await z.join_room(there)  # and out again
        await z.expect(Kind.LOBBY)
        assert relays(hosts) == [1, 0]
        await x.send(Kind.CHAT, {"text": "still here?"})  # the home room never saw it again
        assert "Jade" not in {m.name for m in worker_of(hosts, here).rooms[here].members.values()}
        for r in (x, y, z):
            await r.close()

    serve_and(go, workers=2)


def test_a_relayed_clients_bad_message_is_refused_where_its_room_is() -> None:
    async def go(host: Host, url: str) -> None:
        owner = await Remote.connect(url, "Mira")
        code = (await owner.create_room())["code"]
        ws = await connect(url, compression=None)  # names no room: the other worker
        await hello(ws)
        await ws.send(encode(Kind.JOIN_ROOM, {"code": code, "password": "", "spectate": False,
                                              "token": ""}))
        while kind_of(await ws.recv()) != Kind.JOINED:  # type: ignore[arg-type]
            pass
        await ws.send("a text frame")
        assert (await closed_with(ws))[0] == CloseCode.MALFORMED
        await owner.close()

    serve_and(go, workers=2)


def test_a_relayed_player_that_drops_in_a_match_keeps_its_seat() -> None:
    async def go(host: Host, url: str) -> None:
        hosts = host if isinstance(host, Hosts) else None
        assert hosts is not None
        owner = await Remote.connect(url, "Mira")
        code = (await owner.create_room(bot_fill=True))["code"]
        guest = await Remote.connect(url, "Liam")
        joined = await guest.join_room(code)
        assert relays(hosts) == [0, 1]
        await owner.send(Kind.START)
        await guest.expect(Kind.MATCH_START)
        await guest.send(Kind.INPUT, input_values(1, Intent(), 0))
        guest.abort()  # the network goes: no close frame
        room = worker_of(hosts, code).rooms[code]
        seat = room.members[joined["player"]]
        await until(lambda: seat.conn is None and seat.held_until > 0, "the seat held")
        back = await Remote.connect(with_room(url, code), "Liam")  # straight home this time
        assert (await back.join_room(code, token=joined["token"]))["player"] == seat.id
        assert relays(hosts) == [0, 0]
        for r in (owner, back):
            await r.close()

    serve_and(go, workers=2)


@pytest.mark.parametrize("url", ["ws://h:1", "ws://h:1/", "ws://h:1/x?a=b"])
def test_a_client_names_its_room_in_the_url(url: str) -> None:
    named = with_room(url, "ABCDE")
    assert named.startswith(url.rstrip("/")) and named.endswith("room=ABCDE")
    assert "?" in named and with_room(url, "") == url
