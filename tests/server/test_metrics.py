"""The host's metrics: the names and kinds the README promises, values read from the host's
tables at scrape time, and a registry per host (two hosts in one process count apart).
The text format itself is prometheus_client's, read back here with its own parser."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from server.metrics import TICK_BUCKETS, ServerMetrics
from server.summary import DoorMetrics, families_of, render_families


def families(m: ServerMetrics) -> dict[str, dict[tuple[str, tuple[tuple[str, str], ...]], float]]:
    """family name -> {(sample name, sorted labels): value}, parsed from m.render()."""
    out: dict[str, dict[tuple[str, tuple[tuple[str, str], ...]], float]] = {}
    for fam in text_string_to_metric_families(m.render()):
        out[f"{fam.name}:{fam.type}"] = {(s.name, tuple(sorted(s.labels.items()))): s.value
                                         for s in fam.samples}
    return out


def test_the_names_and_kinds_the_readme_lists() -> None:
    assert set(families(ServerMetrics())) == {
        "dreamlayer_rooms:gauge",
        "dreamlayer_dreamers:gauge",
        "dreamlayer_spectators:gauge",
        "dreamlayer_connections:gauge",
        "dreamlayer_tick_seconds:histogram",
        "dreamlayer_bytes_sent:counter",
        "dreamlayer_bytes_received:counter",
        "dreamlayer_disconnects:counter",
        "dreamlayer_messages_rejected:counter",
        "dreamlayer_matches:counter",
        "dreamlayer_memory_trims:counter",
    }


def test_gauges_are_read_from_the_host_when_scraped_and_counters_count() -> None:
    m = ServerMetrics()
    rooms = {"ABCDE": 1}
    m.watch(lambda: len(rooms), lambda: 5, lambda: 1, lambda: 7)
    assert families(m)["dreamlayer_rooms:gauge"] == {("dreamlayer_rooms", ()): 1.0}
    rooms["FGHJK"] = 2
    assert families(m)["dreamlayer_rooms:gauge"] == {("dreamlayer_rooms", ()): 2.0}
    m.tick_seconds.observe(0.0015)
    m.bytes_sent.inc(1000)
    m.disconnects.labels(reason="too_slow").inc()
    m.messages_rejected.labels(reason="rooms_per_address").inc(3)
    got = families(m)
    ticks = got["dreamlayer_tick_seconds:histogram"]
    assert ticks[("dreamlayer_tick_seconds_bucket", (("le", "0.001"),))] == 0
    assert ticks[("dreamlayer_tick_seconds_bucket", (("le", "0.002"),))] == 1
    assert ticks[("dreamlayer_tick_seconds_count", ())] == 1
    assert len([k for k in ticks if k[0].endswith("_bucket")]) == len(TICK_BUCKETS) + 1
    assert got["dreamlayer_bytes_sent:counter"] == {("dreamlayer_bytes_sent_total", ()): 1000}
    assert got["dreamlayer_messages_rejected:counter"] == {
        ("dreamlayer_messages_rejected_total", (("reason", "rooms_per_address"),)): 3}
    assert m.value("dreamlayer_disconnects_total", reason="too_slow") == 1
    assert m.value("dreamlayer_disconnects_total", reason="kicked") == 0


def test_each_host_has_its_own_registry() -> None:
    a, b = ServerMetrics(), ServerMetrics()
    a.bytes_received.inc(5)
    assert a.value("dreamlayer_bytes_received_total") == 5
    assert b.value("dreamlayer_bytes_received_total") == 0


def test_the_readme_lists_exactly_these_metrics() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    hosting = readme.split("## Hosting a server", 1)[1].split("\n## ", 1)[0]
    listed = set(re.findall(r"`(dreamlayer_[a-z_]+)", hosting))
    text = render_families([families_of(ServerMetrics().registry),
                            DoorMetrics().families()])  # a host with workers: theirs, its own
    exposed = {f"{fam.name}_total" if fam.type == "counter" else fam.name
               for fam in text_string_to_metric_families(text)}
    assert listed == exposed


def test_counts_kept_aside_are_all_there_at_every_read() -> None:
    """The byte counters and the tick histogram add up outside prometheus_client and hand
    over when read: every read sees every count, however many and however often read."""
    m = ServerMetrics()
    for n in range(10_000):  # past the histogram's own hand-over point
        m.tick_seconds.observe(0.0015 if n % 4 else 0.03)
        m.bytes_sent.inc(3)
        if n == 5000:
            assert m.value("dreamlayer_tick_seconds_count") == 5001
            assert m.value("dreamlayer_bytes_sent_total") == 3 * 5001
    ticks = families(m)["dreamlayer_tick_seconds:histogram"]
    assert ticks[("dreamlayer_tick_seconds_count", ())] == 10_000
    assert ticks[("dreamlayer_tick_seconds_bucket", (("le", "0.002"),))] == 7500
    assert ticks[("dreamlayer_tick_seconds_bucket", (("le", "0.05"),))] == 10_000
    assert m.value("dreamlayer_tick_seconds_sum") == pytest.approx(7500 * 0.0015 + 2500 * 0.03)
    assert m.value("dreamlayer_bytes_sent_total") == 30_000
    m.bytes_received.inc(0)
    assert m.value("dreamlayer_bytes_received_total") == 0
    with pytest.raises(ValueError):
        m.bytes_received.inc(-1)
