"""The replay viewer: a recorded night played again with the match's own renderer and HUD,
over the timeline strip (`game.client.timeline_bar`).

Space pauses; the arrows go 5 s back or on (with Shift, one tick, paused); Up and Down
(or + and -) change the speed, 0.25x to 8x; Home and End go to the start and the end; a
click or a drag on the timeline seeks (the strip's buttons do the same). Tab, Shift+Tab
and the number keys follow a dreamer (a click on one does too); a drag in the world, WASD,
0 or F free the camera. Escape leaves. At the night's end the results show over the
viewer (`game.client.replay_results`).

What it shows comes from a `Watch` (game.client.watch): the logic lives there and in
game.replay.scrub, which import no pygame. While a frame has time to spare, the scout
learns the night ahead for the timeline; a seek beyond what is known waits for it.

`open_replay(app, path)` gives the viewer, or the message saying why a replay is refused
(another version or build, a changed level, a damaged file): never a traceback.

Imports pygame, game.replay and game.client's flow, ui, message, render, hud, watch,
timeline_bar and replay_results.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import pygame

from game.client import palette as pal
from game.client.flow import BACK, Over, Scene, Step
from game.client.message import MessageScene
from game.client.replay_results import ReplayResultsScene
from game.client.timeline_bar import HEIGHT, BarState, TimelineBar, clock_text
from game.client.watch import Watch
from game.replay.format import ReplayError
from game.replay.playback import check_build, open_level
from game.replay.scrub import Scrubber
from game.replay.tape import Tape
from game.sim.tuning import TICK_RATE

if TYPE_CHECKING:
    from game.client.app import App
    from game.client.hud import Hud
    from game.client.render import MatchRenderer

__all__ = ["ViewerScene", "load_replay", "open_replay"]

_JUMP = 5 * TICK_RATE
"""ticks the arrows (and the strip's << and >>) jump"""
_PAN_KEYS = {pygame.K_w: (0.0, -1.0), pygame.K_a: (-1.0, 0.0), pygame.K_s: (0.0, 1.0),
             pygame.K_d: (1.0, 0.0)}
_FASTER = (pygame.K_UP, pygame.K_PLUS, pygame.K_EQUALS, pygame.K_KP_PLUS, pygame.K_RIGHTBRACKET)
_SLOWER = (pygame.K_DOWN, pygame.K_MINUS, pygame.K_KP_MINUS, pygame.K_LEFTBRACKET)
_PICK_PX = 30
"""how near a click must land to a dreamer's figure to follow it (screen pixels)"""


def load_replay(path: str | Path, level: str | Path | None = None,
                any_build: bool = False) -> Scrubber:
    """The replay at `path`, ready to watch. Raises ReplayError for a file refused (not a
    replay, damaged, another version or build unless `any_build`, a changed or missing
    level: `level` is a level file to use instead of the shipped one of its name)."""
    tape = Tape.read(path)
    if not any_build:
        check_build(tape.header)
    return Scrubber(tape, open_level(tape.header, level))


def open_replay(app: App, path: str | Path, level: str | Path | None = None,
                any_build: bool = False) -> Scene:
    """The viewer on the replay at `path`, or the message saying why it is refused."""
    try:
        scrubber = load_replay(path, level, any_build)
    except ReplayError as e:
        return MessageScene(app, "This replay cannot be played", f"{Path(path).name}: {e}")
    return ViewerScene(app, scrubber)


class ViewerScene(Scene):
    """Watches one replay (see the module docstring)."""

    def __init__(self, app: App, scrubber: Scrubber) -> None:
        super().__init__()
        self.app = app
        self.watch = Watch(scrubber)
        self.bar = TimelineBar()
        self.scout_seconds = 0.006
        """real time each frame may spend learning the night ahead (0: none)"""
        self.leaving = False
        """the results' "Leave the replay" was chosen"""
        self.pending: int | None = None
        """a tick sought beyond what is known: sought once the scout gets there"""
        self.mouse: tuple[int, int] | None = None
        self._drag: str | None = None
        self._held: set[int] = set()
        self._results_at: int | None = None
        """the tick whose results were shown (not again until the playhead leaves it)"""
        self._renderer: MatchRenderer | None = None
        self._hud: Hud | None = None
        if app.audio is not None:
            app.audio.music(True)

    @property
    def scrubber(self) -> Scrubber:
        return self.watch.scrubber

    # ------------------------------------------------------------------ events
    def handle(self, ev: pygame.event.Event) -> None:
        if ev.type == pygame.KEYDOWN:
            self._key(ev)
        elif ev.type == pygame.KEYUP:
            self._held.discard(ev.key)
        elif ev.type == pygame.MOUSEBUTTONDOWN and ev.button == 1:
            self._press(ev.pos)
        elif ev.type == pygame.MOUSEBUTTONUP and ev.button == 1:
            self._drag = None
        elif ev.type == pygame.MOUSEMOTION:
            self.mouse = ev.pos
            if self._drag == "track":
                self._seek_to_x(ev.pos[0])
            elif self._drag == "world" and ev.buttons[0]:
                self.watch.pan(-ev.rel[0], -ev.rel[1])

    def _key(self, ev: pygame.event.Event) -> None:
        k, shift = ev.key, bool(getattr(ev, "mod", 0) & pygame.KMOD_SHIFT)
        w, clock = self.watch, self.watch.clock
        if k == pygame.K_ESCAPE:
            self.next = BACK
        elif k == pygame.K_SPACE:
            self.toggle_pause()
        elif k in (pygame.K_LEFT, pygame.K_RIGHT):
            sign = 1 if k == pygame.K_RIGHT else -1
            if shift:
                clock.paused = True
                self.seek(w.tick + sign)
            else:
                self.seek(w.tick + sign * _JUMP)
        elif k in _FASTER:
            clock.set_speed(clock.speed_index + 1)
        elif k in _SLOWER:
            clock.set_speed(clock.speed_index - 1)
        elif k == pygame.K_HOME:
            self.seek(0)
        elif k == pygame.K_END:
            self.seek(self.scrubber.last_tick)
        elif k == pygame.K_TAB:
            w.follow_next(-1 if shift else 1)
        elif pygame.K_1 <= k <= pygame.K_8:
            w.follow_number(k - pygame.K_0)
        elif k in (pygame.K_0, pygame.K_f):
            w.free_camera()
        elif k in _PAN_KEYS:
            self._held.add(k)
            w.free_camera()

    def _press(self, pos: tuple[int, int]) -> None:
        layout = self.bar.layout(self.app.screen.get_size())
        hit = self.bar.hit(layout, pos)
        if hit == "track":
            self._drag = "track"
            self._seek_to_x(pos[0])
        elif hit is not None:
            self._button(hit)
        elif not self._follow_at(pos):
            self._drag = "world"

    def _button(self, key: str) -> None:
        w = self.watch
        if key == "play":
            self.toggle_pause()
        elif key == "start":
            self.seek(0)
        elif key == "end":
            self.seek(self.scrubber.last_tick)
        elif key in ("back", "forward"):
            self.seek(w.tick + (_JUMP if key == "forward" else -_JUMP))
        elif key.startswith("speed:"):
            w.clock.set_speed(int(key.split(":")[1]))

    def _follow_at(self, pos: tuple[int, int]) -> bool:
        """Follow the dreamer whose figure is under `pos`, if any."""
        if self._renderer is None:
            return False
        spots = self._renderer.on_screen
        dreamers = set(self.watch.dreamers())
        near = [(abs(x - pos[0]) + abs(y - pos[1]), eid) for eid, (x, y) in spots.items()
                if eid in dreamers]
        if near and min(near)[0] <= _PICK_PX:
            self.watch.follow = min(near)[1]
            return True
        return False

    def _seek_to_x(self, x: int) -> None:
        layout = self.bar.layout(self.app.screen.get_size())
        self.seek(self.bar.tick_at(layout, x, self.scrubber.last_tick))

    # ------------------------------------------------------------------ actions
    def toggle_pause(self) -> None:
        clock = self.watch.clock
        if clock.paused and self.scrubber.at_end:
            self.seek(0)  # play at the end: from the start
        clock.paused = not clock.paused

    def seek(self, tick: int) -> None:
        """Go to `tick` now if the night is known that far; else as soon as the scout has
        learnt it (in the meantime, to the furthest known tick)."""
        known = max(self.scrubber.timeline.upto, 0)
        if tick > known:
            self.pending = tick
            tick = known
        else:
            self.pending = None
        self.watch.seek(tick)
        self._results_at = None  # sought to the end: the results show again

    def restart(self) -> None:
        """Watch again from the start (the results' "Watch again")."""
        self.seek(0)
        self.watch.clock.paused = False

    # ------------------------------------------------------------------ the frame
    def update(self, dt: float) -> Step:
        if self.leaving:
            return BACK
        step = super().update(dt)
        if step is not self:
            return step
        direction = (sum(_PAN_KEYS[k][0] for k in self._held),
                     sum(_PAN_KEYS[k][1] for k in self._held))
        self.watch.pan_for(direction, dt)
        events = self.watch.advance(dt)
        audio = self.app.audio
        if audio is not None and self.watch.clock.speed <= 2.0:
            for e in events[:8]:
                audio.play_event(e.kind)
        self._scout()
        if self.pending is not None and self.pending <= self.scrubber.timeline.upto:
            self.seek(self.pending)
        return self._at_end()

    def _scout(self) -> None:
        """Learn the night ahead while the frame has time to spare (more while a seek
        waits for it)."""
        budget = self.scout_seconds * (4 if self.pending is not None else 1)
        if budget <= 0:
            return
        start = time.perf_counter()
        while time.perf_counter() - start < budget and self.scrubber.scout(2):
            pass

    def _at_end(self) -> Step:
        s = self.scrubber
        if not s.at_end:
            self._results_at = None
            return self
        results = self.watch.results()
        if results is None or self._results_at == s.tick:
            return self
        self._results_at = s.tick
        return Over(ReplayResultsScene(self, results))

    def draw(self, screen: pygame.Surface) -> None:
        from game.client.hud import Hud
        from game.client.render import MatchRenderer

        w, h = screen.get_size()
        area = screen.subsurface(pygame.Rect(0, 0, w, max(h - HEIGHT, 1)))
        level = self.scrubber.night.world.level
        if self._renderer is None or self._hud is None:
            self._renderer = MatchRenderer(level, area.get_size(), assets=self.app.assets)
            self._hud = Hud(area.get_size())
            self.watch.redraw_all()
        view = self.watch.view(self.t)
        self._renderer.draw(area, view)
        self._hud.draw(area, view)
        layout = self.bar.layout((w, h))
        self.bar.draw(screen, layout, self.bar_state())

    def bar_state(self) -> BarState:
        s, w = self.scrubber, self.watch
        note = ""
        if s.diverged_at is not None:
            note = (f"This replay does not play back as it was recorded from "
                    f"{clock_text(s.diverged_at)} on.")
        elif s.tape.end is None:
            note = f"The file ends at {clock_text(s.last_tick)}, before the night did."
        elif self.pending is not None:
            note = f"Dreaming through the night to {clock_text(self.pending)}..."
        return BarState(tick=w.tick, last_tick=s.last_tick, timeline=s.timeline,
                        paused=w.clock.paused, speed_index=w.clock.speed_index,
                        camera=self.camera_words(), diverged_at=s.diverged_at, note=note,
                        mouse=self.mouse)

    def camera_words(self) -> str:
        """Who the camera follows, in words."""
        follow = self.watch.follow
        world = self.scrubber.night.world
        d = world.dreamers.get(follow)
        if d is None:
            return "Free camera"
        seat = self.scrubber.night.seats.get(follow)
        name = seat.name if seat is not None else d.name
        return (f"Following {name} ({pal.REALM_NAMES.get(int(d.realm), '')} "
                f"{pal.ROLE_NAMES.get(int(d.role), '')})")

