"""A player's connection to a Dreamlayer server: the asyncio + websockets adapter around
`game.net.Session`, shared by the headless network bots and the pygame client.

`Remote` is one websocket connection. Its `join_room` follows MOVED: a room that another
server of the cluster runs is joined there, the `Remote` moving to that server by itself (at
most `MAX_MOVES` times; a loop is an error), so neither the player nor the caller does
anything. `Line` is a player's line to its seat: a `Remote`
that, after a drop that is not final, connects again and comes back into the same seat with
the room code and reconnect token of its last JOINED (`rejoin`), waiting between attempts
as `Backoff` says, for as long as the server holds the seat. When the seat's server cannot be
reached (its node died: a cluster takes the room up on another node), each attempt also
tries the server the player first dialled (`Seat.entry`, naming the room): that server looks
the code up and sends the player on (MOVED) to the node that runs the room now.

Every failure a player can meet comes out as `RemoteError` with a message fit to show on
screen (cannot connect, wrong code, wrong password, room full, version mismatch, server
shut down, kicked, a reconnect token that opens no seat any more...) and says whether it is
`final` or worth connecting again for.

Imports game.net and websockets.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from game.net.records import RoomEntry
from game.net.schema import CloseCode, Kind, Message, ProtocolError
from game.net.session import Session, Side, hello

__all__ = ["MAX_MOVES", "RETRYABLE_CLOSES", "Backoff", "Line", "Remote", "RemoteError", "Seat",
           "explain_close", "list_rooms", "rejoin", "with_room"]

log = logging.getLogger("dreamlayer.remote")

_CLOSE_TEXT = {
    CloseCode.GOING_AWAY: "The server shut down",
    CloseCode.KICKED: "You were kicked by the room's host",
    CloseCode.VERSION_MISMATCH: "This game and the server speak different protocol versions",
    CloseCode.TOO_SLOW: "The connection fell too far behind",
    CloseCode.STALE_TOKEN: "Could not get back into the room",
    CloseCode.ROOM_CLOSED: "The room was closed",
    CloseCode.FLOOD: "Too many messages were sent",
    CloseCode.SERVER_FULL: "The server is full",
    CloseCode.REPLACED: "Another connection took over this seat",
}

MAX_MOVES = 3
"""how many MOVED in a row a join follows (a cluster needs one; more means the servers
disagree about where the room is)"""

RETRYABLE_CLOSES = frozenset({1006, 1011, 1012, 1013, 1014, int(CloseCode.TOO_SLOW)})
"""close codes after which a player connects again: the link was lost (1006), the keepalive
went unanswered or the server hit an error (1011), it restarts or is overloaded (1012, 1013,
1014), or it could not send fast enough (4005; the seat is held). Every other close is
final: shut down, kicked, replaced, a refused token, a protocol error..."""


def with_room(url: str, room: str) -> str:
    """`url` naming the room a connection is for (`ws://HOST:PORT/?room=CODE`); `url` itself
    when `room` is ""."""
    if not room:
        return url
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode({"room": room})) if q)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", query, parts.fragment))


def explain_close(code: int | None, reason: str) -> str:
    """A sentence for a player about why the server closed the connection."""
    if code is None:
        return "The connection to the server was lost"
    try:
        text = _CLOSE_TEXT.get(CloseCode(code))
    except ValueError:
        text = None
    text = text or f"The server closed the connection (code {code})"
    return f"{text}: {reason}" if reason else text


class RemoteError(Exception):
    """Something a player should be told; `code` is the close or error code if any.
    `final` is False when connecting again may help (the link was lost, the server could not
    be reached); a refusal, a close the server meant, or a protocol error is final."""

    def __init__(self, text: str, code: int = 0, *, final: bool = True) -> None:
        super().__init__(text)
        self.code = code
        self.final = final


class Remote:
    """One connection. Use `await Remote.connect(url, name)`; then `send()` and `recv()`.

    `url` is the server it is connected to, `player` and `server` what that server's WELCOME
    said; all three change when `join_room` follows a MOVED to another server."""

    def __init__(self, ws: ClientConnection, session: Session, player: int, server: str, *,
                 url: str = "", name: str = "", timeout: float = 5.0) -> None:
        self.ws = ws
        self.session = session
        self.player = player
        self.server = server
        self.url = url
        self.name = name
        self.timeout = timeout

    @classmethod
    async def connect(cls, url: str, name: str, timeout: float = 5.0, *,
                      ping_interval: float | None = 2.0,
                      ping_timeout: float | None = 4.0, room: str = "") -> Remote:
        """Connect and say hello. Raises RemoteError for every way this can fail (not final
        unless the address is no address or the server refuses this game's version).

        The websocket keepalive pings every `ping_interval` seconds and drops a link whose
        pong does not come within `ping_timeout` (None: never), so a connection that went
        silent (a stalled or lost network) ends in seconds and a `Line` can come back.
        `room`: the code of the room this connection is for (it connects to
        `url/?room=CODE`, so a host with several worker processes puts it straight into the
        one that runs the room; PROTOCOL.md)."""
        try:
            ws = await asyncio.wait_for(
                connect(with_room(url, room), compression=None, max_size=1 << 21,
                        open_timeout=timeout, ping_interval=ping_interval,
                        ping_timeout=ping_timeout, close_timeout=2), timeout + 1)
        except InvalidURI:
            raise RemoteError(f"{url!r} is not a server address (ws://host:port)") from None
        except InvalidHandshake as e:
            raise RemoteError(f"The server at {url} refused the connection ({e})",
                              final=False) from None
        except (OSError, TimeoutError) as e:
            why = e.strerror if isinstance(e, OSError) and e.strerror else "no answer"
            raise RemoteError(f"Cannot connect to {url}: {why}", final=False) from None
        session = Session(Side.CLIENT)
        remote = cls(ws, session, 0, "", url=url, name=name, timeout=timeout)
        try:
            await remote.send(Kind.HELLO, hello(name))
            welcome = await remote.expect(Kind.WELCOME)
        except BaseException:
            remote.abort()
            raise
        remote.player, remote.server = welcome["player"], welcome["server"]
        return remote

    async def send(self, kind: Kind, values: dict[str, Any] | None = None) -> int:
        """Send one message; returns its size in bytes."""
        data = self.session.send(kind, values)
        try:
            await self.ws.send(data)
        except ConnectionClosed as e:
            raise self._closed(e) from None
        return len(data)

    async def recv(self) -> Message:
        """The next message from the server. Raises RemoteError when the connection ends."""
        try:
            data = await self.ws.recv()
        except ConnectionClosed as e:
            raise self._closed(e) from None
        try:
            return self.session.receive(data)
        except ProtocolError as e:
            await self.ws.close(int(e.code), e.reason)
            raise RemoteError(f"The server sent something this game cannot read ({e.reason})",
                              int(e.code)) from None

    async def expect(self, *kinds: Kind) -> Message:
        """Wait for one of `kinds`; an ERROR becomes RemoteError, anything else is skipped."""
        while True:
            msg = await self.recv()
            if msg.kind is Kind.ERROR:
                raise RemoteError(msg["text"], msg["code"])
            if msg.kind in kinds:
                return msg

    async def create_room(self, level: str = "", max_dreamers: int = 4, password: str = "",
                          public: bool = True, hazard: int = 1,
                          bot_fill: bool = True) -> Message:
        await self.send(Kind.CREATE_ROOM, {"level": level, "max_dreamers": max_dreamers,
                                           "password": password, "public": public,
                                           "hazard": hazard, "bot_fill": bot_fill})
        return await self.expect(Kind.JOINED)

    async def join_room(self, code: str, password: str = "", spectate: bool = False,
                        token: str = "") -> Message:
        """Join room `code`; returns its JOINED. A server that answers MOVED (another server
        of its cluster runs the room) is left for that one, where the same JOIN_ROOM is
        sent again (name, password, spectate and token kept): this Remote is then
        connected there (`url`, `player`, `server` are that server's). Raises RemoteError
        for a refusal, for a server that cannot be reached (not final), and (final) after
        more than MAX_MOVES moves or a move back to a server already asked (a loop)."""
        asked = [self.url]
        while True:
            await self.send(Kind.JOIN_ROOM, {"code": code, "password": password,
                                             "spectate": spectate, "token": token})
            msg = await self.expect(Kind.JOINED, Kind.MOVED)
            if msg.kind is Kind.JOINED:
                return msg
            code, there = msg["code"], msg["url"]
            if there in asked:
                raise RemoteError(f"The servers send room {code} round in a loop ("
                                  + " -> ".join([*asked, there]) + ")")
            if len(asked) > MAX_MOVES:
                raise RemoteError(f"Room {code} was moved more than {MAX_MOVES} times ("
                                  + " -> ".join([*asked, there]) + ")")
            asked.append(there)
            log.info("room %s is on %s: moving there from %s", code, there, self.url)
            await self._move_to(there, code)

    async def _move_to(self, url: str, code: str) -> None:
        """Connect to `url` (same name and keepalive) and carry on there; the connection
        to the server that sent us on is closed."""
        interval, timeout = self.keepalive
        try:
            other = await Remote.connect(url, self.name, self.timeout, ping_interval=interval,
                                         ping_timeout=timeout, room=code)
        except RemoteError as e:
            raise RemoteError(f"Room {code} is on another server: {e}", e.code,
                              final=e.final) from None
        old = self.ws
        self.ws, self.session = other.ws, other.session
        self.player, self.server, self.url = other.player, other.server, other.url
        try:
            await asyncio.wait_for(old.close(), 2.0)
        except Exception:
            old.transport.abort()

    async def close(self) -> None:
        await self.ws.close()

    def abort(self) -> None:
        """Drop the connection at once, without the closing handshake (for a link that
        is already dead or silent)."""
        self.ws.transport.abort()

    @property
    def keepalive(self) -> tuple[float | None, float | None]:
        """(ping interval, ping timeout) this connection was opened with."""
        return self.ws.ping_interval, self.ws.ping_timeout

    def _closed(self, e: ConnectionClosed) -> RemoteError:
        rcvd = e.rcvd
        if rcvd is None:
            return RemoteError(explain_close(None, ""), final=False)
        return RemoteError(explain_close(rcvd.code, rcvd.reason), rcvd.code,
                           final=rcvd.code not in RETRYABLE_CLOSES)


async def list_rooms(url: str, name: str = "room list", timeout: float = 5.0) -> list[RoomEntry]:
    """The public rooms the server at `url` knows (with a cluster: every server's, each
    with its server's URL). Raises RemoteError for an address that is none, a server that
    cannot be reached or does not answer within `timeout`."""
    remote = await Remote.connect(url, name, timeout)
    try:
        async with asyncio.timeout(timeout):
            await remote.send(Kind.LIST_ROOMS)
            rooms: list[RoomEntry] = (await remote.expect(Kind.ROOM_LIST))["rooms"]
    except TimeoutError:
        raise RemoteError(f"{url} did not send its room list within {timeout:g} s",
                          final=False) from None
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(remote.close(), 2.0)
    return rooms


# ---------------------------------------------------------------------------- coming back
@dataclass(frozen=True)
class Seat:
    """What a dropped player comes back to: the server, the player's name, and the room
    code, reconnect token and hold time of its last JOINED; and `entry`, the server the
    player first dialled ("" or `url`: none other), tried too when `url` cannot be
    reached."""

    url: str
    name: str
    code: str
    token: str
    hold_seconds: float
    entry: str = ""

    @classmethod
    def of(cls, url: str, name: str, joined: Message, entry: str = "") -> Seat:
        return cls(url, name, joined["code"], joined["token"], float(joined["hold_seconds"]),
                   entry)

    @property
    def servers(self) -> list[str]:
        """Where an attempt to come back goes, in order: the seat's server, then the entry."""
        return [self.url] + ([self.entry] if self.entry and self.entry != self.url else [])


@dataclass(frozen=True)
class Backoff:
    """How long to wait before each reconnection attempt: doubling from `first` up to `cap`
    seconds, half of it fixed and half random ("equal jitter"), so players dropped together
    do not all come back in the same instant, and none waits more than `cap` once the
    server can be reached again."""

    first: float = 0.25
    cap: float = 1.5

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait after failed attempt number `attempt` (1, 2, ...)."""
        top = min(self.cap, self.first * 2.0 ** min(max(attempt - 1, 0), 16))
        return top / 2 + rng.uniform(0.0, top / 2)


async def rejoin(seat: Seat, *, on_attempt: Callable[[int], None] | None = None,
                 backoff: Backoff = Backoff(), rng: random.Random | None = None,
                 keepalive: tuple[float | None, float | None] = (2.0, 4.0),
                 attempt_seconds: float = 6.0) -> tuple[Remote, Message]:
    """Connect again and come back into `seat` with its code and token; returns the new
    connection and its JOINED (a MATCH_START follows when a match is running).

    Attempt n (1, 2, ...) is announced to `on_attempt(n)` as it starts; it tries the seat's
    server, then (if that fails for a reason that is not final) its entry server
    (`Seat.servers`), each for up to `attempt_seconds`; between attempts it waits as
    `backoff` says. Raises RemoteError (final) when a server refuses the seat (a spent,
    expired or foreign token: the message says which), or when `seat.hold_seconds` pass
    without getting through (the message says what the last attempt met)."""
    rng = rng or random.Random()
    deadline = time.monotonic() + seat.hold_seconds
    attempt = 0
    while True:
        attempt += 1
        if on_attempt is not None:
            on_attempt(attempt)
        last = RemoteError(f"No answer from {seat.url}", final=False)
        for url in seat.servers:
            try:
                async with asyncio.timeout(attempt_seconds):
                    remote = await Remote.connect(url, seat.name, ping_interval=keepalive[0],
                                                  ping_timeout=keepalive[1], room=seat.code)
                    try:
                        joined = await remote.join_room(seat.code, token=seat.token)
                    except BaseException:
                        remote.abort()
                        raise
                return remote, joined
            except TimeoutError:
                last = RemoteError(f"No answer from {url}", final=False)
            except RemoteError as e:
                if e.final:
                    raise
                last = e
        wait = backoff.delay(attempt, rng)
        if time.monotonic() + wait > deadline:
            raise RemoteError(f"Could not get back into room {seat.code} within "
                              f"{seat.hold_seconds:.0f} s ({last})", last.code)
        log.info("reconnection attempt %d to room %s failed (%s); again in %.2f s", attempt,
                 seat.code, last, wait)
        await asyncio.sleep(wait)


class Line:
    """A player's line to its seat: reads and sends through a `Remote` and, when that
    drops for a reason that is not final, comes back into the same seat by itself.

    It learns the seat from every JOINED it reads (or `joined`, the one the caller already
    took), on the server its `Remote` is connected to then (the one that runs the room,
    after a MOVED); `url`, the server the player dialled, is the seat's entry (tried too
    when the room's own server cannot be reached). `attempt` is 0 while connected and n
    during the n-th reconnection attempt; `reconnects` counts the times it came back."""

    def __init__(self, remote: Remote, url: str, name: str, joined: Message | None = None, *,
                 on_attempt: Callable[[int, str], None] | None = None,
                 backoff: Backoff = Backoff(), rng: random.Random | None = None) -> None:
        self.remote = remote
        self.url = url
        self.name = name
        self.seat = Seat.of(remote.url or url, name, joined, url) if joined is not None \
            else None
        self.on_attempt = on_attempt
        self.backoff = backoff
        self.rng = rng
        self.attempt = 0
        self.reconnects = 0
        self._bytes_before = 0

    @property
    def wire_bytes_in(self) -> int:
        """Bytes received over every connection of this line (see Session.wire_bytes_in)."""
        return self._bytes_before + self.remote.session.wire_bytes_in

    async def recv(self) -> Message:
        """The next message. After a drop that is not final it first comes back into the
        seat and returns that connection's JOINED. Raises RemoteError (final) when the drop
        is final, or when coming back failed (saying why)."""
        try:
            msg = await self.remote.recv()
        except RemoteError as e:
            if e.final or self.seat is None:
                raise
            msg = await self._come_back(str(e))
        if msg.kind is Kind.JOINED:
            self.seat_from(msg)
        return msg

    def seat_from(self, joined: Message) -> None:
        """Come back to the seat of this JOINED after a drop (`recv` calls it for every
        JOINED it reads; call it for one read elsewhere)."""
        self.seat = Seat.of(self.remote.url or self.url, self.name, joined, self.url)

    async def send(self, kind: Kind, values: dict[str, Any] | None = None) -> int:
        """Send one message; returns its size, or 0 when it was dropped: while coming back,
        when the link just dropped (`recv` notices and comes back), or when the connection's
        phase no longer allows it (an INPUT racing the drop). Raises RemoteError only for a
        final close."""
        if self.attempt:
            return 0
        try:
            return await self.remote.send(kind, values)
        except ValueError as e:
            log.debug("not sending %s: %s", kind.name, e)
            return 0
        except RemoteError as e:
            if e.final:
                raise
            return 0

    async def close(self) -> None:
        await self.remote.close()

    async def _come_back(self, why: str) -> Message:
        assert self.seat is not None
        old = self.remote
        old.abort()
        self._bytes_before += old.session.wire_bytes_in
        log.info("%s: %s; coming back to room %s", self.name, why, self.seat.code)

        def attempt(n: int) -> None:
            self.attempt = n
            if self.on_attempt is not None:
                self.on_attempt(n, why)

        self.remote, joined = await rejoin(self.seat, on_attempt=attempt, backoff=self.backoff,
                                           rng=self.rng, keepalive=old.keepalive)
        self.attempt = 0
        self.reconnects += 1
        return joined
