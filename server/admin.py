"""The web page's admin actions: who may take them, what they ask, and the carrying out of
what a page request asks of the process that runs the rooms.

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

The rules are split by where they run, so a host with workers keeps one implementation of
each: `Admin.order` (the token, the query) runs where the port is served (a single-process
host, or the supervisor) and gives an `Order`; `carry_out(order, steward)` runs in the
process that holds the rooms (the same host, or the worker whose slot the room's code
names: the supervisor sends it the order over its channel); `drain(order, stop)` runs
where the whole server is stopped. An `Order` travels as a plain map (`fields`, `of`).

Imports prometheus_client (a counter) and the server's room module (types); never
websockets or the host.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import parse_qs

from prometheus_client import Counter

if TYPE_CHECKING:
    from server.room import Member, Room

__all__ = ["ACTIONS", "Admin", "AdminAnswer", "Order", "Steward", "carry_out", "drain",
           "no_room"]

log = logging.getLogger("dreamlayer.admin")

AdminAnswer = tuple[HTTPStatus, dict[str, Any]]
"""an answer: HTTP status and the JSON object of its body"""

ACTIONS = ("status", "kick", "close", "drain")
"""what an `Order` may ask"""


@dataclass(frozen=True, slots=True)
class Order:
    """What a page request asks of the rooms, allowed and read but not yet carried out:
    `status` (the status object; `private`: with the private rooms, for the admin),
    `kick` (`player` from `room`), `close` (`room`) or `drain`. `address` is who asked
    (the log names it)."""

    action: str
    address: str = ""
    room: str = ""
    player: int = 0
    private: bool = False

    def fields(self) -> dict[str, Any]:
        """The order as a plain map (a control channel carries it)."""
        return asdict(self)

    @classmethod
    def of(cls, fields: object) -> Order:
        """The order a map from `fields` holds. Raises ValueError saying what is wrong."""
        if not isinstance(fields, Mapping):
            raise ValueError("an order is a map")
        action, address = fields.get("action"), fields.get("address", "")
        room, player = fields.get("room", ""), fields.get("player", 0)
        private = fields.get("private", False)
        if action not in ACTIONS:
            raise ValueError(f"no order {str(action)[:20]!r} (one of {', '.join(ACTIONS)})")
        if not (isinstance(address, str) and isinstance(room, str)
                and type(player) is int and isinstance(private, bool)):
            raise ValueError("an order's address and room are text, its player a whole "
                             "number and private true or false")
        return cls(action, address, room, player, private)


class Steward(Protocol):
    """What the admin actions need of the process that holds the rooms."""

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
    """Who may take the admin actions of one host, behind its token ("" : admin off).
    `rejected` is the counter of refused messages and requests, by reason."""

    def __init__(self, token: str, rejected: Counter) -> None:
        self.enabled = bool(token)
        self._digest = hashlib.sha256(token.encode()).digest()
        self.rejected = rejected

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

    def order(self, target: str, headers: Mapping[str, str], address: str
              ) -> Order | AdminAnswer | None:
        """What a plain GET of `target` (path and query) with `headers` (names in lower
        case) from `address` orders: an `Order`, or the answer refusing it (401 without the
        token, 400 for a query that cannot be read, 404 for no such action); None if
        `target` is not under /admin."""
        path, _, query = target.partition("?")
        if path != "/admin" and not path.startswith("/admin/"):
            return None
        why = self.refusal(headers.get("authorization"))
        if why is not None:
            self.rejected.labels(reason="admin_refused").inc()
            log.warning("admin: refused %s from %s: %s", path[:80], address, why)
            return HTTPStatus.UNAUTHORIZED, {"error": why}
        try:
            args = {k: v[-1] for k, v in parse_qs(query, max_num_fields=4).items()}
        except ValueError:
            return _bad("too many query parameters")
        action = path.removeprefix("/admin/")
        if action == "status":
            return Order("status", address, private=True)
        if action == "drain":
            return Order("drain", address)
        if action not in ("kick", "close"):
            return HTTPStatus.NOT_FOUND, {"error": f"no admin action {action[:40]!r} (status, "
                                                   "kick, close, drain)"}
        code = args.get("room", "").strip().upper()
        if action == "close":
            return Order("close", address, code)
        try:
            player = int(args.get("player", ""))
        except ValueError:
            return _bad("player must be a player's id (a whole number)")
        return Order("kick", address, code, player)


def no_room(code: str) -> AdminAnswer:
    """The answer for an order about a room that is not open (here)."""
    return HTTPStatus.NOT_FOUND, {"error": f"no open room with code {code[:8]!r}"}


def carry_out(order: Order, steward: Steward) -> AdminAnswer:
    """Carry out a `status`, `kick` or `close` order on the rooms of `steward`'s process
    (404 for a room or a player it does not have); a `drain` is not a process's alone
    (see `drain`): 400."""
    if order.action == "status":
        return HTTPStatus.OK, steward.status_report(private=order.private)
    if order.action not in ("kick", "close"):
        return _bad(f"{order.action!r} is not carried out by a room's process")
    code = order.room
    room = steward.rooms.get(code)
    if room is None or room.closed:
        return no_room(code)
    if order.action == "close":
        log.warning("admin: %s closes room %s", order.address, code)
        steward.close_room(room, "the server's admin closed the room")
        return HTTPStatus.OK, {"ok": True, "text": f"room {code} closed"}
    member = room.members.get(order.player)
    if member is None:
        return HTTPStatus.NOT_FOUND, {"error": f"no player {order.player} in room {code}"}
    log.warning("admin: %s kicks %s from room %s", order.address, member.name, code)
    steward.expel(room, member, "kicked by the server's admin")
    return HTTPStatus.OK, {"ok": True, "text": f"{member.name} kicked from room {code}"}


def drain(order: Order, stop: Callable[[str], None]) -> AdminAnswer:
    """Carry out a `drain` order: `stop(reason)` starts shutting the whole server down."""
    log.warning("admin: %s drains the server", order.address)
    stop("the server is shutting down (drained by its admin)")
    return HTTPStatus.OK, {"ok": True, "text": "the server is shutting down"}


def _bad(text: str) -> AdminAnswer:
    return HTTPStatus.BAD_REQUEST, {"error": text}
