"""What the replay viewer shows, without drawing it: the playback clock (pause, speed), who
the camera follows (or where the free camera looks), the moving things smoothed between
ticks, the effects and chat of the night so far, and the `MatchView` the renderer and
the HUD draw, as in a live match. The results of the watched night too.

`Watch(scrubber)` is driven by the viewer scene: `advance(dt)` plays the ticks the clock
allows (never more than `MAX_TICKS_PER_FRAME`), `seek(tick)` jumps, `follow_*` and `pan`
move the camera; `view(time)` builds the frame. Time comes in as arguments: nothing here
reads a clock, so tests drive it frame by frame.

Imports numpy, game.sim, game.net (records, snapshot's entity encoding), game.replay
(scrub, format, header) and game.client.view; never pygame.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from game.client.view import EFFECT_SECONDS, EffectView, EntityView, MatchView, PlayerView, RiftView
from game.net.records import Buttons, Contribution, RiftFlags
from game.net.snapshot import world_entities, world_rifts
from game.replay.format import ChatLine, Emote, ReplayError
from game.replay.header import Control
from game.replay.scrub import Scrubber
from game.sim.events import Event
from game.sim.grid import CHUNK
from game.sim.level import Realm
from game.sim.tuning import TICK_RATE, Tuning

__all__ = ["MAX_TICKS_PER_FRAME", "SPEEDS", "PlaybackClock", "Watch", "night_results"]

SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
"""playback speeds, times the night's own pace"""
MAX_TICKS_PER_FRAME = 24
"""the most ticks one frame plays (8x at 20 frames a second): a stalled frame does not
make the playhead leap"""
_TALK_SECONDS = 6.0
"""how long a chat line or an emote stays on the message line (seconds of night)"""
_PAN_SPEED = 700.0
"""free camera, px per second of real time"""


class PlaybackClock:
    """Turns frames into ticks: `ticks(dt)` is how many ticks `dt` seconds of real time
    play at the current speed (none while paused), the fraction left over carried to the
    next frame (`fraction`: how far the frame lies between the last tick and the next)."""

    def __init__(self) -> None:
        self.speed_index = SPEEDS.index(1.0)
        self.paused = False
        self.fraction = 0.0

    @property
    def speed(self) -> float:
        return SPEEDS[self.speed_index]

    def set_speed(self, index: int) -> None:
        """Choose SPEEDS[index] (clamped to the list)."""
        self.speed_index = min(max(index, 0), len(SPEEDS) - 1)

    def ticks(self, dt: float) -> int:
        if self.paused or dt <= 0:
            return 0
        self.fraction += dt * TICK_RATE * self.speed
        n = int(self.fraction)
        self.fraction -= n
        if n > MAX_TICKS_PER_FRAME:
            n, self.fraction = MAX_TICKS_PER_FRAME, 0.0
        return n


@dataclass(frozen=True, slots=True)
class _Seen:
    """An event to draw for a while: what, where, when (tick), and its value."""

    kind: int
    x: float
    y: float
    tick: int
    value: float


