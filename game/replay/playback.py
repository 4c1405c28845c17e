"""Re-simulating a replay tick by tick: the engine of verifying, and of the viewer to come.

`open_level(header)` finds the level file a replay was recorded on and refuses one whose
bytes (or tileset's) differ; `check_build(header)` refuses a replay from another version
or build of the game. `Playback(reader, level)` then rebuilds the night's world and plays
it forward one `step()` at a time, reading the file's blocks as it goes (so memory stays
one block deep however long the night), until the night ends or the file does.

Imports game.sim, game.tmx, game.paths and the replay's format, header, inputs and night.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from pathlib import Path

from game.paths import levels_dir
from game.replay.format import Block, ChatLine, Emote, ReplayError, ReplayReader
from game.replay.header import LevelFile, ReplayHeader, Seat, build_digest, game_version
from game.replay.inputs import PersonInput
from game.replay.night import Night, SeatingError
from game.sim.events import Event
from game.sim.level import Level
from game.sim.world import World
from game.tmx import LevelError, load_level

__all__ = ["Playback", "check_build", "open_level"]

_AGAIN = "; --any-build tries anyway"


def check_build(header: ReplayHeader) -> None:
    """Raise ReplayError unless this build of the game recorded the replay's kind: the
    same version and the same simulation, bot and level code (`build_digest()`)."""
    ours = game_version()
    if header.game_version != ours:
        raise ReplayError(f"recorded by Dreamlayer {header.game_version}, this is {ours}: "
                          f"a replay plays on the version that recorded it{_AGAIN}")
    if header.build != build_digest():
        raise ReplayError(f"recorded by another build of Dreamlayer {ours} (build "
                          f"{header.build}, this is {build_digest()}): the simulation, the "
                          f"bots or their libraries differ{_AGAIN}")


def open_level(header: ReplayHeader, path: str | Path | None = None) -> Level:
    """The level the replay was recorded on: `path` if given, else the shipped level of
    the recorded file name. Raises ReplayError if it is missing, unreadable, or its bytes
    or a tileset's differ from the recorded ones."""
    rec = header.level
    if path is None:
        if Path(rec.file).name != rec.file or not rec.file.endswith(".tmx"):
            raise ReplayError(f"the recorded level file name {rec.file!r} is not a .tmx "
                              "file name")
        p = levels_dir() / rec.file
        if not p.is_file():
            raise ReplayError(f"level {rec.file} is not among the shipped levels; give its "
                              "file with --level PATH")
    else:
        p = Path(path)
        if not p.is_file():
            raise ReplayError(f"--level {p}: no such file")
    try:
        here = LevelFile.of(p)
    except (OSError, ValueError) as e:
        raise ReplayError(f"level {p}: cannot be read ({e})") from None
    if here.sha256 != rec.sha256:
        raise ReplayError(f"level {p.name} has changed since the replay was recorded on it "
                          f"(sha256 {here.sha256[:12]}, recorded {rec.sha256[:12]})")
    ours, theirs = dict(here.tilesets), dict(rec.tilesets)
    if ours != theirs:
        src = min(k for k in ours.keys() | theirs.keys() if ours.get(k) != theirs.get(k))
        raise ReplayError(f"tileset {src} of level {p.name} has changed since the replay "
                          "was recorded")
    try:
        return load_level(p)
    except LevelError as e:
        raise ReplayError(str(e)) from None


