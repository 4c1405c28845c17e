"""The plain HTTP answers on a host's port: `GET /healthz` (JSON; `?strict=1` makes anything
but "ok" an HTTP 503, for probes that act on the code alone), `GET /metrics` (Prometheus
text), `GET /replays` and `GET /replays/ID` (the nights recorded here).

Imports the server's metrics (the Content-Type) and recording (`Replays`) only. The report
and the metrics text come from whoever serves the port: a single-process host (its own), or
a supervisor (its workers', summed: `server.summary`).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs

from server.metrics import CONTENT_TYPE
from server.recording import Replays

__all__ = ["Page", "Pages"]

Page = tuple[HTTPStatus, bytes, dict[str, str]]
"""an HTTP answer: status, body, headers (its Content-Type among them)"""


class Pages:
    """A host port's HTTP answers, from `report()` (the /healthz object), `metrics()` (the
    /metrics text) and the replays folder."""

    def __init__(self, report: Callable[[], Awaitable[dict[str, Any]]],
                 metrics: Callable[[], Awaitable[str]], replays: Replays) -> None:
        self.report = report
        self.metrics = metrics
        self.replays = replays

    @staticmethod
    def ours(target: str) -> bool:
        """Whether `target` (path and query) is one of these pages, not a websocket."""
        path = target.partition("?")[0]
        return path in ("/healthz", "/metrics") or path == "/replays" \
            or path.startswith("/replays/")

    async def answer(self, target: str) -> Page | None:
        """The answer to a GET of `target`, or None if it is not one of these pages."""
        path, _, query = target.partition("?")
        if path == "/metrics":
            return HTTPStatus.OK, (await self.metrics()).encode(), {"Content-Type": CONTENT_TYPE}
        if path == "/healthz":
            body = await self.report()
            strict = parse_qs(query).get("strict", ["0"])[-1] not in ("0", "", "false")
            code = HTTPStatus.SERVICE_UNAVAILABLE if strict and body["status"] != "ok" \
                else HTTPStatus.OK
            return code, json.dumps(body).encode(), {"Content-Type": "application/json"}
        return self.replays.answer(target)
