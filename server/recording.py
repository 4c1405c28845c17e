"""The host's replays: each room's recording of the night under way, the folder they go
in, and the HTTP answers that share them.

`Replays(config)` is the host's: its `ReplayDirectory` (`replays.dir`, `replays.keep`,
`replays.max_mb`), the fingerprints of the levels it serves (`note_levels`, taken when
the host loads them, so a level file edited on disk during play cannot make a replay
disagree with the level it was played on), and `begin()`, which a room calls once it has
seated everyone for a night. `begin()` returns a `Recording`, or None when replays are
off, the level has no file, or the file cannot be made (logged).

A `Recording` wraps a `game.replay.Recorder` and never raises: its first error (the disk
full, a call out of order) is logged once, the file is closed where it stands (it still
plays up to its last checkpoint) and the recording stops; the night plays on. The room
calls it exactly as `game.replay.recorder` describes: `step()` after each world step
with the people's inputs it applied, `seat()` for each of its own `crew.add_ally`,
`crew.remove_ally` and `world.add_dreamer`, `chat()`/`emote()`, and `end()` or `close()`.

Checkpoints: when `replays.checkpoint_seconds` is set, the room's `step()` also gets its
bot crew and the tick's events, and every that many seconds (rounded to whole rebase
periods of the world, `motion.REBASE_TICKS`; each room at its own offset within the
period, from its code, so rooms do not all freeze on the same tick) the recording freezes
the whole night (`game.replay.freeze`). The pickling is done at once (the night must stand
still for it); compressing it and writing it beside the room's card (`Spool.save_checkpoint`)
is done on a thread. `Replays.take_up` goes on from it (`resume_night`).

`answer(target)` is the HTTP side: `GET /replays` (JSON list, newest first) and
`GET /replays/ID` (the file); anything else under /replays/ is a 404 that says why.

Imports game.replay, game.sim and the server's config; never websockets or a room.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import zlib
from collections.abc import Callable, Mapping
from http import HTTPStatus
from pathlib import Path
from typing import Any, BinaryIO

from game.bots.crew import BotCrew
from game.replay.directory import ReplayDirectory, default_folder
from game.replay.format import ReplayError
from game.replay.freeze import Freezer, pack
from game.replay.header import Control, LevelFile, ReplayHeader, Seat
from game.replay.inputs import PersonInput
from game.replay.night import Night
from game.replay.recorder import Recorder
from game.replay.resume import (
    Checkpoint,
    CheckpointRefused,
    Resumed,
    continue_recording,
    resume_night,
)
from game.replay.summary import describe
from game.sim.events import Event
from game.sim.level import Level
from game.sim.motion import REBASE_TICKS
from game.sim.tuning import TICK_RATE
from game.sim.world import MatchSummary, World
from server.config import ServerConfig
from server.spool import Spool

__all__ = ["FileAnswer", "Recording", "Replays"]

log = logging.getLogger("dreamlayer.replays")

FLUSH_TICKS = 30
"""a room's replay is written at least this often (ticks): what a crash of the process can
lose of the night (`Host.take_up` goes on from the last block written)"""

FileAnswer = tuple[HTTPStatus, bytes, dict[str, str]]
"""an HTTP answer: status, body, headers (Content-Type among them)"""


class Recording:
    """One room's replay of the night under way (see the module docstring)."""

    def __init__(self, replays: Replays, room: str, path: Path, stream: BinaryIO,
                 recorder: Recorder, seats: Mapping[int, Seat]) -> None:
        self._replays = replays
        self.room = room
        self.path = path
        self._stream = stream
        self.recorder: Recorder | None = recorder
        """None once the recording has stopped (ended, closed or failed)"""
        self.kept = False
        """the whole night is in the file (`end()` wrote it)"""
        self.seats: dict[int, Seat] = dict(seats)
        """every dreamer's seat as last recorded (a checkpoint's night is seated so)"""
        every = replays.checkpoint_ticks
        self._every = every
        """ticks between two checkpoints of this room's night (0: none)"""
        self._freeze_at = (zlib.crc32(room.encode()) % (every // REBASE_TICKS)) \
            * REBASE_TICKS if every else 0
        """the tick within each checkpoint period at which this room freezes its night"""
        self._freezer: Freezer | None = None
        self._hash: tuple[int, str] = (-1, "")
        """the last state hash the recording took, and its tick"""

    @property
    def active(self) -> bool:
        return self.recorder is not None

    def step(self, world: World, people: Mapping[int, PersonInput],
             crew: BotCrew | None = None, events: list[Event] | None = None) -> None:
        """After a world step: the people's inputs the room applied, and a checkpoint when
        one is due (the file's state hash; and, given the room's `crew` and the tick's
        `events`, the whole night frozen when one of those is due)."""
        rec = self.recorder
        if rec is None:
            return
        try:
            tick = world.tick
            rec.people(tick, people)
            if rec.checkpoint_due(tick):
                self._hash = (tick, world.state_hash())
                rec.checkpoint(tick, self._hash[1])
        except (ValueError, OSError) as e:
            self._fail("people", e)
            return
        every = self._every
        if crew is not None and every and tick % every == self._freeze_at and tick:
            self._freeze(world, crew, events or [])

    def _freeze(self, world: World, crew: BotCrew, events: list[Event]) -> None:
        """Freeze the night now, and have it compressed and kept on a thread."""
        t0 = time.perf_counter()
        night = Night.as_played(world, crew, self.seats, events)
        try:
            if self._freezer is None:
                self._freezer = Freezer(night)
            raw = self._freezer.dump(night)
        except (ValueError, TypeError, AttributeError) as e:  # (a bug: never the match's end)
            log.error("room %s: its night cannot be frozen (%s); no more checkpoints of it",
                      self.room, e)
            self._every = 0  # this room's only: the others' nights freeze on
            return
        tick = world.tick
        digest = self._hash[1] if self._hash[0] == tick else world.state_hash()
        self._replays.keep_checkpoint(self.room, self.path.name, tick, digest, raw,
                                      time.perf_counter() - t0)

    def seat(self, world: World, dreamer: int, control: Control, name: str) -> None:
        """The room has just handed `dreamer` to `control` (BOT: `crew.add_ally`; PERSON:
        `crew.remove_ally`, after `world.add_dreamer` for a dreamer new to the night);
        `name` is who plays it now, as the room shows it."""
        rec = self.recorder
        if rec is None:
            return
        d = world.dreamers.get(dreamer)
        if d is None:
            self._fail("roster", ValueError(f"dreamer {dreamer} is not in the dream"))
            return
        seat = Seat(dreamer, name[:64], d.realm, d.role, control)
        try:
            rec.roster(world.tick, seat)
        except (ValueError, OSError) as e:
            self._fail("roster", e)
            return
        self.seats[dreamer] = seat

    def chat(self, world: World, dreamer: int, name: str, text: str) -> None:
        """A chat line said in the room (dreamer 0: a spectator)."""
        if self.recorder is not None:
            try:
                self.recorder.chat(world.tick, dreamer, name, text)
            except (ValueError, OSError) as e:
                self._fail("chat", e)

    def emote(self, world: World, dreamer: int, name: str) -> None:
        if self.recorder is not None:
            try:
                self.recorder.emote(world.tick, dreamer, name)
            except (ValueError, OSError) as e:
                self._fail("emote", e)

    def end(self, summary: MatchSummary) -> None:
        """The night is over: the END record, then the file is closed and kept."""
        rec = self.recorder
        if rec is None:
            return
        try:
            rec.end(summary.outcome, summary.ticks, summary.state_hash)
        except (ValueError, OSError) as e:
            self._fail("end", e)
            return
        self.kept = True
        self._finish()
        log.info("room %s: replay %s written (%d bytes)", self.room, self.path.stem,
                 rec.bytes_written)

    def close(self) -> None:
        """The room closes mid-night: what is pending is written, the file kept as it
        stands (it plays up to its last checkpoint)."""
        rec = self.recorder
        if rec is None:
            return
        try:
            rec.close()
        except (ValueError, OSError) as e:
            self._fail("close", e)
            return
        self._finish()

    def _fail(self, what: str, error: Exception) -> None:
        log.error("room %s: recording the replay stopped (%s: %s); the night plays on",
                  self.room, what, error)
        self._finish()

    def _finish(self) -> None:
        self.recorder = None
        try:
            self._stream.close()
        except OSError as e:
            log.warning("room %s: closing replay %s: %s", self.room, self.path, e)
        self._replays.directory.finish(self.path)


class Replays:
    """The host's replays (see the module docstring)."""

    def __init__(self, config: ServerConfig) -> None:
        """Raises ValueError if the config's limits cannot make a directory (it checks
        them first, so it does not)."""
        self.enabled = config.replays_enabled
        folder = Path(config.replays_dir).expanduser() if config.replays_dir \
            else default_folder()
        self.directory = ReplayDirectory(folder, config.replays_keep, config.replays_max_mb,
                                         in_use=lambda: self.in_use())
        self.in_use: Callable[[], set[str]] = set
        """the replays other processes sharing the folder are writing (the host sets it
        to its spool's `replays_in_use`)"""
        self.spool: Spool | None = None
        """where the rooms' checkpoints are kept (the host's spool; None: nowhere)"""
        periods = round(config.checkpoint_seconds * config.tick_rate / REBASE_TICKS)
        self.checkpoint_ticks = max(1, periods) * REBASE_TICKS \
            if config.checkpoint_seconds > 0 else 0
        """ticks between two checkpoints of a room's night (0: none)"""
        self.frozen = 0
        """checkpoints frozen by this process"""
        self.freeze_seconds = 0.0
        """time the rooms' ticks spent freezing them (the pickling, on the event loop)"""
        self.frozen_bytes = 0
        """the size of the last checkpoint kept"""
        self._levels: dict[str, LevelFile] = {}
        """level file path -> its fingerprint when the host loaded it"""
        self._listed: dict[tuple[str, int, float], dict[str, Any] | None] = {}
        """(id, size, mtime) -> the list entry (None: not a readable replay)"""

    # ------------------------------------------------------------------ recording
    def note_levels(self, levels: list[Level]) -> None:
        """Fingerprint the level files the host serves, now."""
        if not self.enabled:
            return
        for lv in levels:
            if lv.source and lv.source not in self._levels:
                try:
                    self._levels[lv.source] = LevelFile.of(lv.source)
                except (OSError, ValueError) as e:
                    log.warning("replays: level %s cannot be fingerprinted (%s); its "
                                "nights will not be recorded", lv.name, e)

    def begin(self, room: str, level: Level, world: World, seed: int, hazard: int,
              people: set[int], companions: set[int], *,
              private: bool = False) -> Recording | None:
        """Start recording `world`'s night, its dreamers seated (the ones in `people`
        played by people, those in `companions` by companion bots, the others by full ally
        bots) and no tick played yet; the replay names the room's code unless the room is
        `private` (a password, or not listed: `/replays` is public). None when
        nothing is recorded (replays off, a level without a file, a file that cannot be
        made: logged)."""
        if not self.enabled:
            return None
        fingerprint = self._levels.get(level.source)
        if fingerprint is None:
            log.info("room %s: %s has no level file fingerprint; not recorded", room,
                     level.name)
            return None
        seats = tuple(Seat(d.id, d.name, d.realm, d.role,
                           Control.PERSON if d.id in people else
                           Control.COMPANION if d.id in companions else Control.BOT)
                      for d in world.dreamers.values())
        started = int(time.time())
        header = ReplayHeader(level=fingerprint, seed=seed, bot_seed=seed, hazard=hazard,
                              night_seconds=world.night_ticks // TICK_RATE, seats=seats,
                              start_hash=world.state_hash(), started=started,
                              room="" if private else room)
        try:
            path, stream = self.directory.create(level.name, started)
        except OSError as e:
            log.error("room %s: cannot create a replay in %s (%s); the night is not "
                      "recorded", room, self.directory.folder, e.strerror or e)
            return None
        try:
            recorder = Recorder(stream, header, flush_every=FLUSH_TICKS)
        except (ValueError, OSError) as e:
            log.error("room %s: cannot start the replay (%s); the night is not recorded",
                      room, e)
            stream.close()
            self.directory.finish(path)
            return None
        return Recording(self, room, path, stream, recorder, {s.dreamer: s for s in seats})

    def keep_checkpoint(self, room: str, replay: str, tick: int, state_hash: str, raw: bytes,
                        spent: float) -> None:
        """Room `room`'s night frozen at `tick` (`Freezer.dump`'s `raw` bytes, which took
        `spent` seconds): compressed and kept beside its card on a thread (at once without
        a running event loop)."""
        self.frozen += 1
        self.freeze_seconds += spent
        spool = self.spool
        if spool is None:
            return

        def keep() -> None:
            data = Checkpoint(replay, tick, state_hash, pack(raw)).to_bytes()
            self.frozen_bytes = len(data)
            spool.save_checkpoint(room, data)

        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            keep()
            return
        loop.run_in_executor(None, keep)

    def take_up(self, room: str, name: str, level: Level,
                checkpoint: bytes | None = None) -> tuple[Resumed, Recording | None]:
        """Re-simulate the night of room `room` from its replay `name` (a file in the
        folder, left by a process that stopped), from its `checkpoint` (its bytes, as the
        spool keeps them) when there is one that holds, and record on where the file stops.
        Returns the night and its recording (None if the file cannot be written on: the
        night goes on unrecorded, logged). Raises ReplayError if the night cannot be taken
        up (not a replay of this build, another level file, a night that re-simulates
        differently, one that has ended), OSError if the file cannot be read."""
        path = self.directory.folder / name
        if Path(name).name != name or not path.is_file():
            raise ReplayError(f"replay {name!r} is not in {self.directory.folder}")
        fingerprint = self._levels.get(level.source)
        frozen = None
        if checkpoint is not None:
            try:
                frozen = Checkpoint.of_bytes(checkpoint)
            except CheckpointRefused as e:
                log.warning("room %s: its checkpoint is not used (%s); the night is "
                            "re-simulated from its start", room, e)
        t0 = time.perf_counter()
        resumed = resume_night(path, level, frozen)
        log.info("room %s: night taken up at tick %d, %d ticks re-simulated %s in %.2f s",
                 room, resumed.tick, resumed.resimulated,
                 "from the start" if resumed.checkpoint is None
                 else f"from the checkpoint of tick {resumed.checkpoint}",
                 time.perf_counter() - t0)
        if fingerprint is None or resumed.header.level.sha256 != fingerprint.sha256:
            raise ReplayError(f"the level file of {level.name} is not the one the night "
                              "was recorded on")
        try:
            recorder, stream = continue_recording(path, resumed, flush_every=FLUSH_TICKS)
        except (OSError, ValueError) as e:
            log.error("room %s: its replay %s cannot be recorded on (%s); the night goes "
                      "on unrecorded", room, name, e)
            return resumed, None
        self.directory.adopt(path)
        return resumed, Recording(self, room, path, stream, recorder, resumed.seats)

    # ------------------------------------------------------------------ sharing
    def answer(self, target: str) -> FileAnswer | None:
        """The answer to a plain HTTP GET of `target` (path and query), or None if it is
        not under /replays."""
        path = target.partition("?")[0]
        if path in ("/replays", "/replays/"):
            body = json.dumps(self.listing()).encode()
            return HTTPStatus.OK, body, {"Content-Type": "application/json"}
        if not path.startswith("/replays/"):
            return None
        replay_id = path.removeprefix("/replays/")
        found = self.directory.path_of(replay_id)
        if found is None:
            return _not_found(f"no replay with id {replay_id[:100]!r} on this server "
                              "(GET /replays lists them)\n")
        try:
            data = found.read_bytes()
        except OSError:
            return _not_found(f"replay {replay_id!r} is gone\n")
        return HTTPStatus.OK, data, {
            "Content-Type": "application/octet-stream",
            "Content-Disposition": f'attachment; filename="{found.name}"'}

    def listing(self) -> list[dict[str, Any]]:
        """The replays in the folder, newest first: id, level, outcome, players, date,
        size (and the rest of `ReplaySummary.as_dict`). A file that is not a readable
        replay is left out; each file is read once per version (size and time)."""
        out = []
        seen = {}
        for f in self.directory.files():
            key = (f.id, f.size, f.mtime)
            entry = self._listed[key] if key in self._listed else _entry(f.path)
            seen[key] = entry
            if entry is not None:
                out.append(entry)
        self._listed = seen
        return out


def _entry(path: Path) -> dict[str, Any] | None:
    try:
        return describe(path).as_dict()
    except ReplayError as e:
        log.warning("replays: %s is not a readable replay (%s)", path.name, e)
        return None


def _not_found(text: str) -> FileAnswer:
    return HTTPStatus.NOT_FOUND, text.encode(), {"Content-Type": "text/plain; charset=utf-8"}
