"""The web page's admin actions: who may take them, and the actions themselves.

With `[admin] token` set (server.config; never by default) the host answers, on its one
port:

    GET /admin/status                      the status with the private rooms (server.status)
    GET /admin/kick?room=CODE&player=ID    ends a player's seat: close 4006 (KICKED)
    GET /admin/close?room=CODE             closes a room: close 4008 (ROOM_CLOSED)
    GET /admin/drain                       shuts the server down: 1001 to everyone

each with the header `Authorization: Bearer TOKEN`. Every refusal (admin off, no header,
not a bearer header, a wrong token) is HTTP 401, logged once with the address and the
reason and counted (`messages_rejected{reason="admin_refused"}`), never with the token; the
token is compared in constant time (`hmac.compare_digest` over SHA-256 digests, so neither
its content nor its length leaks through timing).

Why actions travel as GET: the host's port is a websockets server, whose HTTP parser
accepts GET requests only before version 17 (the versions the package allows; from 17 the
page refuses other methods with 405 itself, so the actions are the same everywhere). A
GET that changes state is dangerous when a browser can be led to send it with the user's
credentials (a link, an <img>, a form on another site: cross-site request forgery). Here
the credential is a header that only the page's own script adds, from the token its user
pasted (kept in the tab's sessionStorage): a browser never attaches an Authorization
header by itself (no cookie is used, and a `Bearer` challenge makes no browser prompt for
credentials), and a script on another origin cannot add one without a CORS preflight
(OPTIONS: refused, and no Access-Control-* header is ever sent). The token never rides in
the URL, which logs and histories keep, and every answer is `Cache-Control: no-store`, so
no cache holds or replays one.

`Admin.answer` returns `(status, JSON object)` or None for a path not under /admin;
`server.webpage` turns it into the HTTP answer.

Imports the server's metrics and room modules (types); never websockets or the host.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import parse_qs

from server.metrics import ServerMetrics

if TYPE_CHECKING:
    from server.room import Member, Room

__all__ = ["Admin", "AdminAnswer", "Steward"]

log = logging.getLogger("dreamlayer.admin")

AdminAnswer = tuple[HTTPStatus, dict[str, Any]]
"""an answer: HTTP status and the JSON object of its body"""


class Steward(Protocol):
    """What the admin actions need of the host."""

    @property
    def rooms(self) -> dict[str, Room]: ...

    def status_report(self, private: bool) -> dict[str, Any]:
        """The status object (`private`: with the private rooms)."""

    def expel(self, room: Room, member: Member, reason: str) -> None:
        """End `member`'s seat in `room` and close its connection with 4006 and `reason`."""

    def close_room(self, room: Room, reason: str) -> None:
        """Close `room`, its players told `reason` (4008)."""

    def drain(self, reason: str) -> None:
        """Start shutting the server down: every client closed with 1001 and `reason`."""


class Admin:
    """The admin actions of one host, behind its token ("" : admin off)."""

    def __init__(self, token: str, metrics: ServerMetrics) -> None:
        self.enabled = bool(token)
        self._digest = hashlib.sha256(token.encode()).digest()
        self.metrics = metrics

    def refusal(self, authorization: str | None) -> str | None:
        """Why a request with this Authorization header (None: none) may not act, or None
        when it may."""
        if not self.enabled:
            return "admin actions are off on this server (no [admin] token is set)"
        if authorization is None:
            return "no Authorization header (send 'Authorization: Bearer TOKEN')"
        scheme, _, given = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not given.strip():
            return "the Authorization header is not 'Bearer TOKEN'"
        digest = hashlib.sha256(given.strip().encode("utf-8", "replace")).digest()
        if not hmac.compare_digest(digest, self._digest):
            return "wrong token"
        return None

    def answer(self, target: str, headers: Mapping[str, str], address: str,
               steward: Steward) -> AdminAnswer | None:
        """The answer to a plain GET of `target` (path and query) with `headers` (names in
        lower case) from `address`, or None if it is not under /admin."""
        path, _, query = target.partition("?")
        if path != "/admin" and not path.startswith("/admin/"):
            return None
        why = self.refusal(headers.get("authorization"))
        if why is not None:
            self.metrics.messages_rejected.labels(reason="admin_refused").inc()
            log.warning("admin: refused %s from %s: %s", path[:80], address, why)
            return HTTPStatus.UNAUTHORIZED, {"error": why}
        try:
            args = {k: v[-1] for k, v in parse_qs(query, max_num_fields=4).items()}
        except ValueError:
            return _bad("too many query parameters")
        action = path.removeprefix("/admin/")
        if action == "status":
            return HTTPStatus.OK, steward.status_report(private=True)
        if action == "drain":
            log.warning("admin: %s drains the server", address)
            steward.drain("the server is shutting down (drained by its admin)")
            return HTTPStatus.OK, {"ok": True, "text": "the server is shutting down"}
        if action not in ("kick", "close"):
            return HTTPStatus.NOT_FOUND, {"error": f"no admin action {action[:40]!r} (status, "
                                                   "kick, close, drain)"}
        code = args.get("room", "").strip().upper()
        room = steward.rooms.get(code)
        if room is None or room.closed:
            return HTTPStatus.NOT_FOUND, {"error": f"no open room with code {code[:8]!r}"}
        if action == "close":
            log.warning("admin: %s closes room %s", address, code)
            steward.close_room(room, "the server's admin closed the room")
            return HTTPStatus.OK, {"ok": True, "text": f"room {code} closed"}
        try:
            player = int(args.get("player", ""))
        except ValueError:
            return _bad("player must be a player's id (a whole number)")
        member = room.members.get(player)
        if member is None:
            return HTTPStatus.NOT_FOUND, {"error": f"no player {player} in room {code}"}
        log.warning("admin: %s kicks %s from room %s", address, member.name, code)
        steward.expel(room, member, "kicked by the server's admin")
        return HTTPStatus.OK, {"ok": True, "text": f"{member.name} kicked from room {code}"}


def _bad(text: str) -> AdminAnswer:
    return HTTPStatus.BAD_REQUEST, {"error": text}
