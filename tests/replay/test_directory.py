"""A host's replay folder keeps its limits: the last `keep` files, at most `max_mb`, never a
file still being written; ids find files and nothing else."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from game.replay.directory import SUFFIX, ReplayDirectory, default_folder


def _night(d: ReplayDirectory, n: int, size: int = 1000) -> Path:
    """Record night number n: a file of `size` bytes, last written at time n."""
    path, f = d.create("first-retreat", 1_700_000_000 + n)
    with f:
        f.write(b"x" * size)
    os.utime(path, (n, n))
    d.finish(path)
    return path


def test_it_keeps_the_last_n_files(tmp_path: Path) -> None:
    d = ReplayDirectory(tmp_path / "replays", keep=3)
    paths = [_night(d, n) for n in range(1, 7)]
    assert [f.path for f in d.files()] == paths[:2:-1]
    assert paths[0].name.startswith("20231114-") and paths[0].name.endswith(
        f"-first-retreat-{paths[0].name.split('-')[-1]}")


def test_it_keeps_the_total_under_its_size_cap(tmp_path: Path) -> None:
    d = ReplayDirectory(tmp_path, keep=100, max_mb=1)
    paths = [_night(d, n, size=300 * 1024) for n in range(1, 6)]
    assert sum(f.size for f in d.files()) <= 1024 * 1024
    assert [f.path for f in d.files()] == paths[:1:-1]


def test_a_file_being_written_is_never_deleted(tmp_path: Path) -> None:
    d = ReplayDirectory(tmp_path, keep=2)
    live, f = d.create("second-retreat", 1_700_000_000)
    with f:
        f.write(b"still recording")
    os.utime(live, (0, 0))  # the oldest of all
    others = [_night(d, n) for n in range(1, 4)]
    assert live.exists()
    assert {x.path for x in d.files()} == {live, others[-1]}
    d.finish(live)  # finished: the oldest file, first to go when room is needed
    assert live.exists()
    newest = _night(d, 4)
    assert [x.path for x in d.files()] == [newest, others[-1]]


def test_ids_find_replays_and_nothing_else(tmp_path: Path) -> None:
    d = ReplayDirectory(tmp_path)
    path = _night(d, 1)
    rid = path.name.removesuffix(SUFFIX)
    assert d.files()[0].id == rid
    assert d.path_of(rid) == path
    (tmp_path.parent / f"secret{SUFFIX}").write_bytes(b"no")
    for bad in ("../secret", "", "nothere", f"{rid}/..", ".hidden", "a" * 200):
        assert d.path_of(bad) is None


def test_bad_limits_are_refused_and_the_default_folder_is_the_users(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="keep must be at least 1"):
        ReplayDirectory(tmp_path, keep=0)
    with pytest.raises(ValueError, match="max_mb must be above 0"):
        ReplayDirectory(tmp_path, max_mb=0)
    assert default_folder().name == "replays" and "dreamlayer" in str(default_folder())
    assert ReplayDirectory(tmp_path / "none").files() == []
