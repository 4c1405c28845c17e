"""Memory a host gets back: a World makes no native pymunk buffers as it ticks, and the one it
keeps is freed with it (pymunk 7.3's `batch.Buffer` never frees its arrays by itself); a closed
room is freed by reference counting alone, not left for the cyclic collector's rare full pass."""

from __future__ import annotations

import gc
import weakref
from typing import Any

import pymunk.batch
import pytest

from game.bots.crew import BotCrew
from game.match import lineup
from game.net.schema import Kind
from game.retreats import load_retreat
from game.sim import motion
from game.sim.events import Event
from game.sim.world import World
from server.host import Host
from tests.server.conftest import serve_and, until
from tests.server.test_abuse import night


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


def test_a_closed_room_and_its_world_are_freed_at_once_without_the_cycle_collector() -> None:
    refs: dict[str, weakref.ref[Any]] = {}

    async def go(host: Host, url: str) -> None:
        r, joined = await night(url, "Mira")
        room = host.rooms[str(joined["code"])]
        assert room.world is not None and room.crew is not None
        refs.update(room=weakref.ref(room), world=weakref.ref(room.world),
                    crew=weakref.ref(room.crew))
        await r.send(Kind.LEAVE)
        await until(lambda: room.empty_since is not None, "the room to be empty")
        host.sweep()
        await until(lambda: room.closed and not host._tasks, "the room to close")
        await r.close()
        await until(lambda: not host.connections, "the connection to end")

    gc.disable()  # only reference counting frees: a cycle would keep the room
    try:
        serve_and(go, empty_room_grace_seconds=0)
        assert {k: ref() is None for k, ref in refs.items()} == dict.fromkeys(refs, True)
    finally:
        gc.enable()
