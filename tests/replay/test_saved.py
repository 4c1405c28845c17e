"""The player's saved replays: saved only if they are replays, never over another one,
listed newest first with what they hold; a host's list gives up the night just played."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from game.replay.directory import default_folder
from game.replay.format import ReplayError
from game.replay.saved import list_saved, night_in, save_replay, saved_folder
from tests.replay.conftest import blocks_of, write_blocks


def test_the_saved_folder_is_inside_the_users_replays_and_apart_from_a_hosts() -> None:
    assert saved_folder() == default_folder() / "saved"
    assert str(saved_folder()).startswith(os.environ["DREAMLAYER_DATA_DIR"])


def test_a_replay_is_saved_under_a_name_of_its_own(recorded: tuple[Path, Path],
                                                   tmp_path: Path) -> None:
    data = recorded[0].read_bytes()
    first = save_replay(data, "20231114-221320-tiny-ab12cd.dlreplay", tmp_path)
    again = save_replay(data, "20231114-221320-tiny-ab12cd", tmp_path)
    odd = save_replay(data, "../../etc/a night?", tmp_path)
    assert first.name == "20231114-221320-tiny-ab12cd.dlreplay"
    assert again != first and again.parent == odd.parent == tmp_path
    assert odd.name == "etc-a-night.dlreplay"
    assert first.read_bytes() == again.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        p.name for p in (first, again, odd))  # no part files left


def test_what_is_not_a_replay_is_not_saved(tmp_path: Path) -> None:
    with pytest.raises(ReplayError, match="not a Dreamlayer replay"):
        save_replay(b"<html>404</html>", "x", tmp_path / "saved")
    assert not (tmp_path / "saved").exists()


def test_the_list_is_newest_first_and_says_what_it_cannot_read(
        recorded: tuple[Path, Path], tmp_path: Path) -> None:
    version, blocks = blocks_of(recorded[0])
    for name, started in (("old", 1_600_000_000), ("new", 1_800_000_000)):
        blocks[0][0][1]["started"] = started
        write_blocks(tmp_path / f"{name}.dlreplay", blocks, version)
    (tmp_path / "broken.dlreplay").write_bytes(b"DLREPLAY\x01\x00garbage")
    (tmp_path / "notes.txt").write_text("not a replay")
    listed = list_saved(tmp_path)
    assert [r.path.name for r in listed] == ["new.dlreplay", "old.dlreplay", "broken.dlreplay"]
    new = listed[0].summary
    assert new is not None and new.ticks == 360 and new.people == ("Dreamer 1", "Dreamer 2")
    assert listed[2].summary is None and "header is complete" in listed[2].error
    assert list_saved(tmp_path / "none") == []


def test_a_hosts_list_gives_up_the_night_just_played() -> None:
    entries = [
        {"id": "c", "room": "ABCDE", "level": "first-retreat", "ticks": 900,
         "outcome": "unfinished"},  # the next night, under way
        {"id": "b", "room": "ABCDE", "level": "first-retreat", "ticks": 4410,
         "outcome": "dawn"},
        {"id": "a", "room": "ABCDE", "level": "first-retreat", "ticks": 4410,
         "outcome": "dawn"},  # an older night that happened to end alike
        {"id": "z", "room": "ZZZZZ", "level": "first-retreat", "ticks": 4410,
         "outcome": "dawn"},
    ]
    assert night_in(entries, "ABCDE", "first-retreat", 4410, "dawn") == "b"
    assert night_in(entries, "ABCDE", "first-retreat", 4410, "fracture") is None
    assert night_in(entries, "ABCDE", "second-retreat", 4410, "dawn") is None
    assert night_in([{"room": "ABCDE"}], "ABCDE", "", 0, "") is None
