"""The host's web page: its static files, the level geometry it draws with, and the routing
of the plain HTTP GETs it answers on the game's port.

`answer(target, headers)` is the static side, a pure function: the file of the page named
by `target` from a fixed list (`STATIC`), or None. Nothing is ever looked up on disk by a
name from the request: a path that is not exactly one of the list (`/../../etc/passwd`,
`/%2e%2e/`, a NUL, a query aside) is not served, so nothing outside server/web/ can be.
Files are read once and kept; each answer carries its content type, an ETag (a repeat
request with `If-None-Match` gets 304), `Cache-Control: no-cache` (revalidate: a new
version of the server ships new files) and a Content-Security-Policy that lets the page
load and connect to its own origin only (no CDN, nothing from elsewhere).

The rest, the page's routes (`WebRoutes.route`, one set of rules wherever the port is
served), for a plain GET (a websocket handshake is none: None for it):
- `/` and the page's files;
- `GET /api/status`: the live status, JSON (server.status), without private rooms;
- `GET /api/levels/NAME`: a retreat's geometry for clients that ship no level files (cell
  size, size in cells, rifts with their radii): see game/net/PROTOCOL.md;
- `/admin/...`: server.admin (bearer token);
- anything else: 404.
Answers from /api and /admin are `Cache-Control: no-store`. A method other than GET is
refused with 405 (websockets' parser refuses it itself before version 17; a supervisor's
door passes it on).

What the status and the admin's actions need of the rooms is an `Order` (server.admin),
carried out by whoever serves the port: `WebPage(host).answer(...)` at once on a
single-process host's own rooms; `WebRoutes.respond(..., act)` with an async `act` for a
supervisor, which asks its workers (the status of each, merged; a kick or close of the
worker that runs the room) and drains them all.

Imports game.sim (levels, tuning, the rift radii), prometheus_client (a counter) and the
server's admin and config modules; never websockets, the host or a socket.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from functools import cache
from http import HTTPStatus
from pathlib import Path
from typing import Any, Protocol

from prometheus_client import Counter

from game.sim.grid import CHUNK
from game.sim.level import Level
from game.sim.tuning import Tuning
from game.sim.world import rift_radii
from server.admin import Admin, AdminAnswer, Order, Steward, carry_out, drain
from server.config import ServerConfig
from server.metrics import ServerMetrics

__all__ = ["CSP", "STATIC", "Act", "FileAnswer", "PageSite", "WebPage", "WebRoutes", "answer",
           "header_map", "level_geometry"]

FileAnswer = tuple[HTTPStatus, bytes, dict[str, str]]
"""an HTTP answer: status, body, headers (Content-Type among them)"""

FOLDER = Path(__file__).resolve().parent / "web"

STATIC: Mapping[str, str] = {
    "/": "index.html",
    "/index.html": "index.html",
    "/style.css": "style.css",
    "/page.js": "page.js",
    "/watch.js": "watch.js",
    "/protocol.js": "protocol.js",
    "/palette.js": "palette.js",
    "/favicon.svg": "favicon.svg",
    "/vendor/msgpack.min.js": "vendor/msgpack.min.js",
    "/vendor/msgpack-LICENSE.txt": "vendor/msgpack-LICENSE.txt",
}
"""request path -> file under server/web/: the only files ever served"""

_TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
          ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml",
          ".txt": "text/plain; charset=utf-8"}

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
       "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
"""the page's own origin only: its scripts, its style, its fetches and its websocket"""

_COMMON = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


@cache
def _file(name: str) -> tuple[bytes, str]:
    """A static file's bytes and ETag, read once."""
    data = (FOLDER / name).read_bytes()
    return data, '"' + hashlib.sha256(data).hexdigest()[:20] + '"'


def answer(target: str, headers: Mapping[str, str]) -> FileAnswer | None:
    """The page's file for a plain GET of `target` (path and query) with `headers` (names
    in lower case), or None when `target` names none of `STATIC`."""
    name = STATIC.get(target.partition("?")[0])
    if name is None:
        return None
    data, etag = _file(name)
    out = {"Content-Type": _TYPES[Path(name).suffix], "Cache-Control": "no-cache",
           "ETag": etag, "Content-Security-Policy": CSP, **_COMMON}
    if etag in (t.strip() for t in headers.get("if-none-match", "").split(",")):
        return HTTPStatus.NOT_MODIFIED, b"", out
    return HTTPStatus.OK, data, out