class Watch:
    """A replay being watched (see the module docstring)."""

    def __init__(self, scrubber: Scrubber, tuning: Tuning | None = None) -> None:
        self.scrubber = scrubber
        self.tuning = tuning or Tuning()
        self.clock = PlaybackClock()
        self.follow = self._first_person()
        """the dreamer the camera follows (its HUD panel shows), 0 for the free camera"""
        self.camera = self._centre()
        """where the free camera looks (world pixels)"""
        self._prev: dict[int, tuple[float, float]] = {}
        self._now: dict[int, tuple[float, float]] = {}
        self._seen: deque[_Seen] = deque(maxlen=96)
        self._drawn: npt.NDArray[np.uint8] | None = None
        """the paint codes of the last view"""
        self._take_positions(reset=True)

    # ------------------------------------------------------------------ the clock
    @property
    def tick(self) -> int:
        return self.scrubber.tick

    def advance(self, dt: float) -> list[Event]:
        """Play the ticks `dt` seconds of real time allow; returns their events. Stops
        (and pauses) at the end of the replay."""
        events: list[Event] = []
        for _ in range(self.clock.ticks(dt)):
            step = self.scrubber.step()
            if step is None:
                break
            events += step
            self._take_positions()
            self._note(step)
        if self.scrubber.at_end:
            self.clock.paused = True
            self.clock.fraction = 0.0
        return events

    def seek(self, tick: int) -> None:
        """Jump to `tick` (see `Scrubber.seek`); the effects of before are forgotten."""
        self.scrubber.seek(tick)
        self.clock.fraction = 0.0
        self._seen.clear()
        self._take_positions(reset=True)

    def step_by(self, ticks: int) -> None:
        self.seek(self.tick + ticks)

    # ------------------------------------------------------------------ the camera
    def dreamers(self) -> list[int]:
        """The dreamers in the dream now, in the order the number keys pick them."""
        return sorted(self.scrubber.night.world.dreamers)

    def follow_next(self, step: int = 1) -> None:
        """Follow the next dreamer (`step` -1: the one before); from the free camera, the
        first (or last)."""
        ids = self.dreamers()
        if not ids:
            self.follow = 0
            return
        if self.follow in ids:
            self.follow = ids[(ids.index(self.follow) + step) % len(ids)]
        else:
            self.follow = ids[0] if step > 0 else ids[-1]

    def follow_number(self, k: int) -> bool:
        """Follow the k-th dreamer (1-based); False if there is none."""
        ids = self.dreamers()
        if not 1 <= k <= len(ids):
            return False
        self.follow = ids[k - 1]
        return True

    def free_camera(self) -> None:
        """Leave the followed dreamer where the camera is."""
        if self.follow:
            self.camera = self._position(self.follow) or self.camera
        self.follow = 0

    def pan(self, dx: float, dy: float) -> None:
        """Move the free camera (leaving any dreamer followed), kept over the map."""
        self.free_camera()
        lv = self.scrubber.night.world.level
        self.camera = (min(max(self.camera[0] + dx, 0.0), float(lv.pixel_width)),
                       min(max(self.camera[1] + dy, 0.0), float(lv.pixel_height)))

    def pan_for(self, direction: tuple[float, float], dt: float) -> None:
        """Pan for `dt` seconds of real time towards `direction` (WASD)."""
        n = math.hypot(*direction)
        if n > 0 and dt > 0:
            self.pan(direction[0] / n * _PAN_SPEED * dt, direction[1] / n * _PAN_SPEED * dt)

    # ------------------------------------------------------------------ the frame
    def view(self, time: float) -> MatchView:
        """The frame as a live match would show it, `time` seconds after the viewer
        opened (for animation only). Its `dirty` chunks are those whose paint changed
        since the last view (all of them in the first, and after `redraw_all()`): draw
        every view built."""
        s = self.scrubber
        night, world = s.night, s.night.world
        names = {did: st.name for did, st in night.seats.items()}
        entities = []
        for eid, e in world_entities(world).items():
            x, y = self._position(eid) or (e.px, e.py)
            entities.append(EntityView(eid, e.kind, e.realm, e.role, x, y, e.status,
                                       names.get(eid, "")))
        rifts = []
        for r, (flags, prog) in zip(world.rifts, world_rifts(world).values(), strict=True):
            rifts.append(RiftView(r.x, r.y, bool(flags & RiftFlags.OPEN),
                                  bool(flags & RiftFlags.SEALED), prog / 255,
                                  r.core_radius, r.seal_radius))
        me = world.dreamers.get(self.follow)
        camera = self._position(self.follow) if me is not None else None
        aim, painting = self._aim(camera)
        codes = (world.grid.state * 4 + world.grid.realm).astype(np.uint8)
        tick = world.tick
        return MatchView(
            level=world.level, codes=codes, dirty=self._dirty(codes),
            entities=entities, me=me.id if me is not None else 0,
            camera=camera or self.camera, aim=aim,
            meters=(world.meters[Realm.SANCTUARY].value, world.meters[Realm.REST].value),
            rifts=rifts, seconds_to_dawn=world.seconds_to_dawn,
            inspiration=me.inspiration if me is not None else 0.0,
            ability_in=max(me.ability_ready - tick, 0) / TICK_RATE if me is not None else 0.0,
            shove_in=max(me.shove_ready - tick, 0) / TICK_RATE if me is not None else 0.0,
            realm=int(me.realm) if me is not None else 0,
            role=int(me.role) if me is not None else 0,
            players=self._players(), effects=self._effects(), title=world.level.title,
            hazard=world.hazard, time=time, message=self._message(), painting=painting)

    def redraw_all(self) -> None:
        """Mark every chunk dirty in the next view (a new renderer has drawn nothing)."""
        self._drawn = None

    def results(self) -> dict[str, Any] | None:
        """The results of the night once the playhead stands at its end (None before, and
        for a file that ends before the night did)."""
        world = self.scrubber.night.world
        if world.running:
            return None
        return night_results(self.scrubber)

    # ------------------------------------------------------------------ pieces
    def _dirty(self, codes: npt.NDArray[np.uint8]) -> set[int]:
        drawn, self._drawn = self._drawn, codes
        rows, cols = codes.shape[0] // CHUNK, codes.shape[1] // CHUNK
        if drawn is None or drawn.shape != codes.shape:
            return set(range(rows * cols))
        changed = (codes != drawn).reshape(rows, CHUNK, cols, CHUNK).any(axis=(1, 3))
        return {int(k) for k in np.flatnonzero(changed)}

    def _first_person(self) -> int:
        seats = self.scrubber.night.seats
        people = [d for d, st in seats.items() if st.control is Control.PERSON]
        return min(people or list(seats) or [0])

    def _centre(self) -> tuple[float, float]:
        lv = self.scrubber.night.world.level
        return (lv.pixel_width / 2, lv.pixel_height / 2)

    def _take_positions(self, reset: bool = False) -> None:
        world = self.scrubber.night.world
        now = {d.id: d.pos for d in world.dreamers.values()}
        now.update((c.id, c.pos) for c in world.cadre.values())
        self._prev = now if reset else self._now
        self._now = now

    def _position(self, eid: int) -> tuple[float, float] | None:
        """Where `eid` is drawn: between its last two ticks, as far as the clock is."""
        now = self._now.get(eid)
        if now is None:
            return None
        prev = self._prev.get(eid, now)
        f = self.clock.fraction
        return (prev[0] + (now[0] - prev[0]) * f, prev[1] + (now[1] - prev[1]) * f)

    def _note(self, events: list[Event]) -> None:
        tick = self.tick
        for e in events:
            if e.kind in EFFECT_SECONDS:
                self._seen.append(_Seen(int(e.kind), e.x, e.y, tick, e.value))

    def _effects(self) -> list[EffectView]:
        at = self.tick + self.clock.fraction
        out = []
        for e in self._seen:
            age = (at - e.tick) / TICK_RATE
            if 0 <= age < EFFECT_SECONDS.get(e.kind, 0.0):
                out.append(EffectView(e.kind, e.x, e.y, age, e.value))
        return out

    def _players(self) -> list[PlayerView]:
        night = self.scrubber.night
        out = []
        for k, did in enumerate(self.dreamers(), start=1):
            seat = night.seats.get(did)
            d = night.world.dreamers[did]
            bot = seat is not None and seat.control in (Control.BOT, Control.COMPANION)
            name = seat.name if seat is not None else d.name
            out.append(PlayerView(name, int(d.realm), int(d.role), 0, bot, did == self.follow,
                                  tag=f"[{k}] bot" if bot else f"[{k}]"))
        return out

    def _aim(self, at: tuple[float, float] | None) -> tuple[tuple[float, float] | None, bool]:
        """Where the followed person's brush points, and whether they paint (from the
        file's inputs); bots' aims are not recorded."""
        s = self.scrubber
        if at is None or self.follow not in s.night.people or self.tick == 0:
            return None, False
        try:
            inp = s.tape.people_at(self.tick, [self.follow])[self.follow]
        except ReplayError:
            return None, False
        ax, ay = float(inp.aim_x), float(inp.aim_y)
        reach = self.tuning.brush_reach
        n = math.hypot(ax, ay)
        if n > reach:
            ax, ay = ax * reach / n, ay * reach / n
        return (at[0] + ax, at[1] + ay), bool(inp.buttons & Buttons.PAINT)

    def _message(self) -> str:
        """The newest chat line or emote said in the last few seconds of night."""
        tick = self.tick
        said: list[ChatLine | Emote] = self.scrubber.tape.talk_between(
            tick - round(_TALK_SECONDS * TICK_RATE), tick)
        if not said:
            return ""
        last = said[-1]
        if isinstance(last, ChatLine):
            return f"{last.name}: {last.text}"
        return f"{last.name} says: {last.emote}!"


def night_results(scrubber: Scrubber) -> dict[str, Any]:
    """The results of the night the scrubber's playhead ended, as the results sheet reads
    them (MATCH_END's values, the meters through the night, the level)."""
    night = scrubber.night
    world = night.world
    s = world.summary()
    dreamers = [Contribution(d.id, night.seats[d.id].name if d.id in night.seats else d.name,
                             int(d.realm), int(d.role), d.painted, d.cleansed,
                             d.revived_others, d.awakenings)
                for d in list(world.dreamers.values())[:16]]
    cov = s.coverage
    return {
        "outcome": int(s.outcome), "score": s.score, "ticks": s.ticks,
        "coverage": [round(cov[k] * 1000) for k in
                     ("sanctuary_dream", "rest_dream", "mosaic", "nightmare", "unformed")],
        "rifts_sealed": s.rifts_sealed, "rifts": s.rifts, "awakened": s.cadre_awakened,
        "dreamers": dreamers, "next_level": "", "level": world.level,
        "meter_history": list(scrubber.timeline.meters),
    }

