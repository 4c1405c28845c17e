"""The supervisor's door: strict request heads, a head peeked at (and left unread) as it
trickles in over a real loopback socket, the close frame written for a dead worker's clients,
and the caps per address a supervisor applies (connections, and heads it waits for)."""

from __future__ import annotations

import asyncio
import socket
import struct
from http import HTTPStatus
from typing import cast

import pytest

from game.remote import Remote, RemoteError
from server.door import HEAD_LIMIT, BadHead, close_frame, http_answer, parse_head, peek_head
from server.host import Host
from tests.server.conftest import Hosts, serve_and, until

HANDSHAKE = (b"GET /?room=abcde HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
             b"Connection: Upgrade\r\nX-Two: a\r\nx-two: b\r\n\r\n")


def test_a_handshake_head_is_read_whole() -> None:
    head = parse_head(HANDSHAKE + b"and the first frame")
    assert head.target == "/?room=abcde" and head.path == "/" and head.query("room") == "abcde"
    assert head.upgrade and head.headers["x-two"] == "a, b" and head.size == len(HANDSHAKE)
    assert head.query("nothing") == ""
    plain = parse_head(b"GET /healthz?strict=1 HTTP/1.0\r\n\r\n")
    assert plain.path == "/healthz" and not plain.upgrade and plain.method == "GET"
    assert parse_head(b"POST / HTTP/1.1\r\n\r\n").method == "POST"  # answered 405 later


@pytest.mark.parametrize(("data", "status", "why"), [
    (b"GARBAGE\r\n\r\n", 400, "not an HTTP/1.x request line"),
    (b"GET / HTTP/2\r\n\r\n", 400, "not an HTTP/1.x request line"),
    (b"G(T / HTTP/1.1\r\n\r\n", 400, "not an HTTP/1.x request line"),
    (b"GET http://x/ HTTP/1.1\r\n\r\n", 400, "the request target is not a path"),
    (b"GET / HTTP/1.1\r\nno colon here\r\n\r\n", 400, "a header line is not `Name: value`"),
    (b"GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", 400, "a header line is not `Name: value`"),
    (b"GET / HTTP/1.1\r\nX: a\x00b\r\n\r\n", 400, "a header value holds control characters"),
    (b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * 65 + b"\r\n", 431, "too many header lines"),
])
def test_a_bad_head_says_what_is_wrong(data: bytes, status: int, why: str) -> None:
    with pytest.raises(BadHead) as err:
        parse_head(data)
    assert (err.value.status, err.value.text) == (status, why)


async def loopback() -> tuple[socket.socket, socket.socket]:
    """(the server's accepted socket, non-blocking; the client's)."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        client = socket.create_connection(listener.getsockname())
        server, _ = listener.accept()
    server.setblocking(False)
    return server, client


def test_a_head_that_trickles_in_is_peeked_whole_and_left_unread() -> None:
    async def go() -> None:
        server, client = await loopback()
        with server, client:
            peeking = asyncio.get_running_loop().create_task(peek_head(server, 5.0))
            for piece in (HANDSHAKE[:10], HANDSHAKE[10:40], HANDSHAKE[40:]):
                await asyncio.sleep(0.02)  # the pieces come apart, as from a slow client
                assert not peeking.done()
                client.sendall(piece)
            head = await asyncio.wait_for(peeking, 5.0)
            assert head is not None and head.query("room") == "abcde"
            assert server.getsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT) == 1
            assert server.recv(4096) == HANDSHAKE  # all still there, for the worker

    asyncio.run(go())


def test_no_head_in_time_an_overlong_head_and_a_client_gone() -> None:
    async def go() -> None:
        server, client = await loopback()
        with server, client:
            client.sendall(b"GET / HTTP/1.1\r\n")
            with pytest.raises(TimeoutError):
                await peek_head(server, 0.2)
        server, client = await loopback()
        with server, client:
            client.sendall(b"GET / HTTP/1.1\r\nX: " + b"a" * HEAD_LIMIT)
            with pytest.raises(BadHead) as err:
                await peek_head(server, 5.0)
            assert err.value.status == HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
        server, client = await loopback()
        with server:
            client.sendall(b"GET / HT")
            client.close()
            assert await peek_head(server, 5.0) is None

    asyncio.run(go())


def test_a_close_frame_is_a_servers_unmasked_close_cut_on_a_character() -> None:
    frame = close_frame(1011, "the room is lost")
    assert frame[0] == 0x88 and frame[1] == 2 + len("the room is lost")  # FIN, close; no mask
    assert struct.unpack("!H", frame[2:4]) == (1011,) and frame[4:] == b"the room is lost"
    long = close_frame(1001, "é" * 100)  # 200 bytes of text: cut to 122 (61 whole letters)
    assert long[1] == 2 + 122 and long[4:].decode() == "é" * 61


def test_an_http_answer_closes_and_counts_its_body() -> None:
    data = http_answer(HTTPStatus.SERVICE_UNAVAILABLE, b"full\n")
    head, _, body = data.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 503 Service Unavailable\r\n") and body == b"full\n"
    assert b"Content-Length: 5" in head and b"Connection: close" in head
    assert b"Content-Type: text/plain" in head


# ------------------------------------------------------------------ at a supervisor's door
def test_the_supervisor_caps_connections_and_waiting_heads_per_address() -> None:
    async def go(host: Host, url: str) -> None:
        port = int(url.rsplit(":", 1)[1])
        first = [await Remote.connect(url, f"p{k}") for k in range(2)]
        with pytest.raises(RemoteError, match="503"):
            await Remote.connect(url, "one too many")
        assert host.metrics.value("dreamlayer_messages_rejected_total",
                                  reason="too_many_from_ip") == 1
        for r in first:
            await r.close()
        # clients that never send a head hold a place at the door, up to the cap
        silent = [await asyncio.open_connection("127.0.0.1", port) for _ in range(2)]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        assert await asyncio.wait_for(reader.read(), 5.0) == b""  # closed at once
        assert host.metrics.value("dreamlayer_messages_rejected_total",
                                  reason="too_many_at_door") == 1
        for _, w in [*silent, (reader, writer)]:
            w.close()
        door = cast(Hosts, host).supervisor
        await until(lambda: not door.per_ip, "every connection's end, seen at the door")
        assert (await Remote.connect(url, "welcome again")).player > 0

    serve_and(go, workers=2, max_connections_per_ip=2)
