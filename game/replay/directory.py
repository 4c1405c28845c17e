"""A host's folder of replays: where each night's file goes, and how many are kept.

`ReplayDirectory(folder, keep, max_mb)` is what the host's `replays.dir`, `replays.keep`
and `replays.max_mb` settings become. `create()` opens a new file for a night (named by
its start time and level) after deleting the oldest files as needed to make room;
`finish()` says a night's file is complete and prunes again. Files still being written
are never deleted, so the count or size may run over while nights are under way. The
folder defaults to `replays` in the user's data folder (platformdirs; the
environment's `DREAMLAYER_DATA_DIR` overrides it).

`files()` lists the replays newest first and `path_of(id)` finds one by id safely (an id is
a file stem; anything else, such as a path, finds nothing): what `GET /replays` and
`GET /replays/ID` need.

Imports platformdirs and the standard library only.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, NamedTuple

from platformdirs import user_data_dir

__all__ = ["DEFAULT_KEEP", "DEFAULT_MAX_MB", "SUFFIX", "ReplayDirectory", "ReplayFile",
           "default_folder"]

log = logging.getLogger("dreamlayer.replay")

SUFFIX = ".dlreplay"
DEFAULT_KEEP = 100
"""replays kept; a 6-minute night of 4 is about 100 KB"""
DEFAULT_MAX_MB = 100.0
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")


def default_folder() -> Path:
    """`replays` in the user's data folder (~/.local/share/dreamlayer/replays on Linux), or
    in the folder `DREAMLAYER_DATA_DIR` names (as tests set it)."""
    env = os.environ.get("DREAMLAYER_DATA_DIR")
    return Path(env or user_data_dir("dreamlayer")) / "replays"


class ReplayFile(NamedTuple):
    id: str
    """the file's stem"""
    path: Path
    size: int
    """bytes"""
    mtime: float
    """when it was last written (Unix time)"""


class ReplayDirectory:
    """The replays of one host (see the module docstring)."""

    def __init__(self, folder: Path | None = None, keep: int = DEFAULT_KEEP,
                 max_mb: float = DEFAULT_MAX_MB,
                 in_use: Callable[[], set[str]] | None = None) -> None:
        """Raises ValueError for keep below 1 or max_mb not above 0. The folder is made
        when the first replay is created. `in_use()`, if given, names more files (by file
        name) that are being written, by other processes sharing the folder: they are
        not pruned either."""
        if keep < 1:
            raise ValueError(f"keep must be at least 1, got {keep}")
        if not max_mb > 0:
            raise ValueError(f"max_mb must be above 0, got {max_mb}")
        self.folder = folder if folder is not None else default_folder()
        self.keep = keep
        self.max_bytes = int(max_mb * 1024 * 1024)
        self._writing: set[Path] = set()
        self._in_use = in_use

    def create(self, level: str, started: float) -> tuple[Path, BinaryIO]:
        """A new, empty replay file for a night of `level` that began at Unix time
        `started`, opened for writing (the caller closes it, then calls `finish`). Makes
        room first: afterwards at most `keep` files, the new one included. Raises OSError
        if the folder or file cannot be made."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.prune(reserve=1)
        stamp = dt.datetime.fromtimestamp(started, dt.UTC).strftime("%Y%m%d-%H%M%S")
        slug = re.sub(r"[^A-Za-z0-9-]+", "-", level).strip("-")[:40] or "level"
        while True:
            path = self.folder / f"{stamp}-{slug}-{secrets.token_hex(3)}{SUFFIX}"
            try:
                stream = path.open("xb")
            except FileExistsError:
                continue
            self._writing.add(path)
            return path, stream

    def adopt(self, path: Path) -> None:
        """The replay at `path` (in the folder, left by a process that stopped) is being
        written again: it is not pruned until `finish`."""
        self._writing.add(path)

    def finish(self, path: Path) -> list[Path]:
        """The replay at `path` is complete (or abandoned): it may be pruned from now on.
        Prunes and returns the files deleted."""
        self._writing.discard(path)
        return self.prune()

    def files(self) -> list[ReplayFile]:
        """Every replay in the folder, newest first."""
        out = []
        try:
            paths = list(self.folder.glob(f"*{SUFFIX}"))
        except OSError:
            return []
        for p in paths:
            try:
                st = p.stat()
            except OSError:
                continue  # deleted meanwhile
            out.append(ReplayFile(p.name.removesuffix(SUFFIX), p, st.st_size, st.st_mtime))
        out.sort(key=lambda f: (f.mtime, f.id), reverse=True)
        return out

    def path_of(self, replay_id: str) -> Path | None:
        """The replay file with this id, or None (also for anything that is not an id)."""
        if not _ID.fullmatch(replay_id):
            return None
        p = self.folder / f"{replay_id}{SUFFIX}"
        return p if p.is_file() else None

    def prune(self, reserve: int = 0) -> list[Path]:
        """Delete the oldest finished replays until at most `keep - reserve` files remain
        and they take at most `max_mb`; returns the files deleted. A file that cannot be
        deleted is logged and skipped."""
        files = self.files()
        count, total = len(files), sum(f.size for f in files)
        removed = []
        elsewhere: set[str] | None = None
        for f in reversed(files):  # oldest first
            if count + reserve <= self.keep and total <= self.max_bytes:
                break
            if f.path in self._writing:
                continue
            if elsewhere is None:
                elsewhere = self._in_use() if self._in_use is not None else set()
            if f.path.name in elsewhere:
                continue
            try:
                f.path.unlink()
            except FileNotFoundError:
                pass
            except OSError as e:
                log.warning("replays: cannot delete %s (%s)", f.path, e.strerror)
                continue
            count -= 1
            total -= f.size
            removed.append(f.path)
        if removed:
            log.info("replays: deleted %d old replay(s) to keep %d files and %.0f MB",
                     len(removed), self.keep, self.max_bytes / 2**20)
        return removed
