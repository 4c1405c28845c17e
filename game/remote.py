"""A player's connection to a Dreamlayer server: the asyncio + websockets adapter around
`game.net.Session`, shared by the headless network bots and the pygame client.

Every failure a player can meet comes out as `RemoteError` with a message fit to show on
screen (cannot connect, wrong code, wrong password, room full, version mismatch, server
shut down, kicked...).

Imports game.net and websockets.
"""

from __future__ import annotations

import asyncio
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from game.net.schema import CloseCode, Kind, Message, ProtocolError
from game.net.session import Session, Side, hello

__all__ = ["Remote", "RemoteError", "explain_close"]

_CLOSE_TEXT = {
    CloseCode.GOING_AWAY: "The server shut down",
    CloseCode.KICKED: "You were kicked by the room's host",
    CloseCode.VERSION_MISMATCH: "This game and the server speak different protocol versions",
    CloseCode.TOO_SLOW: "The connection fell too far behind",
    CloseCode.STALE_TOKEN: "That seat can no longer be reclaimed",
    CloseCode.ROOM_CLOSED: "The room was closed",
    CloseCode.FLOOD: "Too many messages were sent",
    CloseCode.SERVER_FULL: "The server is full",
}


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
    """Something a player should be told; `code` is the close or error code if any."""

    def __init__(self, text: str, code: int = 0) -> None:
        super().__init__(text)
        self.code = code


class Remote:
    """One connection. Use `await Remote.connect(url, name)`; then `send()` and `recv()`."""

    def __init__(self, ws: ClientConnection, session: Session, player: int,
                 server: str) -> None:
        self.ws = ws
        self.session = session
        self.player = player
        self.server = server

    @classmethod
    async def connect(cls, url: str, name: str, timeout: float = 5.0) -> Remote:
        """Connect and say hello. Raises RemoteError for every way this can fail."""
        try:
            ws = await asyncio.wait_for(
                connect(url, compression=None, max_size=1 << 21, open_timeout=timeout,
                        ping_interval=5, ping_timeout=20, close_timeout=2), timeout + 1)
        except InvalidURI:
            raise RemoteError(f"{url!r} is not a server address (ws://host:port)") from None
        except InvalidHandshake as e:
            raise RemoteError(f"The server at {url} refused the connection ({e})") from None
        except (OSError, TimeoutError) as e:
            raise RemoteError(f"Cannot connect to {url}: {e.strerror if isinstance(e, OSError) and e.strerror else 'no answer'}") from None  # noqa: E501
        session = Session(Side.CLIENT)
        remote = cls(ws, session, 0, "")
        await remote.send(Kind.HELLO, hello(name))
        welcome = await remote.expect(Kind.WELCOME)
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
        await self.send(Kind.JOIN_ROOM, {"code": code, "password": password,
                                         "spectate": spectate, "token": token})
        return await self.expect(Kind.JOINED)

    async def close(self) -> None:
        await self.ws.close()

    def _closed(self, e: ConnectionClosed) -> RemoteError:
        rcvd = e.rcvd
        if rcvd is None:
            return RemoteError(explain_close(None, ""))
        return RemoteError(explain_close(rcvd.code, rcvd.reason), rcvd.code)
