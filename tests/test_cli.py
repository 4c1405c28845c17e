"""The `dreamlayer` command: simulate, balance and bench print what they promise; bad input is
named."""

from __future__ import annotations

import json

import pytest

from game.cli import main
from game.match import bot_match
from game.retreats import load_retreat


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as e:  # argparse exits on bad arguments
        code = int(e.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_simulate_plays_a_match_and_reports_json(capsys: pytest.CaptureFixture[str]) -> None:
    args = ("simulate", "--level", "first-retreat", "--dreamers", "2", "--seed", "3",
            "--night-seconds", "20", "--json")
    code, out, _ = run(capsys, *args)
    assert code == 0
    result = json.loads(out)
    assert result["outcome"] in ("sealed", "dawn", "fracture")
    assert result["ticks"] <= 20 * 30
    assert set(result["coverage"]) == {"sanctuary_dream", "rest_dream", "mosaic", "nightmare",
                                       "unformed"}
    assert set(result["meters"]) == {"sanctuary", "rest"}
    assert len(result["state_hash"]) == 32
    _, again, _ = run(capsys, *args)
    assert json.loads(again)["state_hash"] == result["state_hash"]


def test_simulate_prints_a_readable_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "simulate", "--level", "first-retreat", "--dreamers", "1",
                       "--seed", "1", "--night-seconds", "5")
    assert code == 0
    assert "The First Retreat" in out and "state hash" in out and "meters:" in out


def test_an_unknown_level_lists_the_levels(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "simulate", "--level", "nowhere", "--dreamers", "2")
    assert code == 2
    assert "no level named 'nowhere'" in err
    assert "first-retreat, night-of-unity, second-retreat" in err


@pytest.mark.parametrize(("argv", "problem"), [
    (("simulate", "--level", "first-retreat", "--dreamers", "9"),
     "argument --dreamers: must be 1..8, got 9"),
    (("simulate", "--level", "first-retreat", "--hazard", "zero"),
     "argument --hazard: 'zero' is not a whole number"),
    (("simulate",), "the following arguments are required: --level"),
    (("bench", "gpu"), "argument what: invalid choice: 'gpu'"),
])
def test_bad_arguments_say_which_and_why(capsys: pytest.CaptureFixture[str],
                                         argv: tuple[str, ...], problem: str) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert problem in err


