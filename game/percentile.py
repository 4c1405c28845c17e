"""The one percentile the benchmarks and reports use: nearest rank.

Imports nothing: it is arithmetic on a list of numbers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

__all__ = ["percentile"]


def percentile(values: Iterable[float], p: float) -> float:
    """The nearest-rank percentile of `values` (in any order): the smallest value that at
    least p percent of the values are less than or equal to. `p` is clamped to 0..100;
    p = 0 gives the smallest value, p = 100 the largest. No values give 0.0.
    """
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = math.ceil(min(max(p, 0.0), 100.0) / 100.0 * len(ordered))
    return float(ordered[max(rank, 1) - 1])
