"""Helpers for the web page's tests: plain HTTP requests to a host, a bot match to look at,
and the system's Chromium driven by Playwright (never a downloaded browser)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from game.net.snapshot import Mirror
from game.remote import Remote
from tests.server.test_host import Counter, playing
from tests.tools import need_program, required

TOKEN = "test-admin-token-0123456789"
"""the admin token of the hosts these tests start with admin on"""


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
