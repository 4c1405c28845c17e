"""Ethan's cadre and Ethan himself, as bot policies.

Cadre members roam towards painted ground with few dreamers on it (their trail spreads
nightmare there), distort dreamers who come close, and flee when dreamers of both realms
close in or when they find themselves on mosaic. Ethan seeks the most painted ground,
hijacks it when his power is ready, and keeps away from groups of both realms.

A saboteur thinks every `THINK` ticks, its turn staggered by its id, and holds its last
intent in between (`Saboteur.turn`, which `game.bots.crew` asks before it looks at the
world): a crew of twenty then thinks ten a tick, and its reactions lag a tick at most.
On each turn it works out its way round walls to its goal; it looks for new ground every
`_REPLAN` ticks or once there (Ethan every `_ETHAN_REPLAN`, and, standing on the ground he
chose, every `_PARKED`).

Imports game.sim and the bots' observation and navigation.
"""

from __future__ import annotations

import math

import numpy as np

from game.bots.nav import NavGrid
from game.bots.observation import Observation
from game.sim.grid import CHUNK, Cell
from game.sim.intent import Intent
from game.sim.level import Realm

__all__ = ["THINK", "CadrePolicy", "EthanPolicy", "Saboteur"]

THINK = 2
"""ticks between two of a saboteur's turns to think (it holds its intent in between)"""
_REPLAN = 15
"""ticks between two looks for new ground on the way to a goal"""
_PARKED = 5
"""ticks between two looks for better ground while Ethan stands on his goal"""
_ETHAN_REPLAN = 45
"""ticks between two of Ethan's looks for the most painted ground on his way"""
_MOSAIC = int(Cell.MOSAIC)
_DREAM = int(Cell.DREAM)
_BOTH_REALMS = frozenset({Realm.SANCTUARY, Realm.REST})


class Saboteur:
    """What every saboteur's mind holds: who it is, the way round walls, its own dice,
    where it is heading and what it does until its next turn."""

    def __init__(self, entity: int, nav: NavGrid, seed: int) -> None:
        self.entity = entity
        self.nav = nav
        self.rng = np.random.default_rng(seed)
        """its own dice (numpy's: a plan draws one number per chunk of the map at once)"""
        self.goal: tuple[float, float] | None = None
        self.held: Intent | None = None
        """the intent of its last turn, held until the next (None before its first)"""
        self._phase = entity % _REPLAN

    def turn(self, tick: int) -> bool:
        """Whether it thinks this tick (`decide`): every `THINK` ticks, staggered by id, and
        on the first tick it is asked."""
        return self.held is None or (tick + self.entity) % THINK == 0

    def decide(self, obs: Observation) -> Intent:
        """This turn's intent (kept as `held`)."""
        self.held = self._think(obs)
        return self.held

    def _think(self, obs: Observation) -> Intent:
        raise NotImplementedError


class CadrePolicy(Saboteur):
    """One cadre member's mind."""

    def _think(self, obs: Observation) -> Intent:
        view, me = obs.view, obs.me
        x, y = me.x, me.y
        pos = (x, y)
        threat = _threat(obs, radius=view.tuning.awaken_radius + 56.0)
        cx, cy = obs.cell_of(x, y)
        if threat is not None or view.state[cy, cx] == _MOSAIC:
            self.goal = _flee_point(obs, threat)
        elif self.goal is None or (view.tick + self._phase) % _REPLAN < THINK \
                or _d2(pos, self.goal) < 24.0**2:
            self.goal = self._pick_goal(obs)
        move = self.nav.direction(pos, self.goal)
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
        score += self.rng.random(score.shape) * 25.0
        best_r, best_c = np.unravel_index(int(np.argmax(score)), score.shape)
        off_x, off_y = self.rng.uniform(0.2, 0.8, 2).tolist()
        return (float(best_c) + off_x) * span, (float(best_r) + off_y) * span


class EthanPolicy(Saboteur):
    """Ethan Lynx: hijacks the most painted ground and avoids being surrounded."""

    def _think(self, obs: Observation) -> Intent:
        view, me = obs.view, obs.me
        pos = (me.x, me.y)
        threat = _threat(obs, radius=view.tuning.ethan_drive_radius + 64.0)
        if threat is not None:
            self.goal = _flee_point(obs, threat)
        elif self.goal is None or view.tick % _ETHAN_REPLAN < THINK or (
                _d2(pos, self.goal) < 24.0**2 and view.tick % _PARKED < THINK):
            span = CHUNK * view.cell_size
            paint = view.dream_per_chunk + view.mosaic_per_chunk
            xs, ys = view.chunk_centres
            dist = np.hypot(xs - me.x, ys - me.y)
            gr, gc = np.unravel_index(int(np.argmax(paint - dist * 0.15)), paint.shape)
            self.goal = ((float(gc) + 0.5) * span, (float(gr) + 0.5) * span)
        move = self.nav.direction(pos, self.goal)
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
