"""The one percentile helper: nearest rank, any order, 0.0 for nothing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from game.percentile import percentile


def test_nearest_rank_of_unsorted_values() -> None:
    values = [15.0, 20.0, 35.0, 40.0, 50.0]
    shuffled = [40.0, 15.0, 50.0, 35.0, 20.0]
    assert [percentile(shuffled, p) for p in (0, 5, 30, 40, 50, 99, 100)] == \
        [15.0, 15.0, 20.0, 20.0, 35.0, 50.0, 50.0]
    assert percentile(values, 50) == percentile(shuffled, 50)
    assert percentile(range(1, 101), 99) == 99.0
    assert percentile(iter([3, 1, 2]), 50) == 2.0  # any iterable, once


def test_no_values_give_zero_and_p_is_clamped() -> None:
    assert percentile([], 50) == 0.0
    assert percentile([1.0, 2.0], -10) == 1.0
    assert percentile([1.0, 2.0], 250) == 2.0


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1),
       st.floats(min_value=0, max_value=100))
def test_a_percentile_is_one_of_the_values_and_grows_with_p(values: list[float],
                                                             p: float) -> None:
    q = percentile(values, p)
    assert q in values
    assert percentile(values, 0) <= q <= percentile(values, 100) == max(values)
    below = sum(v <= q for v in values)
    assert below / len(values) * 100 >= p - 1e-9


@pytest.mark.parametrize("n", [1, 2, 7, 100])
def test_the_median_of_one_to_n(n: int) -> None:
    assert percentile([float(i) for i in range(n, 0, -1)], 50) == float((n + 1) // 2)
