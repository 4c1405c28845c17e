"""The dream layer: one match's whole simulation.

`World(level, seed)` holds everything of one Nocturnal Retreat: the paint grid, the
dreamers, Ethan's cadre, beacons, rifts, both unity meters and the director. `step()`
advances one fixed tick (`DT`) with the intents of whoever acts and returns the events of
that tick. The same level, seed, hazard and intents give the same `state_hash()`.

Nothing here reads a clock, a file or a socket, and nothing is global: a server holds many
worlds, each test builds a fresh one.

Imports numpy, pymunk and the rest of game.sim only.
"""

from __future__ import annotations

import hashlib
import math
import struct
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pymunk
import pymunk.batch

from game.sim import motion
from game.sim.director import Director, Phase
from game.sim.entities import Beacon, Cadre, Dreamer, Hijack, Rift
from game.sim.events import Event, EventKind, Outcome
from game.sim.grid import MOSAIC, NIGHTMARE, Cell, PaintGrid, disc, ring
from game.sim.intent import IDLE, Intent
from game.sim.level import DistrictKind, Level, Realm
from game.sim.meters import UnityMeter
from game.sim.roles import Role, role_spec
from game.sim.tuning import DT, TICK_RATE, Tuning

__all__ = ["MatchSummary", "World", "rift_radii"]

@dataclass(frozen=True, slots=True)
class MatchSummary:
    """The numbers that end a match (or describe it so far)."""

    outcome: Outcome
    ticks: int
    coverage: dict[str, float]
    """share of floor cells: dream per realm, mosaic, nightmare, unformed"""
    meters: dict[str, float]
    rifts_sealed: int
    rifts: int
    cadre_awakened: int
    ethan_driven_out: bool
    cells_cleansed: int
    """nightmare cells repainted over the night (by brushes, bursts and beacons)"""
    score: int
    """what the night achieved (see `World.score`); a win outranks any loss"""
    state_hash: str


