"""Replay test helpers: a small level drawn as text and written as a real TMX file (a
replay names its level file and hashes its bytes), a short recorded bot match, and the
file format's framing done by hand from its documentation, to forge and damage files,
and a night played the way a room plays it (roster changes, chat, emotes)."""

from __future__ import annotations

import io
import math
import struct
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import msgpack
import numpy as np
import numpy.typing as npt
import pytest

from game.bots.crew import BotCrew
from game.net.records import Buttons
from game.replay import Control, LevelFile, PersonInput, Recorder, ReplayHeader, Seat
from game.replay.format import Kind
from game.replay.headless import record_bot_match
from game.sim.events import Event
from game.sim.level import Level, Realm
from game.sim.roles import Role
from game.sim.world import World
from game.tmx import load_level
from tests.test_tmx import TILESET

_GID = {"#": 1, "S": 2, "R": 3, ".": 4}


def field_rows(w: int = 64, h: int = 48) -> list[str]:
    """Sanctuary on the left, Rest Zone on the right, commons between, a wall border."""
    inner = "S" * 20 + "." * (w - 42) + "R" * 20
    return ["#" * w] + ["#" + inner + "#" for _ in range(h - 2)] + ["#" * w]


def write_level(folder: Path, rows: Sequence[str], *, name: str = "tiny",
                night_seconds: int = 12, cadre_arrival: float = 0.2,
                rifts: Sequence[tuple[int, int]] = ((32, 12), (32, 36)),
                spawns: Sequence[tuple[int, int, str]] = ((10, 24, "sanctuary"),
                                                         (54, 24, "rest")),
                entries: Sequence[tuple[int, int]] = ((32, 3), (32, 44))) -> Path:
    """Write `rows` ('#' wall, 'S' sanctuary, 'R' rest zone, '.' commons) as `name.tmx`
    with its tileset `t.tsx` in `folder`; markers in cells. Returns the map's path."""
    h, w = len(rows), len(rows[0])
    walls = ",\n".join(",".join("1" if c == "#" else "0" for c in r) for r in rows)
    districts = ",\n".join(",".join(str(_GID[c]) if c != "#" else "0" for c in r)
                           for r in rows)
    objs = []
    k = 0

    def obj(kind: str, cx: int, cy: int, props: str = "") -> None:
        nonlocal k
        k += 1
        objs.append(f'<object id="{k}" type="{kind}" x="{cx * 8 + 4}" y="{cy * 8 + 4}">'
                    f'{props}<point/></object>')

    for cx, cy, realm in spawns:
        obj("spawn", cx, cy, f'<properties><property name="realm" value="{realm}"/>'
                             "</properties>")
    for cx, cy in rifts:
        obj("rift", cx, cy)
    for cx, cy in entries:
        obj("cadre_entry", cx, cy)
    text = f"""<?xml version="1.0" encoding="UTF-8"?>
<map version="1.10" orientation="orthogonal" renderorder="right-down" width="{w}" height="{h}"
     tilewidth="8" tileheight="8" infinite="0">
 <properties><property name="title" value="Tiny"/>
  <property name="night_seconds" type="int" value="{night_seconds}"/>
  <property name="cadre_arrival" type="float" value="{cadre_arrival}"/></properties>
 <tileset firstgid="1" source="t.tsx"/>
 <layer id="1" name="districts" width="{w}" height="{h}"><data encoding="csv">
{districts}
</data></layer>
 <layer id="2" name="walls" width="{w}" height="{h}"><data encoding="csv">
{walls}
</data></layer>
 <objectgroup id="3" name="markers">{"".join(objs)}</objectgroup>
</map>
"""
    (folder / "t.tsx").write_text(TILESET)
    path = folder / f"{name}.tmx"
    path.write_text(text)
    return path


@pytest.fixture(scope="session")
def tiny_level(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Level]:
    path = write_level(tmp_path_factory.mktemp("level"), field_rows())
    return path, load_level(path)


