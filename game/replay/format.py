"""The replay file format: framing, records, and a writer and reader that refuse bad files
with one clear `ReplayError`.

A file is a preamble and then blocks, each compressed on its own so that a file cut short
(a crash, a full disk) still reads up to its last whole block::

    preamble  b"DLREPLAY", format version (uint16 LE)
    block     payload length (uint32 LE), CRC-32 of the payload (uint32 LE), payload
    payload   raw DEFLATE (no zlib header; a window of up to 32 KB) of a msgpack stream
              of records

Block 0 holds the header alone: `[HEADER, {map}]`. Every later block opens with
`[BLOCK, upto]`: it holds everything recorded up to tick `upto` after the block before.
Records are msgpack arrays whose first value is a `Kind`; `LAYOUT` declares the rest and
drives the reader's checks. "Tick T" is the world's tick once T has been played: people's
inputs of tick T were applied in the step that made the world's tick T; a roster change
or chat line of tick T happened after that step and before the next.

    PEOPLE      first tick, dreamers (a list), ticks, data: the inputs of `dreamers`
                (people's seats) for `ticks` ticks from `first`, as the six `PersonInput`
                columns (move_dir, move_len, aim_x, aim_y, buttons, ping). Each value is
                the difference from the one before in the same column and dreamer (the
                first from 0; move_dir's modulo 256, taken in -128..127), zigzag-encoded
                into a uint16 ((v << 1) ^ (v >> 63)); they are laid out column by column,
                dreamer by dreamer, tick by tick, and `data` holds all their low bytes,
                then all their high bytes (12 bytes per dreamer and tick). A block carries
                every tick of every person's seat. Values the simulation does not read
                repeat the last one it read (before the first, the run's first value): an
                aim on a tick that does not use it (`PersonInput.aims`), a direction with
                a move of length 0.
    SEAT        tick, dreamer, name, realm, role, control: a roster change (`Seat`)
    CHAT        tick, dreamer (0: a spectator), name, text
    EMOTE       tick, dreamer, name, emote
    CHECKPOINT  tick, state hash (16 bytes)
    END         ticks played, outcome, final state hash (16 bytes)

Limits bound what a hostile file can cost: a block is at most `MAX_BLOCK` bytes
compressed and `MAX_RAW` bytes unpacked, strings and lists have declared sizes, msgpack's
own stack limit bounds nesting.

Imports msgpack, game.net.schema (its declared-field checks), game.sim and the replay's
header and inputs.
"""

from __future__ import annotations

import array
import functools
import struct
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, BinaryIO, NamedTuple

import msgpack
import numpy as np
import numpy.typing as npt

from game.net.schema import U16, Field, ProtocolError, i, lst, raw, s
from game.replay.header import Control, LevelFile, ReplayHeader, Seat
from game.replay.inputs import (
    AIM_MAX,
    AIMING_BUTTONS,
    ALL_BUTTONS,
    DIRECTIONS,
    LENGTH_STEPS,
    PING_MAX,
    PersonInput,
)
from game.sim.events import Outcome
from game.sim.level import Realm
from game.sim.roles import Role

__all__ = [
    "FORMAT_VERSION",
    "LAYOUT",
    "MAGIC",
    "Block",
    "BlockWriter",
    "ChatLine",
    "Emote",
    "End",
    "Kind",
    "PeopleRun",
    "PeopleSegment",
    "ReplayError",
    "ReplayReader",
    "check_header",
    "people_records",
]

MAGIC = b"DLREPLAY"
FORMAT_VERSION = 1
MAX_BLOCK = 1 << 20
"""largest compressed block, in bytes"""
MAX_RAW = 4 << 20
"""largest unpacked block, in bytes"""
MAX_RUN = 1024
"""most ticks one block may carry (a recorder flushes every checkpoint, at most 300)"""
MAX_TICK = 2**31 - 1
STALLED_BLOCKS = 64
"""blocks in a row that may end at the same tick (a recorder writes a few: a checkpoint's,
then a roster change's, a chat flood's, the end's); more is a file that goes nowhere"""
MAX_PEOPLE = 64
"""most people's seats one PEOPLE record carries"""
NAME, TEXT, EMOTE = 64, 1000, 32
HASH = 16
"""bytes of a state hash (World.state_hash() is its hex)"""

