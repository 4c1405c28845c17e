"""The replay viewer with SDL's dummy driver, driven by events through the App's frames:
it draws the night with the match's renderer and HUD over its timeline; seeks by click,
drag and keys land on the straight re-simulation's paint grid, cell for cell, and every
change reaches the renderer; pause and speed decide how many ticks a frame plays; the
camera follows any dreamer or roams; the results show at the night's end; a refused
replay says why."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pygame
import pytest

from game.client import palette as pal
from game.client.app import App
from game.client.message import MessageScene
from game.client.replay_results import ReplayResultsScene
from game.client.view import MatchView
from game.client.viewer import ViewerScene, open_replay
from game.client.watch import MAX_TICKS_PER_FRAME, SPEEDS, PlaybackClock
from game.replay.format import ReplayReader
from game.replay.headless import record_bot_match
from game.replay.playback import Playback
from game.sim.grid import CHUNK
from game.sim.tuning import TICK_RATE
from game.tmx import load_level
from tests.client.conftest import click, frames, key, run_until
from tests.replay.conftest import blocks_of, field_rows, write_blocks, write_level

Codes = npt.NDArray[np.uint8]


@pytest.fixture(scope="module")
def night(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A 12-second night of two stand-in dreamers on a small level: (replay, level file)."""
    folder = tmp_path_factory.mktemp("viewer")
    level_path = write_level(folder, field_rows())
    replay = folder / "night.dlreplay"
    with replay.open("wb") as f:
        record_bot_match(load_level(level_path), 2, 5, f, hazard=3, started=1_700_000_000)
    return replay, level_path


def straight(night: tuple[Path, Path], tick: int) -> Codes:
    """The paint codes at `tick` of a straight re-simulation (the verifier's playback)."""
    replay, level_path = night
    with replay.open("rb") as f:
        pb = Playback(ReplayReader(f), load_level(level_path))
        while pb.tick < tick and pb.step() is not None:
            pass
        g = pb.world.grid
        codes: Codes = (g.state * 4 + g.realm).astype(np.uint8)
        return codes


class Drawn:
    """Every view the scene draws: the last one's codes, and a shadow of the renderer's
    world built only from each view's dirty chunks (what the renderer redraws)."""

    def __init__(self, scene: ViewerScene, monkeypatch: pytest.MonkeyPatch) -> None:
        self.shadow: Codes | None = None
        self.last: MatchView | None = None
        build = scene.watch.view

        def spy(t: float) -> MatchView:
            v = build(t)
            if self.shadow is None:
                self.shadow = np.zeros_like(v.codes)
            cols = v.codes.shape[1] // CHUNK
            for k in v.dirty:
                cy, cx = divmod(k, cols)
                sl = np.s_[cy * CHUNK:(cy + 1) * CHUNK, cx * CHUNK:(cx + 1) * CHUNK]
                self.shadow[sl] = v.codes[sl]
            self.last = v
            return v

        monkeypatch.setattr(scene.watch, "view", spy)

    def matches(self, codes: Codes) -> bool:
        assert self.last is not None and self.shadow is not None
        return bool(np.array_equal(self.last.codes, codes)
                    and np.array_equal(self.shadow, codes))


@pytest.fixture
def viewer(app: App, night: tuple[Path, Path]) -> Iterator[ViewerScene]:
    scene = open_replay(app, night[0], night[1])
    assert isinstance(scene, ViewerScene)
    scene.scout_seconds = 0  # the tests say when the night ahead is learnt
    app.scene = scene
    yield scene


def learn_all(scene: ViewerScene) -> None:
    while scene.scrubber.scout(100):
        pass


def track_x(app: App, scene: ViewerScene, tick: int) -> tuple[int, int]:
    layout = scene.bar.layout(app.screen.get_size())
    return (scene.bar.x_of(layout, tick, scene.scrubber.last_tick), layout.track.centery)


def shift_key(k: int) -> pygame.event.Event:
    return pygame.event.Event(pygame.KEYDOWN, key=k, mod=pygame.KMOD_LSHIFT, unicode="",
                              scancode=0)


