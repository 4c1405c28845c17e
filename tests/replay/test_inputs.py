"""PersonInput: a person's controls in whole steps, and the Intent a room applies from them."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from game.net.records import Buttons, intent_of
from game.replay.inputs import DIRECTIONS, LENGTH_STEPS, STILL, PersonInput
from game.sim.intent import Intent


def test_the_eight_keyboard_directions_are_exact() -> None:
    r = math.sqrt(0.5)
    for mx, my in ((1, 0), (0, 1), (-1, 0), (0, -1), (r, r), (-r, r), (-r, -r), (r, -r)):
        inp = PersonInput.of((mx, my), (0.0, 0.0), 0, 0)
        assert inp.move_len == LENGTH_STEPS
        assert inp.move_dir % (DIRECTIONS // 8) == 0
        x, y = inp.intent().move
        assert (abs(x - mx), abs(y - my)) < (1e-15, 1e-15)
        assert x * x + y * y <= 1.0
    assert PersonInput.of((0.0, 1.0), (0, 0), 0, 0).intent().move == (0.0, 1.0)


def test_fields_are_rounded_and_clamped_to_their_steps() -> None:
    inp = PersonInput.of((0.5, 0.0), (10.4, -3000.0), Buttons.PAINT | Buttons.SHOVE, 2)
    assert inp == PersonInput(0, LENGTH_STEPS // 2, 10, -2048, 5, 2)
    it = inp.intent()
    assert it.move == (0.5, 0.0) and it.aim == (10.0, -2048.0)
    assert (it.paint, it.ability, it.shove, it.ping) == (True, False, True, 2)
    assert PersonInput.of((math.nan, 1.0), (math.inf, 1.0), 255, 9) == \
        PersonInput(0, 0, 0, 1, 7, 0)


def test_the_intent_is_the_one_intent_of_makes() -> None:
    for direction, length in ((0, 0), (5, 16), (200, 3), (64, 16)):
        for buttons in range(8):
            for ping in range(4):
                inp = PersonInput(direction, length, -7, 2048, buttons, ping)
                it = inp.intent()
                assert it == intent_of(it.move, (-7.0, 2048.0), buttons, ping)
                assert type(it.aim[0]) is float and type(it.ping) is int


def test_a_still_move_is_plain_zero_whatever_its_direction() -> None:
    assert PersonInput(77, 0, 0, 0, 0, 0).intent() == Intent()
    assert STILL.intent() == Intent()


def test_coasting_keeps_the_move_aim_and_brush_and_drops_the_presses() -> None:
    inp = PersonInput(40, 16, 3, 4, int(Buttons.PAINT | Buttons.ABILITY | Buttons.SHOVE), 2)
    assert inp.coasting() == PersonInput(40, 16, 3, 4, int(Buttons.PAINT), 0)


def test_the_aim_counts_only_for_a_stroke_an_ability_or_a_ping() -> None:
    assert not PersonInput(0, 0, 5, 5, int(Buttons.SHOVE), 0).aims
    assert PersonInput(0, 0, 5, 5, int(Buttons.PAINT), 0).aims
    assert PersonInput(0, 0, 5, 5, int(Buttons.ABILITY), 0).aims
    assert PersonInput(0, 0, 5, 5, 0, 1).aims


floats = st.floats(allow_nan=True, allow_infinity=True, width=64)


@given(st.tuples(floats, floats), st.tuples(floats, floats), st.integers(0, 7),
       st.integers(0, 3))
def test_applying_steps_and_rounding_again_gives_the_same_steps(
        move: tuple[float, float], aim: tuple[float, float], buttons: int,
        ping: int) -> None:
    inp = PersonInput.of(move, aim, buttons, ping)
    assert 0 <= inp.move_dir < DIRECTIONS and 0 <= inp.move_len <= LENGTH_STEPS
    assert -2048 <= inp.aim_x <= 2048 and -2048 <= inp.aim_y <= 2048
    assert PersonInput.of_intent(inp.intent()) == (inp if inp.move_len else
                                                   inp._replace(move_dir=0))
