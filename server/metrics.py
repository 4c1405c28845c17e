"""The host's Prometheus metrics, kept by `prometheus_client` in a registry of the host's own.

Imports prometheus_client only (nothing from game.client, nor from the rest of the game).

Every `ServerMetrics` has its own `CollectorRegistry` (never the library's global one), so two
hosts in one process, as in the tests, count apart. `render()` is the `/metrics` body in the
text format 0.0.4 (serve it with `CONTENT_TYPE`). The names are the ones the README lists.
The library's `*_created` series are turned off, for the whole process: they would double the
families on /metrics and tell nothing a host's uptime does not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.samples import Sample

__all__ = ["CONTENT_TYPE", "TICK_BUCKETS", "ServerMetrics"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
"""The Content-Type of `ServerMetrics.render()`'s output."""

TICK_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1)
"""Upper bounds (seconds) of `dreamlayer_tick_seconds`' buckets; `+Inf` is implied."""


class _Tally(Counter):
    """An unlabelled Counter that adds up in a plain int and hands the sum to the library
    when the registry is read: `inc()` runs for every message a host sends and receives,
    and the library's own (a check and a lock) costs a loaded host about 1% of a core."""

    _pending: float = 0

    def inc(self, amount: float = 1, exemplar: dict[str, str] | None = None) -> None:
        """Add `amount` (non-negative; an exemplar is not kept)."""
        if amount < 0:
            raise ValueError("Counters can only be incremented by non-negative amounts.")
        self._pending += amount

    def _samples(self) -> Iterable[Sample]:
        pending, self._pending = self._pending, 0
        if pending:
            super().inc(pending)
        return super()._samples()


class _Timings(Histogram):
    """An unlabelled Histogram that keeps its observations in a plain list and sorts them
    into the library's buckets when the registry is read (or every `_SETTLE_AFTER`, so an
    unread registry holds few): `observe()` runs for every room tick, and the library's
    own (a lock and a bucket search in Python) costs a loaded host a few tenths of 1%."""

    _SETTLE_AFTER = 4096
    _waiting: list[float]

    def _metric_init(self) -> None:
        super()._metric_init()
        self._waiting = []

    def observe(self, amount: float, exemplar: dict[str, str] | None = None) -> None:
        """Observe `amount` (an exemplar is not kept)."""
        waiting = self._waiting
        waiting.append(amount)
        if len(waiting) >= self._SETTLE_AFTER:
            self._settle()

    def _settle(self) -> None:
        waiting, self._waiting = self._waiting, []
        for amount in waiting:
            super().observe(amount)

    def _samples(self) -> Iterable[Sample]:
        self._settle()
        return super()._samples()


class ServerMetrics:
    """The host's metrics.

    The host points the gauges at its tables (`watch`), observes each room tick's whole cost
    (simulation, bots, and the snapshots built and sent for it) in `tick_seconds`, adds
    socket bytes to the byte counters, and counts disconnects, refused messages and refused
    requests by a short, fixed reason (`disconnects.labels(reason="too_slow").inc()`);
    reasons come from a small set in the server's code, never from a client.
    """

    def __init__(self) -> None:
        disable_created_metrics()  # type: ignore[no-untyped-call]
        self.registry = r = CollectorRegistry(auto_describe=True)
        self.rooms = Gauge("dreamlayer_rooms", "Rooms open.", registry=r)
        self.dreamers = Gauge("dreamlayer_dreamers", "Players holding a dreamer seat.",
                              registry=r)
        self.spectators = Gauge("dreamlayer_spectators", "Players watching as spectators.",
                                registry=r)
        self.connections = Gauge("dreamlayer_connections", "Open client connections.",
                                 registry=r)
        self.tick_seconds = _Timings(
            "dreamlayer_tick_seconds", "Wall time of one room's tick, in seconds: the "
            "simulation, the bots, and the snapshots built and sent for it.",
            buckets=TICK_BUCKETS, registry=r)
        self.bytes_sent = _Tally("dreamlayer_bytes_sent_total", "Bytes sent to clients.",
                                 registry=r)
        self.bytes_received = _Tally("dreamlayer_bytes_received_total",
                                     "Bytes received from clients.", registry=r)
        self.disconnects = Counter("dreamlayer_disconnects_total",
                                   "Client disconnects, by reason.", ["reason"], registry=r)
        self.messages_rejected = Counter("dreamlayer_messages_rejected_total",
                                         "Client messages and requests refused, by reason.",
                                         ["reason"], registry=r)
        self.matches_total = Counter("dreamlayer_matches_total",
                                     "Retreats played to their end, by outcome.", ["outcome"],
                                     registry=r)
        self.memory_trims = Counter("dreamlayer_memory_trims_total",
                                    "Times the host handed freed memory back to the system.",
                                    registry=r)

    def watch(self, rooms: Callable[[], float], dreamers: Callable[[], float],
              spectators: Callable[[], float], connections: Callable[[], float]) -> None:
        """Read the four gauges from these functions whenever /metrics is asked for."""
        self.rooms.set_function(rooms)
        self.dreamers.set_function(dreamers)
        self.spectators.set_function(spectators)
        self.connections.set_function(connections)

    def value(self, name: str, **labels: str) -> float:
        """The current value of one sample (`"dreamlayer_disconnects_total"`,
        reason="too_slow"), 0.0 if it has not been counted yet."""
        found = self.registry.get_sample_value(name, labels)
        return 0.0 if found is None else found

    def render(self) -> str:
        """Every metric in the Prometheus text format 0.0.4."""
        return generate_latest(self.registry).decode()
