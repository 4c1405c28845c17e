"""The ally dreamer bots.

`AllyPolicy` plays a dreamer on its own: paints nightmare near the rifts, revives the
asleep, sticks with dreamers of the other realm, answers pings, and uses its role's ability.
It stands in for a player (in `dreamlayer simulate` and `balance`, or for a player who
dropped). `CompanionPolicy` fills a seat no player took: it plays a supporting part, close to
the players (its *lead*), over-painting their fresh paint with its own realm into mosaic,
helping at the rift they work on, pinching the cadre that come at them and painting them
awake; it never sweeps the map alone, so a night is still the players' to win or lose.

A policy is an object with `decide(obs) -> Intent`. It keeps only its own plan between
ticks and draws randomness from its own seeded RNG, so a match stays deterministic.

Imports game.sim and the bots' observation and navigation.
"""

from __future__ import annotations

import dataclasses
import math
import random
from collections.abc import Container
from dataclasses import dataclass
from enum import Enum

import numpy as np
import numpy.typing as npt

from game.bots.nav import NavGrid
from game.bots.observation import DreamerSeen, Observation, RiftSeen
from game.sim.events import PingKind
from game.sim.grid import CHUNK, Cell
from game.sim.intent import IDLE, Intent
from game.sim.level import DistrictKind, Realm
from game.sim.roles import Role

__all__ = ["LEASH", "AllyPolicy", "CompanionPolicy"]

_REPLAN = 10
_NIGHTMARE, _UNFORMED, _DREAM = int(Cell.NIGHTMARE), int(Cell.UNFORMED), int(Cell.DREAM)
"""ticks between two choices of what to do"""

LEASH = 200.0
"""how far (px) a companion's work takes it from its lead"""
_HEEL = 70.0
"""how close (px) a companion keeps to its lead when there is nothing better to do"""


class Task(Enum):
    REVIVE = "revive"
    PING = "ping"
    PINCH = "pinch"
    RIFT = "rift"
    CLEANSE = "cleanse"
    ROAM = "roam"
    FOLLOW = "follow"
    """a companion's: stay by the lead and turn its paint into mosaic"""


@dataclass(slots=True)
class Plan:
    task: Task
    x: float
    y: float
    rift: int = -1


