"""Memory a host gets back: a World makes no native pymunk buffers as it ticks, and the one it
keeps is freed with it (pymunk 7.3's `batch.Buffer` never frees its arrays by itself)."""

from __future__ import annotations

import gc
import weakref

import pymunk.batch
import pytest

from game.bots.crew import BotCrew
from game.match import lineup
from game.retreats import load_retreat
from game.sim import motion
from game.sim.events import Event
from game.sim.world import World


def test_a_world_ticks_without_making_pymunk_buffers(monkeypatch: pytest.MonkeyPatch) -> None:
    world = World(load_retreat("first-retreat"), 7, hazard=3)
    crew = BotCrew(world, 7)
    for realm, role in lineup(4):
        crew.add_ally(world.add_dreamer(realm, role))
    made: list[object] = []
    real = pymunk.batch.Buffer

    def counting() -> pymunk.batch.Buffer:
        made.append(None)
        return real()

    monkeypatch.setattr(pymunk.batch, "Buffer", counting)
    events: list[Event] = []
    for _ in range(60):
        events = world.step(crew.decide(world, events))
    assert world.tick == 60 and made == []


def test_a_body_buffer_frees_its_native_arrays_with_it(monkeypatch: pytest.MonkeyPatch) -> None:
    freed: list[tuple[object, object]] = []
    monkeypatch.setattr(motion, "_free_arrays", lambda f, i: freed.append((f, i)))
    buf = motion.body_buffer()
    arrays = (buf._float_arr, buf._int_arr)
    gone = weakref.ref(buf)
    del buf
    gc.collect()
    assert gone() is None
    assert freed == [arrays]
