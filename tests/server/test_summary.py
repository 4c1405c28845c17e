"""Adding up workers without a host: /healthz summed with the worst tick and a row per
worker, /metrics summed by sample with a dead worker's counters carried."""

from __future__ import annotations

from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from server.metrics import ServerMetrics
from server.summary import DoorMetrics, Retired, families_of, merge_health, render_families


def report(rooms: int, p99: float, status: str = "ok", **more: Any) -> dict[str, Any]:
    return {"status": status, "rooms": rooms, "playing": rooms, "paused": 0,
            "connections": 2 * rooms, "dreamers": rooms, "spectators": 0, "rooms_behind": 0,
            "levels": ["first-retreat"], "tick_ms": {"p50": p99 / 2, "p99": p99, "max": p99,
                                                      "samples": 10},
            "tick_lag_ms_max": p99 / 10, "behind_seconds_max": 0.0, "memory_mb": 50.0,
            "pid": 100 + rooms, **more}


def merged(*answers: tuple[int, dict[str, Any] | None], stopping: bool = False) -> dict[str, Any]:
    return merge_health(list(answers), name="h", uptime=3.0, stopping=stopping, restarts=1,
                        supervisor_mb=40.0)


def test_health_adds_counts_keeps_the_worst_tick_and_lists_each_worker() -> None:
    out = merged((0, report(2, 4.0)), (1, report(3, 9.0)))
    assert (out["status"], out["rooms"], out["connections"], out["dreamers"]) == ("ok", 5, 10, 5)
    assert out["tick_ms"] == {"p50": 4.5, "p99": 9.0, "max": 9.0, "samples": 20}
    assert out["tick_lag_ms_max"] == 0.9 and out["memory_mb"] == 140.0
    assert out["worker_restarts"] == 1 and out["levels"] == ["first-retreat"]
    assert [(w["slot"], w["pid"], w["rooms"], w["tick_p99_ms"]) for w in out["workers"]] == [
        (0, 102, 2, 4.0), (1, 103, 3, 9.0)]


def test_a_worker_degraded_or_silent_makes_the_host_degraded() -> None:
    assert merged((0, report(1, 1.0)), (1, report(1, 1.0, "degraded")))["status"] == "degraded"
    silent = merged((0, report(1, 1.0)), (1, None))
    assert silent["status"] == "degraded" and silent["rooms"] == 1
    assert silent["workers"][1] == {"slot": 1, "pid": None, "status": "no answer"}
    assert merged((0, report(1, 1.0)), (1, None), stopping=True)["status"] == "stopping"


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for f in text_string_to_metric_families(text) for s in f.samples}


def test_metrics_sum_by_sample_and_a_dead_workers_counters_are_carried() -> None:
    a, b = ServerMetrics(), ServerMetrics()
    for m, n in ((a, 2), (b, 3)):
        m.rooms.set(n)
        m.bytes_sent.inc(100 * n)
        m.disconnects.labels(reason="kicked").inc(n)
        m.tick_seconds.observe(0.001 * n)
    door = DoorMetrics()
    door.rejected.labels(reason="bad_request").inc()
    b.messages_rejected.labels(reason="bad_request").inc()
    text = render_families([families_of(a.registry), families_of(b.registry),
                            door.families()])
    got = samples(text)
    assert got[("dreamlayer_rooms", ())] == 5
    assert got[("dreamlayer_bytes_sent_total", ())] == 500
    assert got[("dreamlayer_disconnects_total", (("reason", "kicked"),))] == 5
    assert got[("dreamlayer_tick_seconds_count", ())] == 2
    assert got[("dreamlayer_tick_seconds_bucket", (("le", "0.005"),))] == 2
    assert got[("dreamlayer_messages_rejected_total", (("reason", "bad_request"),))] == 2
    assert got[("dreamlayer_worker_restarts_total", ())] == 0
    # b dies: its counters stay in the totals, its gauges do not
    retired = Retired()
    retired.keep(families_of(b.registry))
    fresh = ServerMetrics()  # its replacement
    after = samples(render_families([families_of(a.registry), families_of(fresh.registry)],
                                    retired))
    assert after[("dreamlayer_bytes_sent_total", ())] == 500
    assert after[("dreamlayer_tick_seconds_count", ())] == 2
    assert after[("dreamlayer_rooms", ())] == 2
