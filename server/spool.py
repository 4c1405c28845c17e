"""The spool: what another process needs to take up a room whose process died.

A room's night is already written as it goes: its replay (`server.recording`) holds the
level, the seed and every input, a block at least every second. What the replay does not
hold is the room itself: its code and password, who sits where with which reconnect token,
the campaign's place. That is the room's *card*, which the room's process writes here
(atomically: a temporary file renamed over the old one) whenever it changes, and deletes
when the room closes. A card whose writer is no longer running is an orphan: the process
that now runs the room's code (a replacement worker in the same slot, or the host started
again after a crash) takes it up (`Host.take_up`): the replay re-simulated to its last
block, the seats held for their players, who come back with their tokens.

Beside a card, a room under way keeps its newest *checkpoint* (`CODE.frozen`: the night
frozen now and then, `server.recording`; written atomically too, from a thread), so a
take-up re-simulates only the ticks after it. The spool holds its bytes and never reads
them: `game.replay.resume` checks them, and one that does not hold is set aside there.

Cards are this server's own files, yet read as untrusted: a card that is not one (damaged,
from another version, hand-edited) is logged once, set aside as `CODE.bad`, and nothing
else happens.

Imports msgpack and the server's config; never a room, a socket or the game's simulation.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import astuple, dataclass
from pathlib import Path
from typing import Any

import msgpack

__all__ = ["CARD_VERSION", "RoomCard", "SeatCard", "Spool", "card_bytes", "card_of",
           "process_alive"]

log = logging.getLogger("dreamlayer.spool")

CARD_VERSION = 1
_MAX_CARD = 64 * 1024
"""bytes a card may have (a full room's is about 1 KB)"""


@dataclass(frozen=True, slots=True)
class SeatCard:
    """A member's seat as a card keeps it."""

    id: int
    name: str
    token: str
    realm: int
    role: int
    ready: bool
    spectator: bool
    dreamer: int


@dataclass(frozen=True, slots=True)
class RoomCard:
    """A room as a card keeps it (see the module docstring)."""

    code: str
    password: str
    max_dreamers: int
    public: bool
    hazard: int
    bot_fill: bool
    levels: tuple[str, ...]
    """the retreats the room plays, by level name"""
    level_index: int
    state: int
    """`server.room.RoomState`"""
    owner: int
    seed: int
    creator_address: str
    members: tuple[SeatCard, ...]
    bot_seats: tuple[tuple[int, str], ...]
    replay: str
    """the night's replay file ("" between nights, or when the night is not recorded)"""
    pid: int
    """the process that wrote the card"""


_SEAT_TYPES = (int, str, str, int, int, bool, bool, int)
_ROOM_TYPES = (str, str, int, bool, int, bool, list, int, int, int, int, str, list, list,
               str, int)


def _card_of(obj: Any) -> RoomCard:
    """The card in `obj` (decoded msgpack); ValueError saying what is wrong."""
    if not (isinstance(obj, list) and len(obj) == 2 and obj[0] == CARD_VERSION):
        raise ValueError(f"not a version-{CARD_VERSION} room card")
    fields = obj[1]
    if not isinstance(fields, list) or len(fields) != len(_ROOM_TYPES):
        raise ValueError("a room card has the wrong number of fields")
    for k, (v, t) in enumerate(zip(fields, _ROOM_TYPES, strict=True)):
        if type(v) is not t:
            raise ValueError(f"room card field {k} is a {type(v).__name__}, not a {t.__name__}")
    members = []
    for m in fields[12]:
        if not isinstance(m, list) or len(m) != len(_SEAT_TYPES) or any(
                type(v) is not t for v, t in zip(m, _SEAT_TYPES, strict=True)):
            raise ValueError("a seat on the room card is not one")
        members.append(SeatCard(*m))
    bots = []
    for b in fields[13]:
        if not isinstance(b, list) or len(b) != 2 or type(b[0]) is not int \
                or type(b[1]) is not str:
            raise ValueError("a bot seat on the room card is not one")
        bots.append((b[0], b[1]))
    if not all(type(n) is str for n in fields[6]):
        raise ValueError("the room card's retreats are not names")
    args: list[Any] = [*fields[:6], tuple(fields[6]), *fields[7:12], tuple(members),
                       tuple(bots), *fields[14:]]
    return RoomCard(*args)


def card_bytes(card: RoomCard) -> bytes:
    """The card as its file holds it (`card_of` reads it back)."""
    fields = list(astuple(card))
    fields[12] = [list(astuple(m)) for m in card.members]
    fields[13] = [list(b) for b in card.bot_seats]
    fields[6] = list(card.levels)
    return bytes(msgpack.packb([CARD_VERSION, fields], use_bin_type=True))


def card_of(data: bytes) -> RoomCard:
    """The card in `data` (a card file's bytes); ValueError saying what is wrong."""
    if len(data) > _MAX_CARD:
        raise ValueError(f"{len(data)} bytes; a card has at most {_MAX_CARD}")
    try:
        return _card_of(msgpack.unpackb(data, raw=False, strict_map_key=True))
    except (TypeError, msgpack.UnpackException) as e:
        raise ValueError(f"not msgpack ({e})") from None


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs (on this machine)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Spool:
    """The folder of room cards (see the module docstring). Never raises on writing: a
    card that cannot be written is logged once per room, and that room would not survive
    a crash."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._failed: set[str] = set()

    def save(self, card: RoomCard) -> None:
        """Write (or replace) the card of room `card.code`."""
        if self._write(card.code, "room", card_bytes(card)):
            self._failed.discard(card.code)

    def save_checkpoint(self, code: str, data: bytes) -> None:
        """Write (or replace) room `code`'s checkpoint (`game.replay.resume.Checkpoint`'s
        bytes), if its card is still there (a room that closed meanwhile keeps none).
        Thread-safe: a room's checkpoints are written from a thread."""
        if (self.folder / f"{code}.room").exists():
            self._write(code, "frozen", data)

    def checkpoint(self, code: str) -> bytes | None:
        """Room `code`'s checkpoint bytes, or None (none kept, or unreadable: logged)."""
        try:
            return (self.folder / f"{code}.frozen").read_bytes()
        except FileNotFoundError:
            return None
        except OSError as e:
            log.warning("room %s: its checkpoint cannot be read (%s)", code, e.strerror or e)
            return None

    def _write(self, code: str, kind: str, data: bytes) -> bool:
        path = self.folder / f"{code}.{kind}"
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(data)
            os.replace(tmp, path)
        except OSError as e:
            if code not in self._failed:
                self._failed.add(code)
                log.error("room %s: its %s cannot be written to %s (%s); the room would "
                          "not survive a crash", code, "card" if kind == "room" else kind,
                          self.folder, e.strerror or e)
            with contextlib.suppress(OSError):
                tmp.unlink()
            return False
        return True

    def drop(self, code: str) -> None:
        """The room closed: its card and checkpoint go."""
        self._failed.discard(code)
        for kind in ("room", "frozen"):
            with contextlib.suppress(OSError):
                (self.folder / f"{code}.{kind}").unlink()

    def replays_in_use(self) -> set[str]:
        """The replay files the rooms on cards are writing (by any process sharing the
        folder): not to be pruned."""
        out: set[str] = set()
        try:
            paths = list(self.folder.glob("*.room"))
        except OSError:
            return out
        for path in paths:
            try:
                card = card_of(path.read_bytes()[:_MAX_CARD + 1])
            except (OSError, ValueError):
                continue
            if card.replay:
                out.add(card.replay)
        return out

    def orphans(self, mine: Callable[[str], bool],
                alive: Callable[[int], bool] = process_alive) -> list[RoomCard]:
        """The cards of rooms this process may run (`mine(code)`) whose writer is gone
        (`alive(pid)` false, and not this process). A file that is not a card is logged
        and set aside as `CODE.bad`."""
        out = []
        try:
            paths = sorted(self.folder.glob("*.room"))
        except OSError:
            return []
        for path in paths:
            code = path.stem
            if not mine(code):
                continue
            try:
                card = card_of(path.read_bytes())
                if card.code != code:
                    raise ValueError(f"it is room {card.code!r}'s card")
            except OSError:
                continue  # taken or dropped meanwhile by its own process
            except ValueError as e:
                log.error("room card %s is not one (%s); set aside as %s.bad", path.name, e,
                          code)
                with contextlib.suppress(OSError):
                    os.replace(path, path.with_suffix(".bad"))
                continue
            if card.pid != os.getpid() and not alive(card.pid):
                out.append(card)
        return out
