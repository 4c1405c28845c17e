"""The one percentile used by every report: benchmarks, /healthz, the bots' statistics.

Imports nothing from the game.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["percentile"]


def percentile(values: Iterable[float], p: float) -> float:
    """The nearest-rank percentile (p in 0..100) of `values`, in any order; 0.0 for none.

    Nearest rank means the result is always one of the values (p99 of 100 samples is the
    99th smallest), so a reported p99 is a time that really happened.
    """
    ordered = sorted(values)
    if not ordered:
        return 0.0
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]
