"""The supervisor's door: reading a request's head without taking it off the socket, and the
few things the supervisor itself writes on a client's socket (an HTTP answer, a websocket
close).

Imports only the standard library.

`peek_head` waits (bounded in bytes and in time) until the whole head of the HTTP request is
in the socket's receive buffer and reads it with MSG_PEEK, so the bytes stay there for the
worker that will read them: its websockets server then does the opening handshake as if it
had accepted the connection. While the head is incomplete the socket's SO_RCVLOWAT is raised
above what is already there, so the loop wakes again only when more arrives (no polling);
it is set back to 1 before the socket is handed over. `parse_head` is strict: a request
line `METHOD /target HTTP/1.x`, header lines `Name: value`, nothing else (a method other
than GET is read, so the supervisor can answer it 405 as a single-process host does).
Whatever is wrong is a `BadHead` with the HTTP status to answer (400, or 431 for a head over
the limit).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import struct
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

__all__ = ["HEAD_LIMIT", "BadHead", "Head", "close_frame", "http_answer", "parse_head",
           "peek_head"]

HEAD_LIMIT = 8192
"""the largest request head the door reads (a websocket handshake is some 250 bytes)"""
_MAX_HEADERS = 64
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_TARGET = re.compile(rb"/[\x21-\x7e]*")


class BadHead(Exception):
    """A request head the door refuses: `status` to answer, `text` why."""

    def __init__(self, status: HTTPStatus, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text


@dataclass(frozen=True, slots=True)
class Head:
    """A request's head, as far as the door needs it."""

    method: str
    """"GET", or another method (a token, as sent)"""
    target: str
    """path and query, as sent"""
    headers: dict[str, str]
    """lower-case names; a repeated header's values joined with ", " """
    size: int
    """bytes of the head, its blank line included"""

    @property
    def path(self) -> str:
        return self.target.partition("?")[0]

    @property
    def upgrade(self) -> bool:
        """A websocket opening handshake."""
        return "websocket" in self.headers.get("upgrade", "").lower()

    def query(self, name: str) -> str:
        """The last value of query parameter `name` ("" when absent)."""
        values = parse_qs(urlsplit(self.target).query).get(name)
        return values[-1] if values else ""


def parse_head(data: bytes) -> Head:
    """The head at the start of `data` (which holds it whole, its blank line included).
    Raises BadHead saying what is wrong."""
    end = data.find(b"\r\n\r\n")
    if end < 0:
        raise BadHead(HTTPStatus.BAD_REQUEST, "the request head does not end")
    lines = data[:end].split(b"\r\n")
    parts = lines[0].split(b" ")
    if len(parts) != 3 or parts[2] not in (b"HTTP/1.1", b"HTTP/1.0"):
        raise BadHead(HTTPStatus.BAD_REQUEST, "not an HTTP/1.x request line")
    method, target, _ = parts
    if not _TOKEN.fullmatch(method):
        raise BadHead(HTTPStatus.BAD_REQUEST, "not an HTTP/1.x request line")
    if not _TARGET.fullmatch(target):
        raise BadHead(HTTPStatus.BAD_REQUEST, "the request target is not a path")
    if len(lines) - 1 > _MAX_HEADERS:
        raise BadHead(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "too many header lines")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, colon, value = line.partition(b":")
        if not colon or not _TOKEN.fullmatch(name):
            raise BadHead(HTTPStatus.BAD_REQUEST, "a header line is not `Name: value`")
        if any(b < 0x20 and b != 0x09 for b in value) or 0x7F in value:
            raise BadHead(HTTPStatus.BAD_REQUEST, "a header value holds control characters")
        key = name.decode("ascii").lower()
        text = value.strip(b" \t").decode("latin-1")
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    return Head(method.decode("ascii"), target.decode("ascii"), headers, end + 4)


async def _readable(sock: socket.socket) -> None:
    loop = asyncio.get_running_loop()
    fut: asyncio.Future[None] = loop.create_future()

    def ready() -> None:
        if not fut.done():
            fut.set_result(None)

    loop.add_reader(sock.fileno(), ready)
    try:
        await fut
    finally:
        loop.remove_reader(sock.fileno())


async def peek_head(sock: socket.socket, within: float) -> Head | None:
    """The head of the request waiting on `sock` (non-blocking), left unread; None if the
    client closed before sending a whole one. Raises BadHead (status 400 or 431) for a head
    that is not one or is longer than HEAD_LIMIT, TimeoutError if it is not whole within
    `within` seconds."""
    seen = 0
    try:
        async with asyncio.timeout(within):
            while True:
                await _readable(sock)
                try:
                    data = sock.recv(HEAD_LIMIT + 1, socket.MSG_PEEK)
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    return None
                if b"\r\n\r\n" in data[:HEAD_LIMIT]:
                    return parse_head(data)
                if len(data) > HEAD_LIMIT:
                    raise BadHead(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                                  f"the request head is longer than {HEAD_LIMIT} bytes")
                if len(data) <= seen:  # readable and nothing new: the client closed
                    return None
                seen = len(data)
                # wake again only once more than this has come (or the client closed)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT, seen + 1)
    finally:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT, 1)


def http_answer(status: HTTPStatus, body: bytes, headers: dict[str, str] | None = None) -> bytes:
    """A whole HTTP/1.1 response that closes the connection (`headers` may set the
    Content-Type; plain text by default). A 304 has no body, nor its length."""
    fields = {"Server": "Dreamlayer", "Content-Type": "text/plain; charset=utf-8",
              **(headers or {}), "Content-Length": str(len(body)), "Connection": "close"}
    if status is HTTPStatus.NOT_MODIFIED:
        del fields["Content-Length"]
        body = b""
    lines = [f"HTTP/1.1 {status.value} {status.phrase}", *(f"{k}: {v}" for k, v in
                                                           fields.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def close_frame(code: int, reason: str) -> bytes:
    """A server's websocket close frame (unmasked) with `code` and `reason` (cut to the
    123 bytes a control frame allows, on a character boundary)."""
    text = reason.encode()[:123].decode(errors="ignore").encode()
    payload = struct.pack("!H", code) + text
    return bytes([0x88, len(payload)]) + payload
