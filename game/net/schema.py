"""The wire schema: every message, its fields, their types and ranges, declared once.

Messages travel as msgpack arrays `[code, field1, field2, ...]` (positional, never
string-keyed maps). `decode()` checks every message against this table, so the rest of the
program only ever sees well-formed values; anything else raises `ProtocolError`, the
protocol's one error type, carrying the close code to answer with.

Records nested in messages are declared here field by field and decode to the NamedTuples
of `game.net.records`.

Imports msgpack and game.net.records.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

import msgpack

from game.net.records import (
    Contribution,
    EventRecord,
    LobbyPlayer,
    MeRecord,
    RiftRecord,
    RoomEntry,
)

__all__ = [
    "MAX_DEPTH",
    "PROTOCOL_VERSION",
    "CloseCode",
    "Field",
    "Kind",
    "Message",
    "ProtocolError",
    "Spec",
    "decode",
    "encode",
    "spec_of",
]

PROTOCOL_VERSION = 3
"""2: INPUT carries `seen_tick`, JOINED carries `hold_seconds`, close code 4011 (REPLACED);
3: MOVED (a room on another server of the cluster), ROOM_LIST entries carry their server's URL"""
MAX_DEPTH = 4
"""deepest nesting any message has; deeper input is refused before it is walked"""


class CloseCode(IntEnum):
    """WebSocket close codes the server answers with (4000-4999 are the application's)."""

    NORMAL = 1000
    GOING_AWAY = 1001
    """the server is shutting down"""
    TOO_BIG = 1009
    """a message over the size limit (websockets closes with it by itself)"""
    MALFORMED = 4000
    """not msgpack, truncated, too deep, or not an array with a known message code"""
    BAD_MESSAGE = 4001
    """a known message whose fields have the wrong count, types or ranges (NaN included)"""
    WRONG_PHASE = 4002
    """a message the connection's phase does not allow"""
    VERSION_MISMATCH = 4003
    FLOOD = 4004
    """more messages than the rate limit allows"""
    TOO_SLOW = 4005
    """the client stayed too far behind its snapshots"""
    KICKED = 4006
    STALE_TOKEN = 4007
    """a reconnect token that is unknown, expired, or another room's"""
    ROOM_CLOSED = 4008
    SERVER_FULL = 4009
    REPLACED = 4011
    """another connection came back with this seat's reconnect token and took the seat"""


class ProtocolError(Exception):
    """Bad input from the other side. `code` is the close code to answer with."""

    def __init__(self, code: CloseCode, reason: str) -> None:
        super().__init__(f"{code.name.lower()} ({int(code)}): {reason}")
        self.code = code
        self.reason = reason[:120]  # a close reason must fit in a control frame


class Kind(IntEnum):
    """Message codes. Below 64 a client sends them; from 64 the server does."""

    HELLO = 1
    LIST_ROOMS = 2
    CREATE_ROOM = 3
    JOIN_ROOM = 4
    CHOOSE = 5
    READY = 6
    START = 7
    INPUT = 8
    CHAT = 9
    EMOTE = 10
    KICK = 11
    LEAVE = 12
    PING = 13

    WELCOME = 64
    ROOM_LIST = 65
    JOINED = 66
    LOBBY = 67
    MATCH_START = 68
    SNAPSHOT = 69
    CHAT_MSG = 70
    EMOTE_MSG = 71
    MATCH_END = 72
    ERROR = 73
    PONG = 74
    MOVED = 75

    @property
    def from_client(self) -> bool:
        return self.value < 64