_PREAMBLE = struct.Struct("<8sH")
_FRAME = struct.Struct("<II")


class ReplayError(Exception):
    """A replay that cannot be read or played here; the message says why in one line."""


class Kind(IntEnum):
    """Record kinds (the first value of every record)."""

    HEADER = 1
    BLOCK = 2
    PEOPLE = 3
    SEAT = 4
    CHAT = 5
    EMOTE = 6
    CHECKPOINT = 7
    END = 8


def _tick(name: str = "tick") -> Field:
    return i(name, 0, MAX_TICK)


_HALF_TURN = DIRECTIONS // 2
_LOW = np.array([0, 0, -AIM_MAX, -AIM_MAX, 0, 0], dtype=np.int64)
_HIGH = np.array([DIRECTIONS - 1, LENGTH_STEPS, AIM_MAX, AIM_MAX, ALL_BUTTONS, PING_MAX],
                 dtype=np.int64)
"""the range of each PersonInput field"""
_SPAN = (_HIGH - _LOW).astype(np.uint64)
_ZERO_ROW = np.zeros((1, 6), dtype=np.int64)
_HELD = np.array([0, 2, 3])
"""the columns held while not read: move_dir (read if move_len), aim_x, aim_y (if aims)"""
_HELD_BY = np.array([0, 1, 1])


