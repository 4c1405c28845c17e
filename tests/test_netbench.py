"""`dreamlayer bench net` at toy sizes: every part runs, returns the promised keys and
sane values, and stops what it starts. Behaviour only: no timing is asserted."""

from __future__ import annotations

import json
from typing import Any

import pytest

from game.bench import net as netbench
from game.cli import main
from game.retreats import campaign


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return netbench.bench_net(rooms=2, seconds=3, idle=8, entity_ticks=90, join_ticks=60)


def test_the_match_part_measures_bytes_snapshots_and_acks(result: dict[str, Any]) -> None:
    m = result["match"]
    d = m["downstream_bytes_per_s"]
    assert m["dreamers"] == 4 and m["level"] == campaign()[0].name
    assert d["client_median"] > 0 and d["second_samples"] > 0 and d["player_mean"] > 0
    assert d["client_p99"] >= d["client_median"] and d["second_p99"] >= d["second_median"]
    assert m["snapshots_per_s"] > 0 and m["ack_ms"]["samples"] > 0
    assert len(m["players"]) == 4 and m["ended"] == ["still connected"]


def test_entity_and_join_state_parts_cover_the_levels(result: dict[str, Any]) -> None:
    e = result["entities"]
    largest = max(campaign(), key=lambda lv: lv.width * lv.height)
    assert e["level"] == largest.name and e["ticks"] == 90 and e["snapshots"] == 45
    assert 0 < e["bytes_per_changed_mean"] <= e["bytes_per_changed_max"]
    assert e["bytes_per_changed_overall"] > 0
    rows = result["join_state"]
    assert [r["level"] for r in rows] == [lv.name for lv in campaign()]
    assert all(r["bytes"] > 0 and r["ticks"] == 60 and r["entities"] >= 4 for r in rows)


def test_the_load_part_plays_every_room_and_stops_its_server(result: dict[str, Any]) -> None:
    load = result["load"]
    assert load["rooms"] == 2 and load["connected"] == 8 and load["rooms_playing"] == 2
    assert load["setup_failures"] == [] and load["dropped"] == 0
    assert load["tick_ms"]["samples"] > 0 and load["tick_histogram"]["ticks"] > 0
    assert load["client_bytes_per_s"]["median"] > 0
    assert load["snapshots_per_s"]["median"] > 0
    mem = load["memory"]
    assert mem["rss_base_mb"] > 0 and mem["rss_rooms_mb"] > 0 and mem["idle_connections"] == 8
    assert load["server_exit_status"] is not None  # the subprocess was stopped and reaped


def test_checks_and_report_name_every_budget(result: dict[str, Any]) -> None:
    checks = result["checks"]
    assert len(checks) == 8 and all(isinstance(c["ok"], bool) for c in checks)
    text = netbench.render(result)
    assert text.startswith("machine noise:")
    for c in checks:
        assert c["what"] in text
    json.dumps(result)  # JSON-ready


def test_the_cli_dispatches_bench_net(monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str],
                                      result: dict[str, Any]) -> None:
    seen: dict[str, Any] = {}

    def fake(rooms: int, seconds: float, **kw: Any) -> dict[str, Any]:
        seen.update(rooms=rooms, seconds=seconds)
        return result

    monkeypatch.setattr(netbench, "bench_net", fake)
    assert main(["bench", "net", "--json", "--rooms", "8", "--seconds", "5"]) == 0
    assert seen == {"rooms": 8, "seconds": 5.0}
    assert json.loads(capsys.readouterr().out)["bench"] == "net"
    assert main(["bench", "net", "--rooms", "2"]) == 0
    assert "budgets" in capsys.readouterr().out
    with pytest.raises(SystemExit) as e:
        main(["bench", "net", "--rooms", "0"])
    assert e.value.code == 2
