"""Name labels never pile up: each takes its own spot or a stacked one, or is left out;
the kept ones (your own) always show. Pure geometry."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from game.client.labels import overlaps, place_labels


def test_apart_labels_stay_where_they_want() -> None:
    wanted = [(0, 100, 40, 16), (100, 100, 40, 16), (0, 200, 40, 16)]
    assert place_labels(wanted) == wanted


def test_a_crowd_stacks_then_leaves_the_rest_out() -> None:
    same = [(100, 100, 40, 16)] * 5
    got = place_labels(same, tiers=3)
    assert got[:3] == [(100, 100, 40, 16), (100, 82, 40, 16), (100, 64, 40, 16)]
    assert got[3:] == [None, None]


def test_the_kept_label_shows_even_over_others() -> None:
    wanted = [(100, 100, 40, 16), (110, 100, 40, 16)]
    got = place_labels(wanted, keep=1)
    assert got[0] == (100, 100, 40, 16)
    assert got[1] is not None and not overlaps(got[0], got[1])


def test_bounds_keep_labels_on_screen() -> None:
    got = place_labels([(10, 10, 40, 16), (10, 10, 40, 16)], bounds=(0, 0, 200, 200))
    assert got == [(10, 10, 40, 16), None]
    # slid across to fit, never up or down
    assert place_labels([(-15, 50, 40, 16), (180, 50, 40, 16)], bounds=(0, 0, 200, 200)) == \
        [(0, 50, 40, 16), (160, 50, 40, 16)]


def test_a_label_with_no_room_above_goes_under_its_owners_feet() -> None:
    bounds = (0, 100, 400, 300)
    wanted = [(50, 104, 40, 16), (60, 104, 40, 16)]
    feet = [None, (60, 170, 40, 16)]
    assert place_labels(wanted, bounds=bounds, below=feet) == [(50, 104, 40, 16),
                                                               (60, 170, 40, 16)]
    assert place_labels(wanted, bounds=bounds) == [(50, 104, 40, 16), None]


rects = st.tuples(st.integers(0, 300), st.integers(40, 300), st.integers(4, 80),
                  st.integers(8, 24))


@given(st.lists(rects, max_size=14), st.integers(0, 1))
def test_no_two_placed_labels_overlap(wanted: list[tuple[int, int, int, int]],
                                      keep: int) -> None:
    got = place_labels(wanted, keep=keep)
    assert len(got) == len(wanted)
    if keep and wanted:
        assert got[0] == wanted[0]
    placed = [r for r in got if r is not None]
    for a, b in itertools.combinations(placed, 2):
        assert not overlaps(a, b), (a, b)
    for want, spot in zip(wanted, got, strict=True):
        if spot is not None:  # same place across, at most two tiers higher
            assert spot[0] == want[0] and spot[2:] == want[2:]
            assert want[1] - spot[1] in (0, want[3] + 2, 2 * (want[3] + 2))


def test_no_name_covers_what_is_taken() -> None:
    you = (100, 100, 30, 40)
    got = place_labels([(95, 90, 40, 16), (95, 120, 40, 16)], taken=[you], keep=1)
    assert got[0] == (95, 90, 40, 16), "kept, even over what is taken"
    assert got[1] is None, "every spot of the other is on you or on the kept one"
    got = place_labels([(95, 120, 40, 16)], taken=[you])
    assert got == [(95, 84, 40, 16)], "stacked up, clear of you"
