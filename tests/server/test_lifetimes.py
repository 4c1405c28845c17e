"""How long things may last, as rules with time passed in: HELLO's deadline, silence outside a
match, and an empty room's grace that waits for held seats."""

from __future__ import annotations

from game.net.session import Phase
from server.config import ServerConfig
from server.lifetimes import overdue, room_expired

CONFIG = ServerConfig(hello_seconds=5, idle_seconds=120)


def test_hello_must_come_within_its_deadline() -> None:
    assert overdue(Phase.HELLO, 100.0, 100.0, 105.0, CONFIG) is None
    assert overdue(Phase.HELLO, 100.0, 100.0, 105.1, CONFIG) == (
        "no_hello", "no HELLO within 5 s of connecting")


def test_silence_outside_a_match_is_closed_and_in_a_match_is_not() -> None:
    for phase in (Phase.LOBBY, Phase.ROOM):
        assert overdue(phase, 0.0, 100.0, 220.0, CONFIG) is None
        assert overdue(phase, 0.0, 100.0, 220.5, CONFIG) == (
            "idle", "nothing but pings for 120 s")
    assert overdue(Phase.PLAYING, 0.0, 100.0, 10_000.0, CONFIG) is None
    assert overdue(Phase.CLOSED, 0.0, 100.0, 10_000.0, CONFIG) is None


def test_an_empty_room_closes_after_its_grace_unless_a_seat_is_held() -> None:
    assert not room_expired(None, [], 1000.0, 30.0)  # someone is connected
    assert not room_expired(100.0, [], 130.0, 30.0)
    assert room_expired(100.0, [], 130.5, 30.0)
    assert not room_expired(100.0, [160.0], 131.0, 30.0)  # a dropped player may come back
    assert room_expired(100.0, [160.0], 160.5, 30.0)
