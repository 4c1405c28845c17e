"""`dreamlayer simulate --record` and `dreamlayer replay [--verify] [--json]`: what they
print and how they exit (0 match, 1 mismatch, 2 refused)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from game.cli import main
from tests.replay.conftest import blocks_of, turn_round, write_blocks


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A short night on a shipped level, recorded by the command."""
    path = tmp_path_factory.mktemp("cli") / "first.dlreplay"
    assert main(["simulate", "--level", "first-retreat", "--dreamers", "2", "--seed", "4",
                 "--night-seconds", "8", "--json", "--record", str(path)]) == 0
    return path


def test_simulate_records_and_replay_verifies_it_by_the_levels_name(
        shipped: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "replay", str(shipped), "--verify", "--json")
    assert (code, err) == (0, "")
    v = json.loads(out)
    assert set(v) == {"hash_recorded", "hash_replayed", "match", "ticks", "seconds"}
    assert v["match"] is True and v["ticks"] == 240
    assert v["hash_recorded"] == v["hash_replayed"] and len(v["hash_replayed"]) == 32
    code, out, _ = run(capsys, "replay", str(shipped), "--verify")
    assert code == 0 and out.splitlines()[0].endswith(": match")
    assert f"hash_replayed {v['hash_replayed']}" in out


def test_simulate_reports_the_replay_it_wrote(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "r.dlreplay"
    code, out, _ = run(capsys, "simulate", "--level", "first-retreat", "--dreamers", "1",
                       "--night-seconds", "2", "--record", str(path))
    assert code == 0 and f"replay written to {path}" in out and path.stat().st_size > 0
    code, _, err = run(capsys, "simulate", "--level", "first-retreat", "--dreamers", "1",
                       "--night-seconds", "2", "--record", str(tmp_path / "no" / "r"))
    assert code == 2 and "cannot write the replay" in err


def test_replay_summary_says_what_the_file_holds(
        shipped: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "replay", str(shipped), "--summary")
    assert code == 0
    assert "level first-retreat (first-retreat.tmx), hazard 1, seed 4, 8 s night" in out
    assert "Dreamer 1 (Sleep Sanctuary, architect, person)" in out
    assert "after 240 ticks (8.0 s)" in out
    code, out, _ = run(capsys, "replay", str(shipped), "--json")
    assert code == 0 and json.loads(out)["ticks"] == 240


def test_replay_alone_opens_the_viewer_and_a_refused_file_says_why(
        shipped: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    import game.client.app

    opened: list[tuple[str, str | None, bool]] = []
    def run_replay(path: str, level: str | None, any_build: bool) -> int:
        opened.append((path, level, any_build))
        return 0

    monkeypatch.setattr(game.client.app, "run_replay", run_replay)
    assert run(capsys, "replay", str(shipped)) == (0, "", "")
    assert opened == [(str(shipped), None, False)]
    junk = tmp_path / "junk.dlreplay"
    junk.write_bytes(b"not a replay at all")
    code, out, err = run(capsys, "replay", str(junk))
    assert code == 2 and out == "" and "not a Dreamlayer replay" in err
    assert len(opened) == 1  # no window for a file that is not a replay


def test_a_mismatch_exits_1_and_names_its_first_tick(shipped: Path, tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    version, blocks = blocks_of(shipped)
    assert turn_round(blocks, after=0) <= 90
    write_blocks(tmp_path / "bad.dlreplay", blocks, version)
    code, out, _ = run(capsys, "replay", str(tmp_path / "bad.dlreplay"), "--verify", "--json")
    v = json.loads(out)
    assert code == 1 and v["match"] is False and v["first_bad_tick"] == 90
    code, out, _ = run(capsys, "replay", str(tmp_path / "bad.dlreplay"), "--verify")
    assert code == 1 and "MISMATCH: the first differing hash is at tick 90" in out


def test_a_refused_file_exits_2_with_one_line(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "x.dlreplay"
    bad.write_bytes(b"not a replay at all")
    code, out, err = run(capsys, "replay", str(bad), "--verify", "--json")
    assert code == 2 and json.loads(out) == {
        "error": f"{bad}: not a Dreamlayer replay (it does not start with DLREPLAY)"}
    assert err == f"dreamlayer replay: {bad}: not a Dreamlayer replay (it does not start " \
                  "with DLREPLAY)\n"
    code, _, err = run(capsys, "replay", str(tmp_path / "missing"))
    assert code == 2 and "cannot open the file (No such file or directory)" in err
