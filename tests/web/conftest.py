"""Helpers for the web page's tests: plain HTTP requests to a host, a bot match to look at,
the system's Chromium driven by Playwright (never a downloaded browser), and what differs
between a single-process host and one of two workers behind a supervisor (`WORKERS`: the
page's tests run against both; tests.server.conftest runs the workers in this process)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from game.net.snapshot import Mirror
from game.remote import Remote
from server.codes import slot_of
from server.host import Host
from tests.server.conftest import Hosts
from tests.server.test_host import Counter, playing
from tests.tools import need_program, required

TOKEN = "test-admin-token-0123456789"
"""the admin token of the hosts these tests start with admin on"""

WORKERS = pytest.mark.parametrize("workers", [1, 2], ids=["one_process", "two_workers"])
"""runs a test against a single-process host and against a host of two workers"""


def port_of(url: str) -> int:
    """The port of a host's ws:// address."""
    return int(url.rsplit(":", 1)[1])


def supervisor_of(host: Host) -> Any:
    """The supervisor of a host with workers (None for a single process)."""
    seen: object = host
    return seen.supervisor if isinstance(seen, Hosts) else None


def stopping(host: Host) -> bool:
    """Whether the host (its supervisor, with workers) is shutting down."""
    sup = supervisor_of(host)
    return bool(sup.stopping if sup is not None else host.stopping)


def finished(host: Host) -> asyncio.Event:
    """Set once the host (its supervisor and every worker, with workers) has stopped."""
    sup = supervisor_of(host)
    event: asyncio.Event = sup.finished if sup is not None else host.finished
    return event


async def on_worker(url: str, workers: int, slot: int) -> list[Remote]:
    """Connections that make the supervisor of `workers` send the next new client to worker
    `slot` (it sends one to the worker with the fewest connections, the lowest slot first):
    one on each worker below `slot`. Close them when done (none for a single process)."""
    held = []
    for k in range(slot if workers > 1 else 0):
        held.append(await Remote.connect(url, f"Ballast {k}"))
    return held


def slot_in(code: str, workers: int) -> int:
    """The slot of the worker that runs room `code` (0 for a single process)."""
    found = slot_of(code, workers)
    assert found is not None, code
    return found


async def http(port: int, target: str, headers: dict[str, str] | None = None,
               method: str = "GET", raw: bytes | None = None
               ) -> tuple[int, dict[str, str], bytes]:
    """One plain HTTP request to the host on `port` (or the bytes `raw`, as they are):
    (status, headers by lower-case name, body). The host closes after answering."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    if raw is None:
        lines = [f"{method} {target} HTTP/1.1", "Host: 127.0.0.1",
                 *(f"{k}: {v}" for k, v in (headers or {}).items())]
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    writer.write(raw)
    await writer.drain()
    data = await asyncio.wait_for(reader.read(), 10.0)
    writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines[0] else 0
    found = {k.lower(): v.strip() for k, v in
             (line.split(":", 1) for line in lines[1:] if ":" in line)}
    return status, found, body


async def status_of(port: int, target: str = "/api/status",
                    headers: dict[str, str] | None = None) -> dict[str, Any]:
    code, _, body = await http(port, target, headers)
    assert code == 200, body
    out: dict[str, Any] = json.loads(body)
    return out


def bearer(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def bot_match(url: str, name: str = "Lucid Heron", **room: Any
                    ) -> tuple[Remote, str, Counter]:
    """A player in a bot-filled room whose night runs (its snapshots read in the
    background): the player, the room's code and the reader."""
    remote, code, mirror = await playing(url, name, **room)
    return remote, code, Counter(remote, mirror)


async def ticks_go_on(counter: Counter, mirror: Mirror | None = None) -> None:
    """Wait until the player's picture of the night moves on (its matches play on)."""
    from tests.server.conftest import until

    seen = (mirror or counter.mirror).tick
    await until(lambda: (mirror or counter.mirror).tick > seen + 10, "the night to go on")


@contextlib.asynccontextmanager
async def chromium() -> AsyncIterator[Any]:
    """The system's Chromium, headless, driven by Playwright; the test is skipped (failed
    under DREAMLAYER_REQUIRE_ALL=1) without Chromium or Playwright."""
    path = need_program("chromium", "chromium")
    try:
        from playwright.async_api import async_playwright
    except ImportError:
        message = "playwright is not installed (pip install -e '.[test]')"
        if required():
            pytest.fail(message)
        pytest.skip(message)
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=path)
        try:
            yield browser
        finally:
            await browser.close()


class Listener:
    """A connection that reads everything in the background and keeps how it ended."""

    def __init__(self, remote: Remote) -> None:
        from game.remote import RemoteError

        self.remote = remote
        self.ended: RemoteError | None = None
        self.messages = 0

        async def run() -> None:
            try:
                while True:
                    await remote.recv()
                    self.messages += 1
            except RemoteError as e:
                self.ended = e

        self.task = asyncio.get_running_loop().create_task(run())


async def spectator(url: str, code: str, name: str = "Watcher", password: str = ""
                    ) -> tuple[Listener, int]:
    """A spectator seated in room `code`: its listener and its member id."""
    remote = await Remote.connect(url, name)
    joined = await remote.join_room(code, password=password, spectate=True)
    return Listener(remote), int(joined["player"])
