"""Adding up a host's workers: one /healthz object and one /metrics text for the whole host,
from what each worker answered (and the supervisor's own counts).

Imports prometheus_client only (nothing from the game; the supervisor passes plain data in).

/healthz: counts are summed (rooms, playing, paused, connections, dreamers, spectators,
rooms behind, memory), the tick figures and lags are the worst worker's (a percentile of
percentiles cannot be added up, and the worst process is what a probe acts on), and
`workers` lists each slot (pid, status, rooms, connections, tick p99, lag, memory, relays).
The status is "stopping" while the supervisor drains, "degraded" if any worker is degraded,
did not answer in time or is being replaced, else "ok".

/metrics: the samples of every family are summed across the workers by name and labels
(counters, gauges and histogram buckets all add up), the supervisor's own families join
them (worker restarts, live workers, and the requests its door refused, in the same
`dreamlayer_messages_rejected_total`), and the counters of workers that died are carried
(`Retired`), so the host's totals never go backwards when a worker is replaced.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.metrics_core import Metric

__all__ = ["DoorMetrics", "Families", "Retired", "families_of", "merge_health",
           "render_families"]

Families = list[list[Any]]
"""metric families as plain lists: [name, type, help, [[sample name, labels, value], ...]]"""

_SUMMED = ("rooms", "playing", "paused", "connections", "dreamers", "spectators",
           "rooms_behind")
_WORST = ("tick_lag_ms_max", "behind_seconds_max")


class DoorMetrics:
    """The supervisor's own metrics (a registry of its own)."""

    def __init__(self) -> None:
        disable_created_metrics()  # type: ignore[no-untyped-call]  # as ServerMetrics does
        self.registry = r = CollectorRegistry(auto_describe=True)
        self.restarts = Counter("dreamlayer_worker_restarts", "Worker processes that "
                                "stopped unasked and were started again.", registry=r)
        self.workers = Gauge("dreamlayer_workers", "Worker processes serving now.",
                             registry=r)
        self.rejected = Counter("dreamlayer_messages_rejected",
                                "Client messages and requests refused, by reason.",
                                ["reason"], registry=r)

    def families(self) -> Families:
        return families_of(self.registry)


def families_of(registry: CollectorRegistry) -> Families:
    """A registry's families as plain lists."""
    return [[m.name, m.type, m.documentation,
             [[s.name, dict(s.labels), s.value] for s in m.samples]]
            for m in registry.collect()]


def _key(sample: Sequence[Any]) -> tuple[str, tuple[tuple[str, str], ...]]:
    return str(sample[0]), tuple(sorted((str(k), str(v)) for k, v in sample[1].items()))


class Retired:
    """The counters of workers that are gone, carried into the host's totals."""

    def __init__(self) -> None:
        self.samples: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}

    def keep(self, families: Families) -> None:
        """A worker is gone: keep what its counters (and histograms) last said."""
        for _, kind, _, samples in families:
            if kind in ("counter", "histogram"):
                for s in samples:
                    k = _key(s)
                    self.samples[k] = self.samples.get(k, 0.0) + float(s[2])


def render_families(parts: Iterable[Families], retired: Retired | None = None) -> str:
    """Every part's families summed into one Prometheus text (format 0.0.4)."""
    merged: dict[str, tuple[str, str, dict[tuple[str, tuple[tuple[str, str], ...]], float]]] = {}
    for families in parts:
        for name, kind, doc, samples in families:
            _, _, sums = merged.setdefault(name, (kind, doc, {}))
            for s in samples:
                k = _key(s)
                sums[k] = sums.get(k, 0.0) + float(s[2])
    if retired is not None:
        for kind, _, sums in merged.values():
            if kind in ("counter", "histogram"):
                for k in sums:
                    sums[k] += retired.samples.get(k, 0.0)
    metrics = []
    for name, (kind, doc, sums) in merged.items():
        m = Metric(name, doc, kind)
        for (sample, labels), value in sums.items():
            m.add_sample(sample, dict(labels), value)
        metrics.append(m)

    class _Summed:
        def collect(self) -> list[Metric]:
            return metrics

    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Summed())
    return generate_latest(registry).decode()


def merge_health(answers: Sequence[tuple[int, dict[str, Any] | None]], *, name: str,
                 uptime: float, stopping: bool, restarts: int,
                 supervisor_mb: float | None) -> dict[str, Any]:
    """The host's /healthz object from each slot's answer ((slot, its report, or None when it
    gave none: being replaced, or not in time))."""
    reports = [r for _, r in answers if r is not None]
    out: dict[str, Any] = {"status": "ok", "name": name, "uptime_seconds": round(uptime, 1)}
    for key in _SUMMED:
        out[key] = sum(int(r.get(key, 0)) for r in reports)
    out["levels"] = next((r["levels"] for r in reports if r.get("levels")), [])
    ticks = [r.get("tick_ms", {}) for r in reports]
    out["tick_ms"] = {q: max((float(t.get(q, 0.0)) for t in ticks), default=0.0)
                      for q in ("p50", "p99", "max")}
    out["tick_ms"]["samples"] = sum(int(t.get("samples", 0)) for t in ticks)
    for key in _WORST:
        out[key] = max((float(r.get(key, 0.0)) for r in reports), default=0.0)
    mbs = [r.get("memory_mb") for r in reports]
    if supervisor_mb is None or any(mb is None for mb in mbs):
        out["memory_mb"] = None
    else:
        out["memory_mb"] = round(supervisor_mb + sum(float(mb) for mb in mbs if mb), 1)
    out["worker_restarts"] = restarts
    out["workers"] = [_worker(slot, r) for slot, r in answers]
    if stopping:
        out["status"] = "stopping"
    elif any(r is None or r.get("status") != "ok" for _, r in answers):
        out["status"] = "degraded"
    return out


def _worker(slot: int, report: dict[str, Any] | None) -> dict[str, Any]:
    if report is None:
        return {"slot": slot, "pid": None, "status": "no answer"}
    return {"slot": slot, "pid": report.get("pid"), "status": report.get("status"),
            "rooms": report.get("rooms", 0), "connections": report.get("connections", 0),
            "tick_p99_ms": report.get("tick_ms", {}).get("p99", 0.0),
            "lag_ms": report.get("tick_lag_ms_max", 0.0),
            "memory_mb": report.get("memory_mb"),
            "relays_out": report.get("relays_out", 0),
            "relayed_in": report.get("relayed_in", 0)}