@dataclass(frozen=True, slots=True)
class Field:
    """One positional field: `kind` is int, float, bool, str, bytes, list, or any (only
    in server messages whose payload is checked by its own reader). Numbers must lie in
    [lo, hi]; str, bytes and list lengths in [0, size]; a list's items match `item`
    (a Field) or, for a list of records, `items` (Fields, one per position). `record` is
    the NamedTuple a checked record becomes: for `items`, each item; for `item`, the
    whole list (then it must have exactly one value per record field)."""

    name: str
    kind: str
    lo: float = -math.inf
    hi: float = math.inf
    size: int = 0
    item: Field | None = None
    items: tuple[Field, ...] = ()
    nullable: bool = False
    record: Any = None

    def check(self, value: Any, where: str) -> Any:
        """Return `value` if it fits this field, else raise ProtocolError(BAD_MESSAGE)."""
        if value is None and self.nullable:
            return None
        k = self.kind
        if k == "int":
            if type(value) is not int:
                raise self._wrong_type(value, where)
            if not self.lo <= value <= self.hi:
                raise _range(where, self, value)
        elif k == "float":
            if type(value) is int:
                value = float(value)
            if type(value) is not float:
                raise self._wrong_type(value, where)
            if not math.isfinite(value):
                raise ProtocolError(CloseCode.BAD_MESSAGE, f"{where}.{self.name}: not finite")
            if not self.lo <= value <= self.hi:
                raise _range(where, self, value)
        elif k == "bool":
            if type(value) is not bool:
                raise self._wrong_type(value, where)
        elif k == "str":
            if type(value) is not str:
                raise self._wrong_type(value, where)
            if len(value) > self.size:
                raise ProtocolError(CloseCode.BAD_MESSAGE,
                                    f"{where}.{self.name}: longer than {self.size}")
        elif k == "bytes":
            if type(value) is not bytes:
                raise self._wrong_type(value, where)
            if len(value) > self.size:
                raise ProtocolError(CloseCode.BAD_MESSAGE,
                                    f"{where}.{self.name}: longer than {self.size} bytes")
        elif k == "list":
            if not isinstance(value, (list, tuple)):
                raise self._wrong_type(value, where)
            if len(value) > self.size:
                raise ProtocolError(CloseCode.BAD_MESSAGE,
                                    f"{where}.{self.name}: more than {self.size} items")
            if self.item is not None:
                value = [self.item.check(v, f"{where}.{self.name}[]") for v in value]
                if self.record is not None:
                    if len(value) != len(self.record._fields):
                        raise ProtocolError(CloseCode.BAD_MESSAGE,
                                            f"{where}.{self.name}: expected "
                                            f"{len(self.record._fields)} values")
                    value = self.record(*value)
            elif self.items:
                value = [_record(self.items, v, f"{where}.{self.name}[]", self.record)
                         for v in value]
        return value


    def _wrong_type(self, value: Any, where: str) -> ProtocolError:
        return ProtocolError(CloseCode.BAD_MESSAGE, f"{where}.{self.name}: expected "
                             f"{self.kind}, got {type(value).__name__}")


def _range(where: str, f: Field, value: float) -> ProtocolError:
    return ProtocolError(CloseCode.BAD_MESSAGE,
                         f"{where}.{f.name}: {value!r} outside {f.lo:g}..{f.hi:g}")


def _record(fields: Sequence[Field], value: Any, where: str, record: Any) -> Any:
    if not isinstance(value, (list, tuple)) or len(value) != len(fields):
        raise ProtocolError(CloseCode.BAD_MESSAGE,
                            f"{where}: expected a record of {len(fields)} values")
    checked = [f.check(v, where) for f, v in zip(fields, value, strict=True)]
    return record(*checked) if record is not None else checked


def i(name: str, lo: int, hi: int, nullable: bool = False) -> Field:
    return Field(name, "int", lo, hi, nullable=nullable)


def f(name: str, lo: float, hi: float) -> Field:
    return Field(name, "float", lo, hi)


def b(name: str) -> Field:
    return Field(name, "bool")


def s(name: str, size: int) -> Field:
    return Field(name, "str", size=size)


def raw(name: str, size: int, nullable: bool = False) -> Field:
    return Field(name, "bytes", size=size, nullable=nullable)


def lst(name: str, size: int, item: Field | None = None, items: Sequence[Field] = (),
        nullable: bool = False, record: Any = None) -> Field:
    return Field(name, "list", size=size, item=item, items=tuple(items), nullable=nullable,
                 record=record)


U16, U32 = 65535, 2**32 - 1
NAME, TEXT, CODE, URL = 32, 200, 8, 256


@dataclass(frozen=True, slots=True)
class Spec:
    kind: Kind
    fields: tuple[Field, ...]
    doc: str = ""