@functools.lru_cache(maxsize=64)
def _rows(p: int, t: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(row numbers, the first row of each row's run), both (p*t, 2), for p runs of t."""
    rows = np.repeat(np.arange(p * t)[:, None], 2, axis=1)
    starts = rows // t * t
    return rows, starts


LAYOUT: dict[Kind, tuple[Field, ...]] = {
    Kind.BLOCK: (_tick("upto"),),
    Kind.PEOPLE: (_tick("first"), lst("dreamers", MAX_PEOPLE, item=i("dreamer", 1, U16)),
                  i("ticks", 1, MAX_RUN), raw("data", 12 * MAX_PEOPLE * MAX_RUN)),
    Kind.SEAT: (_tick(), i("dreamer", 1, U16), s("name", NAME), i("realm", 1, 2),
                i("role", 1, 3), i("control", 0, 3)),
    Kind.CHAT: (_tick(), i("dreamer", 0, U16), s("name", NAME), s("text", TEXT)),
    Kind.EMOTE: (_tick(), i("dreamer", 0, U16), s("name", NAME), s("emote", EMOTE)),
    Kind.CHECKPOINT: (_tick(), raw("hash", HASH)),
    Kind.END: (_tick("ticks"), i("outcome", 1, 3), raw("hash", HASH)),
}
"""every record kind after the header, its fields in order (checked on reading)"""


class ChatLine(NamedTuple):
    tick: int
    dreamer: int
    """the speaker's dreamer, 0 for a spectator"""
    name: str
    text: str


class Emote(NamedTuple):
    tick: int
    dreamer: int
    name: str
    emote: str
    """"together" is the one there is"""


class End(NamedTuple):
    ticks: int
    outcome: Outcome
    state_hash: str


class PeopleRun(NamedTuple):
    """One person's inputs for consecutive ticks from `first`: an (n, 6) int array whose
    rows are PersonInput values."""

    dreamer: int
    first: int
    values: npt.NDArray[np.int64]


@dataclass(slots=True)
class Block:
    """One decoded block after the header."""

    index: int
    upto: int
    people: list[PeopleRun] = field(default_factory=list)
    seats: list[tuple[int, Seat]] = field(default_factory=list)
    chat: list[ChatLine] = field(default_factory=list)
    emotes: list[Emote] = field(default_factory=list)
    checkpoints: list[tuple[int, str]] = field(default_factory=list)
    end: End | None = None


# ---------------------------------------------------------------------- writing
class BlockWriter:
    """Writes the preamble and the header at once, then one block per `write()`, each
    flushed to the file so that a crash loses only the block not yet written.

    `header=None` continues a file instead (`Recorder.resume`): `stream` stands just after
    the file's last whole block and nothing is written until the next `write()`."""

    def __init__(self, stream: BinaryIO, header: ReplayHeader | None) -> None:
        self.stream = stream
        self.bytes_written = 0
        self._packer = msgpack.Packer(use_bin_type=True)
        if header is not None:
            self._put(_PREAMBLE.pack(MAGIC, FORMAT_VERSION))
            self.write([[Kind.HEADER, header_values(header)]])

    def write(self, records: Sequence[Sequence[Any]]) -> None:
        body = b"".join(map(self._packer.pack, records))
        # level 5 costs half of level 9's time on these small, repetitive blocks for 1.5%
        # more bytes; a 4 KB window holds a block of a few seconds whole and sets up in a
        # third of the time of the default 32 KB one (which the reader's -15 reads too)
        comp = zlib.compressobj(5, zlib.DEFLATED, -12, 6)
        payload = comp.compress(body) + comp.flush()
        self._put(_FRAME.pack(len(payload), zlib.crc32(payload)) + payload)
        self.stream.flush()

    def _put(self, data: bytes) -> None:
        self.stream.write(data)
        self.bytes_written += len(data)


class PeopleSegment(NamedTuple):
    """Inputs as a recorder gathers them: `ticks` ticks from `first`, each the inputs of
    `dreamers` in that order, six whole numbers each (a PersonInput), all in one flat list
    (extending a list is the cheapest thing a tick can do)."""

    first: int
    dreamers: tuple[int, ...]
    ticks: int
    flat: list[int]


def people_records(segments: Sequence[PeopleSegment]) -> list[list[Any]]:
    """The PEOPLE records of a block, one per segment (a fixed number of numpy calls per
    segment, whatever its length and its people).

    Raises ValueError for anything but PersonInputs in range (a caller that did not build
    its inputs with PersonInput.of) or a segment longer than MAX_RUN ticks."""
    out: list[list[Any]] = []
    for seg in segments:
        p, t = len(seg.dreamers), seg.ticks
        if not p or not t:
            continue
        if t > MAX_RUN or p > MAX_PEOPLE:
            raise ValueError(f"{t} ticks of {p} people in one block; at most {MAX_RUN} of "
                             f"{MAX_PEOPLE}")
        try:
            flat = np.frombuffer(array.array("q", seg.flat), dtype=np.int64)
        except (TypeError, OverflowError):
            raise ValueError("people(): an input holds something else than whole numbers "
                             "(build it with PersonInput.of)") from None
        if flat.size != p * t * 6:
            raise ValueError("people(): an input is not six whole numbers (build it with "
                             "PersonInput.of)")
        a = flat.reshape(t, p, 6).transpose(1, 0, 2).reshape(p * t, 6)  # a run per dreamer
        if ((a - _LOW).view(np.uint64) > _SPAN).any():
            row = int(np.argmax(((a < _LOW) | (a > _HIGH)).any(axis=1)))
            _check_values(a[row:row + 1], f"dreamer {seg.dreamers[row // t]}", ValueError)
        # a value the simulation does not read is not worth a byte: hold the last one it
        # read in the same run (a direction with a length of 0, an aim on a tick that does
        # not aim; before the first, the run's first row). The running maximum of the rows
        # read, with each run's first row counted as read, is the row to repeat.
        rows, starts = _rows(p, t)
        read = np.empty((p * t, 2), dtype=bool)
        np.not_equal(a[:, 1], 0, out=read[:, 0])
        np.not_equal((a[:, 4] & AIMING_BUTTONS) | a[:, 5], 0, out=read[:, 1])  # .aims
        src = np.maximum.accumulate(np.where(read, rows, starts), axis=0)
        a[:, _HELD] = a[src[:, _HELD_BY], _HELD]
        d = np.diff(a, axis=0, prepend=_ZERO_ROW)
        d[::t] = a[::t]
        d[:, 0] = d[:, 0].astype(np.int8)  # a direction's change, modulo 256, in -128..127
        zigzag = ((d << 1) ^ (d >> 63)).astype("<u2").reshape(p, t, 6).transpose(2, 0, 1)
        planes = np.ascontiguousarray(zigzag).view(np.uint8).reshape(-1, 2).T
        out.append([Kind.PEOPLE, seg.first, list(seg.dreamers), t, planes.tobytes()])
    return out


def header_values(h: ReplayHeader) -> dict[str, Any]:
    """The header's map as the file holds it."""
    lv = h.level
    return {
        "game_version": h.game_version, "build": h.build,
        "level": {"name": lv.name, "file": lv.file, "sha256": lv.sha256,
                  "tilesets": [list(t) for t in lv.tilesets]},
        "seed": h.seed, "bot_seed": h.bot_seed, "hazard": h.hazard,
        "night_seconds": h.night_seconds, "tick_rate": h.tick_rate,
        "checkpoint_every": h.checkpoint_every, "started": h.started, "room": h.room,
        "start_hash": bytes.fromhex(h.start_hash),
        "seats": [[st.dreamer, st.name, int(st.realm), int(st.role), int(st.control)]
                  for st in h.seats],
    }


def check_header(h: ReplayHeader) -> None:
    """Raise ReplayError unless the reader would accept this header as written."""
    _header(msgpack.unpackb(msgpack.packb(header_values(h), use_bin_type=True), raw=False))


# ---------------------------------------------------------------------- reading
_SHA = s("sha256", 64)
_HEADER: tuple[Field, ...] = (
    s("game_version", 64), s("build", 64),
    Field("level", "any"),  # a map: checked by _level below
    i("seed", 0, 2**63 - 1), i("bot_seed", 0, 2**63 - 1), i("hazard", 1, 5),
    i("night_seconds", 1, 7200, nullable=True), i("tick_rate", 1, 240),
    i("checkpoint_every", 1, 300), i("started", 0, 2**63 - 1), s("room", 16),
    raw("start_hash", HASH),
    lst("seats", 64, items=LAYOUT[Kind.SEAT][1:]),
)
_LEVEL: tuple[Field, ...] = (s("name", 256), s("file", 256), _SHA,
                             lst("tilesets", 16, items=(s("source", 256), _SHA)))


class ReplayReader:
    """Reads a replay from a binary stream: the header at once, the blocks on demand.

    Raises ReplayError for anything that is not a replay this game can read: not one at
    all, a format from the future, a damaged block (checksum, compression, records). A
    file that merely ends early is not an error: `blocks()` stops at its last whole block
    and sets `ended_early` (with no END record read, a file also ended early).
    """

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.ended_early = False
        self.end: End | None = None
        self.whole_bytes = 0
        """bytes from the file's start to the end of the last whole block read (where a
        recording cut short by a crash is continued)"""
        self._index = 0
        head = stream.read(_PREAMBLE.size)
        self.whole_bytes = len(head)
        if len(head) < _PREAMBLE.size or head[:8] != MAGIC:
            raise ReplayError("not a Dreamlayer replay (it does not start with "
                              f"{MAGIC.decode()})")
        version = _PREAMBLE.unpack(head)[1]
        if version > FORMAT_VERSION:
            raise ReplayError(f"replay format {version} is newer than this game reads "
                              f"({FORMAT_VERSION}): update Dreamlayer to play it")
        if version < 1:
            raise ReplayError(f"replay format {version} does not exist")
        records = self._next()
        if records is None:
            raise ReplayError("the file ends before its header is complete")
        if len(records) != 1 or _kind(records[0], 0) is not Kind.HEADER \
                or len(records[0]) != 2:
            raise ReplayError("block 0 must hold the header record alone")
        self.header = _header(records[0][1])

    def blocks(self) -> Iterator[Block]:
        """The data blocks in order, each checked. Stops after END, or at the end of the
        file (setting `ended_early` unless END was read)."""
        upto = stalled = 0
        while self.end is None:
            records = self._next()
            if records is None:
                self.ended_early = True
                return
            block = self._block(records)
            if block.upto < upto:
                raise ReplayError(f"block {block.index} goes back to tick {block.upto}")
            stalled = stalled + 1 if block.upto == upto else 0
            if stalled > STALLED_BLOCKS:
                raise ReplayError(f"block {block.index}: more than {STALLED_BLOCKS} blocks "
                                  f"in a row end at tick {upto}")
            upto = block.upto
            yield block
        if self.stream.read(1):
            raise ReplayError(f"block {self._index} follows the END record")

    # ---------------------------------------------------------------- pieces
    def _next(self) -> list[Any] | None:
        """The records of the next block; None if the file ends before it is whole."""
        n = self._index
        frame = self.stream.read(_FRAME.size)
        if len(frame) < _FRAME.size:
            return None
        size, crc = _FRAME.unpack(frame)
        if size > MAX_BLOCK:
            raise ReplayError(f"block {n} claims {size} bytes; a block holds at most "
                              f"{MAX_BLOCK}")
        payload = self.stream.read(size)
        if len(payload) < size:
            return None
        if zlib.crc32(payload) != crc:
            raise ReplayError(f"block {n} is damaged (its checksum does not match)")
        d = zlib.decompressobj(-15)
        try:
            body = d.decompress(payload, MAX_RAW + 1)
        except zlib.error as e:
            raise ReplayError(f"block {n} does not decompress ({e})") from None
        if len(body) > MAX_RAW:
            raise ReplayError(f"block {n} unpacks to more than {MAX_RAW} bytes")
        if not d.eof or d.unused_data:
            raise ReplayError(f"block {n} is not one whole compressed stream")
        unpacker = msgpack.Unpacker(raw=False, strict_map_key=True, max_buffer_size=MAX_RAW,
                                    max_str_len=4 * TEXT, max_bin_len=12 * MAX_PEOPLE * MAX_RUN,
                                    max_array_len=MAX_RUN, max_map_len=32, max_ext_len=0)
        unpacker.feed(body)
        try:
            records = list(unpacker)
        except msgpack.StackError:
            raise ReplayError(f"block {n} nests deeper than msgpack allows") from None
        except (ValueError, TypeError, msgpack.UnpackException) as e:
            raise ReplayError(f"block {n} is not msgpack records ({type(e).__name__}: "
                              f"{str(e)[:60]})") from None
        self._index += 1
        self.whole_bytes += _FRAME.size + size
        return records

    def _block(self, records: list[Any]) -> Block:
        n = self._index - 1
        where = f"block {n}"
        if not records or _kind(records[0], n) is not Kind.BLOCK:
            raise ReplayError(f"{where} does not open with a BLOCK record")
        (upto,) = _fields(Kind.BLOCK, records[0], where)
        block = Block(n, upto)
        for rec in records[1:]:
            kind = _kind(rec, n)
            v = _fields(kind, rec, where)
            if kind is Kind.PEOPLE:
                block.people += _people(v, where)
            elif kind is Kind.SEAT:
                tick, *seat = v
                block.seats.append((tick, _seat(seat)))
            elif kind is Kind.CHAT:
                block.chat.append(ChatLine(*v))
            elif kind is Kind.EMOTE:
                block.emotes.append(Emote(*v))
            elif kind is Kind.CHECKPOINT:
                block.checkpoints.append((v[0], v[1].hex()))
            elif kind is Kind.END:
                block.end = self.end = End(v[0], Outcome(v[1]), v[2].hex())
            else:
                raise ReplayError(f"{where}: a {kind.name} record has no place here")
        return block


def _kind(rec: Any, n: int) -> Kind:
    if type(rec) is not list or not rec or type(rec[0]) is not int:
        raise ReplayError(f"block {n}: a record is not an array opening with its kind")
    try:
        return Kind(rec[0])
    except ValueError:
        raise ReplayError(f"block {n}: unknown record kind {rec[0]}") from None


def _fields(kind: Kind, rec: list[Any], where: str) -> list[Any]:
    layout = LAYOUT.get(kind, ())
    if len(rec) != len(layout) + 1:
        raise ReplayError(f"{where}: a {kind.name} record has {len(rec) - 1} fields, "
                          f"expected {len(layout)}")
    return _checked(layout, rec[1:], f"{where}: {kind.name.lower()}")


def _checked(layout: Sequence[Field], values: Sequence[Any], where: str) -> list[Any]:
    try:
        return [f.check(v, where) for f, v in zip(layout, values, strict=True)]
    except ProtocolError as e:
        raise ReplayError(e.reason) from None


def _people(v: list[Any], where: str) -> list[PeopleRun]:
    first, dreamers, t, data = v
    p = len(dreamers)
    if p == 0 or len(set(dreamers)) != p:
        raise ReplayError(f"{where}: a PEOPLE record names no dreamer, or one twice")
    if len(data) != 12 * p * t:
        raise ReplayError(f"{where}: a PEOPLE record of {p} dreamers and {t} ticks holds "
                          f"{len(data)} bytes, not {12 * p * t}")
    planes = np.frombuffer(data, dtype=np.uint8).reshape(2, -1).astype(np.int64)
    zigzag = planes[0] | (planes[1] << 8)
    d = ((zigzag >> 1) ^ -(zigzag & 1)).reshape(6, p, t).transpose(1, 2, 0)
    values = np.cumsum(d, axis=1)
    values[:, :, 0] %= DIRECTIONS
    for k, did in enumerate(dreamers):
        _check_values(values[k], f"{where}: dreamer {did}", ReplayError)
    return [PeopleRun(did, first, values[k]) for k, did in enumerate(dreamers)]


def _check_values(a: npt.NDArray[np.int64], where: str,
                  error: type[Exception]) -> None:
    bad = (a < _LOW) | (a > _HIGH)
    if bad.any():
        row, col = (int(x) for x in np.argwhere(bad)[0])
        raise error(f"{where}: {PersonInput._fields[col]} {int(a[row, col])} is out of range")


def _seat(v: Sequence[Any]) -> Seat:
    dreamer, name, realm, role, control = v
    return Seat(dreamer, name, Realm(realm), Role(role), Control(control))


def _header(obj: Any) -> ReplayHeader:
    if type(obj) is not dict:
        raise ReplayError("the header is not a map")
    names = [f.name for f in _HEADER]
    missing = [n for n in names if n not in obj]
    if missing:
        raise ReplayError(f"the header lacks {', '.join(missing)}")
    v = dict(zip(names, _checked(_HEADER, [obj[n] for n in names], "header"), strict=True))
    lv = v["level"]
    if type(lv) is not dict or any(f.name not in lv for f in _LEVEL):
        raise ReplayError("the header's level is not a map of name, file, sha256, tilesets")
    name, file, sha, tilesets = _checked(_LEVEL, [lv[f.name] for f in _LEVEL], "header.level")
    seats = tuple(_seat(st) for st in v["seats"])
    if len({st.dreamer for st in seats}) != len(seats):
        raise ReplayError("the header seats a dreamer twice")
    return ReplayHeader(
        level=LevelFile(name, file, sha, tuple((src, h) for src, h in tilesets)),
        seed=v["seed"], hazard=v["hazard"], seats=seats, start_hash=v["start_hash"].hex(),
        bot_seed=v["bot_seed"], night_seconds=v["night_seconds"], started=v["started"],
        room=v["room"], checkpoint_every=v["checkpoint_every"], tick_rate=v["tick_rate"],
        game_version=v["game_version"] or "?", build=v["build"] or "?",
    )
