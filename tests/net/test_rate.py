"""The server's message-rate rule, time passed in: a stall's catch-up burst is weather, a
sustained flood is abuse."""

from __future__ import annotations

import pytest

from game.net.schema import PROTOCOL_VERSION, CloseCode, Kind, ProtocolError, encode
from game.net.session import Session, Side, TokenBucket, hello

RATE, BURST, CATCH_UP = 60, 120, 30.0
"""the server's defaults: input_rate, input_burst, catch_up_seconds"""
HONEST = 31.0
"""messages a second an honest client sends: one INPUT a tick (30 Hz) and a PING a second"""


def server() -> Session:
    s = Session(Side.SERVER, rate=RATE, burst=BURST, catch_up_seconds=CATCH_UP)
    s.receive(encode(Kind.HELLO, hello("x")), 0.0)
    s.send(Kind.WELCOME, {"version": PROTOCOL_VERSION, "player": 1, "server": "x"})
    return s


PING = encode(Kind.PING, {"t": 1})


def send_steadily(s: Session, start: float, seconds: float, per_second: float) -> float:
    """`per_second` messages a second for `seconds` from `start`; returns the end time."""
    n = round(seconds * per_second)
    for k in range(n):
        s.receive(PING, start + k / per_second)
    return start + n / per_second


@pytest.mark.parametrize("stall", [4.0, 12.0, 15.0, 25.0])
def test_the_burst_after_a_stall_is_taken_as_the_catch_up_it_is(stall: float) -> None:
    s = server()
    t = send_steadily(s, 0.0, 20.0, HONEST)
    # the network stalls: nothing arrives for `stall` seconds, then all that was held back
    t += stall
    for _ in range(round(stall * HONEST)):
        s.receive(PING, t)
    send_steadily(s, t, 20.0, HONEST)  # and play goes on


def test_a_stall_right_after_joining_is_weather_too() -> None:
    s = server()
    for _ in range(round(15 * HONEST)):
        s.receive(PING, 15.0)


def test_a_flood_on_a_fresh_connection_is_closed_at_once() -> None:
    s = server()
    with pytest.raises(ProtocolError) as err:
        for _ in range(400):
            s.receive(PING, 0.01)
    assert err.value.code is CloseCode.FLOOD


def test_a_sustained_flood_runs_dry_however_long_it_was_quiet_before() -> None:
    for quiet in (0.0, 60.0, 3600.0):
        s = server()
        t, sent = quiet, 0
        with pytest.raises(ProtocolError) as err:
            while t < quiet + 120.0:  # twice the allowed rate, for up to two minutes
                s.receive(PING, t)
                sent += 1
                t += 1 / (2 * RATE)
        assert err.value.code is CloseCode.FLOOD
        # it got no more than the catch-up allowance beyond the rate, whatever came before
        assert sent <= RATE * CATCH_UP + RATE * (t - quiet) + 1


def test_the_bucket_refills_at_its_rate_up_to_its_cap_and_starts_at_its_burst() -> None:
    b = TokenBucket(rate=10.0, burst=5.0, cap=50.0)
    assert sum(b.take(0.0) for _ in range(10)) == 5  # a fresh start: the burst
    assert sum(b.take(1.0) for _ in range(20)) == 10  # a second's refill
    assert sum(b.take(100.0) for _ in range(100)) == 50  # a long silence: the cap
    assert not b.take(99.0)  # time going backwards refills nothing
    plain = TokenBucket(rate=2.0, burst=2.0)  # no cap: the burst is the cap
    assert sum(plain.take(60.0) for _ in range(5)) == 2