_SPECS: tuple[Spec, ...] = (
    # ---------------------------------------------------------------- client -> server
    Spec(Kind.HELLO, (i("version", 0, U16), s("name", NAME)),
         "first message: protocol version and the player's name"),
    Spec(Kind.LIST_ROOMS, (), "ask for the public rooms"),
    Spec(Kind.CREATE_ROOM, (s("level", 64), i("max_dreamers", 1, 8), s("password", 64),
                            b("public"), i("hazard", 0, 5), b("bot_fill")),
         "create a room and become its host; level '' starts the campaign; hazard 0 takes "
         "the server's default"),
    Spec(Kind.JOIN_ROOM, (s("code", CODE), s("password", 64), b("spectate"), s("token", 64)),
         "join by code; a token from an earlier JOINED reclaims that seat"),
    Spec(Kind.CHOOSE, (i("realm", 1, 2), i("role", 1, 3)), "pick realm and role in the lobby"),
    Spec(Kind.READY, (b("ready"),)),
    Spec(Kind.START, (), "the room's host starts the match"),
    Spec(Kind.INPUT, (i("seq", 0, U32), i("seen_tick", 0, U32), f("move_x", -1.0, 1.0),
                      f("move_y", -1.0, 1.0), f("aim_x", -2048.0, 2048.0),
                      f("aim_y", -2048.0, 2048.0), i("buttons", 0, 7), i("ping", 0, 3)),
         "one tick of controls; seen_tick: the newest server tick the client had seen (its "
         "last SNAPSHOT's or MATCH_START's) when it made them; buttons: 1 paint, 2 ability, "
         "4 shove"),
    Spec(Kind.CHAT, (s("text", TEXT),)),
    Spec(Kind.EMOTE, (), "'together'"),
    Spec(Kind.KICK, (i("player", 0, U16),), "host only"),
    Spec(Kind.LEAVE, (), "back to the lobby"),
    Spec(Kind.PING, (i("t", 0, U32),), "latency probe; answered by PONG with the same t"),
    # ---------------------------------------------------------------- server -> client
    Spec(Kind.WELCOME, (i("version", 0, U16), i("player", 0, U16), s("server", 64))),
    Spec(Kind.ROOM_LIST, (lst("rooms", 256, items=(
        s("code", CODE), s("host", NAME), s("level", 64), i("dreamers", 0, 8),
        i("max_dreamers", 1, 8), b("locked"), b("playing"), s("url", URL)), record=RoomEntry),),
         "the public rooms of every server of the cluster; url: the server that runs the "
         "room (\"\" from a server without a cluster: itself)"),
    Spec(Kind.JOINED, (s("code", CODE), s("token", 64), i("player", 0, U16), b("host"),
                       b("spectator"), i("hold_seconds", 0, 3600)),
         "seated; after a drop the seat is held hold_seconds for JOIN_ROOM with this token"),
    Spec(Kind.LOBBY, (s("code", CODE), s("level", 64), s("title", 64), i("hazard", 1, 5),
                      i("max_dreamers", 1, 8), i("state", 0, 2), lst("players", 64, items=(
                          i("player", 0, U16), s("name", NAME), i("realm", 1, 2),
                          i("role", 1, 3), b("ready"), b("bot"), b("host"), b("spectator"),
                          i("latency_ms", 0, U16), i("dreamer", 0, U16)), record=LobbyPlayer)),
         "the room's roster; state 0 lobby, 1 playing, 2 between retreats"),
    Spec(Kind.MATCH_START, (s("level", 64), i("hazard", 1, 5), i("night_ticks", 1, U32),
                            i("tick_rate", 1, 120), i("dreamer", 0, U16),
                            raw("state", 1 << 20)),
         "a retreat begins; state is the compressed full state (see snapshot.py)"),
    Spec(Kind.SNAPSHOT, (i("tick", 0, U32), i("ack", 0, U32),
                         lst("meters", 2, item=i("m", 0, 10000), nullable=True),
                         raw("entities", 1 << 16),
                         lst("removed", 4096, item=i("id", 0, U16)),
                         lst("chunks", 4096, item=i("chunk", 0, U16)),
                         raw("paint", 1 << 20, nullable=True),
                         lst("events", 512, items=(
                             i("kind", 0, 255), i("entity", -1, U16), i("x", -(2**20), 2**20),
                             i("y", -(2**20), 2**20), f("value", -1e9, 1e9),
                             i("other", -1, U16)), record=EventRecord),
                         lst("me", 8, item=i("v", -(2**20), 2**20), nullable=True,
                             record=MeRecord),
                         lst("rifts", 64, items=(i("rift", 0, 255), i("flags", 0, 3),
                                                 i("progress", 0, 255)), record=RiftRecord)),
         "what changed since this client's last snapshot (see snapshot.py)"),
    Spec(Kind.CHAT_MSG, (i("player", 0, U16), s("name", NAME), s("text", TEXT))),
    Spec(Kind.EMOTE_MSG, (i("player", 0, U16),)),
    Spec(Kind.MATCH_END, (i("outcome", 1, 3), i("score", 0, U32), i("ticks", 0, U32),
                          lst("meters", 2, item=i("m", 0, 10000)),
                          lst("coverage", 5, item=i("permille", 0, 1000)),
                          i("rifts_sealed", 0, 255), i("rifts", 0, 255),
                          i("awakened", 0, U32),
                          lst("dreamers", 16, items=(
                              i("dreamer", 0, U16), s("name", NAME), i("realm", 1, 2),
                              i("role", 1, 3), i("painted", 0, U32), i("cleansed", 0, U32),
                              i("revived", 0, U32), i("awakenings", 0, U32)),
                              record=Contribution),
                          s("next_level", 64), s("replay", 100)),
         "coverage permille: sanctuary dream, rest dream, mosaic, nightmare, unformed; "
         "replay: the night's replay id (GET /replays/ID), \"\" when not recorded"),
    Spec(Kind.ERROR, (i("code", 0, U16), s("text", TEXT)),
         "a refusal that leaves the connection open (wrong room code or password, full...)"),
    Spec(Kind.PONG, (i("t", 0, U32),)),
    Spec(Kind.MOVED, (s("code", CODE), s("url", URL)),
         "the room asked for is on another server of the cluster: connect to url and send the "
         "same JOIN_ROOM (code, password, spectate, token) there; nothing else changes"),
)

