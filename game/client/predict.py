"""Netcode on the client: your own dreamer predicted, everyone else interpolated.

`Predictor` runs the server's own movement code (`game.sim.motion.SoloMotion`) on your
inputs as you press them, so movement feels instant; when a snapshot acknowledges input
`ack`, it restarts from the server's exact state and replays the inputs not yet
acknowledged (reconciliation). It keeps the server's rules for your dreamer's state as the
last snapshot gave it: asleep you stand still, shoved (staggered) you coast where the shove
threw you, distorted your steering is scrambled and slowed. A small visual offset absorbs
corrections smoothly.

`Interpolator` keeps a short history of each other entity's positions by server tick and
draws them about 100 ms in the past, between two known positions, so they move smoothly
whatever the network's jitter.

Imports game.sim only (no pygame, no networking: tested headless).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from game.net.records import DreamerStatus, MeRecord
from game.sim.level import Level
from game.sim.motion import POSITION_SCALE, VELOCITY_SCALE, SoloMotion, scramble
from game.sim.tuning import DT, TICK_RATE, Tuning

__all__ = ["Interpolator", "Predictor"]

Vec = tuple[float, float]


@dataclass(slots=True)
class _Pending:
    seq: int
    move: Vec


class Predictor:
    """Your dreamer's predicted position."""

    def __init__(self, level: Level, start: Vec, tuning: Tuning | None = None) -> None:
        t = tuning or Tuning()
        self.tuning = t
        self.solo = SoloMotion(level, start, t.dreamer_radius, t.dreamer_speed,
                               t.dreamer_accel, DT)
        self.pending: deque[_Pending] = deque(maxlen=256)
        self.status = 0
        self.offset: Vec = (0.0, 0.0)
        """visual correction still to absorb (display = predicted + offset)"""
        self.corrections = 0

    @property
    def position(self) -> Vec:
        return self.solo.position

    @property
    def display(self) -> Vec:
        p = self.solo.position
        return p[0] + self.offset[0], p[1] + self.offset[1]

    def _step(self, move: Vec) -> None:
        t = self.tuning
        if self.status & DreamerStatus.ASLEEP:  # the server holds you still
            self.solo.reset(self.solo.position, (0.0, 0.0))
            return
        if self.status & DreamerStatus.STAGGERED:  # shoved: the server does not steer you
            self.solo.coast()
            return
        factor = 1.0
        if self.status & DreamerStatus.DISTORTED:
            move = scramble(*move, t.distort_scramble_degrees)
            factor = t.distort_slow
        self.solo.step(move, factor)

    def input(self, seq: int, move: Vec) -> None:
        """You pressed `move` as input `seq` (call once per tick, as it is sent)."""
        self.pending.append(_Pending(seq, move))
        self._step(move)

    def reconcile(self, ack: int, me: MeRecord) -> float:
        """The server applied inputs up to `ack` and says your dreamer is `me` (the
        snapshot's `me` list). Returns how far (px) the prediction was off."""
        before = self.display
        while self.pending and self.pending[0].seq <= ack:
            self.pending.popleft()
        x, y, vx, vy = me.x, me.y, me.vx, me.vy
        self.status = me.status
        self.solo.reset((x / POSITION_SCALE, y / POSITION_SCALE),
                        (vx / VELOCITY_SCALE, vy / VELOCITY_SCALE))
        for p in self.pending:
            self._step(p.move)
        after = self.solo.position
        err = math.hypot(after[0] - before[0], after[1] - before[1])
        if err > 0.01:
            self.corrections += 1
        # snap on large errors (a shove, a teleport), glide on small ones
        self.offset = (before[0] - after[0], before[1] - after[1]) if err < 48 else (0.0, 0.0)
        return err

    def decay(self, seconds: float) -> None:
        """Let the visual offset fade (about 100 ms to a third of it)."""
        k = math.exp(-seconds / 0.1)
        self.offset = (self.offset[0] * k, self.offset[1] * k)


class Interpolator:
    """Positions of other entities, drawn `delay` seconds behind the newest snapshot."""

    def __init__(self, delay: float = 0.1) -> None:
        self.delay_ticks = delay * TICK_RATE
        self.history: dict[int, deque[tuple[int, float, float]]] = {}
        self.newest_tick = 0
        self.newest_at = 0.0

    def add(self, tick: int, now: float, positions: dict[int, Vec]) -> None:
        """Record where every entity was at server tick `tick` (received at `now`)."""
        if tick > self.newest_tick:
            self.newest_tick, self.newest_at = tick, now
        for eid, (x, y) in positions.items():
            h = self.history.get(eid)
            if h is None:
                h = self.history[eid] = deque(maxlen=32)
            if not h or h[-1][0] < tick:
                h.append((tick, x, y))
        for eid in [e for e in self.history if e not in positions]:
            del self.history[eid]

    def render_tick(self, now: float) -> float:
        return self.newest_tick + (now - self.newest_at) * TICK_RATE - self.delay_ticks

    def buffer_ms(self, now: float) -> float:
        """How far behind the newest snapshot we draw (ms), for the F3 overlay."""
        return max(self.newest_tick - self.render_tick(now), 0.0) * 1000 / TICK_RATE

    def position(self, eid: int, now: float) -> Vec | None:
        h = self.history.get(eid)
        if not h:
            return None
        t = self.render_tick(now)
        if t <= h[0][0]:
            return h[0][1], h[0][2]
        for (t0, x0, y0), (t1, x1, y1) in zip(h, list(h)[1:], strict=False):
            if t0 <= t <= t1:
                f = (t - t0) / (t1 - t0)
                return x0 + (x1 - x0) * f, y0 + (y1 - y0) * f
        return h[-1][1], h[-1][2]
