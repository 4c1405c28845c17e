"""Prometheus text exposition: exact text for a small registry, histogram buckets, label
escaping, name checks, and the server's own set of metrics."""

from __future__ import annotations

import itertools
import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.metrics import (
    CONTENT_TYPE,
    TICK_BUCKETS,
    Counter,
    Gauge,
    Histogram,
    Registry,
    ServerMetrics,
    escape_label_value,
    format_value,
)

# One sample line of the text format: name, optional {labels}, value.
_LABEL_PAIR = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\\\|\\"|\\n)*"'
_SAMPLE = re.compile(
    rf"[a-zA-Z_:][a-zA-Z0-9_:]*(?:\{{{_LABEL_PAIR}(?:,{_LABEL_PAIR})*\}})? "
    r"(?:[+-]Inf|NaN|-?[0-9.e+-]+)"
)


def assert_well_formed(text: str) -> None:
    assert text.endswith("\n")
    for line in text.splitlines():
        if line.startswith("# "):
            assert re.fullmatch(r"# (HELP [^ ]+ .*|TYPE [^ ]+ (counter|gauge|histogram))", line)
        else:
            assert _SAMPLE.fullmatch(line), line


def test_exact_text_for_a_small_registry() -> None:
    r = Registry()
    requests = r.counter("app_requests_total", "Requests served.", ["code"])
    temperature = r.gauge("app_temperature", "Degrees.\nCelsius, with a \\ backslash.")
    latency = r.histogram("app_latency_seconds", "Latency.", [0.1, 0.5, 1])
    requests.labels(code="500").inc()
    requests.labels(code="200").inc(2)
    requests.labels(code="200").inc(0.5)
    temperature.set(-3.25)
    for v in (0.05, 0.1, 0.3, 2.0):
        latency.observe(v)
    assert r.render() == (
        "# HELP app_requests_total Requests served.\n"
        "# TYPE app_requests_total counter\n"
        'app_requests_total{code="200"} 2.5\n'
        'app_requests_total{code="500"} 1\n'
        "# HELP app_temperature Degrees.\\nCelsius, with a \\\\ backslash.\n"
        "# TYPE app_temperature gauge\n"
        "app_temperature -3.25\n"
        "# HELP app_latency_seconds Latency.\n"
        "# TYPE app_latency_seconds histogram\n"
        'app_latency_seconds_bucket{le="0.1"} 2\n'
        'app_latency_seconds_bucket{le="0.5"} 3\n'
        'app_latency_seconds_bucket{le="1"} 3\n'
        'app_latency_seconds_bucket{le="+Inf"} 4\n'
        "app_latency_seconds_sum 2.45\n"
        "app_latency_seconds_count 4\n"
    )
    assert_well_formed(r.render())


def test_an_empty_registry_renders_nothing_and_a_family_without_children_only_its_header(
) -> None:
    r = Registry()
    assert r.render() == ""
    r.counter("x_total", "X.", ["reason"])
    assert r.render() == "# HELP x_total X.\n# TYPE x_total counter\n"


def test_label_values_are_escaped() -> None:
    assert escape_label_value('a"b\\c\nd') == 'a\\"b\\\\c\\nd'
    r = Registry()
    c = r.counter("odd_total", "Odd labels.", ["path", "why"])
    c.labels(path='C:\\dream "layer"', why="line\nbreak").inc()
    line = r.render().splitlines()[-1]
    assert line == 'odd_total{path="C:\\\\dream \\"layer\\"",why="line\\nbreak"} 1'
    assert_well_formed(r.render())


