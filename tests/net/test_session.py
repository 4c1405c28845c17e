"""Two Sessions linked in memory: whole conversations, phases, and their refusals."""

from __future__ import annotations

from typing import Any

import pytest

from game.net.schema import PROTOCOL_VERSION, CloseCode, Kind, ProtocolError, encode
from game.net.session import Phase, Session, Side, TokenBucket, hello


def exchange(src: Session, dst: Session, kind: Kind, values: dict[str, Any] | None = None,
             now: float = 0.0) -> Any:
    return dst.receive(src.send(kind, values), now)


INPUT = {"seq": 1, "seen_tick": 0, "move_x": 0.5, "move_y": 0.0, "aim_x": 3.0, "aim_y": 4.0,
         "buttons": 1, "ping": 0}


def test_a_whole_conversation_moves_both_ends_through_the_phases() -> None:
    c, s = Session(Side.CLIENT), Session(Side.SERVER)
    assert exchange(c, s, Kind.HELLO, hello("Mira"))["name"] == "Mira"
    exchange(s, c, Kind.WELCOME, {"version": PROTOCOL_VERSION, "player": 1, "server": "x"})
    assert (c.phase, s.phase) == (Phase.LOBBY, Phase.LOBBY)
    exchange(c, s, Kind.JOIN_ROOM, {"code": "ABCDE", "password": "", "spectate": False,
                                    "token": ""})
    exchange(s, c, Kind.JOINED, {"code": "ABCDE", "token": "t", "player": 1, "host": True,
                                 "spectator": False, "hold_seconds": 60})
    assert (c.phase, s.phase) == (Phase.ROOM, Phase.ROOM)
    exchange(s, c, Kind.MATCH_START, {"level": "first-retreat", "hazard": 1, "night_ticks": 9,
                                      "tick_rate": 30, "dreamer": 1, "state": b""})
    assert (c.phase, s.phase) == (Phase.PLAYING, Phase.PLAYING)
    assert exchange(c, s, Kind.INPUT, INPUT)["aim_y"] == 4.0
    exchange(c, s, Kind.LEAVE)
    assert (c.phase, s.phase) == (Phase.LOBBY, Phase.LOBBY)


def test_messages_out_of_phase_are_refused_on_both_sides() -> None:
    c, s = Session(Side.CLIENT), Session(Side.SERVER)
    with pytest.raises(ValueError, match="not allowed in phase hello"):
        c.send(Kind.INPUT, INPUT)
    with pytest.raises(ProtocolError) as err:
        s.receive(encode(Kind.INPUT, INPUT))
    assert err.value.code is CloseCode.WRONG_PHASE
    assert s.phase is Phase.CLOSED
    with pytest.raises(ProtocolError) as err:
        Session(Side.CLIENT).receive(encode(Kind.SNAPSHOT, {
            "tick": 0, "ack": 0, "meters": None, "entities": b"", "removed": [], "chunks": [],
            "paint": None, "events": [], "me": None, "rifts": []}))
    assert err.value.code is CloseCode.WRONG_PHASE


def test_a_version_mismatch_is_named_on_both_sides() -> None:
    with pytest.raises(ProtocolError) as err:
        Session(Side.SERVER).receive(encode(Kind.HELLO, {"version": 9, "name": "old"}))
    assert err.value.code is CloseCode.VERSION_MISMATCH and "protocol 9" in err.value.reason
    c = Session(Side.CLIENT)
    c.send(Kind.HELLO, hello("new"))
    with pytest.raises(ProtocolError) as err:
        c.receive(encode(Kind.WELCOME, {"version": 9, "player": 1, "server": "x"}))
    assert err.value.code is CloseCode.VERSION_MISMATCH


def test_the_server_side_limits_the_message_rate() -> None:
    c, s = Session(Side.CLIENT), Session(Side.SERVER, rate=10, burst=5)
    exchange(c, s, Kind.HELLO, hello("x"), now=0.0)
    exchange(s, c, Kind.WELCOME, {"version": PROTOCOL_VERSION, "player": 1, "server": "x"})
    for _ in range(4):  # the HELLO took one token of the five
        s.receive(encode(Kind.PING, {"t": 1}), 0.0)
    with pytest.raises(ProtocolError) as err:
        s.receive(encode(Kind.PING, {"t": 1}), 0.0)
    assert err.value.code is CloseCode.FLOOD


def test_token_bucket_refills_with_time() -> None:
    b = TokenBucket(rate=2.0, burst=2.0)
    assert b.take(0.0) and b.take(0.0) and not b.take(0.0)
    assert b.take(0.5) and not b.take(0.5)
    assert b.take(10.0) and b.take(10.0) and not b.take(10.0)


def test_text_frames_are_refused() -> None:
    with pytest.raises(ProtocolError) as err:
        Session(Side.SERVER).receive("hello")
    assert err.value.code is CloseCode.MALFORMED


def test_room_messages_that_crossed_a_leave_are_taken_quietly() -> None:
    lobby = encode(Kind.LOBBY, {"code": "ABCDE", "level": "x", "title": "X", "hazard": 1,
                                "max_dreamers": 4, "state": 0, "players": []})
    never_in_a_room = Session(Side.CLIENT)
    never_in_a_room.phase = Phase.LOBBY
    with pytest.raises(ProtocolError):  # a room's message to one never in it: a server bug
        never_in_a_room.receive(lobby)
    client = Session(Side.CLIENT)
    client.phase = Phase.ROOM
    client.send(Kind.LEAVE)
    assert client.phase is Phase.LOBBY
    msg = client.receive(lobby)  # it crossed the LEAVE on the wire
    assert msg.kind is Kind.LOBBY and client.phase is Phase.LOBBY
    client.send(Kind.JOIN_ROOM, {"code": "FGHJK", "password": "", "spectate": False,
                                 "token": ""})
    assert not client.left
