"""Snapshots: what each client is told of the world, as deltas against what it already has.

The server keeps, per client, an `Observer`: the entities, meters, rifts and paint that
client has been sent. A snapshot is the difference between the world now and that
knowledge, so a client that falls behind simply gets one larger snapshot that covers
everything it missed: nothing queues up, nothing is lost. The client keeps a `Mirror` that
applies the same differences and so rebuilds the server's state exactly.

Encodings (all integers little-endian):
- positions are 1/8 px (the simulation's own quantum, see game.sim.motion), as u16;
- `entities` is a byte string of records `flags:u8 id:u16 [kind:u8 realm:u8 role:u8]
  [x:u16 y:u16] [dx:i8 dy:i8] [status:u8]`, present according to flags NEW=1, ABS=2,
  DELTA=4, STATUS=8. A moving entity costs 5 bytes;
- paint travels per chunk (16x16 cells). A cell's code is `state * 4 + realm`. For every
  chunk that changed, the XOR of its new codes with the codes the client has is appended;
  the concatenation is compressed with raw deflate. Unchanged cells XOR to zero, so small
  changes compress to a few bytes and a burst of paint still costs one compressed block;
- the full state on joining is a deflated msgpack array: `[tick, chunks_x, chunks_y,
  codes, entities, meters, rifts]`, with `codes` the whole padded grid, row-major.

Imports numpy, msgpack, zlib and game.sim.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

import msgpack
import numpy as np
import numpy.typing as npt

from game.net.records import CadreStatus, DreamerStatus, EventRecord, MeRecord, RiftFlags
from game.net.schema import CloseCode, ProtocolError
from game.sim.entities import Dreamer
from game.sim.events import Event, EventKind
from game.sim.grid import CHUNK
from game.sim.motion import POSITION_SCALE, VELOCITY_SCALE
from game.sim.world import World

__all__ = [
    "BROADCAST_EVENTS",
    "ChunkClock",
    "EntityKind",
    "EntityState",
    "Mirror",
    "Observer",
]

NEW, ABS, DELTA, STATUS = 1, 2, 4, 8
_CELLS = CHUNK * CHUNK

_Where = tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.intp]]
"""chunks as flat indices, and the same as chunk rows and columns"""
_Parts = tuple[bytes, list[int], list[int] | None, list[list[int]], list[int], bytes | None,
               _Where, npt.NDArray[np.uint8] | None]
"""a snapshot's shared part: entities, removed, meters, rifts, chunks, paint, the chunks
again as indices (`_Where`), and their codes now (None when no chunk changed)"""

BROADCAST_EVENTS = frozenset(EventKind) - {EventKind.PAINTED}
"""events that reach the clients (a brush stroke's own event would only repeat the paint)"""


class EntityKind(IntEnum):
    DREAMER = 1
    CADRE = 2
    ETHAN = 3
    BEACON = 4


@dataclass(slots=True)
class EntityState:
    """An entity as a client knows it: quantised position and status bits."""

    kind: int
    realm: int
    role: int
    x: int
    y: int
    status: int = 0

    @property
    def px(self) -> float:
        return self.x / POSITION_SCALE

    @property
    def py(self) -> float:
        return self.y / POSITION_SCALE


# plain ints for the status bits: building an IntFlag costs far more than the arithmetic
_ASLEEP, _DISTORTED, _STAGGERED = (int(DreamerStatus.ASLEEP), int(DreamerStatus.DISTORTED),
                                   int(DreamerStatus.STAGGERED))
_HIJACKING, _SLOWED, _AWAKENING = (int(CadreStatus.HIJACKING), int(CadreStatus.SLOWED),
                                   int(CadreStatus.AWAKENING))
_OPEN, _SEALED = int(RiftFlags.OPEN), int(RiftFlags.SEALED)


def _blocks(grid: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """A padded grid seen chunk by chunk: [chunk row, chunk column, row, column] (a view:
    indexing it with chunk rows and columns gathers or writes whole chunks at once)."""
    h, w = grid.shape
    out: npt.NDArray[np.uint8] = grid.reshape(h // CHUNK, CHUNK, w // CHUNK, CHUNK).transpose(
        0, 2, 1, 3)
    return out


def _q(v: float) -> int:
    return min(max(round(v * POSITION_SCALE), 0), 65535)


def world_entities(world: World) -> dict[int, EntityState]:
    """Every entity of the world as the wire sees it."""
    tick = world.tick
    out: dict[int, EntityState] = {}
    for d in world.dreamers.values():
        status = _dreamer_status(d, tick)
        out[d.id] = EntityState(EntityKind.DREAMER, d.realm, d.role, _q(d.pos[0]), _q(d.pos[1]),
                                status)
    for c in world.cadre.values():
        status = ((_HIJACKING if c.hijack is not None else 0) | (_SLOWED if c.slowed else 0)
                  | (_AWAKENING if c.awaken > 0 else 0))
        kind = EntityKind.ETHAN if c.is_ethan else EntityKind.CADRE
        out[c.id] = EntityState(kind, 0, 0, _q(c.pos[0]), _q(c.pos[1]), status)
    for b in world.beacons:
        out[b.id] = EntityState(EntityKind.BEACON, b.realm, 0, _q(b.x), _q(b.y))
    return out


def world_rifts(world: World) -> dict[int, tuple[int, int]]:
    """index -> (flags: 1 open, 2 sealed; seal progress 0..255)."""
    out = {}
    for r in world.rifts:
        flags = (_OPEN if r.open(world.tick) else 0) | (_SEALED if r.sealed else 0)
        prog = 255 if r.sealed else min(255, round(255 * r.progress / max(r.seal_ticks, 1)))
        out[r.index] = (flags, prog)
    return out


def world_meters(world: World) -> list[int]:
    return [round(m.value * 100) for m in world.meters.values()]


def _dreamer_status(d: Dreamer, tick: int) -> int:
    return ((_ASLEEP if d.asleep else 0) | (_DISTORTED if d.distorted(tick) else 0)
            | (_STAGGERED if tick < d.stagger_until else 0))


def me_of(world: World, dreamer: int) -> MeRecord | None:
    """The own dreamer's exact state, for prediction (see MeRecord)."""
    d = world.dreamers.get(dreamer)
    if d is None:
        return None
    tick = world.tick
    return MeRecord(round(d.pos[0] * POSITION_SCALE), round(d.pos[1] * POSITION_SCALE),
                    round(d.vel[0] * VELOCITY_SCALE), round(d.vel[1] * VELOCITY_SCALE),
                    round(d.inspiration * 10), max(d.ability_ready - tick, 0),
                    max(d.shove_ready - tick, 0), _dreamer_status(d, tick))


def event_record(e: Event) -> EventRecord:
    return EventRecord(int(e.kind), e.entity, round(e.x), round(e.y), float(e.value), e.other)


class ChunkClock:
    """Per room: the tick each chunk of the paint grid last changed, and the paint codes
    (`state * 4 + realm`) of the grid as it is.

    Call `note(world)` once after every `World.step()`; it is the only reader of the
    grid's dirty flags on the server. The codes are read from the grid when a snapshot
    asks for them (`codes`, `chunks`), not copied every tick: snapshots go out every few
    ticks, and the grid does not change between a tick's `note` and its snapshots.
    """

    def __init__(self, world: World) -> None:
        g = world.grid
        self._world = world
        self.chunks_x, self.chunks_y = g.chunks_x, g.chunks_y
        self._layers = (g.state, g.realm, _blocks(g.state), _blocks(g.realm))
        """the grid's layers, and the same seen chunk by chunk (views, made once)"""
        self.version = np.zeros(self.chunks_x * self.chunks_y, dtype=np.int64)
        self._seen_at = -1
        self._shared_at = -1
        self._shared: dict[int, _Parts] = {}
        self._seen: tuple[dict[int, EntityState], dict[int, tuple[int, int]], list[int]] = (
            {}, {}, [])
        g.take_dirty()

    @property
    def codes(self) -> npt.NDArray[np.uint8]:
        """The paint code of every cell of the padded grid (a new array, rows first)."""
        g = self._world.grid
        out: npt.NDArray[np.uint8] = (g.state * 4 + g.realm).astype(np.uint8)
        return out

    def seen(self, world: World) -> tuple[dict[int, EntityState], dict[int, tuple[int, int]],
                                          list[int]]:
        """The world's entities, rifts and meters as the wire sees them, worked out once
        per tick however many clients ask. Callers must not change them."""
        if self._seen_at != world.tick:
            self._seen_at = world.tick
            self._seen = (world_entities(world), world_rifts(world), world_meters(world))
        return self._seen

    def note(self, world: World) -> None:
        """Date the chunks the tick changed (the grid's dirty flags, which this clears)."""
        index = world.grid.take_dirty_index()
        if len(index):
            self.version[index] = world.tick

    def shared_for(self, tick: int) -> dict[int, _Parts]:
        """Snapshot differences worked out during `tick`, by the tick they start from."""
        if self._shared_at != tick:
            self._shared_at = tick
            self._shared = {}
        return self._shared

    def chunks(self, index: npt.NDArray[np.intp]) -> npt.NDArray[np.uint8]:
        """The codes of the chunks at these indices, (n, CHUNK, CHUNK), in that order (a new
        array)."""
        g = self._world.grid
        state, realm, state_blocks, realm_blocks = self._layers
        if state is not g.state or realm is not g.realm:
            state_blocks, realm_blocks = _blocks(g.state), _blocks(g.realm)
            self._layers = (g.state, g.realm, state_blocks, realm_blocks)
        cy, cx = np.divmod(index, self.chunks_x)
        out: npt.NDArray[np.uint8] = state_blocks[cy, cx] * 4 + realm_blocks[cy, cx]
        return out


@dataclass
class Observer:
    """What one client has been told. Server side; one per connection in a match."""

    clock: ChunkClock
    dreamer: int = 0
    entities: dict[int, EntityState] = field(default_factory=dict)
    meters: list[int] = field(default_factory=list)
    rifts: dict[int, tuple[int, int]] = field(default_factory=dict)
    seen: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    synced: int = -1
    """the tick this client's knowledge is from (its last snapshot, or the full state)"""
    known: npt.NDArray[np.uint8] = field(default_factory=lambda: np.zeros((0, 0), np.uint8))
    _blocks_of: tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]] | None = field(
        default=None, init=False, repr=False, compare=False)

    def full_state(self, world: World) -> bytes:
        """The compressed full state (MATCH_START's `state`); afterwards deltas follow."""
        clock = self.clock
        self.known = clock.codes
        self.seen = clock.version.copy()
        self.synced = world.tick
        self.entities, self.rifts, self.meters = clock.seen(world)
        ents = [[i, e.kind, e.realm, e.role, e.x, e.y, e.status]
                for i, e in self.entities.items()]
        rifts = [[k, fl, p] for k, (fl, p) in self.rifts.items()]
        body = msgpack.packb([world.tick, clock.chunks_x, clock.chunks_y,
                              self.known.tobytes(), ents, self.meters, rifts],
                             use_bin_type=True)
        return _deflate(body)

    def delta(self, world: World, events: list[Event], ack: int) -> dict[str, Any]:
        """The values of a SNAPSHOT bringing this client up to the world's present.

        What this client knows is the world as it was at its last snapshot, so clients
        synced at the same tick get the same differences: the first of them works them out
        and the others reuse them (most clients of a room are in step).
        """
        shared = self.clock.shared_for(world.tick)
        parts = shared.get(self.synced)
        if parts is None:
            parts = self._differences(world)
            shared[self.synced] = parts
        else:
            self._catch_up(world, parts)
        self.synced = world.tick
        blob, removed, meters_out, rifts_out, chunks, paint, _, _ = parts
        return {
            "tick": world.tick,
            "ack": ack,
            "meters": meters_out,
            "entities": blob,
            "removed": removed,
            "chunks": chunks,
            "paint": paint,
            "events": [event_record(e) for e in events if e.kind in BROADCAST_EVENTS][-512:],
            "me": me_of(world, self.dreamer),
            "rifts": rifts_out,
        }

    def _catch_up(self, world: World, parts: _Parts) -> None:
        """Take on the knowledge another client's identical snapshot just gave."""
        now, rifts, meters = self.clock.seen(world)
        self.entities, self.rifts, self.meters = now, rifts, meters
        where, codes = parts[6], parts[7]
        if codes is not None:
            self._know(where, codes)

    def _differences(self, world: World) -> _Parts:
        now, rifts, meters = self.clock.seen(world)
        blob = bytearray()
        for eid, e in now.items():
            old = self.entities.get(eid)
            if old is None:
                blob += struct.pack("<BHBBBHHB", NEW | ABS | STATUS, eid, e.kind, e.realm,
                                    e.role, e.x, e.y, e.status)
                continue
            flags = 0
            tail = b""
            if (e.x, e.y) != (old.x, old.y):
                dx, dy = e.x - old.x, e.y - old.y
                if -128 <= dx <= 127 and -128 <= dy <= 127:
                    flags |= DELTA
                    tail += struct.pack("<bb", dx, dy)
                else:
                    flags |= ABS
                    tail += struct.pack("<HH", e.x, e.y)
            if e.status != old.status:
                flags |= STATUS
                tail += struct.pack("<B", e.status)
            if flags:
                blob += struct.pack("<BH", flags, eid) + tail
        removed = [eid for eid in self.entities if eid not in now]
        self.entities = now

        meters_out = meters if meters != self.meters else None
        self.meters = meters
        rifts_out = [[k, fl, p] for k, (fl, p) in rifts.items() if self.rifts.get(k) != (fl, p)]
        self.rifts = rifts

        changed = (self.clock.version != self.seen).nonzero()[0]
        if len(changed):
            # every changed chunk at once: the XOR of its codes with what the client has,
            # chunk after chunk, each row-major
            cur = self.clock.chunks(changed)
            cy, cx = np.divmod(changed, self.clock.chunks_x)
            paint = _deflate((cur ^ self._known_blocks()[cy, cx]).tobytes())
            self._know((changed, cy, cx), cur)
            return (bytes(blob), removed, meters_out, rifts_out, changed.tolist(), paint,
                    (changed, cy, cx), cur)
        return (bytes(blob), removed, meters_out, rifts_out, [], None, (changed, changed, changed),
                None)

    def _know(self, where: _Where, codes: npt.NDArray[np.uint8]) -> None:
        """The client now has `codes` (n, CHUNK, CHUNK) for the chunks `where`."""
        index, cy, cx = where
        self._known_blocks()[cy, cx] = codes
        self.seen[index] = self.clock.version[index]

    def _known_blocks(self) -> npt.NDArray[np.uint8]:
        """`known` seen chunk by chunk (a view, remade only when `known` is replaced)."""
        known = self.known
        cached = self._blocks_of
        if cached is None or cached[0] is not known:
            cached = self._blocks_of = (known, _blocks(known))
        return cached[1]