def test_a_broken_level_file_is_named(capsys: pytest.CaptureFixture[str], tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "broken.tmx"
    bad.write_text("<map")
    code, _, err = run(capsys, "simulate", "--level", str(bad))
    assert code == 2
    assert str(bad) in err and "not a readable TMX file" in err


def test_bench_sim_reports_every_level(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "bench", "sim", "--ticks", "30", "--json")
    assert code == 0
    result = json.loads(out)
    assert isinstance(result["machine_noise_p99_over_p50"], float)  # reported, not judged
    rows = result["levels"]
    assert [r["level"] for r in rows] == ["first-retreat", "second-retreat", "night-of-unity"]
    for r in rows:
        assert r["ticks"] == 30
        assert 0 < r["tick_p50_ms"] <= r["tick_p99_ms"] <= r["tick_max_ms"]
        assert 0 < r["bots_p50_ms"] <= r["bots_p99_ms"] <= r["bots_max_ms"]
        assert r["tick_wall_p99_ms"] > 0 and r["bots_wall_p99_ms"] > 0
        assert r["nav_bake_ms"] >= 0
        assert r["cadre_mean"] >= 10  # the full cadre really is there


BALANCE_KEYS = {"level", "dreamers", "hazard", "lineup", "seeds", "wins", "win_rate",
                "mean_seconds", "mean_score", "mean_rifts_sealed", "outcomes", "cpu_seconds",
                "tuning"}


def test_balance_prints_one_json_object_per_cell(capsys: pytest.CaptureFixture[str]) -> None:
    args = ("balance", "--levels", "first-retreat", "--dreamers", "1,2", "--hazards", "2",
            "--seeds", "2", "--night-seconds", "8", "--jobs", "1", "--json")
    code, out, err = run(capsys, *args)
    assert code == 0 and err == ""
    rows = json.loads(out)
    assert [(r["level"], r["dreamers"], r["hazard"]) for r in rows] == [
        ("first-retreat", 1, 2), ("first-retreat", 2, 2)]
    for r in rows:
        assert set(r) == BALANCE_KEYS
        assert r["seeds"] == 2 and r["lineup"] == "allies" and r["tuning"] == {}
        assert r["win_rate"] == r["wins"] / 2 and sum(r["outcomes"].values()) == 2
        assert 0 < r["mean_seconds"] <= 8 and r["mean_score"] >= 0
    level = load_retreat("first-retreat")
    scores = [bot_match(level, 2, k, 2, night_seconds=8)[1].score for k in (0, 1)]
    assert rows[1]["mean_score"] == sum(scores) / 2
    # seeds are 0..K-1 and a pool of workers plays the same nights as one process
    code, pooled, _ = run(capsys, *args[:-3], "--jobs", "2", "--json")
    assert code == 0
    assert [{k: v for k, v in r.items() if k != "cpu_seconds"} for r in json.loads(pooled)] \
        == [{k: v for k, v in r.items() if k != "cpu_seconds"} for r in rows]


def test_balance_plays_with_the_rule_numbers_tune_changes(
        capsys: pytest.CaptureFixture[str]) -> None:
    args = ("balance", "--levels", "first-retreat", "--dreamers", "2", "--hazards", "1",
            "--seeds", "2", "--night-seconds", "8", "--jobs", "2")
    code, out, _ = run(capsys, *args, "--json")
    assert code == 0 and json.loads(out)[0]["outcomes"] == {"dawn": 2}
    # meters that start empty collapse on the first tick: every night is lost at once,
    # in the pool's worker processes too
    code, out, _ = run(capsys, *args, "--tune", "meter_start=0", "--json")
    assert code == 0
    row = json.loads(out)[0]
    assert row["outcomes"] == {"fracture": 2} and row["mean_seconds"] < 1
    assert row["tuning"] == {"meter_start": 0.0}
    code, out, _ = run(capsys, *args, "--tune", "meter_start=0", "--tune", "spread_interval=3")
    assert code == 0 and "rules: meter_start=0.0, spread_interval=3;" in out


def test_balance_prints_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "balance", "--levels", "first-retreat", "--dreamers", "2",
                       "--hazards", "1,5", "--seeds", "1", "--night-seconds", "5", "--jobs", "1",
                       "--idle-player")
    assert code == 0
    lines = out.splitlines()
    assert "hazard 1" in lines[0] and "hazard 5" in lines[0]
    assert lines[2].split()[:2] == ["first-retreat", "2"]
    assert "seats: idle; 1 seeds per cell" in out


@pytest.mark.parametrize(("argv", "problem"), [
    (("--dreamers", "0"), "argument --dreamers: must be 1..8, got 0"),
    (("--dreamers", "2,9"), "argument --dreamers: must be 1..8, got 9"),
    (("--hazards", "1,x"), "argument --hazards: 'x' is not a whole number"),
    (("--hazards", "1,,3"), "argument --hazards: '1,,3' is not a comma-separated list"),
    (("--seeds", "0"), "argument --seeds: must be 1..10000, got 0"),
    (("--jobs", "0"), "argument --jobs: must be 1..64, got 0"),
    (("--levels", ""), "argument --levels: '' is not a comma-separated list"),
    (("--levels", "first-retreat,nowhere"), "no level named 'nowhere'"),
    (("--idle-player", "--companions"), "not allowed with argument"),
    (("--idle-player", "--dreamers", "1,2"), "--idle-player needs --dreamers of 2 or more"),
    (("--tune", "nope=1"), "argument --tune: no rule number named 'nope'"),
    (("--tune", "meter_start"), "argument --tune: 'meter_start' is not NAME=VALUE"),
    (("--tune", "rift_seal_ticks=1.5"), "rift_seal_ticks takes a whole number, not '1.5'"),
    (("--tune", "spread_dream=-1"), "spread_dream must be a finite number >= 0, not -1.0"),
    (("--tune", "spread_interval=0"), "spread_interval must be at least 1 (ticks), not 0"),
    (("--tune", "meter_warnings=3"), "rule number meter_warnings is not a single number"),
])
def test_balance_names_bad_arguments(capsys: pytest.CaptureFixture[str],
                                     argv: tuple[str, ...], problem: str) -> None:
    code, out, err = run(capsys, "balance", "--seeds", "1", "--night-seconds", "1", *argv)
    assert code == 2
    assert problem in err and out == ""


def test_levels_lists_the_retreats(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "levels")
    assert code == 0
    assert out.index("The First Retreat") < out.index("The Night of Unity")
