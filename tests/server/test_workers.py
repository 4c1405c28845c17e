"""A host of two worker processes behind one supervisor, as `dreamlayer host --workers 2` runs
it: real processes on 127.0.0.1 and an ephemeral port, always stopped.

Rooms on both workers (their pids told apart by /healthz), joined by code through the one
port, a client that names no room relayed to the other worker's room and playing there,
reconnect tokens, kick and chat, the room list of both workers, /healthz and /metrics summed
with a breakdown per worker, the web page's status with the rooms of both (the page itself
is tested against two workers in tests/web), bad request heads refused at the door; SIGTERM
(or the admin's drain) drains every worker with 1001; `kill -9` of one worker closes its
clients with 1011 and the reason while the other worker's match plays on, and a replacement
comes up in its slot."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from game.net.records import input_values
from game.net.schema import CloseCode, Kind, Message
from game.remote import Remote, RemoteError, Seat, rejoin
from game.sim.intent import Intent
from server.codes import slot_of
from server.relay import SIBLING_LOST
from tests.server.conftest import until
from tests.server.test_host import http_get

CONFIG = """\
name = "Two workers"
[server]
workers = 2
[rooms]
creation_burst = 100
creations_per_minute = 6000
max_per_address = 100
[security]
max_connections_per_ip = 200
[replays]
enabled = false
"""


class HostProcess:
    """`python -m server` with two workers, its log in a file (so no pipe fills up): its
    configuration file is `config` (CONFIG by default) with `more` added."""

    def __init__(self, folder: Path, config: str = CONFIG, more: str = "") -> None:
        cfg = folder / "server.toml"
        cfg.write_text(config + more)
        self.log = folder / "server.log"
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "server", "--port", "0", "--config", str(cfg)],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env={**os.environ, "DREAMLAYER_DATA_DIR": str(folder)})
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and self.proc.poll() is None:
            m = re.search(r"listening on ws://127\.0\.0\.1:(\d+)", self.log.read_text())
            if m:
                self.port = int(m.group(1))
                self.url = f"ws://127.0.0.1:{self.port}"
                return
            time.sleep(0.05)
        self.stop()
        raise AssertionError("the host did not come up: " + self.log.read_text()[-2000:])

    async def health(self) -> dict[str, Any]:
        status, _, body = await http_get(self.port, "/healthz")
        assert status == 200, body
        report: dict[str, Any] = json.loads(body)
        return report

    async def metrics(self) -> dict[str, float]:
        """Every sample of /metrics by name and labels: `name{k=v,...}`."""
        status, _, body = await http_get(self.port, "/metrics")
        assert status == 200
        out = {}
        for family in text_string_to_metric_families(body):
            for s in family.samples:
                labels = ",".join(f"{k}={v}" for k, v in sorted(s.labels.items()))
                out[f"{s.name}{{{labels}}}" if labels else s.name] = s.value
        return out

    async def pids(self) -> list[int | None]:
        return [w["pid"] for w in (await self.health())["workers"]]

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        return self.proc.wait()


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostProcess]:
    host = HostProcess(tmp_path_factory.mktemp("workers"))
    try:
        yield host
    finally:
        assert host.stop() == 0, host.log.read_text()[-2000:]


@pytest.fixture
def own(tmp_path: Path) -> Iterator[HostProcess]:
    host = HostProcess(tmp_path)
    try:
        yield host
    finally:
        host.stop()


def run(coro: Any, within: float = 40.0) -> Any:
    return asyncio.run(asyncio.wait_for(coro, within))


async def quiet(host: HostProcess) -> None:
    """Wait until the host has no client connection (the previous test's have ended)."""
    async def none() -> bool:
        return bool((await host.health())["connections"] == 0)

    deadline = time.monotonic() + 10
    while not await none():
        assert time.monotonic() < deadline, "connections of an earlier test linger"
        await asyncio.sleep(0.05)


async def two_rooms(url: str, **room: Any) -> tuple[list[Remote], list[Message]]:
    """Two creators, each with a room: the second connects while the first is on its worker,
    so the door sends it to the other one (the one with fewer connections)."""
    remotes, joined = [], []
    for name in ("Mira", "Liam"):
        r = await Remote.connect(url, name)
        joined.append(await r.create_room(**{"bot_fill": False, "max_dreamers": 4, **room}))
        remotes.append(r)
    return remotes, joined


async def playing(r: Remote) -> None:
    """Start the room's night and close the story card."""
    await r.send(Kind.START)
    await r.expect(Kind.MATCH_START)
    await r.send(Kind.INPUT, input_values(1, Intent(), 0))


class Snapshots:
    """Counts a remote's snapshots in the background; `error` is how it ended."""

    def __init__(self, remote: Remote) -> None:
        self.remote, self.count = remote, 0
        self.error: RemoteError | None = None
        self.task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        try:
            while True:
                if (await self.remote.recv()).kind is Kind.SNAPSHOT:
                    self.count += 1
        except RemoteError as e:
            self.error = e

    async def more(self, n: int, what: str) -> None:
        start = self.count
        await until(lambda: self.count >= start + n, what, 15)


async def closed(r: Remote, within: float = 10.0) -> RemoteError:
    """Read until the server closes the connection; how it ended."""
    try:
        async with asyncio.timeout(within):
            while True:
                await r.recv()
    except RemoteError as e:
        return e
    raise AssertionError("not closed")


# ------------------------------------------------------------------ rooms and routing
def test_rooms_live_in_both_workers_and_are_joined_by_code_through_the_one_port(
        shared: HostProcess) -> None:
    async def go() -> None:
        await quiet(shared)
        (a, b), (ja, jb) = await two_rooms(shared.url, password="moon")
        assert a.server == "Two workers"
        report = await shared.health()
        workers = report["workers"]
        assert [w["slot"] for w in workers] == [0, 1]
        pids = {w["pid"] for w in workers}
        assert len(pids) == 2 and os.getpid() not in pids
        assert [w["rooms"] for w in workers] == [1, 1]
        slots = {slot_of(ja["code"], 2), slot_of(jb["code"], 2)}
        assert slots == {0, 1}  # each code names the worker that made it
        guests = []
        for j in (ja, jb):  # joining by code (and password), naming the room: no relay
            g = await Remote.connect(shared.url, "Jade", room=j["code"])
            with pytest.raises(RemoteError, match="wrong password"):
                await g.join_room(j["code"], password="sun")
            assert (await g.join_room(j["code"], password="moon"))["code"] == j["code"]
            guests.append(g)
        report = await shared.health()
        assert [w["connections"] for w in report["workers"]] == [2, 2]
        assert sum(w["relays_out"] for w in report["workers"]) == 0
        for r in (a, b, *guests):
            await r.close()

    run(go())


def test_a_client_that_names_no_room_is_relayed_to_the_other_worker_and_plays(
        shared: HostProcess) -> None:
    async def go() -> None:
        await quiet(shared)
        owner = await Remote.connect(shared.url, "Mira")
        joined = await owner.create_room(bot_fill=True, max_dreamers=4)
        code = joined["code"]
        home = slot_of(code, 2)
        assert home is not None
        # two more connections on the room's worker: the door sends the next one elsewhere
        ballast = [await Remote.connect(shared.url, "ballast", room=code) for _ in range(2)]
        guest = await Remote.connect(shared.url, "Liam")  # no ?room=
        seat = await guest.join_room(code)
        report = await shared.health()
        relays = [w["relays_out"] for w in report["workers"]]
        assert relays[1 - home] == 1 and relays[home] == 0
        assert report["workers"][home]["relayed_in"] == 1
        assert report["connections"] == 4  # the relay's line is not a client
        await owner.send(Kind.CHAT, {"text": "through the wall"})
        assert (await guest.expect(Kind.CHAT_MSG))["text"] == "through the wall"
        await guest.send(Kind.CHAT, {"text": "and back"})
        while (said := await owner.expect(Kind.CHAT_MSG))["name"] != "Liam":
            assert said["text"] == "through the wall"  # its own line first
        assert said["text"] == "and back"
        await owner.send(Kind.START)
        await guest.expect(Kind.MATCH_START)
        await guest.send(Kind.INPUT, input_values(1, Intent(move=(1.0, 0.0)), 0))
        seen = Snapshots(guest)
        await seen.more(10, "the relayed player's snapshots")
        # its reconnect token works from any worker: here without naming the room again
        guest.abort()
        back = await Remote.connect(shared.url, "Liam")
        again = await back.join_room(code, token=seat["token"])
        assert again["player"] == seat["player"]
        await back.expect(Kind.MATCH_START)
        # and the room's host can kick it: the close comes through the relay as it is
        await owner.send(Kind.KICK, {"player": seat["player"]})
        kicked = await closed(back)
        assert kicked.code == CloseCode.KICKED and "kicked by the room's host" in str(kicked)
        for r in (owner, *ballast):
            await r.close()

    run(go())


def test_reconnect_with_a_token_comes_back_to_the_same_dreamer(shared: HostProcess) -> None:
    async def go() -> None:
        await quiet(shared)
        (a, b), (ja, jb) = await two_rooms(shared.url, bot_fill=True)
        for r in (a, b):
            await playing(r)
        for r, j, name in ((a, ja, "Mira"), (b, jb, "Liam")):
            r.abort()  # a drop: the seat is held
            back, again = await rejoin(Seat.of(shared.url, name, j))
            assert (again["code"], again["player"]) == (j["code"], j["player"])
            await back.expect(Kind.MATCH_START)
            await back.close()

    run(go())


def test_the_room_list_shows_the_rooms_of_both_workers(shared: HostProcess) -> None:
    async def go() -> None:
        await quiet(shared)
        (a, b), (ja, jb) = await two_rooms(shared.url)
        hidden = await Remote.connect(shared.url, "Jade")
        private = (await hidden.create_room(public=False))["code"]
        codes = {ja["code"], jb["code"]}
        for r in (a, b):  # one on each worker
            async def listed(r: Remote = r) -> set[str]:
                await r.send(Kind.LIST_ROOMS)
                return {e.code for e in (await r.expect(Kind.ROOM_LIST))["rooms"]}

            deadline = time.monotonic() + 10
            while not codes <= (got := await listed()):
                assert time.monotonic() < deadline, got
                await asyncio.sleep(0.05)
            assert private not in got  # earlier tests' rooms are listed too, not this one
        for r in (a, b, hidden):
            await r.close()

    run(go())


def test_healthz_and_metrics_add_up_the_workers(shared: HostProcess) -> None:
    async def go() -> None:
        await quiet(shared)
        (a, b), _ = await two_rooms(shared.url, bot_fill=True)
        for r in (a, b):
            await playing(r)
        seen = Snapshots(a)
        await seen.more(5, "a few ticks")
        # (earlier tests' rooms may still be open, empty or holding seats, and closing)
        report = await shared.health()
        workers = report["workers"]
        assert report["status"] == "ok" and report["name"] == "Two workers"
        assert report["rooms"] == sum(w["rooms"] for w in workers) >= 2
        assert report["connections"] == sum(w["connections"] for w in workers) == 2
        assert report["playing"] >= 2 and report["dreamers"] >= 2
        for w in workers:
            assert set(w) >= {"slot", "pid", "rooms", "connections", "tick_p99_ms", "lag_ms"}
            assert w["connections"] == 1 and w["tick_p99_ms"] > 0  # both workers tick
        assert report["tick_ms"]["p99"] == max(w["tick_p99_ms"] for w in workers)
        assert report["worker_restarts"] == 0
        samples = await shared.metrics()
        after = await shared.health()
        assert report["rooms"] >= samples["dreamlayer_rooms"] >= after["rooms"]
        assert samples["dreamlayer_connections"] == 2
        assert samples["dreamlayer_workers"] == 2
        assert samples["dreamlayer_worker_restarts_total"] == 0
        assert samples["dreamlayer_tick_seconds_count"] > 0
        assert samples["dreamlayer_bytes_sent_total"] > 0
        strict, _, _ = await http_get(shared.port, "/healthz?strict=1")
        assert strict == 200
        replays, _, body = await http_get(shared.port, "/replays")
        assert replays == 200 and json.loads(body) == []
        for r in (a, b):
            await r.close()

    run(go())


def test_the_web_page_shows_the_rooms_of_both_workers(shared: HostProcess) -> None:
    async def go() -> None:
        await quiet(shared)
        (a, b), (ja, jb) = await two_rooms(shared.url)
        status, headers, body = await http_get(shared.port, "/")
        assert status == 200 and "<canvas" in body
        assert headers["content-type"].startswith("text/html")
        status, _, body = await http_get(shared.port, "/api/status")
        assert status == 200
        report = json.loads(body)
        codes = {r["code"] for r in report["rooms"]}
        assert {ja["code"], jb["code"]} <= codes  # (earlier tests' rooms may linger)
        assert len({w["pid"] for w in report["server"]["workers"]}) == 2
        assert report["server"]["connections"] == 2 and report["server"]["admin"] is False
        assert (await http_get(shared.port, "/admin/status"))[0] == 401
        assert (await http_get(shared.port, "/api/levels/first-retreat"))[0] == 200
        for r in (a, b):
            await r.close()

    run(go())


async def raw_request(port: int, data: bytes) -> tuple[int, str]:
    """Send `data` as it is and read the answer: its status and body."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    await writer.drain()
    answer = await reader.read()
    writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), body.decode()


def test_a_bad_request_head_is_refused_at_the_door(shared: HostProcess) -> None:
    async def go() -> None:
        await quiet(shared)
        owner = await Remote.connect(shared.url, "Mira")
        code = (await owner.create_room())["code"]
        assert await raw_request(shared.port, b"GARBAGE\r\n\r\n") == (
            400, "not an HTTP/1.x request line\n")
        assert (await raw_request(shared.port, b"GET / HTTP/1.1\r\nno colon\r\n\r\n"))[0] == 400
        assert (await raw_request(shared.port, b"POST / HTTP/1.1\r\n\r\n"))[0] == 405
        huge = b"GET / HTTP/1.1\r\nX: " + b"a" * 9000 + b"\r\n\r\n"
        assert (await raw_request(shared.port, huge))[0] == 431
        assert (await raw_request(shared.port, b"GET /elsewhere HTTP/1.1\r\n\r\n"))[0] == 404
        samples = await shared.metrics()
        assert samples["dreamlayer_messages_rejected_total{reason=bad_request}"] >= 3
        assert (await shared.health())["connections"] == 1  # none reached a worker
        await owner.send(Kind.LIST_ROOMS)  # and the worker's client plays on
        assert code in {e.code for e in (await owner.expect(Kind.ROOM_LIST))["rooms"]}
        await owner.close()

    run(go())


# ------------------------------------------------------------------ stopping and dying
def test_the_admins_drain_stops_every_worker_and_the_host(tmp_path: Path) -> None:
    token = "test-admin-token-0123456789"
    host = HostProcess(tmp_path, more=f'[admin]\ntoken = "{token}"\n')
    try:
        async def go() -> list[int | None]:
            (a, b), _ = await two_rooms(host.url)
            pids = await host.pids()
            status, body = await raw_request(host.port, (
                f"GET /admin/drain HTTP/1.1\r\nAuthorization: Bearer {token}\r\n\r\n"
            ).encode())
            assert status == 200 and "shutting down" in body
            for r in (a, b):  # one on each worker, each told by its worker
                e = await closed(r)
                assert e.code == CloseCode.GOING_AWAY and "drained by its admin" in str(e), e
            return pids

        pids = run(go())
        assert host.proc.wait(timeout=15) == 0
        for pid in pids:
            assert pid is not None
            with pytest.raises(ProcessLookupError):
                os.kill(pid, 0)
    finally:
        host.stop()


def test_sigterm_drains_every_worker_with_1001(own: HostProcess) -> None:
    async def go() -> Any:
        (a, b), (ja, _) = await two_rooms(own.url)
        relayed = await Remote.connect(own.url, "Jade")
        await relayed.join_room(ja["code"])
        pids = await own.pids()
        own.proc.send_signal(signal.SIGTERM)
        for r in (a, b, relayed):
            e = await closed(r)
            assert e.code == CloseCode.GOING_AWAY and "SIGTERM" in str(e), e
        return pids

    pids = run(go())
    assert own.proc.wait(timeout=15) == 0
    for pid in pids:  # the workers are gone too
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_a_killed_worker_takes_only_its_rooms_and_is_replaced(own: HostProcess) -> None:
    async def go() -> Any:
        (a, b), (ja, jb) = await two_rooms(own.url, bot_fill=True)
        relayed = await Remote.connect(own.url, "Jade")  # on b's worker, in a's room
        await relayed.join_room(ja["code"])
        for r in (a, b):
            await playing(r)
        survivor = Snapshots(b)
        await survivor.more(5, "the other worker's match")
        doomed = slot_of(ja["code"], 2)
        assert doomed is not None
        before = await own.pids()
        victim = before[doomed]
        assert victim is not None
        os.kill(victim, signal.SIGKILL)
        for r in (a, relayed):  # told why, at once: not a hang
            e = await closed(r)
            assert e.code == 1011 and SIBLING_LOST in str(e) and not e.final, e
        # a player coming back at once waits for the replacement, and is told what happened
        back = await Remote.connect(own.url, "Mira", 20.0, room=ja["code"])
        with pytest.raises(RemoteError, match="was lost") as err:
            await back.join_room(ja["code"], token=ja["token"])
        assert err.value.code == CloseCode.STALE_TOKEN
        await survivor.more(30, "the other worker's match going on")
        assert survivor.error is None

        async def replaced() -> bool:
            pids = await own.pids()
            return pids[doomed] not in (None, victim) and pids[1 - doomed] == before[1 - doomed]

        deadline = time.monotonic() + 20
        while not await replaced():
            assert time.monotonic() < deadline, "no replacement worker"
            await asyncio.sleep(0.05)
        report = await own.health()
        assert report["worker_restarts"] == 1 and report["rooms"] == 1
        assert (await own.metrics())["dreamlayer_worker_restarts_total"] == 1
        # and the new worker makes rooms in its slot
        fresh = await Remote.connect(own.url, "Ava", room=ja["code"])
        made = await fresh.create_room()
        assert slot_of(made["code"], 2) == doomed
        await fresh.close()
        await survivor.more(5, "still playing")
        assert (await own.health())["status"] == "ok"
        await b.close()
        return jb

    run(go())
    log = own.log.read_text()
    assert log.count("stopped (killed by SIGKILL)") == 1  # logged once
