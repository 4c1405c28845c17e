"""Many hosts, one directory, on a real Redis: codes unique across the cluster, one public
list from any host, a player sent to the host that runs its room (MOVED) and playing there,
a host that dies leaving the list within its TTL while the others play on, and Redis going
away and coming back under running matches. Every redis-server and host a test starts is
stopped; a missing redis-server skips (fails under DREAMLAYER_REQUIRE_ALL=1)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Container
from pathlib import Path
from typing import Any

import msgpack
import pytest
from websockets.asyncio.server import ServerConnection, serve

from game.client.link import Link
from game.client.online import Online
from game.net.records import RoomEntry, input_values
from game.net.schema import PROTOCOL_VERSION, Kind, Message
from game.net.session import Session, Side
from game.remote import MAX_MOVES, Line, Remote, RemoteError, list_rooms
from game.sim.intent import Intent
from server.board import BoardEntry, BoardError
from server.cluster import RedisBoard
from server.codes import CodeSpace
from server.config import ServerConfig
from server.host import Host
from tests.server.conftest import serve_and, until
from tests.server.netplay import bot_playing
from tests.server.redis_server import RedisServer
from tests.tools import free_port


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
            await until(lambda: [x.entry.code for x in b.listing()] == ["ABCDE"],
                        "a's public room in b's list", 10)
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
            await until(lambda: not a._released, "the release written", 10)
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
            await until(lambda: b.listing(), "a's room listed on b", 10)
            a_key = f"dreamlayer:node:{a.node}"
            with redis_server.client() as r:  # (b's list also empties when b's own reading
                # is late, so wait for a's heartbeat to lapse first: that is the event)
                assert r.exists(a_key)
                beating[0].cancel()  # a stops posting abruptly (its process hangs or dies)
                await until(lambda: not r.exists(a_key), "a's key lapsed", 10)
            await until(lambda: not b.listing(), "a's room gone from b's list", 10)
            assert await b.locate("GHOST") is None
            assert await b.why_gone("GHOST") == ("room GHOST was on a server that is no "
                                                 "longer running")
            assert not await b.claim("GHOST")  # still reserved: never a new room's
            with redis_server.client() as r:  # and the dead node left the nodes set
                await until(lambda: r.smembers("dreamlayer:nodes") == {b.node.encode()},
                            "the dead node pruned", 10)
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
            await until(lambda: b.listing(), "the readable room listed", 10)
            assert [x.entry.code for x in b.listing()] == ["OK123"]
            assert await b.locate("JUNK1") is None

    asyncio.run(go())


# ---------------------------------------------------------------------------- hosts
@contextlib.asynccontextmanager
async def cluster(redis_url: str, n: int, **config: Any) -> AsyncIterator[list[Host]]:
    """n hosts on 127.0.0.1, port 0, sharing the directory in `redis_url` (each one's
    public URL is the address it listens on); all shut down after."""
    hosts: list[Host] = []
    try:
        for _ in range(n):
            host = Host(ServerConfig(host="127.0.0.1", port=0, redis_url=redis_url, **config))
            await host.start()
            hosts.append(host)
        yield hosts
    finally:
        for host in hosts:
            await host.shutdown("test over")


async def listed(url: str) -> dict[str, RoomEntry]:
    return {r.code: r for r in await list_rooms(url)}


async def until_listed(url: str, code: str, present: bool = True) -> None:
    """Wait until the host at `url` lists (or no longer lists) room `code`."""
    deadline = time.monotonic() + 20
    while (code in await listed(url)) != present:
        if time.monotonic() > deadline:
            raise AssertionError(f"room {code} {'never' if present else 'still'} listed "
                                 f"at {url}")
        await asyncio.sleep(0.1)


def test_two_hosts_one_directory_list_from_either_and_join_anywhere(
        redis_server: RedisServer) -> None:
    async def go() -> None:
        async with cluster(redis_server.url, 2) as (a, b):
            assert isinstance(a.board, RedisBoard) and isinstance(b.board, RedisBoard)
            mira = await Remote.connect(a.public_url, "Mira")
            code = (await mira.create_room(level="first-retreat", max_dreamers=3,
                                           bot_fill=False))["code"]
            sol = await Remote.connect(a.public_url, "Sol")
            hidden = (await sol.create_room(password="owl", public=False))["code"]
            # one list, from either host, each room with the URL of the host that runs it
            await until_listed(b.public_url, code)
            from_b = await listed(b.public_url)
            assert from_b[code].url == a.public_url and from_b[code].host == "Mira"
            assert from_b[code].level == "first-retreat" and hidden not in from_b
            assert (await listed(a.public_url))[code].url == a.public_url
            # codes are unique across the cluster
            assert b.board is not None and not await b.board.claim(code)
            assert not await b.board.claim(hidden)
            # `dreamlayer rooms` asks any host
            cli = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "game.cli", "rooms", "--url", b.public_url, "--json",
                stdout=asyncio.subprocess.PIPE)
            out, _ = await asyncio.wait_for(cli.communicate(), 60)
            assert cli.returncode == 0
            rows = {r["code"]: r for r in json.loads(out)["rooms"]}
            assert rows[code] == {"code": code, "retreat": "first-retreat", "phase": "lobby",
                                  "dreamers": 1, "max_dreamers": 3, "host": "Mira",
                                  "locked": False, "url": a.public_url}
            # a player asking B for A's room lands in it and plays, doing nothing more
            jade = await Remote.connect(b.public_url, "Jade")
            joined = await jade.join_room(code)
            assert joined["code"] == code and jade.url == a.public_url
            assert joined["player"] in a.rooms[code].members
            line = Line(jade, b.public_url, "Jade", joined)
            assert line.seat is not None and line.seat.url == a.public_url  # comes back there
            await mira.send(Kind.START)
            assert (await jade.expect(Kind.MATCH_START))["level"] == "first-retreat"
            for _ in range(3):
                await jade.expect(Kind.SNAPSHOT)
            # a private room is found by its code too, its password checked where it runs
            with pytest.raises(RemoteError, match="wrong password"):
                await (await Remote.connect(b.public_url, "Kai")).join_room(hidden, "x")
            kai = await Remote.connect(b.public_url, "Kai")
            assert (await kai.join_room(hidden, "owl"))["code"] == hidden
            # a code no host runs is refused as on one host
            with pytest.raises(RemoteError, match="no room with code"):
                await (await Remote.connect(b.public_url, "Ada")).join_room("ZZZZZ")
            for r in (mira, sol, jade, kai):
                await r.close()

    asyncio.run(go())


def test_a_code_another_host_holds_is_never_a_new_rooms(redis_server: RedisServer) -> None:
    async def go() -> None:
        async with cluster(redis_server.url, 2) as (a, b):
            assert b.board is not None and await b.board.claim("TAKEN")
            drawn = iter(["TAKEN", "FRESH"])

            class Drawn(CodeSpace):
                def new_code(self, taken: Container[str]) -> str:
                    return next(drawn)

            a.codes = a.seating.codes = Drawn()
            mira = await Remote.connect(a.public_url, "Mira")
            assert (await mira.create_room())["code"] == "FRESH"
            assert b.board is not None and not await b.board.claim("FRESH")
            await mira.close()

    asyncio.run(go())


def test_dreamlayer_bots_follow_a_room_to_the_host_that_runs_it(
        redis_server: RedisServer) -> None:
    async def go() -> None:
        # the night's clock waits for no story card: Mira, who sends no input, holds
        # nothing up
        async with cluster(redis_server.url, 2, story_seconds=0.0) as (a, b):
            mira = await Remote.connect(a.public_url, "Mira")
            code = (await mira.create_room(level="first-retreat", max_dreamers=3,
                                           bot_fill=False))["code"]
            await mira.send(Kind.START)
            room = a.rooms[code]
            bots = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "game.cli", "bots", "--url", b.public_url, "--room",
                code, "-n", "2", "--seconds", "600", "--json", stdout=asyncio.subprocess.PIPE)
            try:
                await until(lambda: len(room.connected()) == 3 and all(
                    m.last_seq > 10 for m in room.members.values() if m.name != "Mira"),
                    "both bots playing in A's room", 60)
            finally:
                bots.send_signal(signal.SIGINT)
                out, _ = await asyncio.wait_for(bots.communicate(), 60)
            players = json.loads(out)["players"]
            assert [p["server"] for p in players] == [a.public_url] * 2
            assert all(p["room"] == code and p["snapshots_per_s"] > 0 for p in players)
            assert not b.rooms  # B ran nothing: it only sent them on
            await mira.close()

    asyncio.run(go())


def test_the_games_client_asking_one_host_plays_in_the_room_another_runs(
        redis_server: RedisServer) -> None:
    """The pygame client's link joins through B as `dreamlayer join` does, lands in A's
    room and plays; after a drop it would come back to A directly."""

    async def go() -> None:
        async with cluster(redis_server.url, 2, story_seconds=0.0) as (a, b):
            mira = await Remote.connect(a.public_url, "Mira")
            code = (await mira.create_room(max_dreamers=2, bot_fill=False))["code"]
            link = Link()
            online = Online(link)

            async def enter(remote: Remote) -> Message:
                return await remote.join_room(code)

            seq = 0

            def pump() -> bool:
                nonlocal seq
                online.pump()
                if online.match is not None:
                    seq += 1
                    link.send(Kind.INPUT, input_values(seq, Intent(move=(0.3, 0.0)),
                                                       online.match.mirror.tick))
                return True

            try:
                link.connect(b.public_url, "Jade", enter)
                await until(lambda: pump() and online.code == code, "in A's room", 20)
                await mira.send(Kind.START)
                await until(lambda: pump() and online.match is not None
                            and online.match.mirror.tick > 30, "playing", 20)
                assert not online.error
                member = a.rooms[code].members[online.player]
                await until(lambda: pump() and member.last_seq > 10, "inputs applied", 20)
                line = link.line
                assert line is not None and line.seat is not None
                assert line.seat.url == a.public_url and line.remote.url == a.public_url
                assert not b.rooms
            finally:
                await asyncio.get_running_loop().run_in_executor(None, link.close)
                await mira.close()

    asyncio.run(go())


# ---------------------------------------------------------------------------- MOVED, bounded
@contextlib.asynccontextmanager
async def movers(n: int, loop_back: bool) -> AsyncIterator[list[str]]:
    """n servers that answer every JOIN_ROOM with MOVED: each to the next, and the last one
    back to the first (`loop_back`) or to a fresh one each time (a chain without end)."""
    urls: list[str] = []
    servers = []
    fresh = iter(range(1, 1000))

    async def answer(ws: ServerConnection) -> None:
        me = int(ws.request.path.partition("?")[0].strip("/") or 0) if ws.request else 0
        session = Session(Side.SERVER)
        async for data in ws:
            msg = session.receive(data)
            if msg.kind is Kind.HELLO:
                await ws.send(session.send(Kind.WELCOME, {"version": PROTOCOL_VERSION,
                                                          "player": 1, "server": "mover"}))
            elif msg.kind is Kind.JOIN_ROOM:
                there = urls[(me + 1) % n] if loop_back or me + 1 < n else \
                    f"{urls[0].rsplit('/', 1)[0]}/{n + next(fresh)}"
                await ws.send(session.send(Kind.MOVED, {"code": msg["code"], "url": there}))

    server = await serve(answer, "127.0.0.1", 0)
    servers.append(server)
    port = server.sockets[0].getsockname()[1]
    urls.extend(f"ws://127.0.0.1:{port}/{k}" for k in range(n))
    try:
        yield urls
    finally:
        for s in servers:
            s.close()
            await s.wait_closed()


def test_a_loop_of_moves_and_an_endless_chain_are_clear_errors() -> None:
    async def go() -> None:
        async with movers(2, loop_back=True) as urls:
            r = await Remote.connect(urls[0], "Mira")
            with pytest.raises(RemoteError, match="round in a loop") as err:
                await r.join_room("ABCDE")
            assert err.value.final
            assert f"{urls[0]} -> {urls[1]} -> {urls[0]}" in str(err.value)
        async with movers(1, loop_back=False) as urls:
            r = await Remote.connect(urls[0], "Mira")
            with pytest.raises(RemoteError, match=f"moved more than {MAX_MOVES} times"):
                await r.join_room("ABCDE")

    asyncio.run(go())


# ---------------------------------------------------------------------------- failures
def start_host(tmp_path: Path, *args: str) -> tuple[subprocess.Popen[bytes], str]:
    """`python -m server --port 0 ARGS` in its own process (its log in a file); returns it
    and its URL once it listens."""
    log = tmp_path / f"host-{time.monotonic_ns()}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "server", "--port", "0", *args],
                                stdout=subprocess.DEVNULL, stderr=out)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        m = re.search(r"listening on (ws://127\.0\.0\.1:\d+)", log.read_text())
        if m:
            return proc, m.group(1)
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    raise AssertionError(f"the host did not say where it listens: {log.read_text()[-500:]}")


def test_a_host_killed_leaves_the_list_within_its_ttl_while_the_others_play_on(
        redis_server: RedisServer, tmp_path: Path) -> None:
    """(Without replays A leaves nothing to take its rooms up from: test_rescue.py has a
    killed host's room taken up by another.)"""
    cfg = tmp_path / "server.toml"
    cfg.write_text("[replays]\nenabled = false\n")
    proc, a_url = start_host(tmp_path, "--redis", redis_server.url, "--config", str(cfg))
    try:
        async def go() -> float:
            async with cluster(redis_server.url, 1) as (b,):
                mira = await Remote.connect(a_url, "Mira")
                code = (await mira.create_room(level="first-retreat"))["code"]
                kai = await bot_playing(b, b.public_url, "Kai")
                await until_listed(b.public_url, code)
                assert (await listed(b.public_url))[code].url == a_url
                proc.kill()  # kill -9: no goodbye to Redis, the heartbeat just stops
                killed = time.monotonic()
                before = kai.stats.snapshots
                await until_listed(b.public_url, code, present=False)
                gone_after = time.monotonic() - killed
                # B's match played on meanwhile, untouched
                assert kai.stats.snapshots > before and not kai.task.done()
                assert not kai.stats.ended
                # A's code is refused with what happened to it
                jade = await Remote.connect(b.public_url, "Jade")
                with pytest.raises(RemoteError) as err:
                    await jade.join_room(code)
                assert str(err.value) == f"room {code} was on a server that is no longer " \
                                         "running"
                assert err.value.code == 410
                before = kai.stats.snapshots
                await until(lambda: kai.stats.snapshots > before + 5, "B plays on", 20)
                await kai.stop()
                with contextlib.suppress(Exception):
                    mira.abort()
                await jade.close()
                return gone_after

        gone_after = asyncio.run(go())
        # measured, not asserted beyond the deadline above: TTL 5 s + the list's 1 s age
        print(f"\nA's room left B's list {gone_after:.1f} s after kill -9")
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def test_redis_gone_mid_match_leaves_matches_playing_logged_once_and_back_again(
        redis_server: RedisServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="dreamlayer.cluster")

    def said(text: str) -> int:
        return sum(text in r.getMessage() for r in caplog.records)

    async def go() -> None:
        async with cluster(redis_server.url, 1) as (b,):
            board = b.board
            assert isinstance(board, RedisBoard)
            kai = await bot_playing(b, b.public_url, "Kai")
            code = kai.joined["code"]
            await until(lambda: kai.stats.snapshots > 10, "playing", 20)
            redis_server.stop()
            await until(lambda: board.away, "the loss noticed", 20)
            lost_at = board.failed_tries
            before = kai.stats.snapshots
            # tries fail (posts every second, list readings, with backoff) while the match
            # plays on ...
            await until(lambda: board.failed_tries >= lost_at + 6
                        and kai.stats.snapshots > before + 30, "retries while the match plays on",
                        30)
            # ... untouched, and the loss is logged once
            assert not kai.task.done() and not kai.stats.ended
            assert said("lost Redis at") == 1 and said("is back") == 0
            health = b.health_report()
            assert health["status"] == "ok"  # its rooms are fine; /healthz says what is not
            assert health["cluster"]["redis_ok"] is False
            assert health["cluster"]["redis_losses"] == 1
            # this host still lists its own rooms, and makes new ones
            assert code in await listed(b.public_url)
            ada = await Remote.connect(b.public_url, "Ada")
            fresh = (await ada.create_room())["code"]
            redis_server.start()  # the same port, empty: nothing was saved
            await until(lambda: not board.away, "Redis found again", 30)
            assert said("is back") == 1 and said("lost Redis at") == 1
            assert b.health_report()["cluster"]["redis_ok"] is True
            with redis_server.client() as r:  # everything this host runs is posted again
                await until(lambda: r.hexists(f"dreamlayer:rooms:{board.node}", code),
                            "the rooms re-posted", 20)
                assert r.hexists(f"dreamlayer:rooms:{board.node}", fresh)
                for c in (code, fresh):
                    assert msgpack.unpackb(r.get(f"dreamlayer:code:{c}")) == \
                        [board.node, b.public_url]
            assert not kai.task.done() and not kai.stats.ended
            await kai.stop()
            await ada.close()

    asyncio.run(go())


def test_a_redis_that_cannot_be_reached_at_start_stops_the_host_with_a_clear_message(
        tmp_path: Path) -> None:
    port = free_port()
    done = subprocess.run([sys.executable, "-m", "server", "--port", "0", "--redis",
                           f"redis://127.0.0.1:{port}/0"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 1
    assert f"dreamlayer host: cannot reach Redis at redis://127.0.0.1:{port}/0: " \
           in done.stderr
    assert "Traceback" not in done.stderr
    done = subprocess.run([sys.executable, "-m", "server", "--port", "0", "--redis",
                           "localhost:6379"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "redis_url: must be a redis://, rediss:// or unix:// URL" in done.stderr


def test_dreamlayer_rooms_names_a_bad_address_and_a_refused_connection(
        capsys: pytest.CaptureFixture[str]) -> None:
    from game.cli import main

    assert main(["rooms", "--url", "localhost:8765"]) == 2
    assert "--url must be a server address, ws://HOST:PORT; got 'localhost:8765'" \
        in capsys.readouterr().err
    port = free_port()
    assert main(["rooms", "--url", f"ws://127.0.0.1:{port}"]) == 1
    assert f"dreamlayer rooms: Cannot connect to ws://127.0.0.1:{port}" \
        in capsys.readouterr().err


def test_dreamlayer_rooms_without_a_cluster_lists_the_one_host() -> None:
    async def go(host: Host, url: str) -> None:
        mira = await Remote.connect(url, "Mira")
        code = (await mira.create_room(level="second-retreat"))["code"]
        cli = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "game.cli", "rooms", "--url", url,
            stdout=asyncio.subprocess.PIPE)
        out, _ = await asyncio.wait_for(cli.communicate(), 60)
        assert cli.returncode == 0
        line = next(x for x in out.decode().splitlines() if x.startswith(code))
        assert "second-retreat" in line and "lobby" in line and "1/4" in line
        assert url in line  # "" on the wire: the host asked
        await mira.close()

    serve_and(go)


def test_a_host_with_workers_is_one_node_of_the_cluster(redis_server: RedisServer,
                                                         tmp_path: Path) -> None:
    """The supervisor is the machine's one face to the cluster: its workers' rooms are
    listed by the other hosts, their codes claimed there, and a player asking another host
    for one is sent to the supervisor's port and handed to the right worker."""
    from tests.server.test_workers import HostProcess

    workers = HostProcess(tmp_path, f'[server]\nworkers = 2\n[cluster]\nredis_url = '
                                    f'"{redis_server.url}"\n[replays]\nenabled = false\n')

    async def go() -> None:
        async with cluster(redis_server.url, 1) as (b,):
            made = []
            for name in ("Mira", "Liam"):  # the second lands on the other worker
                r = await Remote.connect(workers.url, name)
                made.append((r, (await r.create_room(level="first-retreat"))["code"]))
            for _, code in made:
                await until_listed(b.public_url, code)
                assert (await listed(b.public_url))[code].url == workers.url
                assert b.board is not None and not await b.board.claim(code)
            assert {w["rooms"] for w in (await workers.health())["workers"]} == {1}
            for _, code in made:
                jade = await Remote.connect(b.public_url, "Jade")
                joined = await jade.join_room(code)
                assert joined["code"] == code and jade.url == workers.url
                await jade.close()
            for r, _ in made:
                await r.close()

    try:
        asyncio.run(asyncio.wait_for(go(), 60))
    finally:
        assert workers.stop() == 0, workers.log.read_text()[-2000:]