_BY_CODE: dict[int, Spec] = {sp.kind.value: sp for sp in _SPECS}

_Flat = tuple[tuple[str, ...], tuple[tuple[type, float, float, bool], ...]]


def _flat(sp: Spec) -> _Flat | None:
    """A spec whose fields are all plain numbers (finite bounds) or bools, as `(names,
    (type, lo, hi, nullable) per field)` for `decode`'s quick check; None for any other."""
    rules: list[tuple[type, float, float, bool]] = []
    for fd in sp.fields:
        if fd.kind == "bool":
            rules.append((bool, 0.0, 0.0, fd.nullable))
        elif fd.kind in ("int", "float") and math.isfinite(fd.lo) and math.isfinite(fd.hi):
            rules.append((int if fd.kind == "int" else float, fd.lo, fd.hi, fd.nullable))
        else:
            return None
    return tuple(fd.name for fd in sp.fields), tuple(rules)


_FLAT: dict[int, _Flat] = {code: flat for code, sp in _BY_CODE.items()
                           if (flat := _flat(sp)) is not None}
"""the specs `decode` checks the quick way (INPUT, the most common message, among them)"""


def _check_records() -> None:
    """Every declared record's NamedTuple names its fields as the table does."""
    for sp in _SPECS:
        for fd in sp.fields:
            if fd.record is None:
                continue
            names = [x.name for x in fd.items] if fd.items else None
            if names is not None and list(fd.record._fields) != names:
                raise AssertionError(f"{sp.kind.name}.{fd.name}: {fd.record.__name__} "
                                     f"fields {fd.record._fields} != {names}")


_check_records()


def spec_of(kind: Kind) -> Spec:
    return _BY_CODE[kind.value]


