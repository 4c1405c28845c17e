"""The world's rules, ticked by hand with exact numbers."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from game.sim import DT, Cell, EventKind, Intent, Outcome, Realm, Role, Tuning, World
from game.sim.events import Event
from game.sim.grid import disc, ring
from game.sim.level import Level
from game.sim.motion import SoloMotion
from tests.conftest import QUIET, level_from, open_rows

T = Tuning()
CENTRE = (200.0, 200.0)  # cell (25, 25) of the 64x48 test field


def kinds(events: list[Event], kind: EventKind) -> list[Event]:
    return [e for e in events if e.kind is kind]


def run(world: World, ticks: int, intents: dict[int, Intent] | None = None) -> list[Event]:
    out: list[Event] = []
    for _ in range(ticks):
        out += world.step(intents or {})
    return out


def dream_cells(world: World, cx: int, cy: int, stencil: np.ndarray) -> int:
    r = stencil.shape[0] // 2
    win = world.grid.state[cy - r: cy + r + 1, cx - r: cx + r + 1]
    return int(np.count_nonzero((win == Cell.DREAM) & stencil))


# ------------------------------------------------------------------ movement
def test_a_dreamer_accelerates_to_full_speed_and_stops_at_walls(quiet_world: World) -> None:
    w = quiet_world
    d = w.add_dreamer(Realm.SANCTUARY, Role.ARCHITECT, at=CENTRE)
    run(w, 30, {d: Intent(move=(1.0, 0.0))})
    x, y = w.dreamers[d].position
    assert w.dreamers[d].velocity == (T.dreamer_speed, 0.0)
    assert y == CENTRE[1]
    assert 140.0 < x - CENTRE[0] < 150.0  # a second at 150 px/s, less the quick start
    run(w, 90, {d: Intent(move=(1.0, 0.0))})
    # the border wall's inner face is at 63 cells * 8 px = 504 px; a body of radius 9 stops
    # there, give or take the contact's slop
    assert w.dreamers[d].position[0] == pytest.approx(504 - T.dreamer_radius, abs=2.0)


def test_prediction_runs_the_servers_own_movement(field: Level) -> None:
    w = World(field, seed=3, tuning=QUIET)
    d = w.add_dreamer(Realm.REST, Role.ORGANIZER, at=CENTRE)
    solo = SoloMotion(field, CENTRE, T.dreamer_radius, T.dreamer_speed, T.dreamer_accel, DT)
    moves = [(1.0, 0.0)] * 20 + [(0.0, -1.0)] * 15 + [(-0.6, 0.8)] * 40 + [(0.0, 0.0)] * 10
    for m in moves:
        w.step({d: Intent(move=m)})
        assert solo.step(m) == w.dreamers[d].position


# ------------------------------------------------------------------ brush and inspiration
def test_a_brush_stroke_paints_exactly_the_role_brush_and_costs_inspiration(
        quiet_world: World) -> None:
    w = quiet_world
    d = w.add_dreamer(Realm.SANCTUARY, Role.ARCHITECT, at=CENTRE)
    events = w.step({d: Intent(paint=True)})
    assert dream_cells(w, 25, 25, disc(T.architect_brush)) == disc(T.architect_brush).sum() == 37
    assert kinds(events, EventKind.PAINTED)[0].value == 37
    dreamer = w.dreamers[d]
    regen = T.inspiration_regen * DT
    assert dreamer.inspiration == pytest.approx(
        min(T.inspiration_max - T.architect_cost * DT + regen, T.inspiration_max))
    assert dreamer.painted == 37


def test_the_brush_reaches_no_further_than_its_reach(quiet_world: World) -> None:
    w = quiet_world
    d = w.add_dreamer(Realm.REST, Role.INNOVATOR, at=CENTRE)
    w.step({d: Intent(paint=True, aim=(1000.0, 0.0))})
    cx = int((CENTRE[0] + T.brush_reach) // 8)
    assert w.grid.at(cx, 25) is Cell.DREAM
    assert w.grid.at(cx + 2, 25) is Cell.UNFORMED
    assert int(np.count_nonzero(w.grid.state == Cell.DREAM)) == 9


def test_no_inspiration_no_paint(quiet_world: World) -> None:
    w = quiet_world
    d = w.add_dreamer(Realm.REST, Role.ARCHITECT, at=CENTRE)
    w.dreamers[d].inspiration = 0.1
    events = w.step({d: Intent(paint=True)})
    assert not kinds(events, EventKind.PAINTED)
    assert int(np.count_nonzero(w.grid.state == Cell.DREAM)) == 0


# ------------------------------------------------------------------ meters
def test_meters_drain_with_the_nightmare_by_the_rule(quiet_world: World) -> None:
    w = quiet_world
    nightmare = int(np.count_nonzero(w.grid.state == Cell.NIGHTMARE))
    assert nightmare == disc(5).sum()  # the rift's core and ring, at the start
    floor = 62 * 46
    wt = T.meter_commons_weight
    per_tick = T.meter_drain * (wt * nightmare / floor) / (1 + wt) * DT
    run(w, 60)
    for m in w.meters.values():
        assert m.value == pytest.approx(T.meter_start - 60 * per_tick, rel=1e-9)


def test_repainting_nightmare_lifts_the_meters(quiet_world: World) -> None:
    w = quiet_world
    d = w.add_dreamer(Realm.SANCTUARY, Role.ARCHITECT, at=(240.0, 240.0))  # cell (30, 30)
    before = w.meters[Realm.SANCTUARY].value
    w.step({d: Intent(paint=True)})
    idle = World(w.level, seed=1, tuning=QUIET)
    idle.step({})
    # 37 cleansed commons cells: both meters get the commons share of the repaint bonus
    lift = T.meter_repaint * T.meter_commons_weight * 37
    drained = before - idle.meters[Realm.SANCTUARY].value
    assert w.meters[Realm.SANCTUARY].value > before - drained + lift * 0.99


def test_either_meter_at_zero_fractures_the_dream(quiet_world: World) -> None:
    w = quiet_world
    w.meters[Realm.REST].value = 1e-6
    events = w.step({})
    assert w.outcome is Outcome.FRACTURE
    assert kinds(events, EventKind.FRACTURE)[0].other == Realm.REST
    assert w.step({}) == []  # a finished match changes no more


def test_meter_warnings_fire_once_when_crossed(quiet_world: World) -> None:
    m = quiet_world.meters[Realm.SANCTUARY]
    assert m.change(-49.0) == []  # 80 -> 31
    assert m.change(-2.0) == [30.0]
    assert m.change(-1.0) == []
    assert m.change(-20.0) == [15.0]
    assert m.change(+50.0) == []
    assert m.change(-40.0) == [30.0]


def test_dawn_with_both_meters_standing_is_a_victory(field: Level) -> None:
    w = World(field, seed=1, tuning=QUIET, night_seconds=1)
    events = run(w, 30)
    assert w.outcome is Outcome.DAWN
    assert kinds(events, EventKind.VICTORY)[0].value == Outcome.DAWN


def test_the_census_is_taken_every_census_interval_and_on_the_nights_last_tick(
        field: Level) -> None:
    every = 7
    rules = dataclasses.replace(QUIET, census_interval=every)
    w = World(field, seed=1, tuning=rules, night_seconds=1)  # 30 ticks: not a multiple of 7
    counted = w.census
    w.grid.paint(20, 20, disc(2), Realm.SANCTUARY)  # between two counts
    while (w.tick + 1) % every:
        w.step()
        assert w.census is counted  # the meters read the last count
    w.step()
    assert w.census.count(Cell.DREAM) == w.grid.census().count(Cell.DREAM) > 0
    run(w, 29 - w.tick)  # past the last count (tick 28)
    w.grid.paint(30, 20, disc(2), Realm.REST)
    w.step()
    assert w.outcome is Outcome.DAWN and w.tick == 30
    assert w.summary().coverage["rest_dream"] > 0  # painted after the last count
    assert w.census.count(Cell.DREAM) == w.grid.census().count(Cell.DREAM)


# ------------------------------------------------------------------ rifts
def test_a_ring_of_mosaic_seals_the_rift(quiet_world: World) -> None:
    w = quiet_world
    rift = w.rifts[0]
    w.grid.seal(rift.cx, rift.cy, disc(rift.seal_radius))
    events = run(w, rift.seal_ticks - 1)
    assert not kinds(events, EventKind.RIFT_SEALED)
    events = w.step({})
    assert kinds(events, EventKind.RIFT_SEALED)
    assert w.outcome is Outcome.SEALED


def test_a_surge_breaks_a_ring_of_plain_dream(field: Level) -> None:
    w = World(field, seed=1, tuning=Tuning(spread_unformed=0.0, spread_dream=0.0))
    rift = w.rifts[0]
    w.grid.paint(rift.cx, rift.cy, disc(rift.seal_radius), Realm.SANCTUARY)
    run(w, rift.surge_period - 1)
    assert rift.ring_share >= T.rift_seal_fraction
    w.step({})
    assert rift.ring_share == 0.0
    assert w.grid.fraction_in(rift.cx, rift.cy, rift.seal_ring) == 0.0


def test_a_bigger_team_makes_the_rifts_slower_to_seal_and_quicker_to_surge(
        field: Level) -> None:
    rules = dataclasses.replace(QUIET, rift_surge_period=T.rift_surge_period,
                                rift_team_step=0.5)
    w = World(field, seed=1, tuning=rules, night_seconds=300)
    rift = w.rifts[0]
    base = (rift.seal_ticks, rift.surge_period)
    assert base == (rules.rift_seal_ticks, rules.rift_surge_period)  # a strength-1 rift
    corner = [(40.0 + 20 * k, 40.0) for k in range(4)]
    for at in corner[:2]:  # one or two dreamers: the rifts as they are
        w.add_dreamer(Realm.SANCTUARY, Role.ARCHITECT, at=at)
        assert (rift.seal_ticks, rift.surge_period) == base
    w.add_dreamer(Realm.REST, Role.INNOVATOR, at=corner[2])
    assert (rift.seal_ticks, rift.surge_period) == (round(base[0] * 1.5),
                                                    round(base[1] / 1.5))
    fourth = w.add_dreamer(Realm.REST, Role.INNOVATOR, at=corner[3])
    assert (rift.seal_ticks, rift.surge_period) == (base[0] * 2, round(base[1] / 2))
    # a ring of mosaic held for the two-dreamer time does not seal it for four
    w.grid.seal(rift.cx, rift.cy, disc(rift.seal_radius))
    events = run(w, base[0])
    assert not kinds(events, EventKind.RIFT_SEALED) and rift.progress == base[0]
    # the fourth leaves: the progress is kept and the three-dreamer time is what it needs
    w.remove_dreamer(fourth)
    events = run(w, round(base[0] * 1.5) - base[0])
    assert kinds(events, EventKind.RIFT_SEALED) and rift.sealed


def test_a_dormant_rift_opens_on_time(field: Level) -> None:
    from dataclasses import replace

    lv = replace(field, rifts=(replace(field.rifts[0], opens=0.5),))
    w = World(lv, seed=1, tuning=QUIET, night_seconds=2)
    assert int(np.count_nonzero(w.grid.state == Cell.NIGHTMARE)) == 0
    events = run(w, 30)
    assert kinds(events, EventKind.RIFT_OPENED)
    assert int(np.count_nonzero(w.grid.state == Cell.NIGHTMARE)) > 0


# ------------------------------------------------------------------ cadre, sleep, revival
def test_three_distortions_put_a_dreamer_asleep_and_painting_wakes_them(
        quiet_world: World) -> None:
    w = quiet_world
    sleeper = w.add_dreamer(Realm.SANCTUARY, Role.ARCHITECT, at=CENTRE)
    cadre = w.spawn_cadre(CENTRE[0] + 60, CENTRE[1])
    events = run(w, 400, {cadre: Intent(ability=True)})
    distorted = kinds(events, EventKind.DISTORTED)
    assert len(distorted) == 3
    assert [e.other for e in distorted] == [cadre] * 3
    assert (distorted[1].x, distorted[2].x) == (CENTRE[0], CENTRE[0])
    asleep = kinds(events, EventKind.ASLEEP)
    assert len(asleep) == 1 and w.dreamers[sleeper].asleep
    # the sleeper's ground turned to nightmare
    assert w.grid.fraction_in(25, 25, ring(1, T.revive_ring)) == 0.0
    # a teammate bursts paint over them: revival takes revive_ticks with no organizer near
    mate = w.add_dreamer(Realm.REST, Role.ARCHITECT, at=(CENTRE[0] - 30, CENTRE[1]))
    events = w.step({mate: Intent(ability=True, aim=(30.0, 0.0))})
    assert kinds(events, EventKind.BURST)
    events = run(w, T.revive_ticks - 2)
    assert not kinds(events, EventKind.REVIVED)
    events = w.step({})
    revived = kinds(events, EventKind.REVIVED)
    assert revived and revived[0].other == mate
    assert not w.dreamers[sleeper].asleep


def test_a_cadre_member_between_both_realms_is_awakened(quiet_world: World) -> None:
    w = quiet_world
    s = w.add_dreamer(Realm.SANCTUARY, Role.ARCHITECT, at=(150.0, 200.0))
    r = w.add_dreamer(Realm.REST, Role.ARCHITECT, at=(250.0, 200.0))
    c = w.spawn_cadre(200.0, 200.0)
    events = run(w, T.awaken_ticks - 1)
    assert c in w.cadre
    events = w.step({})
    awakened = kinds(events, EventKind.AWAKENED)
    assert [e.entity for e in awakened] == [c]
    assert c not in w.cadre and w.cadre_awakened == 1
    assert w.dreamers[s].awakenings == w.dreamers[r].awakenings == 1


def test_a_lone_realm_cannot_awaken_anyone(quiet_world: World) -> None:
    w = quiet_world
    w.add_dreamer(Realm.SANCTUARY, Role.ARCHITECT, at=(150.0, 200.0))
    w.add_dreamer(Realm.SANCTUARY, Role.ORGANIZER, at=(250.0, 200.0))
    c = w.spawn_cadre(200.0, 200.0)
    run(w, 3 * T.awaken_ticks)
    assert c in w.cadre


def test_mosaic_underfoot_awakens_a_cadre_member(quiet_world: World) -> None:
    w = quiet_world
    w.spawn_cadre(*CENTRE)
    w.grid.seal(25, 25, disc(3))
    events = run(w, T.awaken_ticks)
    awakened = kinds(events, EventKind.AWAKENED)
    assert awakened and awakened[0].value == 1.0


def test_the_cadre_leave_a_nightmare_trail(quiet_world: World) -> None:
    w = quiet_world
    c = w.spawn_cadre(*CENTRE)
    w.step({c: Intent()})
    assert dream_cells(w, 25, 25, disc(1)) == 0
    win = w.grid.state[24:27, 24:27]
    assert (win == Cell.NIGHTMARE).all()


# ------------------------------------------------------------------ Ethan
def test_ethan_hijacks_a_wide_region_and_calls_more_cadre(field: Level) -> None:
    w = World(field, seed=1, tuning=QUIET)
    w.grid.seal(20, 25, disc(2))  # mosaic does not stop a hijack
    e = w.spawn_cadre(*CENTRE, ethan=True)
    with pytest.raises(ValueError, match="already"):
        w.spawn_cadre(*CENTRE, ethan=True)
    events = run(w, T.hijack_cooldown // 3 + 1, {e: Intent(ability=True)})
    assert len(kinds(events, EventKind.HIJACK)) == 1
    assert len(kinds(events, EventKind.CADRE_ARRIVED)) == T.hijack_calls
    run(w, T.hijack_ticks, {e: Intent()})
    r = T.hijack_radius
    win = w.grid.state[25 - r: 25 + r + 1, 25 - r: 25 + r + 1]
    assert (win[disc(r)] == Cell.NIGHTMARE).all()


def test_both_realms_holding_ethan_drive_him_out(field: Level) -> None:
    w = World(field, seed=1, tuning=QUIET)
    e = w.spawn_cadre(*CENTRE, ethan=True)
    w.add_dreamer(Realm.SANCTUARY, Role.ORGANIZER, at=(CENTRE[0] - 60, CENTRE[1]))
    w.add_dreamer(Realm.REST, Role.ORGANIZER, at=(CENTRE[0] + 60, CENTRE[1]))
    events = run(w, T.ethan_drive_ticks)
    assert [x.entity for x in kinds(events, EventKind.ETHAN_DRIVEN_OUT)] == [e]
    assert w.ethan is None


# ------------------------------------------------------------------ abilities and shove
def test_shove_pushes_others_away_and_staggers_them(quiet_world: World) -> None:
    w = quiet_world
    a = w.add_dreamer(Realm.SANCTUARY, Role.ARCHITECT, at=CENTRE)
    b = w.add_dreamer(Realm.REST, Role.ARCHITECT, at=(CENTRE[0] + 24, CENTRE[1]))
    events = w.step({a: Intent(shove=True)})
    assert kinds(events, EventKind.SHOVE)[0].value == 1
    assert w.dreamers[b].velocity[0] > 100.0
    assert w.dreamers[b].stagger_until == w.tick + T.shove_stagger
    assert not kinds(w.step({a: Intent(shove=True)}), EventKind.SHOVE)  # cooling down


def test_mosaic_burst_paints_a_large_circle_once_per_cooldown(quiet_world: World) -> None:
    w = quiet_world
    d = w.add_dreamer(Realm.REST, Role.ARCHITECT, at=CENTRE)
    w.step({d: Intent(ability=True)})
    assert dream_cells(w, 25, 25, disc(T.burst_radius)) == disc(T.burst_radius).sum()
    events = w.step({d: Intent(ability=True)})
    assert not kinds(events, EventKind.BURST)
    assert w.dreamers[d].ability_ready == 1 + T.architect_cooldown


def test_neuronook_beacons_repaint_a_growing_disc_and_keep_two(quiet_world: World) -> None:
    w = quiet_world
    d = w.add_dreamer(Realm.SANCTUARY, Role.INNOVATOR, at=CENTRE)
    events = w.step({d: Intent(ability=True)})
    assert kinds(events, EventKind.BEACON)
    assert dream_cells(w, 25, 25, disc(1)) == 9
    run(w, T.beacon_period)
    assert dream_cells(w, 25, 25, disc(2)) == 21
    for _ in range(2):
        run(w, T.innovator_cooldown)
        w.step({d: Intent(ability=True)})
    assert len([b for b in w.beacons if b.owner == d]) == T.beacon_limit


def test_rally_frees_distorted_allies_and_lifts_both_meters(quiet_world: World) -> None:
    w = quiet_world
    org = w.add_dreamer(Realm.REST, Role.ORGANIZER, at=CENTRE)
    ally = w.add_dreamer(Realm.SANCTUARY, Role.ARCHITECT, at=(CENTRE[0] + 40, CENTRE[1]))
    w.dreamers[ally].distorted_until = 10_000
    before = {r: m.value for r, m in w.meters.items()}
    events = w.step({org: Intent(ability=True)})
    assert kinds(events, EventKind.RALLY)[0].value == 1
    assert not w.dreamers[ally].distorted(w.tick)
    for r, m in w.meters.items():
        assert m.value > before[r] + T.rally_meter_lift - 0.1


def test_pings_become_events_at_the_aim_point(quiet_world: World) -> None:
    w = quiet_world
    d = w.add_dreamer(Realm.REST, Role.ORGANIZER, at=CENTRE)
    events = w.step({d: Intent(ping=2, aim=(100.0, -50.0))})
    p = kinds(events, EventKind.PING)[0]
    assert (p.entity, p.x, p.y, p.value) == (d, 300.0, 150.0, 2.0)


# ------------------------------------------------------------------ intents, director
def test_intents_are_clamped_when_made() -> None:
    i = Intent(move=(3.0, 4.0), aim=(float("nan"), 1e9), ping=99)
    assert i.move == pytest.approx((0.6, 0.8))
    assert i.aim == (0.0, 2048.0)
    assert i.ping == 0
    assert Intent(move=(float("inf"), 0.0)).move == (0.0, 0.0)


def test_the_director_paces_the_night() -> None:
    from game.sim.director import Director, Phase

    d = Director(T, hazard=1, night_ticks=1000, arrival_tick=200)
    assert d.phase(100) is Phase.QUIET and d.target(100, 4) == 0
    assert d.phase(300) is Phase.BUILD_UP and 1 <= d.target(300, 4) <= d.full_cadre(4)
    assert d.phase(600) is Phase.PEAK and d.target(600, 4) == d.full_cadre(4)
    assert d.phase(900) is Phase.CALM and d.target(900, 4) < d.full_cadre(4)
    hard = Director(T, hazard=5, night_ticks=1000, arrival_tick=200)
    assert hard.full_cadre(8) > d.full_cadre(8) > d.full_cadre(2)
    assert hard.spread_factor(4) > d.spread_factor(4)
    with pytest.raises(ValueError, match="hazard"):
        Director(T, hazard=6, night_ticks=1000, arrival_tick=0)


def test_a_wider_retreat_gets_a_slower_nightmare_and_fewer_cadre() -> None:
    from game.sim.director import Director

    ref = T.spread_reference_floor
    small = Director(T, hazard=3, night_ticks=9000, arrival_tick=0, floor=int(ref))
    wide = Director(T, hazard=3, night_ticks=9000, arrival_tick=0, floor=int(ref) * 4)
    base = (1 + 2 * T.spread_hazard_step) * (T.spread_base + 2 * T.spread_per_dreamer)
    assert small.spread_factor(2) == pytest.approx(base)
    assert wide.spread_factor(2) == pytest.approx(base * 0.25 ** T.spread_floor_exponent)
    per = T.cadre_per_dreamer + 2 * T.cadre_per_dreamer_hazard
    assert small.full_cadre(8) == round(8 * per) == 10
    assert wide.full_cadre(8) == round(8 * per * 0.25 ** T.cadre_floor_exponent) == 7


def test_the_trail_breaks_mosaic_at_a_higher_hazard_without_ethan_or_for_a_bigger_team(
        ) -> None:
    from game.sim.director import Director

    def chance(hazard: int, ethan: bool, dreamers: int = 2) -> float:
        return Director(T, hazard, 9000, 0).trail_mosaic_chance(ethan, dreamers)

    assert chance(1, False) == 0.0 and chance(5, True) == 0.0
    assert chance(3, False) == pytest.approx(2 * T.trail_mosaic_hazard_step)
    assert chance(3, False) > 0
    assert chance(5, False) > chance(3, False)
    assert chance(3, False, 1) == chance(3, False, 2)  # a team of two or fewer: as it was
    # each dreamer beyond two adds its step per hazard level, where Ethan comes too
    assert T.trail_mosaic_team_step > 0
    assert chance(1, True, 4) == 0.0 and chance(1, False, 4) == 0.0
    assert chance(3, True, 4) == pytest.approx(2 * 2 * T.trail_mosaic_team_step)
    assert chance(3, False, 3) == pytest.approx(
        2 * (T.trail_mosaic_hazard_step + T.trail_mosaic_team_step))
    assert chance(5, True, 8) == 1.0  # a chance, at most


def test_the_director_brings_the_cadre_in_at_the_entries(field: Level) -> None:
    lv = level_from(open_rows(), entries=((3, 3),), cadre_arrival=0.0)
    w = World(lv, seed=2, tuning=QUIET)
    w.add_dreamer(Realm.SANCTUARY, Role.ARCHITECT)
    events = run(w, 5)
    arrived = kinds(events, EventKind.CADRE_ARRIVED)
    assert arrived and (arrived[0].x, arrived[0].y) == (28.0, 28.0)


# ------------------------------------------------------------------ determinism
def _scripted(world: World, seed: int) -> str:
    rng = np.random.Generator(np.random.PCG64(seed))
    ids = [world.add_dreamer(Realm(1 + i % 2), Role(1 + i % 3)) for i in range(4)]
    for _ in range(400):
        intents = {}
        for i in ids:
            a, b, c, e = rng.random(4)
            intents[i] = Intent(move=(a * 2 - 1, b * 2 - 1), aim=(c * 80 - 40, e * 80 - 40),
                                paint=bool(a > 0.3), ability=bool(b > 0.95),
                                shove=bool(c > 0.97))
        for cid in world.cadre:
            intents[cid] = Intent(move=(rng.random() - 0.5, rng.random() - 0.5),
                                  ability=bool(rng.random() > 0.9))
        world.step(intents)
    return world.state_hash()


def test_same_level_seed_and_inputs_give_the_same_hash() -> None:
    lv = level_from(open_rows(), cadre_arrival=0.0)
    assert _scripted(World(lv, seed=5), 1) == _scripted(World(lv, seed=5), 1)


def test_a_different_seed_gives_a_different_hash() -> None:
    lv = level_from(open_rows(), cadre_arrival=0.0)
    assert _scripted(World(lv, seed=5), 1) != _scripted(World(lv, seed=6), 1)


def test_bad_world_arguments_are_refused(field: Level) -> None:
    with pytest.raises(ValueError, match="hazard"):
        World(field, seed=1, hazard=0)
    with pytest.raises(ValueError, match="night_seconds"):
        World(field, seed=1, night_seconds=0)


def test_a_dreamer_asleep_alone_wakes_on_their_own(quiet_world: World) -> None:
    w = quiet_world
    d = w.add_dreamer(Realm.REST, Role.INNOVATOR, at=CENTRE)
    w.put_to_sleep(d)
    assert w.dreamers[d].asleep
    assert w.grid.fraction_in(25, 25, ring(1, T.revive_ring)) == 0.0  # nightmare round them
    events = run(w, T.sleep_ticks - 1)
    assert w.dreamers[d].asleep and not kinds(events, EventKind.REVIVED)
    events = w.step({})
    assert [(e.entity, e.other) for e in kinds(events, EventKind.REVIVED)] == [(d, -1)]
    assert not w.dreamers[d].asleep


@pytest.mark.parametrize("ethan", [False, True])
def test_a_trail_through_mosaic_breaks_it_on_a_retreat_without_ethan(ethan: bool) -> None:
    from dataclasses import replace

    lv = level_from(open_rows(), ethan=(60, 40) if ethan else None)
    w = World(lv, seed=1, hazard=2, tuning=replace(QUIET, trail_mosaic_hazard_step=1.0))
    w.grid.seal(25, 25, disc(6))
    w.spawn_cadre(*CENTRE)
    w.step({})
    under = w.grid.state[24:27, 24:27][disc(T.trail_radius)]
    assert (under == (Cell.MOSAIC if ethan else Cell.NIGHTMARE)).all()
