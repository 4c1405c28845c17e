"""Ethan's cadre and Ethan himself, as bot policies.

Cadre members roam towards painted ground with few dreamers on it (their trail spreads
nightmare there), distort dreamers who come close, and flee when dreamers of both realms
close in or when they find themselves on mosaic. Ethan seeks the most painted ground,
hijacks it when his power is ready, and keeps away from groups of both realms.

Ethan, standing on the ground he chose, looks for better ground every `_PARKED` ticks.
A saboteur on its way works out its steering (the way round walls) every `_STEER` ticks,
its turn staggered by its id, and keeps its last heading in between: a crew of twenty
then steers ten a tick. It steers at once whenever its goal changes (a new plan, a flight).

Imports game.sim and the bots' observation and navigation.
"""

from __future__ import annotations

import math
import random

import numpy as np

from game.bots.nav import NavGrid
from game.bots.observation import Observation
from game.sim.grid import CHUNK, Cell
from game.sim.intent import Intent
from game.sim.level import Realm

__all__ = ["CadrePolicy", "EthanPolicy"]

_REPLAN = 15
_STEER = 2
"""ticks between two workings-out of the way to an unchanged goal"""
_PARKED = 5
"""ticks between two looks for better ground while Ethan stands on his goal"""
_MOSAIC = int(Cell.MOSAIC)
_DREAM = int(Cell.DREAM)
_BOTH_REALMS = frozenset({Realm.SANCTUARY, Realm.REST})


class _Saboteur:
    """What every saboteur's mind holds: who it is, the way round walls, its own dice,
    and where it is heading."""

    def __init__(self, entity: int, nav: NavGrid, seed: int) -> None:
        self.entity = entity
        self.nav = nav
        self.rng = random.Random(seed)
        self.goal: tuple[float, float] | None = None
        self._phase = entity % _REPLAN
        self._move: tuple[float, float] | None = None
        """the heading worked out last (see `_steer`)"""

    def _steer(self, tick: int, pos: tuple[float, float], goal: tuple[float, float],
               fresh: bool) -> tuple[float, float]:
        """The heading to `goal`: worked out on this saboteur's turn or when the goal is
        `fresh`, else the last one."""
        if fresh or self._move is None or (tick + self.entity) % _STEER == 0:
            self._move = self.nav.direction(pos, goal)
        return self._move


class CadrePolicy(_Saboteur):
    """One cadre member's mind."""

    def decide(self, obs: Observation) -> Intent:
        view, me = obs.view, obs.me
        x, y = me.x, me.y
        pos = (x, y)
        threat = _threat(obs, radius=view.tuning.awaken_radius + 56.0)
        cx, cy = obs.cell_of(x, y)
        fresh = True
        if threat is not None or view.state[cy, cx] == _MOSAIC:
            self.goal = _flee_point(obs, threat)
        elif self.goal is None or (view.tick + self._phase) % _REPLAN == 0 \
                or _d2(pos, self.goal) < 24.0**2:
            self.goal = self._pick_goal(obs)
        else:
            fresh = False
        move = self._steer(view.tick, pos, self.goal, fresh)
        if not me.ability_ready:
            return Intent(move=move)
        reach = (view.tuning.distort_radius * 0.85) ** 2
        near = any((d.x - x) ** 2 + (d.y - y) ** 2 < reach for d in view.awake)
        return Intent(move=move, ability=near)

    def _pick_goal(self, obs: Observation) -> tuple[float, float]:
        """Painted ground (plain dream: mosaic holds against the trail) with few dreamers."""
        view, me = obs.view, obs.me
        span = CHUNK * view.cell_size
        score = view.dream_per_chunk.astype(np.float64)
        for d in view.dreamers:
            if d.asleep:
                continue
            r, c = int(d.y // span), int(d.x // span)
            score[max(r - 1, 0): r + 2, max(c - 1, 0): c + 2] -= 90.0
        xs, ys = view.chunk_centres
        dist = np.hypot(xs - me.x, ys - me.y)
        score -= dist * 0.12
        score += np.asarray([self.rng.random() for _ in range(score.size)]).reshape(
            score.shape) * 25.0
        best_r, best_c = np.unravel_index(int(np.argmax(score)), score.shape)
        return (float(best_c) + self.rng.uniform(0.2, 0.8)) * span, \
            (float(best_r) + self.rng.uniform(0.2, 0.8)) * span


class EthanPolicy(_Saboteur):
    """Ethan Lynx: hijacks the most painted ground and avoids being surrounded."""

    def decide(self, obs: Observation) -> Intent:
        view, me = obs.view, obs.me
        pos = (me.x, me.y)
        threat = _threat(obs, radius=view.tuning.ethan_drive_radius + 64.0)
        old = self.goal
        if threat is not None:
            self.goal = _flee_point(obs, threat)
        elif self.goal is None or view.tick % 45 == 0 or (
                _d2(pos, self.goal) < 24.0**2 and view.tick % _PARKED == 0):
            span = CHUNK * view.cell_size
            paint = view.dream_per_chunk + view.mosaic_per_chunk
            xs, ys = view.chunk_centres
            dist = np.hypot(xs - me.x, ys - me.y)
            gr, gc = np.unravel_index(int(np.argmax(paint - dist * 0.15)), paint.shape)
            self.goal = ((float(gc) + 0.5) * span, (float(gr) + 0.5) * span)
        move = self._steer(view.tick, pos, self.goal, self.goal != old)
        if not me.ability_ready:
            return Intent(move=move)
        cx, cy = obs.cell_of(me.x, me.y)
        r = view.tuning.hijack_radius
        win = view.state[max(cy - r, 0): cy + r + 1, max(cx - r, 0): cx + r + 1]
        return Intent(move=move, ability=int(np.count_nonzero(win == _DREAM)) > 60)


def _threat(obs: Observation, radius: float) -> tuple[float, float] | None:
    """The centre of the awake dreamers near me when both realms are among them."""
    x, y = obs.me.x, obs.me.y
    r2 = radius * radius
    near = [d for d in obs.view.awake if (d.x - x) ** 2 + (d.y - y) ** 2 < r2]
    if len(near) < 2 or {d.realm for d in near} != _BOTH_REALMS:
        return None
    return sum(d.x for d in near) / len(near), sum(d.y for d in near) / len(near)


def _flee_point(obs: Observation, threat: tuple[float, float] | None) -> tuple[float, float]:
    me = obs.me
    # with no threat, off the mosaic in a fixed direction per member
    ang = (obs.me.id * 2.39996 if threat is None
           else math.atan2(me.y - threat[1], me.x - threat[0]))
    return me.x + 160.0 * math.cos(ang), me.y + 160.0 * math.sin(ang)


def _d2(a: tuple[float, float], b: tuple[float, float]) -> float:
    return (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2