class AllyPolicy:
    """An ally bot for one dreamer."""

    def __init__(self, entity: int, nav: NavGrid, seed: int) -> None:
        self.entity = entity
        self.nav = nav
        self.rng = random.Random(seed)
        self.plan: Plan | None = None
        self._phase = entity % _REPLAN
        self._orbit = 1.0 if self.rng.random() < 0.5 else -1.0

    # ------------------------------------------------------------------ decide
    def decide(self, obs: Observation) -> Intent:
        me = obs.me
        if me.asleep or me.realm is None:
            self.plan = None
            return IDLE
        view = obs.view
        if self.plan is None or (view.tick + self._phase) % _REPLAN == 0:
            self.plan = self._choose(obs)
        plan = self.plan
        pos = (me.x, me.y)

        goal = (plan.x, plan.y)
        if plan.task is Task.RIFT:
            goal = self._orbit_point(obs, plan)
        move = self.nav.direction(pos, goal)
        if me.distorted:
            # the controls are scrambled: undo the known rotation, as a player learns to
            a = -math.radians(view.tuning.distort_scramble_degrees)
            move = (move[0] * math.cos(a) - move[1] * math.sin(a),
                    move[0] * math.sin(a) + move[1] * math.cos(a))

        aim, worth = self._aim(obs, plan)
        spec_cost = {Role.ARCHITECT: view.tuning.architect_cost,
                     Role.INNOVATOR: view.tuning.innovator_cost,
                     Role.ORGANIZER: view.tuning.organizer_cost}[me.role or Role.ORGANIZER]
        paint = worth and me.inspiration > spec_cost * 0.5
        ability = me.ability_ready and self._ability_wanted(obs, plan, aim)
        shove = me.shove_ready and any(
            _d2((c.x, c.y), pos) < 34.0**2 for c in view.cadre)
        ping = PingKind.NONE
        if plan.task is Task.RIFT and self.rng.random() < 0.002:
            ping = PingKind.RIFT
        return Intent(move=move, aim=aim, paint=paint, ability=ability, shove=shove,
                      ping=int(ping))

    # ------------------------------------------------------------------ planning
    def _choose(self, obs: Observation) -> Plan:
        view, me = obs.view, obs.me
        pos = (me.x, me.y)
        allies = [d for d in view.dreamers if d.id != me.id]
        # 1. a teammate asleep nearby: paint them awake (the nearest two helpers go)
        sleepers = [d for d in allies if d.asleep and _d2((d.x, d.y), pos) < 700.0**2]
        for s in sorted(sleepers, key=lambda d: _d2((d.x, d.y), pos)):
            closer = sum(1 for a in allies if not a.asleep
                         and _d2((a.x, a.y), (s.x, s.y)) < _d2(pos, (s.x, s.y)))
            if closer < 2:
                return Plan(Task.REVIVE, s.x, s.y)
        # 2. a cadre member near a dreamer of the other realm: pinch it between the realms
        for c in view.cadre:
            if c.is_ethan or _d2((c.x, c.y), pos) > 260.0**2:
                continue
            if any(a.realm is not me.realm and not a.asleep
                   and _d2((a.x, a.y), (c.x, c.y)) < 200.0**2 for a in allies):
                return Plan(Task.PINCH, c.x, c.y)
        ethan = next((c for c in view.cadre if c.is_ethan), None)
        if ethan is not None and _d2((ethan.x, ethan.y), pos) < 420.0**2:
            return Plan(Task.PINCH, ethan.x, ethan.y)
        # 3. a meter in danger: the nightmare over that realm's districts comes first
        low = min(view.meters, key=lambda r: view.meters[r])
        if view.meters[low] < 55.0 and (low is me.realm or view.meters[low] < 35.0):
            spot = self._nightmare_spot(obs, DistrictKind(low.value))
            if spot is not None:
                return Plan(Task.CLEANSE, *spot)
        # 4. answer a call for help, or a ping far from here
        for p in reversed(view.pings):
            if p.by == me.id or _d2((p.x, p.y), pos) > 900.0**2:
                continue
            if p.kind == PingKind.HELP or _d2((p.x, p.y), pos) > 250.0**2:
                return Plan(Task.PING, p.x, p.y)
        # 5. an open rift: go where the other realm is too, and the ring needs paint
        rift = self._pick_rift(obs, allies)
        if rift is not None:
            return Plan(Task.RIFT, rift.x, rift.y, rift.index)
        # 6. the biggest nightmare nearby
        spot = self._nightmare_spot(obs)
        if spot is not None:
            return Plan(Task.CLEANSE, *spot)
        # 6. nothing to do: keep close to a dreamer of the other realm, painting
        other = [a for a in allies if a.realm is not me.realm]
        if other:
            o = min(other, key=lambda a: _d2((a.x, a.y), pos))
            return Plan(Task.ROAM, o.x + self.rng.uniform(-40, 40), o.y + self.rng.uniform(-40, 40))
        return Plan(Task.ROAM, me.x + self.rng.uniform(-120, 120),
                    me.y + self.rng.uniform(-120, 120))

    def _pick_rift(self, obs: Observation, allies: list[DreamerSeen]) -> RiftSeen | None:
        me = obs.me
        pos = (me.x, me.y)
        best: tuple[float, RiftSeen] | None = None
        mine = _d2(pos, (0.0, 0.0))
        for r in obs.view.rifts:
            if not r.open:
                continue
            mine = _d2(pos, (r.x, r.y))
            closer = [a for a in allies if not a.asleep and _d2((a.x, a.y), (r.x, r.y)) < mine
                      and _d2((a.x, a.y), (r.x, r.y)) < 240.0**2]
            if len(closer) >= 2 and {a.realm for a in closer} == {Realm.SANCTUARY, Realm.REST}:
                continue  # a pair of both realms holds it already: be useful elsewhere
            score = math.sqrt(mine)
            for a in allies:
                if a.asleep or _d2((a.x, a.y), (r.x, r.y)) > 220.0**2:
                    continue
                score += -260.0 if a.realm is not me.realm else 140.0
            if self.plan is not None and self.plan.rift == r.index:
                score -= 120.0  # keep at it
            if best is None or score < best[0]:
                best = (score, r)
        return best[1] if best else None

    def _nightmare_spot(self, obs: Observation,
                        kind: DistrictKind | None = None) -> tuple[float, float] | None:
        """The centre of a chunk with much nightmare and not far (in `kind`'s districts)."""
        view, me = obs.view, obs.me
        nm = view.nightmare_per_chunk if kind is None else view.chunk_nightmare_in(kind)
        if not nm.any():
            return None
        span = CHUNK * view.cell_size
        ys, xs = np.nonzero(nm > 8)
        if not len(ys):
            ys, xs = np.nonzero(nm)
        cx = (xs + 0.5) * span
        cy = (ys + 0.5) * span
        dist = np.hypot(cx - me.x, cy - me.y)
        score = nm[ys, xs] * 4.0 - dist
        i = int(np.argmax(score))
        return float(cx[i]), float(cy[i])

    # ------------------------------------------------------------------ hands
    def _orbit_point(self, obs: Observation, plan: Plan) -> tuple[float, float]:
        """Circle the rift on its seal ring, so the brush sweeps the whole ring."""
        me = obs.me
        rift = obs.view.rifts[plan.rift]
        radius = (rift.core_radius + rift.seal_radius) / 2 * obs.view.cell_size + 30.0
        ang = math.atan2(me.y - rift.y, me.x - rift.x) + self._orbit * 0.5
        return rift.x + radius * math.cos(ang), rift.y + radius * math.sin(ang)

    def _aim(self, obs: Observation, plan: Plan) -> tuple[tuple[float, float], bool]:
        """Where to point the brush, and whether painting there is worth inspiration."""
        view, me = obs.view, obs.me
        cs = view.cell_size
        reach_cells = int(view.tuning.brush_reach // cs)
        cx, cy = obs.cell_of(me.x, me.y)
        h, w = view.state.shape
        y0, y1 = max(cy - reach_cells, 0), min(cy + reach_cells + 1, h)
        x0, x1 = max(cx - reach_cells, 0), min(cx + reach_cells + 1, w)
        st = view.state[y0:y1, x0:x1]
        rl = view.realm[y0:y1, x0:x1]
        focus = (plan.x, plan.y)
        if plan.task is Task.RIFT:
            rift = view.rifts[plan.rift]
            yy, xx = _window(x0, x1, y0, y1)
            rd = np.hypot(xx - rift.cx, yy - rift.cy)
            band = (rd > rift.core_radius + 0.5) & (rd <= rift.seal_radius + 0.5)
            # the ring: anything not yet paint, and the other realm's paint (-> mosaic)
            want = band & ((st == _NIGHTMARE) | (st == _UNFORMED)
                           | ((st == _DREAM) & (rl != (me.realm or 0))))
            want |= (st == _NIGHTMARE) & (rd <= rift.seal_radius + 5)
        elif plan.task is Task.REVIVE:
            yy, xx = _window(x0, x1, y0, y1)
            sx, sy = obs.cell_of(plan.x, plan.y)
            near = np.hypot(xx - sx, yy - sy) <= view.tuning.revive_ring
            want = near & ((st == _NIGHTMARE) | (st == _UNFORMED))
        elif plan.task is Task.FOLLOW:
            # the lead's paint (the other realm's dream) into mosaic, and the nightmare
            # around it; nothing further than the leash from the lead
            yy, xx = _window(x0, x1, y0, y1)
            lx, ly = obs.cell_of(plan.x, plan.y)
            near = np.hypot(xx - lx, yy - ly) <= LEASH / cs
            want = near & ((st == _NIGHTMARE)
                           | ((st == _DREAM) & (rl != (me.realm or 0))))
        else:
            want = st == _NIGHTMARE
            # other realm's dream next to us: over-paint it into mosaic
            want |= (st == _DREAM) & (rl != (me.realm or 0)) & (self.rng.random() < 0.5)
        ys, xs = np.nonzero(want)
        if not len(ys):
            fx, fy = focus[0] - me.x, focus[1] - me.y
            return (fx, fy), plan.task in (Task.CLEANSE, Task.ROAM) and self.rng.random() < 0.3
        px = (xs + x0 + 0.5) * cs
        py = (ys + y0 + 0.5) * cs
        d = np.hypot(px - me.x, py - me.y) + 0.35 * np.hypot(px - focus[0], py - focus[1])
        i = int(np.argmin(d))
        return (float(px[i] - me.x), float(py[i] - me.y)), True

    def _ability_wanted(self, obs: Observation, plan: Plan, aim: tuple[float, float]) -> bool:
        view, me = obs.view, obs.me
        if me.role is Role.ARCHITECT:
            bx, by = obs.cell_of(me.x + aim[0], me.y + aim[1])
            r = view.tuning.burst_radius
            win = view.state[max(by - r, 0): by + r + 1, max(bx - r, 0): bx + r + 1]
            return int(np.count_nonzero(win == _NIGHTMARE)) > 70
        if me.role is Role.INNOVATOR:
            if plan.task not in (Task.RIFT, Task.CLEANSE, Task.FOLLOW):
                return False
            own = [b for b in view.beacons if b.owner == me.id]
            far = all(_d2((b.x, b.y), (me.x, me.y)) > 160.0**2 for b in own)
            return far and _d2((plan.x, plan.y), (me.x, me.y)) < 90.0**2
        distorted_near = any(d.distorted and _d2((d.x, d.y), (me.x, me.y)) < 110.0**2
                             for d in view.dreamers)
        return distorted_near or min(view.meters.values()) < 45.0


class CompanionPolicy(AllyPolicy):
    """An ally bot in a seat no player took: it supports the players instead of playing the
    map for them.

    Its lead is the nearest player's dreamer, preferring the other realm (the one it makes
    mosaic with); a player's dreamer is any dreamer whose id is not in `companions` (pass
    a live view of the crew's companion ids): a person's, or a dropped person's that a full
    ally bot plays until they return. In order, it: paints an asleep teammate near the lead awake
    (the lead first); pinches a cadre member or Ethan that comes at the lead; works the
    seal ring of the rift the lead is at; paints the nightmare near the lead, and over-paints
    the lead's fresh paint into mosaic, keeping at heel. It goes no further than `LEASH`
    from the lead for any of it. With no player in the dream it plays as an `AllyPolicy`.
    """

    def __init__(self, entity: int, nav: NavGrid, seed: int,
                 companions: Container[int]) -> None:
        super().__init__(entity, nav, seed)
        self.companions = companions

    def lead(self, obs: Observation) -> DreamerSeen | None:
        """The player this companion follows: the nearest player's dreamer, awake before
        asleep, the other realm before its own; None when no player is in the dream."""
        me = obs.me
        players = [d for d in obs.view.dreamers
                   if d.id != me.id and d.id not in self.companions]
        if not players:
            return None
        return min(players, key=lambda d: (d.asleep, d.realm is me.realm,
                                           _d2((d.x, d.y), (me.x, me.y))))

    def _choose(self, obs: Observation) -> Plan:
        lead = self.lead(obs)
        if lead is None:
            return super()._choose(obs)
        view, me = obs.view, obs.me
        at = (lead.x, lead.y)
        # 1. the lead asleep, or a teammate asleep near the lead: paint them awake
        sleepers = [d for d in view.dreamers if d.asleep and d.id != me.id
                    and _d2((d.x, d.y), at) < LEASH**2]
        if sleepers:
            s = min(sleepers, key=lambda d: (d.id != lead.id, _d2((d.x, d.y), at)))
            return Plan(Task.REVIVE, s.x, s.y)
        # 2. the cadre coming at the lead: pinch them between the realms
        reach = LEASH if lead.realm is not me.realm else LEASH * 0.6
        threats = [c for c in view.cadre if _d2((c.x, c.y), at) < reach**2]
        if threats:
            c = min(threats, key=lambda c: (not c.is_ethan, _d2((c.x, c.y), at)))
            return Plan(Task.PINCH, c.x, c.y)
        # 3. the lead at a rift: work its seal ring with them
        for r in view.rifts:
            if not r.open:
                continue
            ring_px = r.seal_radius * view.cell_size
            if _d2((r.x, r.y), at) < (ring_px + 90.0) ** 2:
                return Plan(Task.RIFT, r.x, r.y, r.index)
        # 4. by the lead: their paint into mosaic, the nightmare around them cleansed
        return Plan(Task.FOLLOW, lead.x, lead.y)

    def decide(self, obs: Observation) -> Intent:
        intent = super().decide(obs)
        plan, me = self.plan, obs.me
        if plan is None or plan.task is not Task.FOLLOW:
            return intent
        # keep at heel: close in when far, stand still (and paint) when near
        lead = self.lead(obs)
        if lead is None:
            return intent
        d2 = _d2((lead.x, lead.y), (me.x, me.y))
        if d2 < _HEEL**2:
            return dataclasses.replace(intent, move=(0.0, 0.0))
        return intent


def _window(x0: int, x1: int, y0: int, y1: int) -> tuple[npt.NDArray[np.int64],
                                                         npt.NDArray[np.int64]]:
    """Cell rows (a column) and columns (a row) of a window, to broadcast against each other
    (what np.mgrid gives, without filling the whole window twice)."""
    return (np.arange(y0, y1, dtype=np.int64)[:, None],
            np.arange(x0, x1, dtype=np.int64)[None, :])


def _d2(a: tuple[float, float], b: tuple[float, float]) -> float:
    return (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2
