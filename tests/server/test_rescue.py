"""Rooms that outlive their node: two hosts on one real Redis; a room on host A, played by
bots that came in through host B; A killed with SIGKILL mid-night. B takes the room up from
the copies A left in Redis (its card, replay and checkpoint), the bots come back by
themselves through B and play the night to its end, and the replay B finishes verifies
from start to end across the crash. Real processes, real websockets on 127.0.0.1; every
host and redis-server started is stopped; a missing redis-server skips."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import msgpack
import pytest

from game.net.records import LobbyPlayer, RoomEntry
from game.net.schema import Kind
from game.remote import Line, Remote
from game.replay.verify import verify
from game.swarm import PlayerStats, play
from server.board import BoardEntry
from server.cluster import RedisBoard
from server.config import ServerConfig
from server.host import Host
from server.mirror import SpoolMirror
from server.rescue import Rescue
from server.room import RoomState
from server.spool import RoomCard, SeatCard, Spool, card_bytes
from tests.server.conftest import until
from tests.server.redis_server import RedisServer
from tests.server.test_takeup import play as walk
from tests.server.test_workers import HostProcess

NIGHT_SECONDS = 20


def short_host(folder: Path, redis_url: str) -> tuple[subprocess.Popen[bytes], str, Path]:
    """A host process with nights of NIGHT_SECONDS on `redis_url`, its replays in `folder`:
    (process, URL, log file)."""
    folder.mkdir(parents=True, exist_ok=True)
    cfg = folder / "server.toml"
    cfg.write_text(f'[server]\nworkers = 1\n[replays]\ndir = "{folder / "replays"}"\n'
                   'checkpoint_seconds = 5\n[rooms]\nstory_seconds = 0\n[cluster]\n'
                   f'redis_url = "{redis_url}"\n')
    log = folder / "host.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "tests.server.short_nights",
                                 str(NIGHT_SECONDS), "--port", "0", "--config", str(cfg)],
                                stdout=subprocess.DEVNULL, stderr=out)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        m = re.search(r"listening on (ws://127\.0\.0\.1:\d+)", log.read_text())
        if m:
            return proc, m.group(1), log
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    raise AssertionError(f"the host did not come up: {log.read_text()[-2000:]}")


async def lobby_of(remote: Remote, people: int) -> None:
    """Read until a LOBBY shows `people` players who are people."""
    while True:
        msg = await remote.expect(Kind.LOBBY)
        roster: list[LobbyPlayer] = msg["players"]
        if sum(1 for p in roster if not p.bot and not p.spectator) >= people:
            return


class NodeB:
    """Host B, which takes A's room up: a host in this process (`workers` 1), or a host
    process with a supervisor and two workers (the taken-up room goes to the worker of
    its code's slot). `taken()` is its log's lines about the night it took up."""

    def __init__(self, folder: Path, redis_url: str, workers: int,
                 caplog: pytest.LogCaptureFixture) -> None:
        self.replays = folder / "replays"
        self.caplog = caplog
        self.host: Host | None = None
        self.process: HostProcess | None = None
        if workers > 1:
            folder.mkdir(parents=True)
            self.process = HostProcess(folder, f'[server]\nworkers = {workers}\n[replays]\n'
                                       f'dir = "{self.replays}"\ncheckpoint_seconds = 5\n'
                                       '[rooms]\nstory_seconds = 0\n[cluster]\n'
                                       f'redis_url = "{redis_url}"\n')
            self.url = self.process.url
        else:
            self.host = Host(ServerConfig(host="127.0.0.1", port=0, redis_url=redis_url,
                                          replays_dir=str(self.replays), checkpoint_seconds=5,
                                          story_seconds=0))
            self.host.levels = [dataclasses.replace(lv, night_seconds=NIGHT_SECONDS)
                                for lv in self.host.levels]

    async def start(self) -> None:
        if self.host is not None:
            await self.host.start()
            self.url = f"ws://127.0.0.1:{self.host.port}"

    async def health(self) -> dict[str, Any]:
        if self.process is not None:
            return await self.process.health()
        assert self.host is not None
        return self.host.health_report()

    def taken(self) -> list[str]:
        if self.process is not None:
            return [ln for ln in self.process.log.read_text().splitlines()
                    if "night taken up" in ln]
        return [r.getMessage() for r in self.caplog.records if "night taken up" in r.message]

    async def stop(self) -> None:
        if self.host is not None:
            await self.host.shutdown("test over")
        if self.process is not None:
            assert self.process.stop() == 0, self.process.log.read_text()[-3000:]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_room_outlives_the_kill_of_its_node(redis_server: RedisServer, tmp_path: Path,
                                              caplog: pytest.LogCaptureFixture,
                                              workers: int) -> None:
    caplog.set_level(logging.INFO, "dreamlayer")
    proc, a_url, _ = short_host(tmp_path / "a", redis_server.url)
    b = NodeB(tmp_path / "b", redis_server.url, workers, caplog)
    numbers: dict[str, float] = {}

    async def go() -> None:
        await b.start()
        redis = redis_server.client()
        stop = asyncio.Event()
        stats = [PlayerStats(f"netbot {k + 1}") for k in range(2)]
        tasks: list[asyncio.Task[None]] = []
        lines: list[Line] = []
        mira = await Remote.connect(a_url, "Mira")
        try:
            code = (await mira.create_room(level="first-retreat", max_dreamers=3,
                                           bot_fill=False))["code"]
            for k, s in enumerate(stats):  # (as `dreamlayer bots --url B --room CODE`)
                r = await Remote.connect(b.url, s.name)
                line = Line(r, b.url, s.name, await r.join_room(code))
                lines.append(line)
                assert r.url == a_url  # sent on to A, which runs the room
                tasks.append(asyncio.get_running_loop().create_task(
                    play(line, s, 120, seed=k + 1, stop=stop)))
            await lobby_of(mira, 3)
            await mira.send(Kind.START)
            await mira.expect(Kind.MATCH_START)
            crashed_at = await walk(mira, 200)  # past the checkpoint of tick 150
            await until(lambda: redis.exists(f"dreamlayer:frozen:{code}"),
                        "the checkpoint is copied to Redis", 10)
            numbers["redis_bytes"] = float(sum(
                redis.memory_usage(f"dreamlayer:{k}:{code}") or 0
                for k in ("card", "tape", "frozen")))
            proc.send_signal(signal.SIGKILL)
            killed = time.monotonic()
            proc.wait(timeout=10)
            mira.abort()
            await until(b.taken, "B takes the room up", 20)
            numbers["take_up_seconds"] = time.monotonic() - killed
            numbers["lost_ticks"] = crashed_at - taken_at(b.taken()[0])
            cluster = (await b.health())["cluster"]
            assert cluster["rooms_taken_up"] == 1
            await until(lambda: all(ln.reconnects for ln in lines), "the bots are back", 30)
            numbers["back_seconds"] = time.monotonic() - killed
            await until(lambda: all(s.outcomes for s in stats) or any(t.done() for t in tasks),
                        "the night played to its end", 60)
            # the bots came back through B, to B
            assert all(ln.remote.url == b.url for ln in lines)
        finally:
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            mira.abort()
            redis.close()
            await b.stop()
        for s in stats:
            assert not s.ended, s.ended
            assert s.reconnects == 1 and len(s.outcomes) == 1
        # the room's copies in Redis went when it closed on B
        assert not redis_server.client().keys("dreamlayer:tape:*")

    try:
        asyncio.run(asyncio.wait_for(go(), 150))
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    taken = b.taken()
    assert len(taken) == 1 and "from the checkpoint of tick 150" in taken[0], taken
    m = re.search(r"(\d+) ticks re-simulated", taken[0])
    assert m is not None
    resimulated = int(m.group(1))
    assert resimulated == taken_at(taken[0]) - 150
    [replay] = b.replays.glob("*.dlreplay")
    v = verify(replay)  # the whole night: A's ticks, the crash, B's ticks, to its END
    assert v.match and not v.note, v
    assert v.ticks > taken_at(taken[0]) + 300
    print(f"\nkill -9 to running on B {numbers['take_up_seconds']:.1f} s, bots back after "
          f"{numbers['back_seconds']:.1f} s; {resimulated} ticks re-simulated; "
          f"{numbers['lost_ticks']:.0f} ticks of night lost; Redis "
          f"{numbers['redis_bytes'] / 1024:.0f} KB for the room at tick 200")


def taken_at(line: str) -> int:
    m = re.search(r"night taken up at tick (\d+)", line)
    assert m is not None
    return int(m.group(1))


# ---------------------------------------------------------------------------- the claims
def lobby_card(code: str) -> RoomCard:
    """A card of a room in its lobby (no night to re-simulate), written by a process that
    is gone."""
    return RoomCard(code, "", 4, True, 1, True, ("first-retreat",), 0, int(RoomState.LOBBY),
                    3, 12345, "127.0.0.1",
                    (SeatCard(3, "Jade", "tok-" + code, 1, 1, False, False, 0),), (), "",
                    999_999_999)


def test_a_host_started_again_leaves_the_rooms_another_node_took(
        redis_server: RedisServer, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Two orphan cards on a host's own spool: one whose code a running node holds now
    (taken up there while this host was down) is dropped, not taken up; one whose claim
    names a node that is gone is taken up (and its claim is this host's)."""
    replays = tmp_path / "replays"
    spool = Spool(replays / "rooms")
    spool.save(lobby_card("TAKEN"))
    spool.save(lobby_card("MINE2"))
    redis = redis_server.client()
    redis.set("dreamlayer:code:MINE2", msgpack.packb(["a-dead-node", "ws://gone:1"]))

    async def go() -> None:
        other = RedisBoard(redis_server.url, "ws://elsewhere:8765")
        await other.start()
        assert await other.claim("TAKEN")
        other.post([BoardEntry(RoomEntry("TAKEN", "Mira", "first-retreat", 1, 4, False,
                                         False), True, "")])
        host = Host(ServerConfig(host="127.0.0.1", port=0, redis_url=redis_server.url,
                                 replays_dir=str(replays)))
        try:
            with caplog.at_level(logging.WARNING, "dreamlayer.host"):
                await host.start()
            assert sorted(host.rooms) == ["MINE2"]
            assert isinstance(host.board, RedisBoard)
            assert msgpack.unpackb(redis.get("dreamlayer:code:MINE2"))[0] == host.board.node
            assert await host.board.locate("TAKEN") == "ws://elsewhere:8765"
        finally:
            await host.shutdown("test over")
            await other.stop()

    try:
        asyncio.run(asyncio.wait_for(go(), 30))
    finally:
        redis.close()
    assert not (replays / "rooms" / "TAKEN.room").exists()
    assert "room TAKEN runs on another server now: its card here is dropped" in caplog.text


def test_a_dead_nodes_room_this_node_cannot_run_is_left_or_released(
        redis_server: RedisServer, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A room of a retreat this node lacks is left for another node (logged once, its claim
    untouched); one this node wins but cannot take up is released: claim and copies go."""
    redis = redis_server.client()
    dead = msgpack.packb(["a-dead-node", "ws://gone:1"])
    for code in ("ROOMA", "ROOMB"):
        redis.set(f"dreamlayer:code:{code}", dead)
        redis.set(f"dreamlayer:card:{code}", card_bytes(lobby_card(code)))
        redis.sadd("dreamlayer:held:a-dead-node", code)
    redis.sadd("dreamlayer:nodes", "a-dead-node")

    async def go() -> None:
        board = RedisBoard(redis_server.url, "ws://here:8765")
        await board.start()
        spool = Spool(tmp_path / "rooms")
        ran: list[str] = []

        async def run(code: str) -> bool:
            ran.append(code)
            return False  # (as a worker whose take-up failed)

        try:
            lacking = Rescue(board, spool, tmp_path, {"another-retreat"}, run)
            with caplog.at_level(logging.WARNING, "dreamlayer.cluster"):
                assert not await lacking.rescue("ROOMA", "a-dead-node")
                assert not await lacking.rescue("ROOMA", "a-dead-node")
            assert caplog.text.count("which this server lacks") == 1
            assert redis.get("dreamlayer:code:ROOMA") == dead and not ran
            await until(lambda: ("ROOMA", "a-dead-node") in board.orphans,
                        "the dead node's rooms are orphans", 5)
            failing = Rescue(board, spool, tmp_path, {"first-retreat"}, run)
            assert not await failing.rescue("ROOMB", "a-dead-node")
            assert ran == ["ROOMB"] and not (tmp_path / "rooms" / "ROOMB.room").exists()
        finally:
            await board.stop()
        assert redis.get("dreamlayer:code:ROOMB") is None
        assert redis.get("dreamlayer:card:ROOMB") is None
        assert redis.get("dreamlayer:code:ROOMA") == dead

    try:
        asyncio.run(asyncio.wait_for(go(), 30))
    finally:
        redis.close()


# ---------------------------------------------------------------------------- the copies
def test_the_copies_in_redis_follow_the_files_byte_for_byte(
        redis_server: RedisServer, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A replay copied whole, then grown by APPEND as its file grows; copied whole again
    once a take-up rewrote the file (its card names another process); the checkpoint
    follows; nothing is written for a code another node claims (logged once), and the
    copies go when the room leaves the node."""
    spool = Spool(tmp_path / "rooms")
    card = dataclasses.replace(lobby_card("ROOMA"), replay="night.dlreplay",
                               state=int(RoomState.PLAYING))
    tape = tmp_path / "night.dlreplay"
    redis = redis_server.client()

    def copy(kind: str, code: str = "ROOMA") -> bytes | None:
        got = redis.get(f"dreamlayer:{kind}:{code}")
        assert got is None or isinstance(got, bytes)
        return got

    async def go() -> None:
        board = RedisBoard(redis_server.url, "ws://here:8765")
        await board.start()
        try:
            assert await board.claim("ROOMA")
            # (a mirror of its own: the board's writer would sync what the board posts)
            mirror = SpoolMirror(spool, tmp_path, board._key, board.code_ms)
            claim = msgpack.packb([board.node, board.url])
            spool.save(card)
            tape.write_bytes(b"header and a first block")
            await mirror.sync(board._redis, board.node, claim, ["ROOMA"])  # type: ignore[arg-type]
            assert copy("card") == card_bytes(card) and copy("tape") == tape.read_bytes()
            with tape.open("ab") as f:
                f.write(b", a second block")
            spool.save_checkpoint("ROOMA", b"frozen night")
            sent = mirror.bytes_sent
            await mirror.sync(board._redis, board.node, claim, ["ROOMA"])  # type: ignore[arg-type]
            assert copy("tape") == tape.read_bytes() and copy("frozen") == b"frozen night"
            assert mirror.bytes_sent - sent == len(b", a second block") + len(b"frozen night")
            # a take-up cut the file at its last whole block and wrote on
            tape.write_bytes(b"header and a first block, the night goes on")
            spool.save(dataclasses.replace(card, pid=4242))
            await mirror.sync(board._redis, board.node, claim, ["ROOMA"])  # type: ignore[arg-type]
            assert copy("tape") == tape.read_bytes()
            # a code another node holds is never written over
            redis.set("dreamlayer:code:ROOMB", msgpack.packb(["another", "ws://there:1"]))
            spool.save(dataclasses.replace(card, code="ROOMB"))
            with caplog.at_level(logging.ERROR, "dreamlayer.cluster"):
                for _ in range(2):
                    await mirror.sync(board._redis, board.node, claim,  # type: ignore[arg-type]
                                      ["ROOMA", "ROOMB"])
            assert caplog.text.count("room ROOMB: its code is claimed by another") == 1
            assert copy("card", "ROOMB") is None
            # the room left this node: its copies go
            await mirror.sync(board._redis, board.node, claim, [])  # type: ignore[arg-type]
            assert [copy(k) for k in ("card", "tape", "frozen")] == [None, None, None]
            assert not redis.smembers(f"dreamlayer:held:{board.node}")
        finally:
            await board.stop()

    try:
        asyncio.run(asyncio.wait_for(go(), 30))
    finally:
        redis.close()
