"""What a replay file holds, read without re-simulating it: for `dreamlayer replay PATH`,
for a host's list of replays, and as the first pass of verifying (a damaged file is
refused before any tick is played).

Imports the replay's format and header, and game.sim's events.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from game.replay.format import End, ReplayError, ReplayReader
from game.replay.header import Control, ReplayHeader

__all__ = ["ReplaySummary", "describe", "read_header"]

_NAMES = 64
"""most player names a summary lists"""


@dataclass(frozen=True, slots=True)
class ReplaySummary:
    """A replay at a glance."""

    path: Path
    size: int
    """bytes"""
    header: ReplayHeader
    ticks: int
    """ticks played (the END record's), or the last tick the file holds if it ends early"""
    end: End | None
    """None: the file ends early (a crash, or a night cut short)"""
    checkpoints: int
    roster_changes: int
    chat_lines: int
    emotes: int
    people: tuple[str, ...]
    """the names of everyone who played a seat as a person, in order of appearance (the
    first 64)"""

    @property
    def seconds(self) -> float:
        return self.ticks / self.header.tick_rate

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: what a list of replays shows."""
        h = self.header
        return {
            "id": self.path.stem, "level": h.level.name, "hazard": h.hazard, "seed": h.seed,
            "outcome": self.end.outcome.name.lower() if self.end else "unfinished",
            "ticks": self.ticks, "seconds": round(self.seconds, 1),
            "players": list(self.people),
            "bots": sum(1 for st in h.seats if st.control in (Control.BOT, Control.COMPANION)),
            "date": dt.datetime.fromtimestamp(h.started, dt.UTC).isoformat(timespec="seconds"),
            "size": self.size, "room": h.room, "game_version": h.game_version,
            "build": h.build, "checkpoints": self.checkpoints,
            "roster_changes": self.roster_changes, "chat_lines": self.chat_lines,
        }


def read_header(path: str | Path) -> ReplayHeader:
    """Only the header. Raises ReplayError for a file that is not a readable replay."""
    with _open(Path(path)) as f:
        return ReplayReader(f).header


def describe(path: str | Path) -> ReplaySummary:
    """Read the whole file (every block checked, none kept). Raises ReplayError for a
    file that is not a readable replay or is damaged; a file that ends early is fine."""
    p = Path(path)
    with _open(p) as f:
        reader = ReplayReader(f)
        h = reader.header
        people = [st.name for st in h.seats if st.control is Control.PERSON]
        ticks = checkpoints = roster = chat = emotes = 0
        for block in reader.blocks():
            ticks = max(ticks, block.upto)
            checkpoints += len(block.checkpoints)
            roster += len(block.seats)
            chat += len(block.chat)
            emotes += len(block.emotes)
            if len(people) < _NAMES:
                people = list(dict.fromkeys(people + [
                    st.name for _, st in block.seats if st.control is Control.PERSON]))
        size = f.tell()
    end = reader.end
    return ReplaySummary(p, size, h, end.ticks if end else ticks, end, checkpoints, roster,
                         chat, emotes, tuple(dict.fromkeys(people))[:_NAMES])


def _open(p: Path) -> Any:
    try:
        return p.open("rb")
    except OSError as e:
        raise ReplayError(f"cannot open the file ({e.strerror})") from None