class World:
    """One match of the dream layer.

    Build it with a level and a seed, add dreamers with `add_dreamer()`, then call `step()`
    once per tick with the intents of the dreamers and cadre members that act (anyone
    missing stands idle). Cadre members are spawned by the director; their intents come
    from outside (game.bots), like a player's.
    """

    def __init__(
        self,
        level: Level,
        seed: int,
        hazard: int = 1,
        tuning: Tuning | None = None,
        night_seconds: int | None = None,
    ) -> None:
        """Raises ValueError for a hazard outside 1..5 or a night shorter than one second."""
        self.level = level
        self.seed = seed
        self.tuning = t = tuning or Tuning()
        self.hazard = hazard
        seconds = level.night_seconds if night_seconds is None else night_seconds
        if seconds < 1:
            raise ValueError(f"night_seconds must be >= 1, got {seconds}")
        self.night_ticks = seconds * TICK_RATE
        arrival = level.cadre_arrival * max(0.0, 1 - t.arrival_hazard_step * (hazard - 1))
        floor = int(np.count_nonzero(~level.walls))
        self.director = Director(t, hazard, self.night_ticks, round(arrival * self.night_ticks),
                                 floor)
        self.ethan_tick = round(level.ethan_arrival * self.night_ticks)
        self._awaken_ticks = round(t.awaken_ticks * (1 + t.awaken_hazard_step * (hazard - 1)))
        self.rng = np.random.Generator(np.random.PCG64(seed))
        self.grid = PaintGrid(level)
        self.space = motion.new_space()
        motion.add_walls(self.space, level)
        self.tick = 0
        self.outcome = Outcome.RUNNING
        self.meters = {
            r: UnityMeter(r, t.meter_start, t.meter_max, t.meter_warnings, t.meter_warning_rearm)
            for r in Realm
        }
        self.dreamers: dict[int, Dreamer] = {}
        self._by_body: dict[int, Dreamer | Cadre] = {}
        self._batch = motion.body_buffer()
        self.cadre: dict[int, Cadre] = {}
        self.beacons: list[Beacon] = []
        self.ethan_done = False
        """Ethan came this night (he comes once)"""
        self.ethan_driven_out = False
        self.cadre_awakened = 0
        self.cells_cleansed = 0
        self._next_id = 1
        self._last_spawn = -(10**9)
        cs = level.cell_size
        core_r = [rift_radii(m.strength, t)[0] for m in level.rifts]
        band = t.rift_seal_band
        self.rifts = [
            Rift(
                index=i,
                x=m.x,
                y=m.y,
                cx=int(m.x // cs),
                cy=int(m.y // cs),
                core_radius=r,
                seal_radius=r + band,
                core=disc(r),
                seal_ring=ring(r, r + band),
                surge=disc(r + band),
                surge_period=0,
                seal_ticks=0,
                opens_tick=round(m.opens * self.night_ticks),
            )
            for i, (m, r) in enumerate(zip(level.rifts, core_r, strict=True))
        ]
        self._pace_rifts()
        for rift in self.rifts:
            if rift.opens_tick == 0:
                self.grid.corrupt(rift.cx, rift.cy, rift.surge)
        self.census = self.grid.census()
        """the cells counted by district and state, as of the last tick whose number is a
        multiple of `census_interval` (and the night's last)"""

    # ------------------------------------------------------------------ setup
    def add_dreamer(self, realm: Realm, role: Role, name: str = "",
                    at: tuple[float, float] | None = None) -> int:
        """Bring a dreamer into the dream at one of its realm's spawn points (or at a pixel
        position `at`, for scripted scenes and tests); returns its id."""
        t = self.tuning
        if at is None:
            spawns = self.level.spawns_for(realm)
            same = sum(1 for d in self.dreamers.values() if d.realm is realm)
            m = spawns[same % len(spawns)]
            offset = (same // len(spawns)) * 2.0 * t.dreamer_radius
            at = (m.x + offset, m.y)
        body = motion.make_body(self.space, at, t.dreamer_radius)
        did = self._new_id()
        self.dreamers[did] = Dreamer(
            id=did,
            name=name or f"{realm.title} dreamer {did}",
            realm=realm,
            role=role,
            spec=role_spec(role, t),
            body=body,
            inspiration=t.inspiration_max,
        )
        self.dreamers[did].sync()
        self._by_body[body.id] = self.dreamers[did]
        self._pace_rifts()
        return did

    def spawn_cadre(self, x: float, y: float, ethan: bool = False) -> int:
        """Bring a cadre member (or Ethan) in at a pixel position now; returns its id.

        The director does this on its own during a match; this is for scripted scenes,
        tests and benchmarks. There is at most one Ethan: asking for a second raises
        ValueError.
        """
        events: list[Event] = []
        if ethan:
            if self.ethan is not None:
                raise ValueError("Ethan is already in the dream")
            return self._spawn_ethan(x, y, events)
        return self._spawn_cadre(x, y, events)

    def put_to_sleep(self, did: int) -> None:
        """Put a dreamer asleep where they stand, as the third distortion does: the ground
        around them turns to nightmare, and they wake when teammates paint it back or, on
        their own, after `sleep_ticks`. KeyError for an unknown id."""
        t, d = self.tuning, self.dreamers[did]
        d.asleep = True
        d.strikes = []
        d.revive = 0
        d.wakes_at = self.tick + t.sleep_ticks
        d.body.velocity = (0.0, 0.0)
        cx, cy = self.grid.cell_of(*d.position)
        self.grid.corrupt(cx, cy, disc(t.revive_ring))

    def remove_dreamer(self, did: int) -> None:
        """Take a dreamer out of the dream (its paint stays; a replay's GONE seat). Unknown
        ids are ignored."""
        d = self.dreamers.pop(did, None)
        if d is not None:
            self.space.remove(d.body, *d.body.shapes)
            del self._by_body[d.body.id]
            self.beacons = [b for b in self.beacons if b.owner != did]
            self._pace_rifts()

    def _pace_rifts(self) -> None:
        """Set every rift's seal time and surge period for this hazard and the dreamers in
        the dream now (`Director.rift_pace`): a rift's progress so far is kept, only what
        it needs changes."""
        t = self.tuning
        pace = self.director.rift_pace(len(self.dreamers))
        for rift, m in zip(self.rifts, self.level.rifts, strict=True):
            rift.surge_period = max(1, round(t.rift_surge_period / (m.strength * pace)))
            rift.seal_ticks = round(t.rift_seal_ticks * m.strength * pace)

    # ------------------------------------------------------------------ queries
    @property
    def running(self) -> bool:
        return self.outcome is Outcome.RUNNING

    @property
    def phase(self) -> Phase:
        return self.director.phase(self.tick)

    @property
    def ethan(self) -> Cadre | None:
        for c in self.cadre.values():
            if c.is_ethan:
                return c
        return None

    @property
    def seconds_to_dawn(self) -> float:
        return max(self.night_ticks - self.tick, 0) / TICK_RATE

    def summary(self) -> MatchSummary:
        c = self.census
        cov = {
            "sanctuary_dream": self._dream_share(Realm.SANCTUARY),
            "rest_dream": self._dream_share(Realm.REST),
            "mosaic": c.share(Cell.MOSAIC),
            "nightmare": c.share(Cell.NIGHTMARE),
            "unformed": c.share(Cell.UNFORMED),
        }
        meters = {r.name.lower(): round(m.value, 3) for r, m in self.meters.items()}
        sealed = sum(1 for r in self.rifts if r.sealed)
        return MatchSummary(
            outcome=self.outcome,
            ticks=self.tick,
            coverage={k: round(v, 4) for k, v in cov.items()},
            meters=meters,
            rifts_sealed=sealed,
            rifts=len(self.rifts),
            cadre_awakened=self.cadre_awakened,
            ethan_driven_out=self.ethan_driven_out,
            cells_cleansed=self.cells_cleansed,
            score=self.score(),
            state_hash=self.state_hash(),
        )

    def achieved(self) -> float:
        """The points for what the dreamers did so far, won or not: the mosaic standing,
        rifts sealed, cadre awakened, Ethan driven out, and the nightmare repainted (up to
        one floor's worth), with `Tuning`'s score weights."""
        t = self.tuning
        floor = max(self.census.floor(), 1)
        return (t.score_mosaic * self.census.share(Cell.MOSAIC)
                + t.score_rift_sealed * sum(1 for r in self.rifts if r.sealed)
                + t.score_awakened * self.cadre_awakened
                + t.score_ethan_driven_out * self.ethan_driven_out
                + t.score_cleansed * min(self.cells_cleansed / floor, 1.0))

    def score(self) -> int:
        """The night's score so far. A loss (or a night still running) scores what was
        achieved, at most `score_loss_cap`; a win scores `score_victory` on top of what was
        achieved, plus the meters left. With score_victory > score_loss_cap (the default
        tuning), any win scores more than any loss."""
        t = self.tuning
        if not self.outcome.won:
            return min(round(self.achieved()), t.score_loss_cap)
        meters = sum(m.value for m in self.meters.values())
        return round(t.score_victory + self.achieved() + t.score_meter * meters)

    def state_hash(self) -> str:
        """A digest of the whole simulation state (grid, bodies, meters, counters, RNG)."""
        h = hashlib.blake2b(digest_size=16)
        h.update(struct.pack("<qqB", self.tick, self._next_id, self.outcome))
        h.update(self.grid.state.tobytes())
        h.update(self.grid.realm.tobytes())
        for m in self.meters.values():
            h.update(struct.pack("<d", m.value))
        for d in self.dreamers.values():
            h.update(struct.pack("<q4dd5q?2q", d.id, *d.position, *d.velocity, d.inspiration,
                                 d.ability_ready, d.shove_ready, d.distorted_until,
                                 d.stagger_until, len(d.strikes), d.asleep, d.revive,
                                 d.wakes_at))
        for c in self.cadre.values():
            h.update(struct.pack("<q4d3q?", c.id, *c.position, *c.velocity, c.awaken,
                                 c.ability_ready, c.stagger_until, c.is_ethan))
        for b in self.beacons:
            h.update(struct.pack("<4q", b.id, b.owner, b.cx, b.cy))
        for r in self.rifts:
            h.update(struct.pack("<?q", r.sealed, r.progress))
        h.update(repr(self.rng.bit_generator.state).encode())
        return h.hexdigest()

    # ------------------------------------------------------------------ the tick
    def step(self, intents: Mapping[int, Intent] | None = None) -> list[Event]:
        """Advance one tick. `intents` maps entity ids to what they do; ids that are not in
        the world are ignored, missing ones idle. Returns the tick's events; after the
        match has ended it changes nothing and returns []."""
        if not self.running:
            return []
        intents = intents or {}
        events: list[Event] = []
        self.tick += 1
        tick = self.tick
        cleansed = [0.0, 0.0, 0.0, 0.0]

        self._direct(events)
        organizers = [d for d in self.dreamers.values()
                      if d.role is Role.ORGANIZER and not d.asleep]
        for d in self.dreamers.values():
            self._act_dreamer(d, intents.get(d.id, IDLE), organizers, cleansed,
                              events)
        for c in list(self.cadre.values()):  # a hijack calls more cadre in
            self._act_cadre(c, intents.get(c.id, IDLE), events)

        motion.advance(self.space, DT)
        self._sync_bodies()

        self._trails_and_hijacks()
        self._pulse_beacons(cleansed)
        self.cells_cleansed += int(sum(cleansed))
        self._tend_rifts(events)
        # the nightmare spreads over the whole grid once per spread_interval: on these
        # arrays numpy's cost is mostly per call, so one pass over the grid costs a room far
        # less than a thin band of rows every tick
        if tick % self.tuning.spread_interval == 0:
            f = self.director.spread_factor(len(self.dreamers))
            self.grid.spread(self.rng, self.tuning.spread_unformed * f,
                             self.tuning.spread_dream * f)
        self._awaken(events)
        self._revive(organizers, events)
        if tick % self.tuning.census_interval == 0:
            self.census = self.grid.census()
        self._update_meters(cleansed, events)
        self._decide(events)
        if not self.running:
            self.census = self.grid.census()  # the night's summary counts its last tick
        if tick % motion.REBASE_TICKS == 0:
            self.rebase_physics()
        return events

    def rebase_physics(self) -> None:
        """Move the walls into a fresh physics space and give every entity a fresh body
        there, in the order of their ids (`motion.rebased`): from here the physics depends
        on the entities' states alone. `step()` does it every `motion.REBASE_TICKS` ticks, last
        thing, so a copy of the world taken then (a replay's checkpoint, see
        game.replay.freeze) and rebased plays on bit for bit as the original."""
        moving: list[Dreamer | Cadre] = sorted([*self.dreamers.values(),
                                                *self.cadre.values()], key=lambda m: m.id)
        self.space, bodies = motion.rebased(self.space, [m.body for m in moving])
        self._by_body = {}
        for m, body in zip(moving, bodies, strict=True):
            m.body = body
            self._by_body[body.id] = m

    # ------------------------------------------------------------------ internals
    def _sync_bodies(self) -> None:
        """Quantise every body's position and velocity to the wire's steps and cache them on
        their entities: one batched read and write through pymunk.batch instead of four
        attribute accesses per body."""
        buf = self._batch
        buf.clear()
        pymunk.batch.get_space_bodies(self.space, _READ_FIELDS, buf)
        ids = np.frombuffer(buf.int_buf(), dtype=np.int64).tolist()
        raw = np.frombuffer(buf.float_buf(), dtype=np.float64).reshape(-1, 4)
        q = np.rint(raw * _SCALES) / _SCALES  # (np.round's own steps, without its Python)
        raw[:] = q  # written back from the same buffer: no new native arrays a tick
        pymunk.batch.set_space_bodies(self.space, _WRITE_FIELDS, buf)
        by_body = self._by_body
        for bid, (px, py, vx, vy) in zip(ids, q.tolist(), strict=True):
            m = by_body.get(bid)
            if m is None:
                continue  # the walls' static body comes along; it stays at the origin
            m.pos = (px, py)
            m.vel = (vx, vy)

    def _new_id(self) -> int:
        i = self._next_id
        self._next_id += 1
        return i

    def _open_floor(self, x: float, y: float, radius: float) -> bool:
        """True when a body of `radius` centred at pixel (x, y) stands clear of walls and
        inside the map (its bounding box's cells are all floor)."""
        cs, walls = self.level.cell_size, self.level.walls
        x0, y0 = int((x - radius) // cs), int((y - radius) // cs)
        x1, y1 = int((x + radius) // cs), int((y + radius) // cs)
        h, w = walls.shape
        if x0 < 0 or y0 < 0 or x1 >= w or y1 >= h:
            return False
        return not bool(walls[y0:y1 + 1, x0:x1 + 1].any())

    def _dream_share(self, realm: Realm) -> float:
        floor = self.census.floor()
        if not floor:
            return 0.0
        st, rl = self.grid.state, self.grid.realm
        return int(np.count_nonzero((st == Cell.DREAM) & (rl == realm))) / floor

    def _direct(self, events: list[Event]) -> None:
        """Let the director bring in cadre and, on his night, Ethan."""
        tick = self.tick
        if (self.level.ethan_entry is not None and not self.ethan_done
                and tick >= max(self.ethan_tick, 1) and self.ethan is None):
            e = self.level.ethan_entry
            self._spawn_ethan(e.x, e.y, events)
        members = sum(1 for c in self.cadre.values() if not c.is_ethan)
        target = self.director.target(tick, len(self.dreamers))
        entries = self.level.cadre_entries
        if (entries and members < target
                and tick - self._last_spawn >= self.director.spawn_gap()):
            # they slip in where the dream is weakest: never onto mosaic while there is
            # an entry without it
            cs = self.level.cell_size
            free = [m for m in entries
                    if self.grid.state[int(m.y // cs), int(m.x // cs)] != MOSAIC] or list(entries)
            m = free[int(self.rng.integers(0, len(free)))]
            self._spawn_cadre(m.x, m.y, events)
            self._last_spawn = tick

    def _spawn_cadre(self, x: float, y: float, events: list[Event]) -> int:
        t = self.tuning
        body = motion.make_body(self.space, (x, y), t.cadre_radius)
        cid = self._new_id()
        self.cadre[cid] = Cadre(cid, body, ability_ready=self.tick + t.distort_cooldown // 2)
        self.cadre[cid].sync()
        self._by_body[body.id] = self.cadre[cid]
        events.append(Event(EventKind.CADRE_ARRIVED, cid, x, y))
        return cid

    def _spawn_ethan(self, x: float, y: float, events: list[Event]) -> int:
        t = self.tuning
        body = motion.make_body(self.space, (x, y), t.ethan_radius, t.ethan_mass)
        cid = self._new_id()
        self.cadre[cid] = Cadre(cid, body, is_ethan=True,
                                ability_ready=self.tick + t.hijack_cooldown // 3)
        self.cadre[cid].sync()
        self._by_body[body.id] = self.cadre[cid]
        self.ethan_done = True
        events.append(Event(EventKind.ETHAN_ARRIVED, cid, x, y))
        return cid

    def _act_dreamer(self, d: Dreamer, it: Intent, organizers: list[Dreamer],
                     cleansed: list[float], events: list[Event]) -> None:
        t, tick = self.tuning, self.tick
        px, py = d.position
        if d.asleep:
            motion.set_velocity(d.body, (0.0, 0.0))
            return
        if it.ping:
            events.append(Event(EventKind.PING, d.id, px + it.aim[0], py + it.aim[1],
                                float(it.ping)))
        if it.shove and tick >= d.shove_ready:
            d.shove_ready = tick + t.shove_cooldown
            events.append(Event(EventKind.SHOVE, d.id, px, py, self._shove(d)))
        bx, by = self._brush_centre(d, it.aim)
        if it.ability and tick >= d.ability_ready:
            self._ability(d, bx, by, cleansed, events)
        if it.paint:
            rallied = any(_near(o.position, (px, py), t.rally_aura) for o in organizers)
            cost = d.spec.cost * DT * (t.rally_paint_discount if rallied else 1.0)
            if d.inspiration >= cost:
                cx, cy = self.grid.cell_of(bx, by)
                res = self.grid.paint(cx, cy, disc(d.spec.brush), d.realm)
                if res.changed:
                    d.inspiration -= cost
                    d.painted += res.changed
                    d.cleansed += sum(res.cleansed)
                    _add_cleansed(cleansed, res.cleansed)
                    events.append(Event(EventKind.PAINTED, d.id, bx, by, float(res.changed)))
        # movement last: a brush stroke lands where the dreamer stood at the tick's start
        if tick < d.stagger_until:
            return
        move, speed = it.move, t.dreamer_speed
        if d.distorted(tick):
            move = motion.scramble(*move, t.distort_scramble_degrees)
            speed *= t.distort_slow
        motion.set_velocity(d.body, motion.steer(d.velocity, move, speed, t.dreamer_accel, DT))
        regen = t.inspiration_regen * DT
        cx, cy = self.grid.cell_of(px, py)
        if self.grid.state[cy, cx] == MOSAIC:
            regen *= t.mosaic_regen_factor
        d.inspiration = min(d.inspiration + regen, t.inspiration_max)

    def _brush_centre(self, d: Dreamer, aim: tuple[float, float]) -> tuple[float, float]:
        reach = self.tuning.brush_reach
        n = math.hypot(*aim)
        ax, ay = (aim[0] * reach / n, aim[1] * reach / n) if n > reach else aim
        px, py = d.position
        return px + ax, py + ay

    def _ability(self, d: Dreamer, bx: float, by: float, cleansed: list[float],
                 events: list[Event]) -> None:
        t, tick = self.tuning, self.tick
        d.ability_ready = tick + d.spec.cooldown
        px, py = d.position
        if d.role is Role.ARCHITECT:
            cx, cy = self.grid.cell_of(bx, by)
            res = self.grid.paint(cx, cy, disc(t.burst_radius), d.realm)
            d.painted += res.changed
            d.cleansed += sum(res.cleansed)
            _add_cleansed(cleansed, res.cleansed)
            events.append(Event(EventKind.BURST, d.id, bx, by, float(res.changed)))
        elif d.role is Role.INNOVATOR:
            own = [b for b in self.beacons if b.owner == d.id]
            if len(own) >= t.beacon_limit:
                self.beacons.remove(own[0])
            cx, cy = self.grid.cell_of(px, py)
            self.beacons.append(Beacon(self._new_id(), d.id, d.realm, cx, cy, px, py, tick))
            events.append(Event(EventKind.BEACON, d.id, px, py))
        else:
            freed = 0
            for o in self.dreamers.values():
                if o.distorted(tick) and _near(o.position, (px, py), t.rally_free_radius):
                    o.distorted_until = tick
                    freed += 1
            for m in self.meters.values():
                m.change(t.rally_meter_lift)
            events.append(Event(EventKind.RALLY, d.id, px, py, float(freed)))

    def _shove(self, d: Dreamer) -> float:
        """Push every other body near `d` away from it; returns how many were hit."""
        t, tick = self.tuning, self.tick
        px, py = d.position
        hit = 0
        targets: list[tuple[pymunk.Body, float, Dreamer | Cadre]] = []
        for o in self.dreamers.values():
            if o is not d:
                targets.append((o.body, t.dreamer_radius, o))
        for c in self.cadre.values():
            targets.append((c.body, t.ethan_radius if c.is_ethan else t.cadre_radius, c))
        for body, radius, who in targets:
            ox, oy = who.pos
            dx, dy = ox - px, oy - py
            dist = math.hypot(dx, dy)
            if dist > t.shove_radius + radius:
                continue
            if dist < 1e-6:
                dx, dy, dist = 1.0, 0.0, 1.0
            kick = t.shove_speed / body.mass
            v = body.velocity
            body.velocity = (v.x + dx / dist * kick, v.y + dy / dist * kick)
            who.stagger_until = tick + t.shove_stagger
            hit += 1
        return float(hit)

    def _act_cadre(self, c: Cadre, it: Intent, events: list[Event]) -> None:
        t, tick = self.tuning, self.tick
        px, py = c.position
        c.slowed = bool(self.beacons) and any(
            _near((b.x, b.y), (px, py), t.beacon_slow_radius) for b in self.beacons)
        if it.ability and tick >= c.ability_ready:
            if c.is_ethan:
                if c.hijack is None:
                    c.ability_ready = tick + t.hijack_cooldown
                    cx, cy = self.grid.cell_of(px, py)
                    c.hijack = Hijack(cx, cy, tick)
                    events.append(Event(EventKind.HIJACK, c.id, px, py))
                    for k in range(t.hijack_calls):
                        a = 2 * math.pi * k / max(t.hijack_calls, 1)
                        r = t.hijack_call_distance
                        x, y = px + r * math.cos(a), py + r * math.sin(a)
                        if not self._open_floor(x, y, t.cadre_radius):
                            x, y = px, py  # never into a wall (or through it, off the map)
                        self._spawn_cadre(x, y, events)
            else:
                c.ability_ready = tick + t.distort_cooldown
                self._distort(c, events)
        if tick < c.stagger_until:
            return
        speed = t.ethan_speed if c.is_ethan else t.cadre_speed
        if c.slowed:
            speed *= t.beacon_slow
        motion.set_velocity(c.body, motion.steer(c.velocity, it.move, speed, t.dreamer_accel,
                                                 DT))

    def _distort(self, c: Cadre, events: list[Event]) -> None:
        t, tick = self.tuning, self.tick
        cx, cy = self.grid.cell_of(*c.pos)
        self.grid.divide(cx, cy, disc(int(t.distort_radius // self.level.cell_size)))
        for d in self.dreamers.values():
            if d.asleep or not _near(d.position, c.position, t.distort_radius):
                continue
            d.distorted_until = tick + t.distort_duration
            d.strikes = [s for s in d.strikes if tick - s < t.distort_strike_window] + [tick]
            x, y = d.position
            events.append(Event(EventKind.DISTORTED, d.id, x, y, other=c.id))
            if len(d.strikes) >= t.distort_strikes_to_sleep:
                self.put_to_sleep(d.id)
                events.append(Event(EventKind.ASLEEP, d.id, x, y, other=c.id))

    def _trails_and_hijacks(self) -> None:
        t, tick = self.tuning, self.tick
        cs = self.level.cell_size
        trail = [(int(c.pos[0] // cs), int(c.pos[1] // cs))
                 for c in self.cadre.values() if not c.is_ethan]
        if trail:
            self.grid.corrupt_many(trail, disc(t.trail_radius), count=False)
            # on a retreat Ethan does not come to, at a higher hazard, the trail now and
            # then breaks through mosaic too: every retreat has a power against mosaic
            chance = self.director.trail_mosaic_chance(self.level.ethan_entry is not None,
                                                       len(self.dreamers))
            if chance > 0:
                rolls = self.rng.random(len(trail))
                for (cx, cy), roll in zip(trail, rolls.tolist(), strict=True):
                    if roll < chance:
                        self.grid.corrupt(cx, cy, disc(t.trail_radius), mosaic_too=True)
        for c in self.cadre.values():
            if c.hijack is not None:
                age = tick - c.hijack.started
                r = 1 + (t.hijack_radius - 1) * min(age, t.hijack_ticks) // t.hijack_ticks
                self.grid.corrupt(c.hijack.cx, c.hijack.cy, disc(r), mosaic_too=True)
                if age >= t.hijack_ticks:
                    c.hijack = None

    def _pulse_beacons(self, cleansed: list[float]) -> None:
        t, tick = self.tuning, self.tick
        for b in self.beacons:
            age = tick - b.placed
            if age % t.beacon_period:
                continue
            r = min(1 + age // t.beacon_period, t.beacon_radius)
            res = self.grid.paint(b.cx, b.cy, disc(r), b.realm)
            _add_cleansed(cleansed, res.cleansed)
            owner = self.dreamers.get(b.owner)
            if owner is not None:
                owner.painted += res.changed

    def _tend_rifts(self, events: list[Event]) -> None:
        t = self.tuning
        for r in self.rifts:
            if not r.open(self.tick):
                continue
            if self.tick == r.opens_tick:
                events.append(Event(EventKind.RIFT_OPENED, -1, r.x, r.y, float(r.index)))
            if self.tick % self.tuning.spread_interval == 0:
                self.grid.corrupt(r.cx, r.cy, r.core)
            if (self.tick - r.opens_tick) % r.surge_period == 0:
                self.grid.corrupt(r.cx, r.cy, r.surge)
            r.ring_share = self.grid.fraction_in(r.cx, r.cy, r.seal_ring)
            if r.ring_share >= t.rift_seal_fraction:
                r.progress += 1
            else:
                r.progress = max(r.progress - t.rift_seal_decay, 0)
            if r.progress >= r.seal_ticks:
                r.sealed = True
                self.grid.seal(r.cx, r.cy, r.core)
                for m in self.meters.values():
                    m.change(t.meter_seal_lift)
                events.append(Event(EventKind.RIFT_SEALED, -1, r.x, r.y, float(r.index)))

    def _awaken(self, events: list[Event]) -> None:
        """Cadre caught on mosaic or between both realms wake up and leave; so does Ethan
        when dreamers of both realms hold him, or a ring of mosaic closes around him."""
        t = self.tuning
        gone: list[Cadre] = []
        if not self.cadre:
            return
        awake = [d for d in self.dreamers.values() if not d.asleep]
        cadre = list(self.cadre.values())
        # who is near whom, for every cadre member (a handful each side: plain floats cost
        # a fraction of numpy's calls on such small arrays, and give the same numbers)
        dreamers = [(d.pos[0], d.pos[1], d.realm is Realm.SANCTUARY) for d in awake]
        close: list[list[int]] = []
        both_rows: list[bool] = []
        for c in cadre:
            cx0, cy0 = c.pos
            r = t.ethan_drive_radius if c.is_ethan else t.awaken_radius
            r2 = r * r
            near: list[int] = []
            sanct = other = False
            for k, (dx, dy, is_sanct) in enumerate(dreamers):
                ex, ey = cx0 - dx, cy0 - dy
                if ex * ex + ey * ey <= r2:
                    near.append(k)
                    if is_sanct:
                        sanct = True
                    else:
                        other = True
            close.append(near)
            both_rows.append(sanct and other)
        for row, c in enumerate(cadre):
            pos = c.pos
            both = both_rows[row]
            cx, cy = self.grid.cell_of(*pos)
            if c.is_ethan:
                inner, outer = t.ethan_mosaic_ring
                held = both or self.grid.fraction_in(
                    cx, cy, ring(inner, outer), mosaic_only=True) >= t.ethan_mosaic_threshold
                limit = t.ethan_drive_ticks
                on_mosaic = False
            else:
                on_mosaic = bool(self.grid.state[cy, cx] == MOSAIC)
                held = both or on_mosaic
                limit = self._awaken_ticks
            c.awaken = c.awaken + 1 if held else max(c.awaken - 1, 0)
            if c.awaken >= limit:
                gone.append(c)
                for k in close[row]:
                    awake[k].awakenings += 1
                lift = t.meter_drive_out_lift if c.is_ethan else t.meter_awaken_lift
                for m in self.meters.values():
                    m.change(lift)
                kind = EventKind.ETHAN_DRIVEN_OUT if c.is_ethan else EventKind.AWAKENED
                events.append(Event(kind, c.id, pos[0], pos[1], float(on_mosaic)))
        for c in gone:
            del self.cadre[c.id]
            self.space.remove(c.body, *c.body.shapes)
            del self._by_body[c.body.id]
            if c.is_ethan:
                self.ethan_driven_out = True
            else:
                self.cadre_awakened += 1

    def _revive(self, organizers: list[Dreamer], events: list[Event]) -> None:
        t = self.tuning
        sleepers = [d for d in self.dreamers.values() if d.asleep]
        if not sleepers:
            return
        band = ring(1, t.revive_ring)
        for d in sleepers:
            pos = d.position
            if self.tick >= d.wakes_at:  # slept it off, alone
                self._wake(d, events)
                continue
            helpers = [o for o in self.dreamers.values()
                       if not o.asleep and _near(o.position, pos, t.revive_range)]
            cx, cy = self.grid.cell_of(*pos)
            share = self.grid.fraction_in(cx, cy, band)
            if not helpers or share < t.revive_threshold:
                continue
            boost = any(_near(o.position, pos, t.rally_aura) for o in organizers)
            d.revive += t.rally_revive_boost if boost else 1
            if d.revive >= t.revive_ticks:
                nearest = min(helpers, key=lambda o: _dist2(o.position, pos))
                nearest.revived_others += 1
                self._wake(d, events, nearest.id)

    def _wake(self, d: Dreamer, events: list[Event], by: int = -1) -> None:
        """End a dreamer's sleep; `by` is the teammate who painted them awake (-1: nobody)."""
        d.asleep = False
        d.revive = 0
        d.distorted_until = self.tick
        x, y = d.position
        events.append(Event(EventKind.REVIVED, d.id, x, y, other=by))

    def _update_meters(self, cleansed: list[float], events: list[Event]) -> None:
        t, c = self.tuning, self.census
        commons = DistrictKind.COMMONS
        commons_nm = c.share(NIGHTMARE, commons)
        mosaic = c.share(MOSAIC)
        w = t.meter_commons_weight
        for realm, meter in self.meters.items():
            kind = _KIND_OF[realm]
            nm = (c.share(NIGHTMARE, kind) + w * commons_nm) / (1 + w)
            delta = (-t.meter_drain * nm + t.meter_mosaic_refill * mosaic) * DT
            delta += t.meter_repaint * (cleansed[kind] + w * cleansed[commons])
            for level in meter.change(delta):
                events.append(Event(EventKind.METER_WARNING, value=level, other=realm.value))

    def _decide(self, events: list[Event]) -> None:
        for realm, meter in self.meters.items():
            if meter.collapsed:
                self.outcome = Outcome.FRACTURE
                events.append(Event(EventKind.FRACTURE, other=realm.value))
                return
        if self.rifts and all(r.sealed for r in self.rifts):
            self.outcome = Outcome.SEALED
            events.append(Event(EventKind.VICTORY, value=float(Outcome.SEALED)))
        elif self.tick >= self.night_ticks:
            self.outcome = Outcome.DAWN
            events.append(Event(EventKind.VICTORY, value=float(Outcome.DAWN)))


def rift_radii(strength: float, tuning: Tuning) -> tuple[int, int]:
    """A rift's core radius and the outer radius of its seal ring, in cells."""
    core = max(1, int(tuning.rift_core_base + strength + 0.5))
    return core, core + tuning.rift_seal_band


_WRITE_FIELDS = pymunk.batch.BodyFields.POSITION | pymunk.batch.BodyFields.VELOCITY
_READ_FIELDS = pymunk.batch.BodyFields.BODY_ID | _WRITE_FIELDS
"""what `_sync_bodies` reads and writes back (an enum flag's `|` runs Python: once, here)"""
_SCALES = np.array([motion.POSITION_SCALE, motion.POSITION_SCALE, motion.VELOCITY_SCALE,
                    motion.VELOCITY_SCALE], dtype=np.float64)
_KIND_OF = {Realm.SANCTUARY: DistrictKind.SANCTUARY, Realm.REST: DistrictKind.REST}


def _near(a: tuple[float, float], b: tuple[float, float], r: float) -> bool:
    return (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 <= r * r


def _dist2(a: tuple[float, float], b: tuple[float, float]) -> float:
    return (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2


def _add_cleansed(acc: list[float], cleansed: tuple[int, int, int, int]) -> None:
    for i in range(1, 4):
        acc[i] += cleansed[i]