@pytest.fixture(scope="session")
def recorded(tmp_path_factory: pytest.TempPathFactory,
             tiny_level: tuple[Path, Level]) -> tuple[Path, Path]:
    """A whole 12-second night of 2 stand-in dreamers on the tiny level, recorded once:
    (replay, level file). Copy the replay before changing it."""
    return tiny_night(tmp_path_factory, tiny_level, seed=5, hazard=3)


def tiny_night(tmp_path_factory: pytest.TempPathFactory, tiny_level: tuple[Path, Level], *,
               seed: int, hazard: int) -> tuple[Path, Path]:
    """A whole 12-second night of 2 stand-in dreamers on the tiny level, recorded in a
    folder of its own: (replay, level file)."""
    level_path, level = tiny_level
    replay = tmp_path_factory.mktemp("replay") / "night.dlreplay"
    with replay.open("wb") as f:
        record_bot_match(level, 2, seed, f, hazard=hazard, started=1_700_000_000,
                         checkpoint_every=30)
    return replay, level_path


# ------------------------------------------------------------------ the format by hand
PREAMBLE = struct.Struct("<8sH")
FRAME = struct.Struct("<II")


def frame(body: bytes, *, crc: int | None = None, size: int | None = None) -> bytes:
    """One block: raw DEFLATE of `body`, framed (a wrong crc or size may be forced)."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    payload = c.compress(body) + c.flush()
    return FRAME.pack(len(payload) if size is None else size,
                      zlib.crc32(payload) if crc is None else crc) + payload


def pack(records: Sequence[Any]) -> bytes:
    return b"".join(msgpack.packb(r, use_bin_type=True) for r in records)


def blocks_of(path: Path) -> tuple[int, list[list[Any]]]:
    """(format version, every block's records), read by hand without any checks."""
    data = path.read_bytes()
    magic, version = PREAMBLE.unpack_from(data)
    assert magic == b"DLREPLAY"
    at, blocks = PREAMBLE.size, []
    while at + FRAME.size <= len(data):
        size, _ = FRAME.unpack_from(data, at)
        payload = data[at + FRAME.size: at + FRAME.size + size]
        at += FRAME.size + size
        blocks.append(list(msgpack.Unpacker(io.BytesIO(zlib.decompress(payload, -15)),
                                            raw=False)))
    return version, blocks


def write_blocks(path: Path, blocks: Sequence[Sequence[Any]], version: int = 1) -> None:
    path.write_bytes(PREAMBLE.pack(b"DLREPLAY", version)
                     + b"".join(frame(pack(b)) for b in blocks))


def people_deltas(rec: list[Any]) -> npt.NDArray[np.int64]:
    """A PEOPLE record's values, decoded by hand from the format's docs: (column, dreamer,
    tick) differences."""
    _, _, dreamers, ticks, data = rec
    planes = np.frombuffer(data, dtype=np.uint8).reshape(2, -1).astype(np.int64)
    z = planes[0] | (planes[1] << 8)
    d: npt.NDArray[np.int64] = ((z >> 1) ^ -(z & 1)).reshape(6, len(dreamers), ticks)
    return d


def set_people_deltas(rec: list[Any], d: npt.NDArray[np.int64]) -> None:
    z = ((d << 1) ^ (d >> 63)).astype("<u2")
    rec[4] = np.ascontiguousarray(z).view(np.uint8).reshape(-1, 2).T.tobytes()


def turn_round(blocks: list[list[Any]], after: int = 10) -> int:
    """Turn one person's move half round on the first tick after `after` where they move
    (in decoded blocks, in place); returns that tick."""
    for block in blocks[1:]:
        for rec in block:
            if rec[0] != Kind.PEOPLE:
                continue
            first, d = rec[1], people_deltas(rec)
            moving = np.cumsum(d[1], axis=1)  # move_len per dreamer and tick
            ticks = first + np.arange(d.shape[2])
            for j in range(d.shape[1]):
                hits = np.flatnonzero((moving[j] > 0) & (ticks > after))
                if len(hits):
                    k = int(hits[0])
                    d[0, j, k] = (d[0, j, k] + 256) % 256 - 128  # half a turn (deltas wrap)
                    if k + 1 < d.shape[2]:  # the tick after keeps its own direction
                        d[0, j, k + 1] = (d[0, j, k + 1] + 256) % 256 - 128
                    set_people_deltas(rec, d)
                    return int(first + k)
    raise AssertionError("nobody moved")


# ------------------------------------------------------------------ a room, by hand
def _input(did: int, tick: int) -> PersonInput:
    """A person walking in slow circles, painting in bursts, pressing now and then."""
    a = (tick * 0.05 + did) % (2 * math.pi)
    buttons = (Buttons.PAINT if (tick // 7) % 3 else 0) | (Buttons.ABILITY
                                                            if tick % 97 == 0 else 0)
    return PersonInput.of((math.cos(a), math.sin(a)), (30 * math.cos(a), 24.0),
                          int(buttons), 1 if tick % 151 == 0 else 0)


def play_a_room(level_path: Path, level: Level, out: Path) -> str:
    """A night as a room plays it, with World and BotCrew driven directly (not through
    the replay's own Night): two people and an ally bot; one person drops, a fresh bot
    holds the seat, again when it expires, and the person comes back; a newcomer joins as
    a new dreamer, then takes the ally bot's seat; chat and emotes. Returns the final
    state hash."""
    world = World(level, 11, hazard=2, night_seconds=10)
    crew = BotCrew(world, 11)
    seats = [Seat(world.add_dreamer(Realm.SANCTUARY, Role.ARCHITECT, "Ada"), "Ada",
                  Realm.SANCTUARY, Role.ARCHITECT, Control.PERSON),
             Seat(world.add_dreamer(Realm.REST, Role.INNOVATOR, "Bo"), "Bo", Realm.REST,
                  Role.INNOVATOR, Control.PERSON),
             Seat(world.add_dreamer(Realm.SANCTUARY, Role.ORGANIZER, "Ally bot 1"),
                  "Ally bot 1", Realm.SANCTUARY, Role.ORGANIZER, Control.BOT)]
    crew.add_ally(3)
    people = {1, 2}
    header = ReplayHeader(level=LevelFile.of(level_path), seed=11, bot_seed=11, hazard=2,
                          seats=tuple(seats), start_hash=world.state_hash(),
                          night_seconds=10, room="ABCDE", checkpoint_every=45)
    with out.open("wb") as f:
        rec = Recorder(f, header)
        events: list[Event] = []
        while world.running:
            intents = crew.decide(world, events)
            applied = {did: _input(did, world.tick + 1) for did in people}
            for did, inp in applied.items():
                intents[did] = inp.intent()
            events = world.step(intents)
            rec.people(world.tick, applied)
            if rec.checkpoint_due(world.tick):
                rec.checkpoint(world.tick, world.state_hash())
            t = world.tick
            if t == 40:  # Ada drops: a bot holds her seat
                crew.add_ally(1)
                people.discard(1)
                rec.roster(t, seats[0]._replace(control=Control.BOT))
                rec.chat(t, 2, "Bo", "where did Ada go?")
            if t == 70:  # her hold expires and she is removed: a fresh bot
                crew.add_ally(1)
                rec.roster(t, seats[0]._replace(name="Ada (bot)", control=Control.BOT))
            if t == 100:  # she comes back with her token
                crew.remove_ally(1)
                people.add(1)
                rec.roster(t, seats[0])
                rec.emote(t, 1, "Ada")
            if t == 130:  # a newcomer: a new dreamer
                did = world.add_dreamer(Realm.REST, Role.ARCHITECT, "Cy")
                crew.remove_ally(did)
                people.add(did)
                rec.roster(t, Seat(did, "Cy", Realm.REST, Role.ARCHITECT, Control.PERSON))
            if t == 200:  # Bo leaves the dream for good
                world.remove_dreamer(2)
                crew.remove_ally(2)
                people.discard(2)
                rec.roster(t, seats[1]._replace(control=Control.GONE))
            if t == 230:  # a newcomer takes the ally bot's seat
                crew.remove_ally(3)
                people.add(3)
                rec.roster(t, seats[2]._replace(name="Di", control=Control.PERSON))
                rec.chat(t, 0, "a spectator", "welcome, Di")
        s = world.summary()
        rec.end(s.outcome, s.ticks, s.state_hash)
    return s.state_hash