def test_the_viewer_draws_the_night_with_the_hud_over_its_timeline(
        app: App, viewer: ViewerScene, night: tuple[Path, Path],
        monkeypatch: pytest.MonkeyPatch) -> None:
    drawn = Drawn(viewer, monkeypatch)
    learn_all(viewer)
    frames(app, key(pygame.K_SPACE), n=2)  # paused at the start
    viewer.seek(200)
    scene = frames(app, n=2)
    assert scene is viewer and viewer.watch.tick == 200
    w, h = app.screen.get_size()
    layout = viewer.bar.layout((w, h))
    assert layout.strip.top == h - 104 and layout.track.bottom < h
    follow = viewer.watch.follow
    assert follow in viewer.scrubber.night.world.dreamers
    renderer = viewer._renderer
    assert renderer is not None and renderer.screen_size == (w, layout.strip.top)
    x, y = renderer.on_screen[follow]  # the followed dreamer, drawn above the strip
    assert 0 <= x < w and 0 <= y < layout.strip.top
    assert any(lb.yours and lb.entity == follow for lb in renderer.labels)
    assert drawn.last is not None and drawn.last.me == follow and drawn.last.players
    # the playhead stands at tick 200 on the timeline, in white, and nowhere else
    px, py = track_x(app, viewer, 200)
    assert app.screen.get_at((px, py + 8))[:3] == pal.UI.ME
    assert app.screen.get_at((track_x(app, viewer, 80)[0], py + 8))[:3] != pal.UI.ME
    assert drawn.matches(straight(night, 200))


def test_seeks_by_click_drag_and_keys_land_on_the_straight_grid(
        app: App, viewer: ViewerScene, night: tuple[Path, Path],
        monkeypatch: pytest.MonkeyPatch) -> None:
    drawn = Drawn(viewer, monkeypatch)
    learn_all(viewer)
    frames(app, key(pygame.K_SPACE))  # pause: only the seeks move the playhead
    steps: list[tuple[str, list[pygame.event.Event]]] = [
        ("click at 300", [click(track_x(app, viewer, 300))]),
        ("Left: 5 s back", [key(pygame.K_LEFT)]),
        ("Shift+Right: a tick on", [shift_key(pygame.K_RIGHT)]),
        ("drag back to 40", [pygame.event.Event(pygame.MOUSEMOTION, pos=track_x(app, viewer, 40),
                                                rel=(0, 0), buttons=(1, 0, 0))]),
        ("release, then Right: 5 s on", [pygame.event.Event(pygame.MOUSEBUTTONUP,
                                                            pos=(0, 0), button=1),
                                         key(pygame.K_RIGHT)]),
        ("End", [key(pygame.K_END)]),
        ("Home", [key(pygame.K_HOME)]),
        ("the strip's >>", [click(viewer.bar.layout(app.screen.get_size())
                                  .buttons["forward"].center)]),
    ]
    expected = [300, 150, 151, 40, 40 + 5 * TICK_RATE, 360, 0, 5 * TICK_RATE]
    for (what, events), tick in zip(steps, expected, strict=True):
        frames(app, *events)
        if isinstance(app.scene, ReplayResultsScene):  # End shows the results: back
            frames(app, key(pygame.K_ESCAPE))
        assert viewer.watch.tick == tick, what
        assert drawn.matches(straight(night, tick)), what


def test_a_seek_beyond_what_is_known_waits_for_the_scout(
        app: App, viewer: ViewerScene, night: tuple[Path, Path],
        monkeypatch: pytest.MonkeyPatch) -> None:
    drawn = Drawn(viewer, monkeypatch)
    frames(app, key(pygame.K_SPACE))
    known = viewer.scrubber.timeline.upto
    assert known < 300
    frames(app, click(track_x(app, viewer, 300)))
    assert viewer.pending == 300 and viewer.watch.tick == known
    assert "Dreaming through the night" in viewer.bar_state().note
    viewer.scout_seconds = 0.002
    run_until(app, None, lambda _: viewer.pending is None)
    assert viewer.pending is None and viewer.watch.tick == 300
    assert drawn.matches(straight(night, 300))


def test_pause_and_speed_decide_how_many_ticks_a_frame_plays(
        app: App, viewer: ViewerScene) -> None:
    w = viewer.watch

    def played(*events: pygame.event.Event, n: int) -> int:
        before = w.tick
        frames(app, *events, n=n)
        return w.tick - before

    assert w.clock.speed == 1.0 and not w.clock.paused
    assert played(n=60) == 30  # a second of frames: a second of night
    assert played(key(pygame.K_SPACE), n=60) == 0
    assert played(key(pygame.K_SPACE), key(pygame.K_UP), key(pygame.K_UP), n=15) == 30  # 4x
    layout = viewer.bar.layout(app.screen.get_size())
    assert played(click(layout.buttons["speed:0"].center), n=16) == 2  # 0.25x
    assert played(key(pygame.K_DOWN), n=16) == 2  # no slower than 0.25x
    assert played(click(layout.buttons["play"].center), n=30) == 0  # the play button pauses
    assert w.clock.paused
    frames(app, click(layout.buttons["play"].center), *[key(pygame.K_UP)] * 9)
    assert w.clock.speed == SPEEDS[-1] == 8.0
    before = w.tick
    app._frame(1.0)  # a frame stalled for a second plays no more than its share
    assert w.tick - before == MAX_TICKS_PER_FRAME


