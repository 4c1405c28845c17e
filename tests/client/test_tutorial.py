"""The first night's prompts: each comes once, the first time its moment holds; none when
hints are off; one at a time, urgent ones first, the basics before what builds on them;
key names from the player's bindings; and what a frame of the match says of each moment
(`sight_of`). Pure logic: no screen."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import replace

import numpy as np
import pytest

from game.client import palette as pal
from game.client.settings import DEFAULT_KEYS
from game.client.tutorial import (
    GAP_SECONDS,
    MIN_SECONDS,
    PROMPTS,
    Sight,
    Tutorial,
    key_label,
    sight_of,
)
from game.client.view import EffectView, EntityView, MatchView, RiftView
from game.net.records import CadreStatus, DreamerStatus
from game.sim.events import EventKind
from game.sim.grid import CHUNK, Cell
from game.sim.level import Level
from tests.conftest import level_from, open_rows

FPS = 60
HOME = (100.0, 100.0)

MOMENTS: dict[str, dict[str, object]] = {
    "move": {"me": HOME},
    "mosaic": {"other_paint_near": 12},
    "rift": {"rift_in_view": True},
    "cadre": {"cadre_in_view": True},
    "distorted": {"distorted": True},
    "you_asleep": {"asleep": True},
    "teammate_asleep": {"teammate_asleep": "Liam"},
    "meters": {"meters_low": True},
    "ethan": {"ethan_here": True},
    "hijack": {"hijack": True},
}
"""what a frame looks like when each prompt's moment has come (beyond having a dreamer)"""


def frames(t0: float, seconds: float, **sight: object) -> Iterator[Sight]:
    """A dreamer standing at HOME for `seconds`, FPS frames a second, from time t0."""
    base = Sight(time=t0, me=HOME, realm=1, role=1)
    for i in range(int(seconds * FPS)):
        yield replace(base, time=t0 + i / FPS, **sight)  # type: ignore[arg-type]


def play(tutorial: Tutorial, sights: Iterator[Sight]) -> list[str | None]:
    """The prompt key on screen after each frame."""
    out: list[str | None] = []
    for s in sights:
        p = tutorial.update(s)
        out.append(p.key if p else None)
    return out


def runs(keys: list[str | None]) -> list[str]:
    """The prompts in the order they appeared (each run of frames once)."""
    out: list[str] = []
    last = None
    for k in keys:
        if k is not None and k != last:
            out.append(k)
        last = k
    return out


def test_key_names_read_as_a_player_reads_them() -> None:
    assert key_label("w") == "W"
    assert key_label("left shift") == "Left Shift"
    assert key_label("space") == "Space"
    assert key_label("return") == "Enter"
    assert key_label("f3") == "F3"


@pytest.mark.parametrize("key", sorted(MOMENTS))
def test_each_prompt_comes_once_when_its_moment_first_holds(key: str) -> None:
    tutorial = only(key)
    quiet = {"me": None} if key == "move" else {}
    # before its moment: nothing to say
    assert set(play(tutorial, frames(0.0, 3.0, **quiet))) == {None}
    # its moment: it shows at once, for its time, then never again while the moment holds
    seen = play(tutorial, frames(3.0, 30.0, **MOMENTS[key]))
    assert seen[0] == key
    assert runs(seen) == [key]
    shown_for = seen.count(key) / FPS
    assert MIN_SECONDS <= shown_for <= PROMPTS[key].seconds + 1 / FPS
    assert key in tutorial.shown
    # a later night with the same player: it never comes back
    again = Tutorial(DEFAULT_KEYS, shown=tutorial.shown)
    assert set(play(again, frames(0.0, 20.0, **MOMENTS[key]))) == {None}


def test_no_prompt_when_hints_are_off() -> None:
    everything: dict[str, object] = {}
    for m in MOMENTS.values():
        everything.update(m)
    tutorial = Tutorial(DEFAULT_KEYS, enabled=False)
    assert set(play(tutorial, frames(0.0, 60.0, painting=True, **everything))) == {None}
    assert tutorial.shown == set()
    assert tutorial.text == ""


def test_one_at_a_time_urgent_first_then_the_lessons_in_order() -> None:
    everything: dict[str, object] = {}
    for m in MOMENTS.values():
        everything.update(m)
    tutorial = Tutorial(DEFAULT_KEYS)
    seen = play(tutorial, frames(0.0, 120.0, **everything))
    order = runs(seen)
    # every prompt whose moment held came exactly once
    assert sorted(order) == sorted(set(MOMENTS))
    urgent = [k for k in order if PROMPTS[k].urgent]
    assert order[: len(urgent)] == urgent == ["distorted", "you_asleep", "teammate_asleep",
                                               "hijack"]
    lessons = list(PROMPTS)
    calm = order[len(urgent):]
    assert calm == sorted(calm, key=lessons.index)
    # a gap between two prompts, never two at once (the list holds one key per frame)
    for a, b in itertools.pairwise(order):
        end = len(seen) - 1 - seen[::-1].index(a)
        start = seen.index(b)
        assert (start - end - 1) / FPS >= GAP_SECONDS - 1 / FPS


