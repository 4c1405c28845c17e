"""MOVED, sans I/O: a JOIN_ROOM answered with MOVED leaves both ends in the lobby, and MOVED
is refused anywhere else."""

from __future__ import annotations

import pytest

from game.net.records import RoomEntry
from game.net.schema import PROTOCOL_VERSION, CloseCode, Kind, ProtocolError, decode, encode
from game.net.session import Phase, Session, Side, hello

JOIN = {"code": "ABCDE", "password": "pw", "spectate": False, "token": ""}
MOVED = {"code": "ABCDE", "url": "ws://10.0.0.2:8765"}


def _in_lobby() -> tuple[Session, Session]:
    c, s = Session(Side.CLIENT), Session(Side.SERVER)
    s.receive(c.send(Kind.HELLO, hello("Mira")))
    c.receive(s.send(Kind.WELCOME, {"version": PROTOCOL_VERSION, "player": 1, "server": "x"}))
    return c, s


def test_moved_answers_a_join_and_leaves_both_ends_in_the_lobby() -> None:
    c, s = _in_lobby()
    s.receive(c.send(Kind.JOIN_ROOM, JOIN))
    got = c.receive(s.send(Kind.MOVED, MOVED))
    assert got.kind is Kind.MOVED and got["url"] == MOVED["url"] and got["code"] == "ABCDE"
    assert c.phase is s.phase is Phase.LOBBY
    s.receive(c.send(Kind.JOIN_ROOM, JOIN))  # the client may still ask this server


def test_moved_outside_the_lobby_is_refused() -> None:
    c, s = _in_lobby()
    s.receive(c.send(Kind.JOIN_ROOM, JOIN))
    c.receive(s.send(Kind.JOINED, {"code": "ABCDE", "token": "t", "player": 1, "host": True,
                                   "spectator": False, "hold_seconds": 60}))
    with pytest.raises(ValueError):
        s.send(Kind.MOVED, MOVED)
    with pytest.raises(ProtocolError) as err:
        c.receive(encode(Kind.MOVED, MOVED))
    assert err.value.code is CloseCode.WRONG_PHASE


def test_a_room_list_entry_carries_its_servers_url() -> None:
    entry = RoomEntry("ABCDE", "Mira", "first-retreat", 1, 4, False, True, "ws://b:1")
    got = decode(encode(Kind.ROOM_LIST, {"rooms": [entry]}))["rooms"][0]
    assert got == entry and got.url == "ws://b:1"
    assert RoomEntry("ABCDE", "Mira", "first-retreat", 1, 4, False, True).url == ""