def header_map(items: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Request headers by lower-case name; a repeated header's values joined with ", " (as
    HTTP combines them)."""
    out: dict[str, str] = {}
    for name, value in items:
        key = name.lower()
        out[key] = f"{out[key]}, {value}" if key in out else value
    return out


def level_geometry(level: Level, tuning: Tuning | None = None) -> dict[str, Any]:
    """What a client that ships no level files needs to draw `level`: its name and title,
    the cell size (px), its size in cells, the chunk size, the night's length (s) and each
    rift (index, centre in px, core and seal-ring radius in cells, the fraction of the
    night after which it opens). Walls need nothing here: the paint grid carries them."""
    t = tuning or Tuning()
    rifts = []
    for i, m in enumerate(level.rifts):
        core, seal = rift_radii(m.strength, t)
        rifts.append({"index": i, "x": m.x, "y": m.y, "core_radius": core,
                      "seal_radius": seal, "opens": m.opens})
    return {"name": level.name, "title": level.title, "cell_size": level.cell_size,
            "width": level.width, "height": level.height, "chunk": CHUNK,
            "night_seconds": level.night_seconds, "rifts": rifts}


def _json(status: HTTPStatus, body: Any, extra: Mapping[str, str] | None = None
          ) -> FileAnswer:
    return status, json.dumps(body).encode(), {
        "Content-Type": "application/json", "Cache-Control": "no-store", **_COMMON,
        **(extra or {})}


def _not_found(path: str) -> FileAnswer:
    text = f"no page {path[:100]!r} on this server (try / , /api/status or /healthz)\n"
    return HTTPStatus.NOT_FOUND, text.encode(), {
        "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store", **_COMMON}


Act = Callable[[Order], Awaitable[AdminAnswer]]
"""carries out an order for whoever serves the port (a supervisor: over its workers)"""


class WebRoutes:
    """The page's routes (see the module docstring) behind admin `token` ("": off), its
    refusals counted in `rejected`, the retreats' geometry from `levels()`."""

    def __init__(self, token: str, rejected: Counter,
                 levels: Callable[[], Sequence[Level]]) -> None:
        self.admin = Admin(token, rejected)
        self.levels = levels

    def route(self, target: str, headers: Mapping[str, str], address: str,
              method: str = "GET") -> FileAnswer | Order | None:
        """The answer to a `method` request for `target` with `headers` (lower-case names)
        from `address`, or the `Order` it makes of the rooms (the status, an admin action)
        when the answer depends on them; None for a websocket handshake (the game's, on any
        path). Only GET is answered: another method gets 405."""
        path = target.partition("?")[0]
        if method != "GET":
            return _json(HTTPStatus.METHOD_NOT_ALLOWED,
                         {"error": f"{method[:16]} is not answered here: only GET"},
                         {"Allow": "GET"})
        if "websocket" in headers.get("upgrade", "").lower():
            return None
        if path == "/api/status":
            return Order("status", address)
        if path.startswith("/api/levels/"):
            name = path.removeprefix("/api/levels/")
            for level in self.levels():
                if level.name == name:
                    return _json(HTTPStatus.OK, level_geometry(level))
            return _json(HTTPStatus.NOT_FOUND, {"error": f"no retreat {name[:64]!r} here"})
        admin = self.admin.order(target, headers, address)
        if isinstance(admin, Order):
            return admin
        if admin is not None:
            return self.reply(admin)
        return answer(target, headers) or _not_found(path)

    @staticmethod
    def reply(got: AdminAnswer) -> FileAnswer:
        """The HTTP answer for an order's (or a refusal's) status and JSON object."""
        status, body = got
        challenge = {"WWW-Authenticate": 'Bearer realm="dreamlayer admin"'} \
            if status is HTTPStatus.UNAUTHORIZED else None
        return _json(status, body, challenge)

    async def respond(self, target: str, headers: Mapping[str, str], address: str,
                      method: str, act: Act) -> FileAnswer | None:
        """`route`, its order (if any) carried out by `act`."""
        got = self.route(target, headers, address, method)
        return self.reply(await act(got)) if isinstance(got, Order) else got


class PageSite(Steward, Protocol):
    """What a single-process host's page needs of it: the admin's `Steward`, and its
    levels, config and metrics."""

    @property
    def config(self) -> ServerConfig: ...

    @property
    def metrics(self) -> ServerMetrics: ...

    @property
    def levels(self) -> list[Level]: ...


class WebPage(WebRoutes):
    """A single-process host's page: the routes, their orders carried out at once on its
    own rooms (and a drain on itself)."""

    def __init__(self, site: PageSite) -> None:
        super().__init__(site.config.admin_token, site.metrics.messages_rejected,
                         lambda: site.levels)
        self.site = site

    def answer(self, target: str, headers: Mapping[str, str], address: str,
               method: str = "GET") -> FileAnswer | None:
        """`route`, its order carried out here."""
        got = self.route(target, headers, address, method)
        if not isinstance(got, Order):
            return got
        if got.action == "drain":
            return self.reply(drain(got, self.site.drain))
        return self.reply(carry_out(got, self.site))