def test_histogram_buckets_count_values_at_or_below_each_bound() -> None:
    h = Histogram("h", "H.", [1, 2, 5])
    for v in (-10, 0.5, 1, 1.0000001, 2, 5, 5.5, math.inf):
        h.observe(v)
    assert h.cumulative() == [(1.0, 3), (2.0, 5), (5.0, 6), (math.inf, 8)]
    assert h.count == 8 and h.sum == math.inf
    h.observe(math.nan)  # as the Go client: only in +Inf, and the sum becomes NaN
    assert h.cumulative()[-1] == (math.inf, 9) and h.cumulative()[-2] == (5.0, 6)
    assert math.isnan(h.sum)
    assert "h_sum NaN" in h.render()


def test_histogram_bucket_bounds_are_checked() -> None:
    assert Histogram("h", "H.", [1, 2, math.inf]).buckets == (1.0, 2.0)
    for bad in ([], [math.inf], [2, 1], [1, 1], [1, math.nan]):
        with pytest.raises(ValueError, match="bucket"):
            Histogram("h", "H.", bad)
    with pytest.raises(ValueError, match="reserved"):
        Histogram("h", "H.", [1], labelnames=["le"])


def test_a_labelled_histogram_puts_le_last() -> None:
    h = Histogram("h", "H.", [1], labelnames=["room"])
    h.labels(room="ab").observe(0.5)
    assert h.render().splitlines()[2:] == [
        'h_bucket{room="ab",le="1"} 1',
        'h_bucket{room="ab",le="+Inf"} 1',
        'h_sum{room="ab"} 0.5',
        'h_count{room="ab"} 1',
    ]


@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=200),
       st.lists(st.floats(min_value=-1e6, max_value=1e6), min_size=1, max_size=12, unique=True))
def test_any_observations_give_cumulative_buckets(values: list[float],
                                                  bounds: list[float]) -> None:
    h = Histogram("p", "P.", sorted(bounds))
    for v in values:
        h.observe(v)
    counts = [n for _, n in h.cumulative()]
    assert all(a <= b for a, b in itertools.pairwise(counts))
    assert counts[-1] == h.count == len(values)
    for bound, n in h.cumulative()[:-1]:
        assert n == sum(1 for v in values if v <= bound)
    lines = h.render().splitlines()
    assert lines[-1] == f"p_count {len(values)}"
    assert lines[-3] == f'p_bucket{{le="+Inf"}} {len(values)}'
    assert_well_formed(h.render())


def test_counter_only_goes_up() -> None:
    c = Counter("c_total", "C.")
    c.inc()
    c.inc(2)
    assert c.value == 3
    for bad in (-1, math.nan):
        with pytest.raises(ValueError, match="only goes up"):
            c.inc(bad)
    assert c.value == 3


def test_gauge_set_inc_dec_and_function() -> None:
    g = Gauge("g", "G.")
    g.set(5)
    g.inc()
    g.dec(2.5)
    assert g.value == 3.5
    rooms = {"a": 1, "b": 2}
    g.set_function(lambda: len(rooms))
    assert g.render().endswith("g 2\n")
    rooms["c"] = 3
    assert g.render().endswith("g 3\n")  # read at render time
    g.inc()  # continues from the function's value and drops the function
    rooms.clear()
    assert g.value == 4


def test_labels_must_match_and_a_family_is_not_updated_directly() -> None:
    c = Counter("c_total", "C.", ["reason"])
    assert c.labels(reason="x") is c.labels(reason="x")
    with pytest.raises(ValueError, match="update a child"):
        c.inc()
    with pytest.raises(ValueError, match="takes labels"):
        c.labels(why="x")
    with pytest.raises(ValueError, match="takes labels"):
        c.labels()
    with pytest.raises(ValueError, match="child"):
        c.labels(reason="x").labels(reason="y")
    with pytest.raises(ValueError, match="has no labels"):
        Counter("d_total", "D.").labels(reason="x")
    g = Gauge("g", "G.", ["room"])
    with pytest.raises(ValueError, match="update a child"):
        g.set(1)
    assert c.labels(reason=7) is c.labels(reason="7")  # values are strings


@pytest.mark.parametrize("name", ["", "1abc", "a-b", "a b", "dreamlayer.rooms", "é"])
def test_bad_metric_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="invalid metric name"):
        Counter(name, "Bad.")


