"""Snapshots: a client's mirror, fed the full state and then deltas, equals the server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from game.bots import BotCrew
from game.match import lineup
from game.net.schema import Kind, decode, encode
from game.net.snapshot import ChunkClock, Mirror, Observer, world_entities
from game.retreats import load_retreat
from game.sim import World
from game.sim.events import Event

LEVELS = Path(__file__).resolve().parents[2] / "levels"


def busy(seed: int = 3) -> tuple[World, BotCrew]:
    import dataclasses

    lv = dataclasses.replace(load_retreat("first-retreat", LEVELS), cadre_arrival=0.0)
    w = World(lv, seed, hazard=3)
    crew = BotCrew(w, seed)
    for realm, role in lineup(4):
        crew.add_ally(w.add_dreamer(realm, role))
    return w, crew


def assert_same(mirror: Mirror, clock: ChunkClock, world: World) -> None:
    assert (mirror.codes == clock.codes).all()
    g = world.grid
    assert (mirror.state == g.state).all() and (mirror.realm == g.realm).all()
    now = world_entities(world)
    assert set(mirror.entities) == set(now)
    for eid, e in now.items():
        m = mirror.entities[eid]
        assert (m.kind, m.x, m.y, m.status) == (e.kind, e.x, e.y, e.status)


def test_a_mirror_rebuilds_the_server_state_cell_for_cell() -> None:
    w, crew = busy()
    clock = ChunkClock(w)
    fast, slow = Observer(clock, dreamer=1), Observer(clock, dreamer=2)
    events: list[Event] = []
    for _ in range(200):  # let the night get going before anyone joins
        events = w.step(crew.decide(w, events))
        clock.note(w)
    mirror_fast = Mirror(decode(encode(Kind.MATCH_START, {
        "level": "first-retreat", "hazard": 3, "night_ticks": w.night_ticks, "tick_rate": 30,
        "dreamer": 1, "state": fast.full_state(w)}))["state"])
    mirror_slow = Mirror(slow.full_state(w))
    assert_same(mirror_fast, clock, w)
    pending: list[Any] = []
    for tick in range(600):
        events = w.step(crew.decide(w, events))
        clock.note(w)
        pending += events
        snap = decode(encode(Kind.SNAPSHOT, fast.delta(w, events, ack=tick)))
        mirror_fast.apply(snap)
        assert_same(mirror_fast, clock, w)
        if tick % 37 == 0:  # a slow client: one merged snapshot now and then
            mirror_slow.apply(decode(encode(Kind.SNAPSHOT, slow.delta(w, pending, ack=tick))))
            pending = []
            assert_same(mirror_slow, clock, w)
    assert mirror_fast.me is not None and mirror_fast.me[0] == round(w.dreamers[1].pos[0] * 8)


def test_a_moving_entity_costs_five_bytes() -> None:
    w, crew = busy()
    clock = ChunkClock(w)
    obs = Observer(clock, dreamer=1)
    obs.full_state(w)
    events: list[Event] = []
    sizes = []
    for tick in range(90):
        events = w.step(crew.decide(w, events))
        clock.note(w)
        snap = obs.delta(w, events, tick)
        moved = sum(1 for e in world_entities(w).values())
        if snap["entities"] and moved:
            sizes.append(len(snap["entities"]) / moved)
    assert max(sizes) <= 8
    assert np.median(sizes) <= 5
