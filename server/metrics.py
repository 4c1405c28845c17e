"""Server metrics in the Prometheus text exposition format (version 0.0.4), with no dependency.

Imports only the standard library (nothing from game.client, nor from the rest of the game).

Holds three metric kinds, a `Registry` that renders them, and `ServerMetrics`, the host's set:

- `Counter`: a value that only goes up (`inc`).
- `Gauge`: a value that goes up and down (`set`, `inc`, `dec`), or is read from a callable at
  render time (`set_function`).
- `Histogram`: observations counted in fixed buckets; renders `<name>_bucket{le="..."}`
  (cumulative, ending with `le="+Inf"`), `<name>_sum` and `<name>_count`.

A metric declared with label names is a family: `labels(reason="slow")` returns (and creates on
first use) the child for those label values, and the family itself cannot be updated. A metric
with no label names is updated directly. Names must match `[a-zA-Z_:][a-zA-Z0-9_:]*`, label
names `[a-zA-Z_][a-zA-Z0-9_]*` (not starting with `__`); both are checked on construction and
raise ValueError.

Output: metrics in registration order, each with `# HELP` and `# TYPE`, children sorted by
label values; help text escapes `\\` and newline, label values escape `\\`, `"` and newline.
Whole numbers are written without a decimal point ("3"), others in Python's shortest repr
("0.25"), and non-finite values as `+Inf`, `-Inf`, `NaN`.

Not thread-safe: update and render from one thread (the server's asyncio loop).
"""

from __future__ import annotations

import bisect
import itertools
import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Self, TypeVar

__all__ = [
    "CONTENT_TYPE",
    "TICK_BUCKETS",
    "Counter",
    "Gauge",
    "Histogram",
    "Registry",
    "ServerMetrics",
    "escape_label_value",
    "format_value",
]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
"""The Content-Type of `Registry.render()`'s output, for the /metrics response."""

TICK_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1)
"""Upper bounds (seconds) of `dreamlayer_tick_seconds`' buckets; `+Inf` is implied."""

_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


def format_value(value: float) -> str:
    """A sample value as Prometheus text: "3", "0.25", "+Inf", "-Inf" or "NaN"."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if float(value).is_integer() and abs(value) < 2**53:
        return str(int(value))
    return repr(float(value))


def escape_label_value(value: str) -> str:
    """A label value escaped for the inside of double quotes: backslash, quote, newline."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _label_text(pairs: Iterable[tuple[str, str]]) -> str:
    inner = ",".join(f'{k}="{escape_label_value(v)}"' for k, v in pairs)
    return f"{{{inner}}}" if inner else ""


class _Metric:
    """What every metric shares: name, help, label names, and the family/child structure."""

    kind = "untyped"
    _reserved_labels: frozenset[str] = frozenset()

    def __init__(self, name: str, help: str, labelnames: Sequence[str] = ()) -> None:
        if not _NAME.fullmatch(name):
            raise ValueError(f"invalid metric name {name!r}: must match [a-zA-Z_:][a-zA-Z0-9_:]*")
        names = tuple(labelnames)
        for label in names:
            if not _LABEL.fullmatch(label) or label.startswith("__"):
                raise ValueError(f"invalid label name {label!r} for {name}: must match "
                                 "[a-zA-Z_][a-zA-Z0-9_]* and not start with __")
            if label in self._reserved_labels:
                raise ValueError(f"label name {label!r} is reserved in a {self.kind}")
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate label names for {name}: {names}")
        self.name = name
        self.help = help
        self.labelnames = names
        self._labelvalues: tuple[str, ...] = ()
        self._children: dict[tuple[str, ...], _Metric] = {}

    def _child(self, values: tuple[str, ...]) -> Self:
        """A new child of this family, at zero, carrying the label values `values`."""
        raise NotImplementedError

    def labels(self, **labelvalues: object) -> Self:
        """The child for these label values (exactly this metric's label names; values are
        turned into strings), created at zero on first use. The same values give the same
        child."""
        if not self.labelnames or self._labelvalues:
            raise ValueError(f"{self.name} has no labels" if not self.labelnames
                             else f"{self.name}: labels() of a child")
        if set(labelvalues) != set(self.labelnames):
            raise ValueError(f"{self.name} takes labels {list(self.labelnames)}, "
                             f"got {sorted(labelvalues)}")
        key = tuple(str(labelvalues[n]) for n in self.labelnames)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = self._child(key)
        assert isinstance(child, type(self))
        return child

    def _check_unlabelled(self) -> None:
        if self.labelnames and not self._labelvalues:
            raise ValueError(f"{self.name} has labels {list(self.labelnames)}: "
                             "update a child from .labels(...)")

    def _series(self) -> Iterator[_Metric]:
        """The metrics whose samples are rendered: the children of a family, or itself."""
        if not self.labelnames:
            yield self
            return
        for key in sorted(self._children):
            yield self._children[key]

    def _pairs(self) -> list[tuple[str, str]]:
        return list(zip(self.labelnames, self._labelvalues, strict=True)) if self.labelnames \
            else []

    def sample_names(self) -> tuple[str, ...]:
        """The sample names this metric renders (for the registry's clash check)."""
        return (self.name,)

    def _samples(self) -> Iterator[str]:
        raise NotImplementedError

    def render(self) -> str:
        """This metric's HELP and TYPE lines and its samples, each line ending in a newline."""
        lines = [f"# HELP {self.name} {_escape_help(self.help)}", f"# TYPE {self.name} {self.kind}"]
        for series in self._series():
            lines.extend(series._samples())
        return "\n".join(lines) + "\n"


