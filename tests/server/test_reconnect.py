"""Clients come back: after a cut the same dreamer plays on, a silent link is taken over by
its token at once, a token that opens no seat says why, and `dreamlayer bots` reports its
comebacks. Real host, real clients, `tests.proxy.Proxy` between them on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import random
import signal
import sys

import pytest

from game.net.schema import CloseCode, Kind
from game.remote import Backoff, Line, Remote, RemoteError, Seat, rejoin
from server.host import Host
from tests.proxy import Proxy
from tests.server.conftest import serve_and, until
from tests.server.netplay import bot_playing


def test_the_wait_between_attempts_doubles_is_jittered_and_never_passes_its_cap() -> None:
    backoff = Backoff(first=0.25, cap=1.5)
    rng = random.Random(7)
    for attempt in range(1, 40):
        top = min(1.5, 0.25 * 2 ** (attempt - 1))
        delays = [backoff.delay(attempt, rng) for _ in range(50)]
        assert all(top / 2 <= d <= top for d in delays)
        assert len(set(delays)) > 1  # jittered: players dropped together spread out


def test_a_cut_link_comes_back_into_the_same_dreamer_on_its_first_try() -> None:
    async def go(host: Host, url: str) -> None:
        proxy = await Proxy(host.port).start()
        try:
            bot = await bot_playing(host, proxy.url, "Jade")
            line, member = bot.line, bot.member
            await until(lambda: member.last_seq > 10, "playing", 20)
            dreamer = member.dreamer
            proxy.cut()
            await until(lambda: proxy.refused >= 2, "two attempts while the link is down", 20)
            assert line.attempt >= 2 and not bot.task.done()
            proxy.restore()
            await until(lambda: line.reconnects == 1 and len(bot.stats.dreamers) == 2,
                        "back in the match", 20)
            # the first attempt after the link returned got through: with a wait between
            # attempts capped at 1.5 s (test above), that is within 2 s of its return
            assert proxy.accepted_since_restore == 1
            assert bot.stats.dreamers == [dreamer, dreamer] and line.attempt == 0
            await until(lambda: member.last_seq > 10, "inputs applied again", 20)
            assert member.connected and member.dreamer == dreamer
            await bot.stop()
            assert bot.stats.reconnects == 1
        finally:
            await proxy.close()

    serve_and(go)


def test_a_silent_link_is_taken_over_by_its_token_at_once() -> None:
    async def go(host: Host, url: str) -> None:
        proxy = await Proxy(host.port).start()
        try:
            old = await Remote.connect(proxy.url, "Liam", ping_interval=None,
                                       ping_timeout=None)
            joined = await old.create_room(max_dreamers=2, bot_fill=False)
            await old.send(Kind.START)
            dreamer = (await old.expect(Kind.MATCH_START))["dreamer"]
            await old.expect(Kind.SNAPSHOT)
            member = host.rooms[joined["code"]].members[joined["player"]]
            # the old link goes silent towards the server, for good; the server cannot tell
            proxy.stall(up=True, down=False, new=False)
            assert member.connected
            new = await Remote.connect(url, "Liam")
            again = await new.join_room(joined["code"], token=joined["token"])
            assert again["player"] == joined["player"]
            assert (await new.expect(Kind.MATCH_START))["dreamer"] == dreamer
            await new.expect(Kind.SNAPSHOT)
            assert member.conn is not None and member.conn.id == new.player
            # the old link was closed with 4011, final: a Line would not come back
            old_line = Line(old, proxy.url, "Liam", joined)
            with pytest.raises(RemoteError) as err:
                while True:
                    await old_line.recv()
            assert err.value.code == CloseCode.REPLACED and err.value.final
            assert "replaced by a new connection" in str(err.value)
            assert old_line.reconnects == 0
            assert host.metrics.value(
                "dreamlayer_disconnects_total", reason="replaced") == 1
            await new.close()
        finally:
            await proxy.close()

    serve_and(go)


def test_a_token_that_opens_no_seat_is_final_and_says_why() -> None:
    async def go(host: Host, url: str) -> None:
        a = await Remote.connect(url, "Jade")
        joined = await a.create_room(max_dreamers=2, bot_fill=False)
        await a.send(Kind.START)
        await a.expect(Kind.MATCH_START)
        seat = Seat.of(url, "Jade", joined)
        await a.close()
        member = host.rooms[joined["code"]].members[joined["player"]]
        # not back within the hold time (1 s here): the seat expired
        await until(lambda: joined["player"] not in host.rooms[joined["code"]].members,
                    "the held seat expires", 20)
        assert not member.connected
        with pytest.raises(RemoteError) as err:
            await rejoin(seat)
        assert err.value.final and err.value.code == CloseCode.STALE_TOKEN
        assert "Could not get back into the room: the seat expired (held 1 s" in str(err.value)
        with pytest.raises(RemoteError) as err:
            await rejoin(Seat(url, "Jade", joined["code"], "not-a-token", 60.0))
        assert "unknown reconnect token" in str(err.value)

    serve_and(go, reconnect_seconds=1.0)


def test_a_server_that_does_not_come_back_is_given_up_after_the_hold_time() -> None:
    async def go(host: Host, url: str) -> None:
        proxy = await Proxy(host.port).start()
        try:
            proxy.cut()
            attempts: list[int] = []
            with pytest.raises(RemoteError) as err:
                await rejoin(Seat(proxy.url, "Jade", "ABCDE", "token", 1.0),
                             on_attempt=attempts.append, backoff=Backoff(first=0.1, cap=0.2))
            assert err.value.final
            assert "Could not get back into room ABCDE within 1 s" in str(err.value)
            assert attempts == list(range(1, len(attempts) + 1)) and len(attempts) >= 3
        finally:
            await proxy.close()

    serve_and(go)


def test_dreamlayer_bots_reports_its_reconnects_in_json() -> None:
    async def go(host: Host, url: str) -> None:
        proxy = await Proxy(host.port).start()
        try:
            bots = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "game.cli", "bots", "--url", proxy.url, "-n", "2",
                "--seconds", "600", "--json", stdout=asyncio.subprocess.PIPE)
            # the night's clock runs once both have sent inputs, so both have their
            # MATCH_START (a cut before that would lose it on the wire)
            await until(lambda: any(len(r.connected()) == 2 and r.state.name == "PLAYING"
                                    and r.world is not None and r.world.tick > 0
                                    for r in host.rooms.values()), "both bots playing", 30)
            room = next(iter(host.rooms.values()))
            proxy.cut()
            await until(lambda: proxy.refused >= 2 and not room.connected(),
                        "both bots dropped and trying again", 20)
            proxy.restore()
            await until(lambda: len(room.connected()) == 2, "both bots back", 20)
            bots.send_signal(signal.SIGINT)  # stop now: the report still comes out
            out, _ = await asyncio.wait_for(bots.communicate(), 60)
            assert bots.returncode == 0
            players = json.loads(out)["players"]
            assert [p["reconnects"] for p in players] == [1, 1]
            assert all(p["ended"] == "still connected" for p in players)
            assert [p["matches_started"] for p in players] == [2, 2]  # the same match, twice
        finally:
            await proxy.close()

    serve_and(go)