def _deflate(data: bytes) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def _inflate(data: bytes, limit: int) -> bytes:
    d = zlib.decompressobj(-15)
    try:
        out = d.decompress(data, limit)
    except zlib.error as e:
        raise ProtocolError(CloseCode.BAD_MESSAGE, f"bad compressed data ({e})") from None
    if d.unconsumed_tail:
        raise ProtocolError(CloseCode.BAD_MESSAGE, "compressed data expands too far")
    return out


class Mirror:
    """The client's copy of the world, rebuilt from the full state and the snapshots.

    Raises ProtocolError for data that does not fit together (a broken or hostile server).
    """

    def __init__(self, state: bytes) -> None:
        raw = _inflate(state, 1 << 22)
        try:
            tick, cx, cy, codes, ents, meters, rifts = msgpack.unpackb(raw, raw=False)
        except (ValueError, TypeError, msgpack.UnpackException) as e:
            raise ProtocolError(CloseCode.BAD_MESSAGE, f"bad full state ({e})") from None
        if len(codes) != cx * cy * _CELLS:
            raise ProtocolError(CloseCode.BAD_MESSAGE, "full state: grid of the wrong size")
        self.tick: int = tick
        self.chunks_x: int = cx
        self.chunks_y: int = cy
        self.codes = np.frombuffer(codes, dtype=np.uint8).reshape(cy * CHUNK, cx * CHUNK).copy()
        self.entities = {e[0]: EntityState(*e[1:]) for e in ents}
        self.meters: list[int] = list(meters)
        self.rifts: dict[int, tuple[int, int]] = {r[0]: (r[1], r[2]) for r in rifts}
        self.me: MeRecord | None = None
        self.ack = 0
        self.dirty: set[int] = set(range(cx * cy))
        """chunks whose paint changed since the renderer last looked (it clears this)"""

    @property
    def state(self) -> npt.NDArray[np.uint8]:
        """Cell states (the paint grid's state layer)."""
        out: npt.NDArray[np.uint8] = np.right_shift(self.codes, 2, dtype=np.uint8)
        return out

    @property
    def realm(self) -> npt.NDArray[np.uint8]:
        out: npt.NDArray[np.uint8] = np.bitwise_and(self.codes, 3, dtype=np.uint8)
        return out

    def apply(self, snap: dict[str, Any] | Any) -> None:
        """Apply one SNAPSHOT's values (a Message or its values)."""
        v = snap.values if hasattr(snap, "values") and not isinstance(snap, dict) else snap
        self.tick, self.ack = v["tick"], v["ack"]
        if v["meters"] is not None:
            self.meters = list(v["meters"])
        for k, fl, p in v["rifts"]:
            self.rifts[k] = (fl, p)
        self.me = v["me"]
        self._apply_entities(v["entities"])
        for eid in v["removed"]:
            self.entities.pop(eid, None)
        chunks = v["chunks"]
        if chunks:
            if v["paint"] is None:
                raise ProtocolError(CloseCode.BAD_MESSAGE, "snapshot: chunks without paint")
            data = _inflate(v["paint"], len(chunks) * _CELLS)
            if len(data) != len(chunks) * _CELLS:
                raise ProtocolError(CloseCode.BAD_MESSAGE, "snapshot: paint of the wrong size")
            xor = np.frombuffer(data, dtype=np.uint8).reshape(len(chunks), CHUNK, CHUNK)
            for n, k in enumerate(chunks):
                cy, cx = divmod(k, self.chunks_x)
                if cy >= self.chunks_y:
                    raise ProtocolError(CloseCode.BAD_MESSAGE, f"snapshot: no chunk {k}")
                self.codes[cy * CHUNK:(cy + 1) * CHUNK, cx * CHUNK:(cx + 1) * CHUNK] ^= xor[n]
                self.dirty.add(k)

    def _apply_entities(self, blob: bytes) -> None:
        pos = 0
        try:
            while pos < len(blob):
                flags, eid = struct.unpack_from("<BH", blob, pos)
                pos += 3
                e = self.entities.get(eid)
                if flags & NEW:
                    kind, realm, role = struct.unpack_from("<BBB", blob, pos)
                    pos += 3
                    e = EntityState(kind, realm, role, 0, 0)
                    self.entities[eid] = e
                if e is None:
                    raise ProtocolError(CloseCode.BAD_MESSAGE, f"snapshot: unknown entity {eid}")
                if flags & ABS:
                    e.x, e.y = struct.unpack_from("<HH", blob, pos)
                    pos += 4
                if flags & DELTA:
                    dx, dy = struct.unpack_from("<bb", blob, pos)
                    e.x += dx
                    e.y += dy
                    pos += 2
                if flags & STATUS:
                    (e.status,) = struct.unpack_from("<B", blob, pos)
                    pos += 1
        except struct.error:
            raise ProtocolError(CloseCode.BAD_MESSAGE, "snapshot: truncated entities") from None