class Counter(_Metric):
    """A total that only goes up; starts at 0."""

    kind = "counter"

    def __init__(self, name: str, help: str, labelnames: Sequence[str] = ()) -> None:
        super().__init__(name, help, labelnames)
        self._value = 0.0

    def _child(self, values: tuple[str, ...]) -> Counter:
        child = Counter(self.name, self.help)
        child.labelnames, child._labelvalues = self.labelnames, values
        return child

    def inc(self, amount: float = 1.0) -> None:
        """Add `amount`, which must be >= 0 (ValueError otherwise, also for NaN)."""
        self._check_unlabelled()
        if not amount >= 0:
            raise ValueError(f"{self.name}: a counter only goes up, got inc({amount!r})")
        self._value += amount

    @property
    def value(self) -> float:
        """The current total."""
        return self._value

    def _samples(self) -> Iterator[str]:
        yield f"{self.name}{_label_text(self._pairs())} {format_value(self._value)}"


class Gauge(_Metric):
    """A value that goes up and down; starts at 0, or is read from a function at render
    time after `set_function`."""

    kind = "gauge"

    def __init__(self, name: str, help: str, labelnames: Sequence[str] = ()) -> None:
        super().__init__(name, help, labelnames)
        self._value = 0.0
        self._function: Callable[[], float] | None = None

    def _child(self, values: tuple[str, ...]) -> Gauge:
        child = Gauge(self.name, self.help)
        child.labelnames, child._labelvalues = self.labelnames, values
        return child

    def set(self, value: float) -> None:
        """Set the value (and forget any function)."""
        self._check_unlabelled()
        self._function = None
        self._value = float(value)

    def inc(self, amount: float = 1.0) -> None:
        """Add `amount` (may be negative); forgets any function, starting from its value."""
        self.set(self.value + amount)

    def dec(self, amount: float = 1.0) -> None:
        """Subtract `amount`; forgets any function, starting from its value."""
        self.set(self.value - amount)

    def set_function(self, function: Callable[[], float]) -> None:
        """Read the value from `function()` whenever it is asked for (at render time). The
        function should be cheap and must not raise: its exceptions propagate to `render`."""
        self._check_unlabelled()
        self._function = function

    @property
    def value(self) -> float:
        """The current value (calls the function, if one is set)."""
        return float(self._function()) if self._function is not None else self._value

    def _samples(self) -> Iterator[str]:
        yield f"{self.name}{_label_text(self._pairs())} {format_value(self.value)}"