@dataclass(frozen=True, slots=True)
class Message:
    """A checked message: its kind and its field values by name."""

    kind: Kind
    values: Mapping[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        return self.values[name]


def encode(kind: Kind, values: Mapping[str, Any] | None = None, check: bool = True) -> bytes:
    """Check `values` against the schema and pack them. Raises ProtocolError(BAD_MESSAGE)
    for values that do not fit (a bug on the sending side) and KeyError for a missing one.

    `check=False` skips the check, for messages the sender builds itself on a hot path
    (the server's snapshots); the receiving side checks every message anyway.
    """
    sp = _BY_CODE[kind.value]
    values = values or {}
    out: list[Any] = [kind.value]
    name = kind.name.lower()
    for fd in sp.fields:
        out.append(fd.check(values[fd.name], name) if check else values[fd.name])
    data: bytes = msgpack.packb(out, use_bin_type=True)
    return data


def decode(data: bytes, max_size: int = 1 << 21) -> Message:
    """Unpack and check one message. Raises ProtocolError for anything else."""
    if len(data) > max_size:
        raise ProtocolError(CloseCode.TOO_BIG, f"message of {len(data)} bytes")
    try:
        obj = msgpack.unpackb(data, raw=False, use_list=True, strict_map_key=True,
                              max_str_len=max_size, max_bin_len=max_size,
                              max_array_len=65536, max_map_len=64, max_ext_len=0)
    except (ValueError, TypeError, msgpack.UnpackException, RecursionError) as e:
        raise ProtocolError(CloseCode.MALFORMED, f"not msgpack ({type(e).__name__})") from None
    if type(obj) is not list or not obj:
        raise ProtocolError(CloseCode.MALFORMED, "a message is a non-empty array")
    quick = _quick(obj)
    if quick is not None:
        return quick
    if _depth(obj, 0) > MAX_DEPTH:
        raise ProtocolError(CloseCode.MALFORMED, "nested too deep")
    code = obj[0]
    sp = _BY_CODE.get(code) if type(code) is int else None
    if sp is None:
        raise ProtocolError(CloseCode.MALFORMED, f"unknown message code {code!r}"[:80])
    name = sp.kind.name.lower()
    if len(obj) != len(sp.fields) + 1:
        raise ProtocolError(CloseCode.BAD_MESSAGE,
                            f"{name}: expected {len(sp.fields)} fields, got {len(obj) - 1}")
    values = {fd.name: fd.check(v, name) for fd, v in zip(sp.fields, obj[1:], strict=True)}
    return Message(sp.kind, values)


def kind_of(data: bytes) -> Kind | None:
    """The kind a message says it is, read from its first bytes without unpacking it (an
    array whose first item is a known code, as `encode` writes every message); None when
    it does not say so plainly. A hint for routing only: `decode` still checks the whole
    message, and may refuse it."""
    if len(data) >= 2 and data[0] & 0xF0 == 0x90:  # up to 15 items
        sp = _BY_CODE.get(data[1])
    elif len(data) >= 4 and data[0] == 0xDC:  # up to 65535
        sp = _BY_CODE.get(data[3])
    else:
        return None
    return None if sp is None else sp.kind


def _quick(obj: list[Any]) -> Message | None:
    """The message `obj` is, if it is a message of plain numbers and bools (`_FLAT`) whose
    values all fit; None otherwise, and `decode` then checks it the long way (which finds
    the same values, and for a message that does not fit raises what it raises). A list
    anywhere fails the quick check, so nothing nested is walked here."""
    code = obj[0]
    flat = _FLAT.get(code) if type(code) is int else None
    if flat is None:
        return None
    names, rules = flat
    if len(obj) != len(rules) + 1:
        return None
    values: dict[str, Any] = {}
    for name, (t, lo, hi, nullable), v in zip(names, rules, obj[1:], strict=True):
        tv = type(v)
        if t is float and tv is int:
            v = float(v)
            tv = float
        if tv is not t:
            if v is None and nullable:
                values[name] = None
                continue
            return None
        if t is not bool and not lo <= v <= hi:  # NaN fails this too
            return None
        values[name] = v
    return Message(_BY_CODE[code].kind, values)


def _depth(obj: Any, level: int) -> int:
    """How deep lists and maps nest, stopping early once past MAX_DEPTH."""
    if level > MAX_DEPTH:
        return level
    if isinstance(obj, list):
        return max((_depth(v, level + 1) for v in obj), default=level + 1)
    if isinstance(obj, dict):
        return max((_depth(v, level + 1) for v in obj.values()), default=level + 1)
    return level


def messages_markdown() -> str:
    """The message list of PROTOCOL.md, rendered from this table (a test keeps them equal)."""
    rows = []
    for name, code, doc, fields in describe():
        head = f"- `{name}` ({code}){': ' + doc if doc else ''}\n"
        rows.append(head + "".join(f"  - {fd}\n" for fd in fields))
    return "\n".join(rows)


def describe() -> list[tuple[str, int, str, list[str]]]:
    """(name, code, doc, field descriptions) for every message: the protocol's own docs."""
    return [(sp.kind.name, sp.kind.value, sp.doc, [_describe(fd) for fd in sp.fields])
            for sp in _SPECS]


def _describe(fd: Field) -> str:
    """One field as PROTOCOL.md lists it, records spelled out field by field."""
    if fd.kind == "int":
        what = f"int {int(fd.lo)}..{int(fd.hi)}"
    elif fd.kind == "float":
        what = f"float {fd.lo:g}..{fd.hi:g}"
    elif fd.kind in ("str", "bytes"):
        what = f"{fd.kind} <= {fd.size}"
    elif fd.kind == "list":
        what = f"list <= {fd.size}"
        if fd.items:
            what += " of [" + ", ".join(_describe(x) for x in fd.items) + "]"
        elif fd.item is not None:
            what += " of " + _describe(fd.item).split(": ", 1)[1]
            if fd.record is not None:
                what = (f"list of exactly {len(fd.record._fields)}: ["
                        + ", ".join(fd.record._fields) + "], each "
                        + _describe(fd.item).split(": ", 1)[1])
    else:
        what = fd.kind
    return f"{fd.name}: {what}{' or nil' if fd.nullable else ''}"