def test_painting_comes_after_the_first_steps_and_ends_early_once_done() -> None:
    tutorial = Tutorial(DEFAULT_KEYS)
    seen = play(tutorial, frames(0.0, 1.0))
    assert set(seen) == {"move"}
    # the dreamer walks off: the move prompt ends after MIN_SECONDS, painting follows
    walked = [Sight(time=1.0 + i / FPS, me=(HOME[0] + 2 * i, HOME[1]), realm=1, role=1)
              for i in range(4 * FPS)]
    seen = play(tutorial, iter(walked))
    assert runs(seen) == ["move", "paint"]
    assert seen.index("paint") / FPS + 1.0 == pytest.approx(MIN_SECONDS + GAP_SECONDS,
                                                            abs=2 / FPS)
    # painting: the paint prompt goes once it has shown MIN_SECONDS
    start = tutorial.started
    seen = play(tutorial, frames(5.0, 3.0, painting=True))
    gone = 5.0 + seen.index(None) / FPS
    assert gone - start == pytest.approx(MIN_SECONDS, abs=2 / FPS)


def only(key: str, keys: dict[str, str] | None = None) -> Tutorial:
    """A tutorial that has shown everything but `key`."""
    return Tutorial(keys or DEFAULT_KEYS, shown=set(PROMPTS) - {key})


def test_the_ability_is_taught_after_painting_in_the_words_of_your_role() -> None:
    tutorial = only("ability", {**DEFAULT_KEYS, "ability": "q"})
    assert set(play(tutorial, frames(0.0, 1.0, role=3))) == {None}, "not before painting"
    seen = play(tutorial, frames(1.0, 12.0, painting=True, role=3))
    wait = seen.index("ability") / FPS
    assert 7.9 <= wait <= 8.1
    assert tutorial.text.startswith("Your role's ability, Q: Rally frees distorted")


def test_the_words_use_the_players_own_keys_and_names() -> None:
    keys = {**DEFAULT_KEYS, "up": "i", "left": "j", "down": "k", "right": "l",
            "ping_help": "h"}
    tutorial = Tutorial(keys)
    tutorial.update(Sight(time=0.0, me=HOME, realm=2))
    assert tutorial.text == "Move with I J K L."
    moment = Sight(time=0.0, me=HOME, realm=2, asleep=True, teammate_asleep="Jade",
                   other_paint_near=9)
    words = {}
    for key in ("you_asleep", "teammate_asleep", "mosaic"):
        t = only(key, keys)
        t.update(moment)
        words[key] = t.text
    assert words["you_asleep"].endswith("ask with H.")
    assert words["teammate_asleep"].startswith("Jade fell asleep!")
    assert words["mosaic"].startswith("That is the Sleep Sanctuary's paint.")


