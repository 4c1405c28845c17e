"""The `dreamlayer` command: simulate and bench print what they promise; bad input is named."""

from __future__ import annotations

import json

import pytest

from game.cli import main


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
    assert result["machine_noise_p99_over_p50"] >= 1.0
    rows = result["levels"]
    assert [r["level"] for r in rows] == ["first-retreat", "second-retreat", "night-of-unity"]
    for r in rows:
        assert r["ticks"] == 30
        assert 0 < r["tick_p50_ms"] <= r["tick_p99_ms"] <= r["tick_max_ms"]
        assert r["cadre_mean"] >= 10  # the full cadre really is there


def test_levels_lists_the_retreats(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "levels")
    assert code == 0
    assert out.index("The First Retreat") < out.index("The Night of Unity")
