"""The codec: every message round-trips, and any bytes either decode to a valid message or
raise the protocol's one error type."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from game.net.records import Buttons, LobbyPlayer, input_values, intent_of
from game.net.schema import (
    MAX_DEPTH,
    CloseCode,
    Field,
    Kind,
    ProtocolError,
    decode,
    describe,
    encode,
    messages_markdown,
    spec_of,
)
from game.sim.intent import Intent


def value_for(f: Field) -> st.SearchStrategy[Any]:
    base: st.SearchStrategy[Any]
    if f.kind == "int":
        base = st.integers(int(max(f.lo, -(2**40))), int(min(f.hi, 2**40)))
    elif f.kind == "float":
        base = st.floats(f.lo, f.hi, allow_nan=False, allow_infinity=False, width=64)
    elif f.kind == "bool":
        base = st.booleans()
    elif f.kind == "str":
        base = st.text(max_size=min(f.size, 40))
    elif f.kind == "bytes":
        base = st.binary(max_size=min(f.size, 64))
    elif f.item is not None and f.record is not None:  # a record packed as a flat list
        n = len(f.record._fields)
        rec = f.record
        base = st.lists(value_for(f.item), min_size=n, max_size=n).map(
            lambda v: rec(*v))
    elif f.item is not None:
        base = st.lists(value_for(f.item), max_size=min(f.size, 4))
    else:
        record: Callable[..., Any] = f.record or (lambda *v: list(v))
        base = st.lists(st.tuples(*(value_for(x) for x in f.items)).map(
            lambda v: record(*v)), max_size=min(f.size, 3))
    return st.none() | base if f.nullable else base


def _message_of(k: Kind) -> st.SearchStrategy[tuple[Kind, dict[str, Any]]]:
    return st.fixed_dictionaries({fd.name: value_for(fd) for fd in spec_of(k).fields}).map(
        lambda v: (k, v))


messages = st.sampled_from(list(Kind)).flatmap(_message_of)


@settings(max_examples=400, deadline=None)
@given(messages)
def test_decode_of_encode_is_the_message(m: tuple[Kind, dict[str, Any]]) -> None:
    kind, values = m
    got = decode(encode(kind, values))
    assert got.kind is kind
    assert dict(got.values) == values


@settings(max_examples=1500, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_decode_or_raise_protocol_error(data: bytes) -> None:
    try:
        msg = decode(data)
    except ProtocolError as e:
        assert e.code in (CloseCode.MALFORMED, CloseCode.BAD_MESSAGE, CloseCode.TOO_BIG)
        return
    assert decode(encode(msg.kind, dict(msg.values))) == msg


json_like = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**64 - 1) | st.floats() | st.text(max_size=8)
    | st.binary(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner,
                                                                 max_size=3),
    max_leaves=20)


@settings(max_examples=800, deadline=None)
@given(st.integers(0, 80), st.lists(json_like, max_size=8))
def test_any_msgpack_array_decodes_or_raises_protocol_error(code: int,
                                                            rest: list[Any]) -> None:
    try:
        msg = decode(msgpack.packb([code, *rest], use_bin_type=True))
    except ProtocolError:
        return
    assert msg.kind.value == code


def test_nan_and_out_of_range_are_bad_messages() -> None:
    good = {"seq": 1, "seen_tick": 0, "move_x": 0.0, "move_y": 0.0, "aim_x": 0.0,
            "aim_y": 0.0, "buttons": 0, "ping": 0}
    for field, bad in [("move_x", math.nan), ("move_y", math.inf), ("aim_x", 5000.0),
                       ("buttons", 8), ("seq", -1), ("seen_tick", -1)]:
        raw = msgpack.packb([Kind.INPUT.value, *({**good, field: bad}.values())])
        with pytest.raises(ProtocolError) as err:
            decode(raw)
        assert err.value.code is CloseCode.BAD_MESSAGE
        assert field in err.value.reason


def test_too_deep_and_too_big_are_refused() -> None:
    with pytest.raises(ProtocolError) as err:
        decode(b"\x91" * (MAX_DEPTH + 2) + b"\x01")
    assert err.value.code is CloseCode.MALFORMED
    with pytest.raises(ProtocolError) as err:
        decode(b"\x90" * 100, max_size=50)
    assert err.value.code is CloseCode.TOO_BIG


def test_every_message_is_documented() -> None:
    names = {name for name, *_ in describe()}
    assert names == {k.name for k in Kind}
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "game" / "net" / "PROTOCOL.md").read_text()
    for name, code, _, _fields in describe():
        assert f"`{name}` ({code})" in doc
    # the message list is the table, rendered: regenerate it with messages_markdown()
    assert doc.split("## Messages\n", 1)[1] == messages_markdown()


def test_records_decode_to_their_named_tuples() -> None:
    players = [LobbyPlayer(7, "Ada", 1, 2, True, False, True, False, 12, 3)]
    data = encode(Kind.LOBBY, {"code": "ABCDE", "level": "x", "title": "X", "hazard": 1,
                               "max_dreamers": 4, "state": 0, "players": players})
    got = decode(data)["players"][0]
    assert isinstance(got, LobbyPlayer) and got == players[0]
    assert got.dreamer == 3 and got.host and not got.bot
    # a tuple packs as the same array a list would
    as_list = encode(Kind.LOBBY, {"code": "ABCDE", "level": "x", "title": "X", "hazard": 1,
                                  "max_dreamers": 4, "state": 0, "players": [list(players[0])]})
    assert as_list == data


def test_an_input_round_trips_through_its_codec() -> None:
    intent = Intent(move=(0.6, -0.8), aim=(10.0, -4.0), paint=True, shove=True, ping=2)
    msg = decode(encode(Kind.INPUT, input_values(9, intent, 4321)))
    assert msg["seq"] == 9 and msg["buttons"] == Buttons.PAINT | Buttons.SHOVE
    assert msg["seen_tick"] == 4321
    back = intent_of((msg["move_x"], msg["move_y"]), (msg["aim_x"], msg["aim_y"]),
                     msg["buttons"], msg["ping"])
    assert back == intent


_FLAT_KINDS = [k for k in Kind if all(f.kind in ("int", "float", "bool")
                                      for f in spec_of(k).fields)]


@settings(max_examples=800, deadline=None)
@given(st.sampled_from(_FLAT_KINDS), st.data())
def test_the_quick_check_agrees_with_the_long_one(kind: Kind, data: st.DataObject) -> None:
    """`decode` checks messages of plain numbers (INPUT above all) the quick way: whatever
    it takes that way must be exactly what the field-by-field check takes, and whatever it
    leaves must still be refused (or taken) the long way."""
    from game.net.schema import _quick

    fields = spec_of(kind).fields
    near = st.one_of(json_like, *(value_for(f) for f in fields))
    rest = data.draw(st.lists(near, min_size=len(fields) - 1, max_size=len(fields) + 1)
                     if fields else st.lists(near, max_size=1))
    obj = [kind.value, *rest]
    quick = _quick(obj)
    try:
        long = {f.name: f.check(v, kind.name.lower())
                for f, v in zip(fields, rest, strict=True)}
    except (ProtocolError, ValueError):
        assert quick is None
        return
    if quick is not None:
        assert quick.kind is kind
        assert dict(quick.values) == long
        assert [type(v) for v in quick.values.values()] == [type(v) for v in long.values()]
