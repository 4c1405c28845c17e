"""Replays: every night recorded as its people's inputs, and verified by re-simulating it.

The simulation is deterministic, so a replay is the night's header (level file and its
hash, seed, hazard, lineup), then the people's inputs tick by tick, the roster changes,
chat and emotes, a state hash every checkpoint, and the outcome. Modules:

- `inputs`: `PersonInput`, a person's controls in whole steps (what a room applies)
- `header`: `ReplayHeader`, `Seat`, `LevelFile`, the build fingerprint
- `format`: the file format, its writer and its reader (`ReplayError`)
- `recorder`: `Recorder`, what a match runner calls (its docstring shows a room's calls)
- `night`: the world and crew of a night, seated and stepped as the room did
- `playback`: re-simulating a replay tick by tick; `verify`: comparing its hashes
- `summary`: a replay at a glance; `directory`: a host's folder of replays
- `headless`: a bot match recorded as if its dreamers were people (`simulate --record`)

Imports game.sim, game.bots, game.net (records and schema checks), game.tmx, msgpack and
platformdirs; never pygame, asyncio or the server.
"""

from __future__ import annotations

from game.replay.directory import ReplayDirectory
from game.replay.format import ReplayError
from game.replay.header import Control, LevelFile, ReplayHeader, Seat
from game.replay.inputs import STILL, PersonInput
from game.replay.recorder import Recorder
from game.replay.summary import ReplaySummary, describe
from game.replay.verify import Verdict, verify

__all__ = ["STILL", "Control", "LevelFile", "PersonInput", "Recorder", "ReplayDirectory",
           "ReplayError", "ReplayHeader", "ReplaySummary", "Seat", "Verdict", "describe",
           "verify"]