def test_the_clock_carries_fractions_of_ticks() -> None:
    c = PlaybackClock()
    c.set_speed(SPEEDS.index(0.25))
    assert [c.ticks(1 / 60) for _ in range(8)] == [0, 0, 0, 0, 0, 0, 0, 1]
    assert c.fraction == 0.0
    c.paused = True
    assert c.ticks(10.0) == 0
    c.set_speed(99)
    assert c.speed == 8.0


def test_the_camera_follows_any_dreamer_or_roams(app: App, viewer: ViewerScene) -> None:
    w = viewer.watch
    first, second = w.dreamers()
    assert w.follow == first  # the first person's dreamer
    frames(app, key(pygame.K_SPACE), key(pygame.K_TAB))
    assert w.follow == second and "Following Dreamer 2" in viewer.camera_words()
    frames(app, key(pygame.K_1))
    assert w.follow == first
    frames(app, key(pygame.K_9))  # no ninth dreamer: nothing changes
    assert w.follow == first
    frames(app, key(pygame.K_d))  # WASD frees the camera and pans it while held
    assert w.follow == 0 and viewer.camera_words() == "Free camera"
    x0 = w.camera[0]
    frames(app, n=10)
    frames(app, pygame.event.Event(pygame.KEYUP, key=pygame.K_d, mod=0))
    x1 = w.camera[0]
    assert x1 > x0
    frames(app, n=5)
    assert w.camera[0] == x1  # released: it stays
    renderer = viewer._renderer
    assert renderer is not None
    sx, sy = renderer.on_screen[second]
    frames(app, click((sx, sy)))  # a click on a dreamer follows it
    assert w.follow == second
    away = (40, 300)  # on no one
    assert all(abs(x - away[0]) + abs(y - away[1]) > 60 for x, y in renderer.on_screen.values())
    frames(app, click(away), pygame.event.Event(pygame.MOUSEMOTION, pos=(140, 350),
                                                rel=(100, 50), buttons=(1, 0, 0)))
    assert w.follow == 0  # a drag in the world roams


def test_the_results_show_at_the_nights_end(app: App, viewer: ViewerScene) -> None:
    learn_all(viewer)
    viewer.watch.clock.set_speed(SPEEDS.index(8.0))
    scene: Any = frames(app, n=100)  # 4 ticks a frame: the 360 ticks are played
    assert isinstance(scene, ReplayResultsScene) and app.stack.scenes == [viewer, scene]
    assert viewer.scrubber.tape.end is not None
    assert scene.outcome is viewer.scrubber.tape.end.outcome
    assert [d.name for d in scene.r["dreamers"]] == ["Dreamer 1", "Dreamer 2"]
    assert len(scene.r["meter_history"]) == 360 // 15 + 1
    scene.draw(app.screen)
    frames(app, key(pygame.K_TAB), key(pygame.K_RETURN))  # Back to the replay
    assert app.scene is viewer and viewer.watch.clock.paused
    assert frames(app, n=5) is viewer  # and the results do not come back by themselves
    frames(app, key(pygame.K_LEFT))  # away from the end, and back: they do
    assert isinstance(frames(app, key(pygame.K_END)), ReplayResultsScene)
    frames(app, key(pygame.K_RETURN))  # Watch again
    assert app.scene is viewer and viewer.watch.tick == 0 and not viewer.watch.clock.paused
    frames(app, key(pygame.K_END))
    frames(app, key(pygame.K_TAB), key(pygame.K_TAB), key(pygame.K_RETURN))  # Leave
    pygame.event.post(key(pygame.K_SPACE))
    assert not app._frame(1 / 60) and app.scene is None  # the viewer was the last scene


@pytest.mark.parametrize("damage", ["build", "level", "junk"])
def test_a_refused_replay_says_why(app: App, night: tuple[Path, Path], tmp_path: Path,
                                   damage: str) -> None:
    replay, level_path = night
    level = tmp_path / "tiny.tmx"
    shutil.copy(level_path, level)
    shutil.copy(level_path.parent / "t.tsx", tmp_path / "t.tsx")
    bad = tmp_path / "bad.dlreplay"
    if damage == "build":
        version, blocks = blocks_of(replay)
        blocks[0][0][1]["build"] = "0123456789abcdef"
        write_blocks(bad, blocks, version)
        said = "recorded by another build of Dreamlayer"
    elif damage == "level":
        shutil.copy(replay, bad)
        level.write_text(level.read_text().replace('value="Tiny"', 'value="Tiny, changed"'))
        said = "level tiny.tmx has changed since the replay was recorded"
    else:
        bad.write_bytes(b"\x00" * 64)
        said = "not a Dreamlayer replay"
    scene = open_replay(app, bad, level)
    assert isinstance(scene, MessageScene)
    assert scene.title == "This replay cannot be played" and said in scene.body
    assert scene.body.startswith("bad.dlreplay: ")
    app.scene = scene
    frames(app, n=2)  # it draws; no traceback