def test_a_surge_is_a_jump_of_nightmare_in_a_rifts_ring() -> None:
    tutorial = only("surge")
    steady = [Sight(time=i / FPS, me=HOME, rift_in_view=True, rift_nightmare={0: 20})
              for i in range(FPS)]
    creeping = [Sight(time=1 + i / FPS, me=HOME, rift_in_view=True,
                      rift_nightmare={0: 20 + i // 20}) for i in range(FPS)]
    assert set(play(tutorial, iter(steady + creeping))) == {None}
    # off screen and back: no surge from the new baseline
    back = [Sight(time=2.0, me=HOME), Sight(time=2.1, me=HOME, rift_nightmare={0: 80})]
    assert set(play(tutorial, iter(back))) == {None}
    surge = Sight(time=2.2, me=HOME, rift_nightmare={0: 120})
    got = tutorial.update(surge)
    assert got is not None and got.key == "surge"


# ---------------------------------------------------------------------- from a frame
def _level() -> Level:
    return level_from(open_rows(64, 48))


def _codes(level: Level) -> np.ndarray:
    h = -(-level.height // CHUNK) * CHUNK
    w = -(-level.width // CHUNK) * CHUNK
    return np.full((h, w), pal.code(Cell.UNFORMED), dtype=np.uint8)


def test_what_a_frame_says_of_each_moment() -> None:
    level = _level()
    codes = _codes(level)
    cs = level.cell_size
    me = EntityView(1, 1, 1, 1, 20.5 * cs, 20.5 * cs, int(DreamerStatus.DISTORTED), "Mira")
    view = MatchView(level=level, codes=codes, dirty=set(), entities=[me], me=1,
                     camera=(me.x, me.y), aim=None, meters=(80.0, 70.0), rifts=[],
                     seconds_to_dawn=100.0, time=3.0)
    everything = (0.0, 0.0, float(level.pixel_width), float(level.pixel_height))
    s = sight_of(view, everything)
    assert s.me == (me.x, me.y) and s.realm == 1 and s.distorted and not s.asleep
    assert (s.other_paint_near, s.cadre_in_view, s.teammate_asleep, s.ethan_here,
            s.hijack, s.meters_low, s.rift_in_view) == (0, False, "", False, False, False,
                                                        False)
    # the Rest Zone's paint near you; your own realm's paint does not count
    codes[22:24, 22:25] = pal.code(Cell.DREAM, 2)
    codes[18:20, 18:22] = pal.code(Cell.DREAM, 1)
    codes[40:44, 50:55] = pal.code(Cell.DREAM, 2)  # far away
    assert sight_of(view, everything).other_paint_near == 6
    # the cadre on screen, a teammate asleep, Ethan hijacking, a meter low
    view.entities = [me,
                     EntityView(2, 1, 2, 2, 30.0 * cs, 30.0 * cs, int(DreamerStatus.ASLEEP),
                                "Liam"),
                     EntityView(7, 2, 0, 0, 40.0 * cs, 10.0 * cs),
                     EntityView(8, 3, 0, 0, 50.0 * cs, 40.0 * cs,
                                int(CadreStatus.HIJACKING))]
    view.meters = (80.0, 41.0)
    s = sight_of(view, everything)
    assert (s.cadre_in_view, s.teammate_asleep, s.ethan_here, s.hijack, s.meters_low) == (
        True, "Liam", True, True, True)
    # what is off screen is not seen (Ethan is known wherever he is)
    corner = (0.0, 0.0, 25.0 * cs, 25.0 * cs)
    s = sight_of(view, corner)
    assert (s.cadre_in_view, s.teammate_asleep, s.ethan_here) == (False, "", True)
    # a hijack's effect alone is a hijack too
    view.entities = [me]
    view.effects = [EffectView(int(EventKind.HIJACK), 10.0, 10.0, 0.5)]
    assert sight_of(view, everything).hijack


def test_a_rifts_ring_is_counted_while_it_is_open_and_on_screen() -> None:
    level = _level()
    codes = _codes(level)
    cs = level.cell_size
    rift = RiftView(30.5 * cs, 24.5 * cs, True, False, 0.0, 2, 5)
    view = MatchView(level=level, codes=codes, dirty=set(), entities=[], me=0,
                     camera=(rift.x, rift.y), aim=None, meters=(80.0, 80.0), rifts=[rift],
                     seconds_to_dawn=100.0)
    everything = (0.0, 0.0, float(level.pixel_width), float(level.pixel_height))
    assert sight_of(view, everything).rift_nightmare == {0: 0}
    codes[19:30, 25:36] = pal.code(Cell.NIGHTMARE)   # an 11 x 11 square around it
    s = sight_of(view, everything)
    assert s.rift_in_view and s.rift_nightmare == {0: 81}  # the disc of radius 5
    view.rifts = [replace(rift, open=False)]
    assert sight_of(view, everything).rift_nightmare == {}
    view.rifts = [rift]
    assert sight_of(view, (0.0, 0.0, 10.0, 10.0)).rift_nightmare == {}


def test_an_urgent_prompt_cuts_a_calm_one_short_and_a_stale_one_waits_for_next_time(
        ) -> None:
    tutorial = Tutorial(DEFAULT_KEYS, shown=set(PROMPTS) - {"cadre", "distorted",
                                                           "hijack"})
    seen = play(tutorial, frames(0.0, 1.0, cadre_in_view=True))
    assert set(seen) == {"cadre"}
    # distorted while the cadre prompt shows: it cuts in once the cadre one was readable
    seen = play(tutorial, frames(1.0, 4.0, cadre_in_view=True, distorted=True))
    assert runs(seen) == ["cadre", "distorted"]
    assert (seen.count("cadre") + FPS) / FPS == pytest.approx(MIN_SECONDS, abs=2 / FPS)
    # a hijack that is over before its turn is not shown ...
    seen = play(tutorial, frames(5.0, 0.5, hijack=True, distorted=True))
    seen += play(tutorial, frames(5.5, 10.0))
    assert "hijack" not in seen and "hijack" not in tutorial.shown
    # ... and comes the next time Ethan hijacks
    assert "hijack" in play(tutorial, frames(15.5, 1.0, hijack=True))