class Histogram(_Metric):
    """Observations counted in fixed buckets.

    `buckets` are the finite upper bounds, strictly increasing (a trailing +Inf may be given
    and is implied anyway). An observation v counts in every bucket with bound >= v; NaN counts
    only in +Inf (as in the Go client) and makes the sum NaN.
    """

    kind = "histogram"
    _reserved_labels = frozenset({"le"})

    def __init__(self, name: str, help: str, buckets: Sequence[float],
                 labelnames: Sequence[str] = ()) -> None:
        super().__init__(name, help, labelnames)
        bounds = [float(b) for b in buckets]
        if bounds and bounds[-1] == math.inf:
            bounds.pop()
        if not bounds:
            raise ValueError(f"{name}: a histogram needs at least one finite bucket")
        if any(not math.isfinite(b) for b in bounds):
            raise ValueError(f"{name}: bucket bounds must be finite, got {list(buckets)}")
        if any(a >= b for a, b in itertools.pairwise(bounds)):
            raise ValueError(f"{name}: bucket bounds must increase strictly, got {list(buckets)}")
        self.buckets: tuple[float, ...] = tuple(bounds)
        self._counts = [0] * (len(bounds) + 1)  # per bucket, not cumulative; last is +Inf
        self._sum = 0.0

    def _child(self, values: tuple[str, ...]) -> Histogram:
        child = Histogram(self.name, self.help, self.buckets)
        child.labelnames, child._labelvalues = self.labelnames, values
        return child

    def observe(self, value: float) -> None:
        """Count one observation."""
        self._check_unlabelled()
        i = len(self.buckets) if math.isnan(value) else bisect.bisect_left(self.buckets, value)
        self._counts[i] += 1
        self._sum += value

    @property
    def count(self) -> int:
        """How many observations."""
        return sum(self._counts)

    @property
    def sum(self) -> float:
        """The sum of the observations."""
        return self._sum

    def cumulative(self) -> list[tuple[float, int]]:
        """(upper bound, observations <= it) for every bucket, ending with (inf, count)."""
        out: list[tuple[float, int]] = []
        running = 0
        for bound, n in zip((*self.buckets, math.inf), self._counts, strict=True):
            running += n
            out.append((bound, running))
        return out

    def sample_names(self) -> tuple[str, ...]:
        return (f"{self.name}_bucket", f"{self.name}_sum", f"{self.name}_count")

    def _samples(self) -> Iterator[str]:
        pairs = self._pairs()
        for bound, n in self.cumulative():
            labels = _label_text([*pairs, ("le", format_value(bound))])
            yield f"{self.name}_bucket{labels} {n}"
        yield f"{self.name}_sum{_label_text(pairs)} {format_value(self._sum)}"
        yield f"{self.name}_count{_label_text(pairs)} {self.count}"


_M = TypeVar("_M", bound=_Metric)


class Registry:
    """The metrics a /metrics endpoint exposes, rendered in registration order."""

    def __init__(self) -> None:
        self._metrics: list[_Metric] = []
        self._names: set[str] = set()

    def register(self, metric: _M) -> _M:
        """Add `metric` and return it. ValueError if its name, or a sample name it renders
        (a histogram's `_bucket`, `_sum`, `_count`), is already taken."""
        names = {metric.name, *metric.sample_names()}
        clash = names & self._names
        if clash:
            raise ValueError(f"metric name already registered: {sorted(clash)[0]}")
        self._names |= names
        self._metrics.append(metric)
        return metric

    def counter(self, name: str, help: str, labelnames: Sequence[str] = ()) -> Counter:
        """A new registered Counter."""
        return self.register(Counter(name, help, labelnames))

    def gauge(self, name: str, help: str, labelnames: Sequence[str] = ()) -> Gauge:
        """A new registered Gauge."""
        return self.register(Gauge(name, help, labelnames))

    def histogram(self, name: str, help: str, buckets: Sequence[float],
                  labelnames: Sequence[str] = ()) -> Histogram:
        """A new registered Histogram."""
        return self.register(Histogram(name, help, buckets, labelnames))

    def render(self) -> str:
        """Every metric in Prometheus text format 0.0.4 (serve it with `CONTENT_TYPE`)."""
        return "".join(m.render() for m in self._metrics)


class ServerMetrics:
    """The host's metrics, in their own `Registry` (or the one given).

    The server keeps the gauges current (`set`, or `set_function` on its room table), observes
    each room tick's wall time in `tick_seconds`, adds socket bytes to the byte counters, and
    counts disconnects and rejected messages by a short, fixed reason (`disconnects.labels(
    reason="slow_client").inc()`); reasons must come from a small set, never from a client.
    """

    def __init__(self, registry: Registry | None = None) -> None:
        self.registry = registry if registry is not None else Registry()
        r = self.registry
        self.rooms = r.gauge("dreamlayer_rooms", "Rooms open.")
        self.dreamers = r.gauge("dreamlayer_dreamers", "Players holding a dreamer seat.")
        self.spectators = r.gauge("dreamlayer_spectators", "Players watching as spectators.")
        self.connections = r.gauge("dreamlayer_connections", "Open client connections.")
        self.tick_seconds = r.histogram(
            "dreamlayer_tick_seconds", "Wall time of one room's simulation tick, in seconds.",
            TICK_BUCKETS)
        self.bytes_sent = r.counter("dreamlayer_bytes_sent_total",
                                    "Bytes sent to clients.")
        self.bytes_received = r.counter("dreamlayer_bytes_received_total",
                                        "Bytes received from clients.")
        self.disconnects = r.counter("dreamlayer_disconnects_total",
                                     "Client disconnects, by reason.", ["reason"])
        self.messages_rejected = r.counter("dreamlayer_messages_rejected_total",
                                           "Client messages refused, by reason.", ["reason"])
        self.matches_total = r.counter("dreamlayer_matches_total",
                                       "Retreats played to their end, by outcome.", ["outcome"])

    def render(self) -> str:
        """The registry's text, as `Registry.render`."""
        return self.registry.render()
