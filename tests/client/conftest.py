"""Helpers for the client's tests (SDL's dummy drivers): a 1280x720 window, a real server
in a thread, an App with its settings in a temporary folder, a fake link that records what a scene
sends, and a loop that runs the App's frames until a condition holds (with a deadline
that only bounds a failure)."""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import pygame
import pytest

from game.client.app import App
from game.client.link import Link
from game.client.online import Online
from game.client.settings import Settings
from game.net.schema import Kind
from server.config import ServerConfig
from server.host import Host

SCREEN_SIZE = (1280, 720)


@pytest.fixture(scope="module")
def screen() -> Iterator[pygame.Surface]:
    """A 1280x720 display surface for the module's tests, closed after them."""
    pygame.display.init()
    pygame.font.init()
    surface = pygame.display.set_mode(SCREEN_SIZE)
    yield surface
    pygame.display.quit()


class ServerThread:
    """A real server on 127.0.0.1 in its own thread and event loop."""

    def __init__(self, **config: Any) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.host = Host(ServerConfig(host="127.0.0.1", port=0, **config))
        self.call(self.host.start())
        self.url = f"ws://127.0.0.1:{self.host.port}"

    def call(self, coro: Any, timeout: float = 20) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        self.call(self.host.shutdown("test over"))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@pytest.fixture
def server() -> Iterator[ServerThread]:
    s = ServerThread()
    yield s
    s.stop()


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[App]:
    monkeypatch.setenv("DREAMLAYER_CONFIG_DIR", str(tmp_path))
    a = App(Settings())
    yield a
    a._drop_online()
    pygame.quit()


class FakeLink:
    """Stands in for a Link: records what is sent, hands out what a test queues."""

    def __init__(self) -> None:
        self.sent: list[tuple[Kind, dict[str, Any] | None]] = []
        self.inbox: list[Any] = []
        self.remote = None
        self.line: Any = None
        self.rtt_ms = 0.0
        self.closed = False

    def send(self, kind: Kind, values: dict[str, Any] | None = None) -> None:
        self.sent.append((kind, values))

    def poll(self) -> list[Any]:
        out, self.inbox = self.inbox, []
        return out

    def rates(self) -> tuple[float, float]:
        return (0.0, 0.0)

    def close(self) -> None:
        self.closed = True

    def kinds(self) -> list[Kind]:
        return [k for k, _ in self.sent]


def fake_online(player: int = 1) -> tuple[Online, FakeLink]:
    """An Online fed by a FakeLink, as player `player`."""
    link = FakeLink()
    online = Online(cast(Link, link))
    online.player = player
    return online, link


def key(k: int, text: str = "") -> pygame.event.Event:
    return pygame.event.Event(pygame.KEYDOWN, key=k, mod=0, unicode=text, scancode=0)


def typed(text: str) -> pygame.event.Event:
    return pygame.event.Event(pygame.TEXTINPUT, text=text)


def click(pos: tuple[int, int]) -> pygame.event.Event:
    return pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=1)


def frames(app: App, *events: pygame.event.Event, n: int = 1) -> Any:
    """Post `events`, run `n` App frames; returns the scene on top."""
    for ev in events:
        pygame.event.post(ev)
    for _ in range(n):
        assert app._frame(1 / 60)
    return app.scene


def run_until(app: App, scene: Any, done: Callable[[Any], bool], seconds: float = 20.0) -> Any:
    """Run the App's frames (events, update, draw) from `scene` (or from the scene shown)
    until `done(top scene)`; the deadline only bounds a failure."""
    if scene is not None:
        app.scene = scene
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if not app._frame(1 / 60):
            return None
        if done(app.scene):
            return app.scene
        time.sleep(1 / 200)
    raise AssertionError(f"still on {type(app.scene).__name__}")