class Playback:
    """A replay re-simulated one tick at a time.

    `step()` plays the next tick and returns its events, or None once the night is over,
    the recorded ticks are all played, or the file ends (`ended_early` then says so).
    Chat lines and emotes are collected in `chat` and `emotes` as their blocks are read;
    checkpoint hashes not yet reached wait in `checkpoints` (tick -> hash).
    """

    def __init__(self, reader: ReplayReader, level: Level, keep_talk: bool = True) -> None:
        """Raises ReplayError if the header's lineup does not fit the level's world.
        Checking the build and the level is the caller's (`check_build`, `open_level`).
        `keep_talk=False` drops the chat lines and emotes (verifying needs none)."""
        self.reader = reader
        self.header = reader.header
        try:
            self.night = Night(level, self.header)
        except SeatingError as e:
            raise ReplayError(f"the lineup does not fit: {e}") from None
        self.start_hash = self.night.world.state_hash()
        self.checkpoints: dict[int, str] = {}
        self.chat: list[ChatLine] = []
        self.emotes: list[Emote] = []
        self.first_unreached: int | None = None
        """after `read_rest()`: the first checkpoint tick beyond the last tick played"""
        self.loaded_upto = 0
        """the file's inputs are known up to this tick"""
        self._keep_talk = keep_talk
        self._blocks: Iterator[Block] = reader.blocks()
        self._eof = False
        self._seats: deque[tuple[int, Seat]] = deque()
        self._runs: dict[int, deque[tuple[int, list[list[int]]]]] = {}

    @property
    def world(self) -> World:
        return self.night.world

    @property
    def tick(self) -> int:
        return self.night.world.tick

    @property
    def ended_early(self) -> bool:
        """True once the file has ended without an END record."""
        return self._eof and self.reader.end is None

    def step(self) -> list[Event] | None:
        """Play one tick (see the class docstring). Raises ReplayError for a file that
        does not hold what the night needs (a person's input missing, a bad roster)."""
        world = self.night.world
        nxt = world.tick + 1
        end = self.reader.end
        if not world.running or (end is not None and nxt > end.ticks):
            return None
        while not self._eof and self.loaded_upto < nxt:
            self._load()
        if self.loaded_upto < nxt:
            return None
        while self._seats and self._seats[0][0] < nxt:
            _, seat = self._seats.popleft()
            try:
                self.night.seat(seat)
            except SeatingError as e:
                raise ReplayError(f"after tick {world.tick}: {e}") from None
        people = {did: self._input(did, nxt) for did in self.night.people}
        return self.night.step(people)

    def go_on_from(self, night: Night) -> None:
        """Play on from `night`: this replay's night at a later tick, thawed from a
        checkpoint (`game.replay.freeze`), with the roster changes recorded before its tick
        applied and those of its tick not yet. The file's blocks up to that tick are read
        (their checkpoint hashes kept in `checkpoints`), its inputs and roster changes
        before it skipped. Raises ReplayError if the file does not reach that tick."""
        tick = night.world.tick
        while not self._eof and self.loaded_upto < tick:
            self._load()
        if self.loaded_upto < tick:
            raise ReplayError(f"the file ends at tick {self.loaded_upto}, before tick {tick}")
        while self._seats and self._seats[0][0] < tick:
            self._seats.popleft()
        self.night = night

    def settle(self) -> None:
        """Apply the roster changes recorded after the last tick played (they are applied
        before the next `step()` otherwise): the seats then stand as the room had them
        when the file was last written. Raises ReplayError for a change that does not fit."""
        while self._seats and self._seats[0][0] <= self.tick:
            _, seat = self._seats.popleft()
            try:
                self.night.seat(seat)
            except SeatingError as e:
                raise ReplayError(f"after tick {self.tick}: {e}") from None

    def read_rest(self) -> None:
        """Read the blocks not yet read, keeping only what a verdict needs once `step()` is
        done: the END record and `first_unreached`."""
        tick = self.tick
        late = [t for t in self.checkpoints if t > tick]
        self.first_unreached = min(late) if late else None
        while not self._eof:
            block = self._next()
            if block is None:
                return
            late = [t for t, _ in block.checkpoints if t > tick]
            if late and self.first_unreached is None:
                self.first_unreached = min(late)

    def _next(self) -> Block | None:
        block = next(self._blocks, None)
        if block is None:
            self._eof = True
            return None
        self.loaded_upto = block.upto
        return block

    def _load(self) -> None:
        block = self._next()
        if block is None:
            return
        for run in block.people:
            self._runs.setdefault(run.dreamer, deque()).append((run.first,
                                                                run.values.tolist()))
        self._seats.extend(block.seats)
        if self._keep_talk:
            self.chat += block.chat
            self.emotes += block.emotes
        self.checkpoints.update(block.checkpoints)

    def _input(self, did: int, tick: int) -> PersonInput:
        runs = self._runs.get(did)
        while runs:
            first, values = runs[0]
            if tick < first:
                break
            if tick < first + len(values):
                return PersonInput(*values[tick - first])
            runs.popleft()
        raise ReplayError(f"the file holds no input for dreamer {did} at tick {tick}")
