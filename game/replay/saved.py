"""The player's saved replays: the nights a player chose to keep ("Save replay" on the
results screen), in `saved` inside the replays folder of the user's data folder
(`~/.local/share/dreamlayer/replays/saved` on Linux; `DREAMLAYER_DATA_DIR` moves it). A
host prunes only the files directly in its own folder, never this one.

`save_replay(data, name)` checks the bytes are a replay and writes them there;
`list_saved()` lists what is there, newest first, each with its summary (or why it cannot
be read); `night_in(entries, ...)` finds the night just played in a host's `GET /replays`
list.

Imports the replay's directory, format and summary.
"""

from __future__ import annotations

import io
import os
import re
import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

from game.replay.directory import SUFFIX, default_folder
from game.replay.format import ReplayError, ReplayReader
from game.replay.summary import ReplaySummary, describe

__all__ = ["SavedReplay", "list_saved", "night_in", "save_replay", "saved_folder"]


def saved_folder() -> Path:
    """Where saved replays go: `saved` in the user's replays folder."""
    return default_folder() / "saved"


class SavedReplay(NamedTuple):
    path: Path
    summary: ReplaySummary | None
    """None: the file cannot be read as a replay (`error` says why)"""
    error: str = ""


def save_replay(data: bytes, name: str, folder: Path | None = None) -> Path:
    """Write the replay `data` into the saved replays as `name` (made safe, made unique);
    returns its path. Raises ReplayError if `data` is not a replay, OSError if it cannot be
    written (nothing half-written is left)."""
    ReplayReader(io.BytesIO(data))  # refuses what is not a replay, before a byte is written
    folder = folder if folder is not None else saved_folder()
    folder.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", name.removesuffix(SUFFIX)).strip("-")[:80] or "night"
    path = folder / f"{stem}{SUFFIX}"
    while path.exists():
        path = folder / f"{stem}-{secrets.token_hex(2)}{SUFFIX}"
    part = path.with_name(path.name + ".part")
    try:
        part.write_bytes(data)
        os.replace(part, path)
    except OSError:
        part.unlink(missing_ok=True)
        raise
    return path


def list_saved(folder: Path | None = None) -> list[SavedReplay]:
    """Every saved replay, newest night first (a file that cannot be read last)."""
    folder = folder if folder is not None else saved_folder()
    try:
        paths = sorted(folder.glob(f"*{SUFFIX}"))
    except OSError:
        return []
    out = []
    for p in paths:
        try:
            out.append(SavedReplay(p, describe(p)))
        except ReplayError as e:
            out.append(SavedReplay(p, None, str(e)))
    out.sort(key=lambda r: r.summary.header.started if r.summary else -1, reverse=True)
    return out


def night_in(entries: Iterable[Mapping[str, Any]], room: str, level: str, ticks: int,
             outcome: str) -> str | None:
    """The id of the night a room just played in a host's list of replays (`GET
    /replays`, newest first): the newest of that room and level that ended after `ticks`
    ticks with `outcome` (an Outcome's name in lower case). None if there is none."""
    for e in entries:
        if (e.get("room") == room and e.get("level") == level and e.get("ticks") == ticks
                and e.get("outcome") == outcome and isinstance(e.get("id"), str)):
            return str(e["id"])
    return None
