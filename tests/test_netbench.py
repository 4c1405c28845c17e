"""`dreamlayer bench net` at toy sizes: every part runs, returns the promised keys and
sane values, and stops what it starts. Behaviour only: no timing is asserted."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from typing import Any

import pytest

from game.bench import net as netbench
from game.bench.host import cpu_between, tree_cpu_seconds, tree_pids
from game.bench.load import full_strength, full_strength_tick, measure_load
from game.cli import main
from game.retreats import campaign
from game.sim.director import Phase
from game.sim.world import World


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return netbench.bench_net(rooms=2, seconds=3, idle=8, entity_ticks=90, join_ticks=60,
                              wait_full=False, recorder_ticks=90)


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
    assert load["workers"] == 1 and load["replays"] is True
    assert load["level"] == max(campaign(), key=lambda lv: lv.width * lv.height).name
    assert load["tick_ms"]["samples"] > 0 and load["tick_histogram"]["ticks"] > 0
    assert load["client_bytes_per_s"]["median"] > 0
    assert load["snapshots_per_second"] > 0 and load["ticks_per_second"] > 0
    # the cost per room-tick: the host's CPU over the room-ticks its rooms played
    assert load["room_ticks"] > 0 and load["server_cpu_seconds"] > 0
    assert load["server_cpu_ms_per_room_tick"] == pytest.approx(
        1000 * load["server_cpu_seconds"] / load["room_ticks"], rel=0.01)
    assert load["rooms_per_core"] == pytest.approx(
        1000 / 30 / load["server_cpu_ms_per_room_tick"], rel=0.01)
    assert load["cpu_cores"]["clients"] > 0  # the clients ran, in their own process
    fs = load["full_strength"]
    assert fs["waited"] is False and fs["cadre_seen"]["min"] >= 0  # each room mirrored
    mem = load["memory"]
    assert mem["rss_base_mb"] > 0 and mem["rss_rooms_mb"] > 0 and mem["idle_connections"] == 8
    assert load["server_exit_status"] is not None  # the subprocess was stopped and reaped
    for key in ("workers", "ticks_per_second", "snapshots_per_second",
                "server_cpu_ms_per_room_tick", "rooms_per_core"):
        assert result[key] == load[key]


def test_the_recording_part_compares_replays_off_and_on(result: dict[str, Any]) -> None:
    off, rec = result["load_replays_off"], result["recording"]
    assert off["replays"] is False and off["rooms_playing"] == 2
    assert rec["cpu_ms_per_room_tick_replays_on"] == result["server_cpu_ms_per_room_tick"]
    assert rec["cpu_ms_per_room_tick_replays_off"] == off["server_cpu_ms_per_room_tick"]
    on_, off_ = rec["cpu_ms_per_room_tick_replays_on"], rec["cpu_ms_per_room_tick_replays_off"]
    assert rec["cost_pct"] == pytest.approx(100 * (on_ - off_) / off_, abs=0.01)
    ip = rec["in_process"]
    assert ip["ticks"] == 90 and ip["recorder_us_per_tick"] > 0
    assert rec["recorder_share_pct"] > 0


def test_full_strength_is_the_peak_with_ethan_come() -> None:
    for lv in campaign():
        tick = full_strength_tick(lv)
        world = World(lv, 0, hazard=1)
        assert world.director.phase(tick) is Phase.PEAK
        if lv.has_ethan:
            assert tick >= world.ethan_tick
        if tick > world.ethan_tick or not lv.has_ethan:
            assert world.director.phase(tick - 1) is not Phase.PEAK  # the first such tick
        assert full_strength(lv, 4) == world.director.full_cadre(4) + lv.has_ethan


def test_host_cpu_counts_the_processes_under_it() -> None:
    """A process and its child that burns CPU: the tree's reading grows by the child's."""
    code = ("import subprocess, sys; subprocess.run([sys.executable, '-c', "
            "'while True: pass'])")
    parent = subprocess.Popen([sys.executable, "-c", code])
    try:
        deadline = time.monotonic() + 30.0
        while len(tree_pids(parent.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        before = tree_cpu_seconds(parent.pid)
        assert len(before) == 2
        child = next(p for p in before if p != parent.pid)
        while time.monotonic() < deadline:
            after = tree_cpu_seconds(parent.pid)
            if after.get(child, 0.0) - before[child] >= 0.2:
                break
            time.sleep(0.05)
        assert cpu_between(before, after) >= 0.2
        assert cpu_between(before, after) == pytest.approx(
            sum(after.values()) - sum(before.values()))
    finally:
        for p in tree_pids(parent.pid)[::-1]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(p, signal.SIGKILL)
        parent.wait()


def test_workers_are_passed_on_and_their_cpu_counted() -> None:
    """`--workers 2` reaches the host: two workers, whose CPU is read from all of them."""
    load = asyncio.run(measure_load(1, 2, idle=0, workers=2, replays=False, wait_full=False))
    assert load["workers"] == 2 and load["rooms_playing"] == 1
    assert load["server_cpu_ms_per_room_tick"] > 0


def test_checks_and_report_name_every_budget(result: dict[str, Any]) -> None:
    checks = result["checks"]
    assert len(checks) == 10 and all(isinstance(c["ok"], bool) for c in checks)
    text = netbench.render(result)
    assert text.startswith("machine noise:")
    for c in checks:
        assert c["what"] in text
    assert "server CPU ms per room-tick" in text and "the recording's cost" in text
    json.dumps(result)  # JSON-ready


def test_the_cli_dispatches_bench_net(monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str],
                                      result: dict[str, Any]) -> None:
    seen: dict[str, Any] = {}

    def fake(rooms: int, seconds: float, **kw: Any) -> dict[str, Any]:
        seen.update(rooms=rooms, seconds=seconds, **kw)
        return result

    monkeypatch.setattr(netbench, "bench_net", fake)
    assert main(["bench", "net", "--json", "--rooms", "8", "--seconds", "5", "--workers", "2",
                 "--level", "first-retreat", "--load-only", "--at-once"]) == 0
    seen.pop("on_part")
    assert seen == {"rooms": 8, "seconds": 5.0, "workers": 2, "level": "first-retreat",
                    "load_only": True, "wait_full": False}
    assert json.loads(capsys.readouterr().out)["bench"] == "net"
    assert main(["bench", "net", "--rooms", "2"]) == 0
    assert seen["rooms"] == 2 and seen["workers"] == 1 and seen["level"] is None
    assert seen["wait_full"] is True and "budgets" in capsys.readouterr().out
    assert main(["bench", "net", "--level", "no-such-retreat"]) == 2
    assert "no level named 'no-such-retreat'" in capsys.readouterr().err
    for bad in (["--rooms", "0"], ["--workers", "0"]):
        with pytest.raises(SystemExit) as e:
            main(["bench", "net", *bad])
        assert e.value.code == 2
