"""Honest health: a ticker knows when it runs behind, /healthz turns "degraded" (503 when
asked strictly) while a room stays behind schedule and "ok" once it catches up, and the
answers of /healthz and /metrics on the game port."""

from __future__ import annotations

import asyncio
import json
import time
from http import HTTPStatus
from pathlib import Path
from typing import Any, cast

from game.net.schema import Kind
from server.config import ServerConfig
from server.health import DEGRADED_AFTER, Health
from server.host import Host
from server.metrics import ServerMetrics
from server.pages import Page, Pages
from server.recording import Replays
from server.room import Room
from server.ticker import BEHIND_PERIODS, Ticker
from tests.server.conftest import serve_and, until
from tests.server.test_host import http_get, playing


class Behind:
    """Stands in for a room, as far as health looks at one."""

    def __init__(self, behind_since: float | None, lag: float = 0.0) -> None:
        self.behind_since = behind_since
        self.lag = lag


def test_status_is_degraded_only_when_a_room_stays_behind() -> None:
    h = Health(ServerConfig(), ServerMetrics())
    rooms = cast(list[Room], [Behind(None), Behind(100.0)])
    assert h.status(rooms, 100.0 + DEGRADED_AFTER - 0.1, stopping=False) == "ok"
    assert h.status(rooms, 100.0 + DEGRADED_AFTER, stopping=False) == "degraded"
    assert h.status(rooms, 500.0, stopping=True) == "stopping"
    assert h.status(cast(list[Room], [Behind(None)]), 500.0, stopping=False) == "ok"


def test_strict_health_answers_503_unless_ok(tmp_path: Path) -> None:
    report: dict[str, Any] = {"status": "degraded"}

    async def health() -> dict[str, Any]:
        return report

    async def metrics() -> str:
        return "dreamlayer_rooms 0.0\n"

    pages = Pages(health, metrics, Replays(ServerConfig(replays_dir=str(tmp_path))))

    def answer(target: str) -> Page | None:
        return asyncio.run(pages.answer(target))

    ok = answer("/healthz")
    assert ok is not None and ok[0] == HTTPStatus.OK
    strict = answer("/healthz?strict=1")
    assert strict is not None
    code, body, headers = strict
    assert code == HTTPStatus.SERVICE_UNAVAILABLE and json.loads(body) == report
    assert headers["Content-Type"] == "application/json"
    report["status"] = "ok"
    strict = answer("/healthz?strict=1")
    assert strict is not None and strict[0] == HTTPStatus.OK
    assert answer("/") is None and not Pages.ours("/?room=ABCDE")  # a websocket handshake
    listed = answer("/replays")
    assert listed is not None and json.loads(listed[1]) == [] and Pages.ours("/replays/x")
    served = answer("/metrics")
    assert served is not None and served[1] == b"dreamlayer_rooms 0.0\n"


def test_a_ticker_says_when_it_falls_behind_and_when_it_catches_up() -> None:
    async def go() -> None:
        period = 0.01
        slow = {"on": True}

        def step() -> bool:
            if slow["on"]:
                time.sleep(period * (BEHIND_PERIODS + 1))  # each step costs three periods
            return True

        ticker = Ticker(period, step, name="t", on_error=lambda e: None)
        ticker.start()
        await until(lambda: ticker.behind_since is not None, "the ticker to fall behind")
        assert ticker.lag > BEHIND_PERIODS * period
        slow["on"] = False
        await until(lambda: ticker.behind_since is None, "the ticker to catch up")
        ticker.pause()
        await until(lambda: ticker.lag == 0.0, "the pause")
        await ticker.stop()

    asyncio.run(go())


def test_healthz_turns_degraded_while_a_room_falls_behind_and_ok_after() -> None:
    async def go(host: Host, url: str) -> None:
        await playing(url)
        (room,) = host.rooms.values()
        assert room.crew is not None
        decide = room.crew.decide
        period = 1.0 / host.config.tick_rate

        def slow_decide(*args: Any) -> Any:
            time.sleep(period * (BEHIND_PERIODS + 1))  # a room that cannot keep up
            return decide(*args)

        async def health(strict: bool = False) -> tuple[int, dict[str, Any]]:
            status, _, body = await http_get(host.port,
                                             "/healthz?strict=1" if strict else "/healthz")
            return status, json.loads(body)

        status, report = await health(strict=True)
        assert status == 200 and report["status"] == "ok"
        room.crew.decide = slow_decide  # type: ignore[method-assign, assignment]
        while (await health())[1]["status"] != "degraded":
            await asyncio.sleep(0.1)
        status, report = await health(strict=True)
        assert status == 503 and report["status"] == "degraded"
        assert report["rooms_behind"] == 1 and report["behind_seconds_max"] >= DEGRADED_AFTER
        assert report["tick_lag_ms_max"] > BEHIND_PERIODS * period * 1000
        room.crew.decide = decide  # type: ignore[method-assign]
        while (await health())[1]["status"] != "ok":
            await asyncio.sleep(0.1)
        assert (await health(strict=True))[0] == 200

    serve_and(go, timeout=60)


def test_healthz_and_metrics_answer_on_the_game_port() -> None:
    async def go(host: Host, url: str) -> None:
        r, _, _ = await playing(url)
        await r.expect(Kind.SNAPSHOT)
        status, headers, body = await http_get(host.port, "/healthz")
        health = json.loads(body)
        assert status == 200 and headers["content-type"] == "application/json"
        assert health["status"] == "ok" and health["rooms"] == 1 and health["playing"] == 1
        assert health["dreamers"] == 1 and health["tick_ms"]["samples"] > 0
        assert health["paused"] == 0
        status, headers, body = await http_get(host.port, "/metrics")
        assert status == 200 and headers["content-type"].startswith("text/plain")
        assert "dreamlayer_rooms 1.0" in body.splitlines()
        assert "dreamlayer_tick_seconds_count" in body
        assert "dreamlayer_bytes_sent_total" in body

    serve_and(go)