@pytest.mark.parametrize("label", ["", "1a", "a:b", "__reserved", "a-b"])
def test_bad_label_names_are_refused(label: str) -> None:
    with pytest.raises(ValueError, match="invalid label name"):
        Counter("ok_total", "Ok.", [label])


def test_good_names_are_accepted() -> None:
    for name in ("a", "_a", ":a", "a:b_c9", "dreamlayer_rooms"):
        Gauge(name, "Ok.")
    with pytest.raises(ValueError, match="duplicate"):
        Gauge("g", "G.", ["a", "a"])


def test_the_registry_refuses_clashing_names() -> None:
    r = Registry()
    r.histogram("tick_seconds", "T.", [1])
    for name in ("tick_seconds", "tick_seconds_count", "tick_seconds_bucket"):
        with pytest.raises(ValueError, match="already registered"):
            r.gauge(name, "Clash.")
    r.gauge("tick_seconds_total", "No clash.")


@pytest.mark.parametrize(
    ("value", "text"),
    [(0, "0"), (3.0, "3"), (-2, "-2"), (0.25, "0.25"), (1e-05, "1e-05"),
     (2.0**60, "1.152921504606847e+18"), (math.inf, "+Inf"), (-math.inf, "-Inf"),
     (math.nan, "NaN")],
)
def test_format_value(value: float, text: str) -> None:
    assert format_value(value) == text


def test_server_metrics() -> None:
    m = ServerMetrics()
    assert m.tick_seconds.buckets == TICK_BUCKETS
    m.rooms.set(2)
    m.dreamers.set(5)
    m.spectators.set(1)
    m.connections.set(7)
    m.tick_seconds.observe(0.0015)
    m.bytes_sent.inc(1000)
    m.bytes_received.inc(250)
    m.disconnects.labels(reason="slow_client").inc()
    m.messages_rejected.labels(reason="rate_limited").inc(3)
    text = m.render()
    assert_well_formed(text)
    types = dict(re.findall(r"^# TYPE (\S+) (\S+)$", text, re.MULTILINE))
    assert types == {
        "dreamlayer_rooms": "gauge",
        "dreamlayer_dreamers": "gauge",
        "dreamlayer_spectators": "gauge",
        "dreamlayer_connections": "gauge",
        "dreamlayer_tick_seconds": "histogram",
        "dreamlayer_bytes_sent_total": "counter",
        "dreamlayer_bytes_received_total": "counter",
        "dreamlayer_disconnects_total": "counter",
        "dreamlayer_messages_rejected_total": "counter",
        "dreamlayer_matches_total": "counter",
    }
    lines = set(text.splitlines())
    assert {
        "dreamlayer_rooms 2",
        "dreamlayer_dreamers 5",
        "dreamlayer_spectators 1",
        "dreamlayer_connections 7",
        'dreamlayer_tick_seconds_bucket{le="0.001"} 0',
        'dreamlayer_tick_seconds_bucket{le="0.002"} 1',
        'dreamlayer_tick_seconds_bucket{le="+Inf"} 1',
        "dreamlayer_tick_seconds_count 1",
        "dreamlayer_bytes_sent_total 1000",
        "dreamlayer_bytes_received_total 250",
        'dreamlayer_disconnects_total{reason="slow_client"} 1',
        'dreamlayer_messages_rejected_total{reason="rate_limited"} 3',
    } <= lines
    assert m.render() == m.registry.render()
    assert CONTENT_TYPE == "text/plain; version=0.0.4; charset=utf-8"


def test_server_metrics_can_share_a_registry() -> None:
    r = Registry()
    r.gauge("other", "Something else.")
    m = ServerMetrics(r)
    assert m.registry is r
    assert r.render().startswith("# HELP other ")
    with pytest.raises(ValueError, match="already registered"):
        ServerMetrics(r)
