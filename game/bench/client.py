"""The client's frame benchmark (`dreamlayer bench client`) and the match views it draws:
`busy_view` (a busy match from a headless bot match on any level), `opening_view` (the
first moment of a retreat, seen from one realm's spawn) and `frame_bench` (renderer, HUD
and prompt card timed over many frames at 1280x720, software rendering).

The views are also what `tests/client` and a look at the screen start from. This is the
only client module that runs a World: the renderer and the HUD import no bots, match or
World.

Imports pygame, numpy, game.client, game.sim, game.bots, game.match, game.net.snapshot,
game.percentile and game.retreats.
"""

from __future__ import annotations

import math
import os
import time
from typing import Any

import numpy as np
import numpy.typing as npt
import pygame

from game.client.view import EFFECT_SECONDS, EffectView, EntityView, MatchView, PlayerView, RiftView
from game.net.records import RiftFlags
from game.sim.events import EventKind, PingKind
from game.sim.grid import CHUNK
from game.sim.level import Level, Realm
from game.sim.world import World

__all__ = ["busy_view", "frame_bench", "opening_view"]

NAMES = ("Mira", "Liam", "Jade", "Ada", "Noor", "Kai", "Tomas", "Suki")
"""the dreamers' names in the views, in the order they joined"""

_BEACON = 4
_SAMPLE_EFFECTS = (EventKind.BURST, EventKind.DISTORTED, EventKind.AWAKENED, EventKind.RALLY,
                   EventKind.SHOVE, EventKind.HIJACK, EventKind.RIFT_SEALED, EventKind.BEACON,
                   EventKind.REVIVED, EventKind.DISTORTED)


def _bot_world(level: Level, seed: int, dreamers: int, hazard: int, night: int
               ) -> tuple[World, Any]:
    from game.match import start_bot_match

    return start_bot_match(level, dreamers, seed, hazard, night_seconds=night)


def _codes(world: World) -> npt.NDArray[np.uint8]:
    out: npt.NDArray[np.uint8] = (world.grid.state * 4 + world.grid.realm).astype(np.uint8)
    return out


def _world_view(world: World, me: int, **kw: Any) -> MatchView:
    """A MatchView of `world` as dreamer `me` sees it (names from NAMES by joining order)."""
    from game.net.snapshot import world_entities, world_rifts

    level = world.level
    names = dict(zip(sorted(world.dreamers), NAMES, strict=False))
    entities = [EntityView(i, e.kind, e.realm, e.role, e.px, e.py, e.status, names.get(i, ""))
                for i, e in world_entities(world).items()]
    mine = next(e for e in entities if e.id == me)
    rifts = []
    for r, (flags, prog) in zip(world.rifts, world_rifts(world).values(), strict=True):
        rifts.append(RiftView(r.x, r.y, bool(flags & RiftFlags.OPEN),
                              bool(flags & RiftFlags.SEALED), prog / 255,
                              r.core_radius, r.seal_radius))
    players = [PlayerView(names.get(d.id, "?"), int(d.realm), int(d.role),
                          20 + 17 * i if i < 3 else 0, i >= 3, d.id == me)
               for i, d in enumerate(world.dreamers.values())]
    codes = _codes(world)
    args: dict[str, Any] = dict(
        level=level, codes=codes, dirty=set(range(codes.size // (CHUNK * CHUNK))),
        entities=entities, me=me, camera=(mine.x, mine.y),
        aim=(mine.x + 40.0, mine.y - 20.0), meters=tuple(m.value for m in
                                                         world.meters.values()),
        rifts=rifts, seconds_to_dawn=world.seconds_to_dawn, realm=mine.realm,
        role=mine.role, players=players, title=level.title, hazard=world.hazard)
    args.update(kw)
    return MatchView(**args)


def busy_view(level: Level, seed: int = 3, ticks: int = 1200
              ) -> tuple[MatchView, npt.NDArray[np.uint8]]:
    """A busy MatchView of `level` from a headless bot match (8 dreamers, the cadre at
    hazard 5, Ethan, beacons; pings and effects added), and a second set of codes from
    earlier in the same match. The view's `me` is the first dreamer."""
    world, crew = _bot_world(level, seed, 8, 5, max(60, ticks // 30 + 20))
    events: list[Any] = []
    earlier: npt.NDArray[np.uint8] | None = None
    while world.running and world.tick < ticks:
        events = world.step(crew.decide(world, events))
        if world.tick == ticks * 3 // 4:
            earlier = _codes(world)
    if world.ethan is None:
        d = next(iter(world.dreamers.values()))
        world.spawn_cadre(d.pos[0] + 120, d.pos[1] + 40, ethan=True)
    me = min(world.dreamers)
    view = _world_view(
        world, me, meters=(42.0, 26.0), seconds_to_dawn=world.seconds_to_dawn + 200,
        inspiration=64.0, ability_in=7.5, shove_in=0.0,
        netstats={"rtt_ms": 48.0, "snapshots_per_s": 30.0, "bytes_per_s": 5200.0,
                  "buffer_ms": 104.0},
        hazard=5, message="Jade: hold the mosaic around the eastern rift together!")
    mine = next(e for e in view.entities if e.id == me)
    rng = np.random.default_rng(seed)
    for k in _SAMPLE_EFFECTS:
        x = mine.x + float(rng.uniform(-500, 500))
        y = mine.y + float(rng.uniform(-300, 300))
        view.effects.append(EffectView(int(k), x, y, float(rng.uniform(0, EFFECT_SECONDS[k]))))
    for pk, (dx, dy) in zip((PingKind.NIGHTMARE, PingKind.HELP, PingKind.RIFT),
                            ((150.0, -90.0), (-1400.0, 300.0), (900.0, 900.0)), strict=True):
        view.effects.append(EffectView(int(EventKind.PING), mine.x + dx, mine.y + dy, 0.5,
                                       float(pk)))
    return view, _codes(world) if earlier is None else earlier


def opening_view(level: Level, realm: Realm, dreamers: int = 2, seed: int = 1) -> MatchView:
    """The first moment of a retreat with `dreamers` dreamers (realms alternating, as the
    lobby seats them), seen by the first dreamer of `realm`: unformed ground, the rifts,
    no cadre yet. ValueError if no dreamer of that realm is seated."""
    world, _ = _bot_world(level, seed, dreamers, level.hazard, level.night_seconds)
    mine = [d.id for d in world.dreamers.values() if d.realm == realm]
    if not mine:
        raise ValueError(f"no {realm.name.lower()} dreamer among {dreamers}")
    return _world_view(world, mine[0], aim=None, message=level.goal)


def frame_bench(frames: int = 600, level_name: str = "night-of-unity",
                size: tuple[int, int] = (1280, 720), dirty_per_frame: int = 8, seed: int = 3,
                screenshot: str | None = None) -> dict[str, float]:
    """Time renderer + HUD + tutorial and prompt card draws of a busy match (`busy_view`)
    on the largest level, with the shipped sprites.

    Every frame the entities move, the camera pans, effects age, and `dirty_per_frame`
    chunks swap their codes (and are marked dirty). Uses the dummy video driver when no
    display is open. Returns frames, p50_ms, p99_ms, max_ms, mean_ms, first_frame_ms (the
    one-off full redraw), sparks (embers in the last frame) and entities; saves the last
    frame to `screenshot` when given.
    """
    from game.client.assets import Assets
    from game.client.hud import Hud
    from game.client.prompt_card import PromptCard
    from game.client.render import MatchRenderer
    from game.client.settings import DEFAULT_KEYS
    from game.client.tutorial import Tutorial, sight_of
    from game.percentile import percentile
    from game.retreats import load_retreat

    current = pygame.display.get_surface()
    own_display = current is None
    if current is None:
        os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
        pygame.display.init()
        pygame.font.init()
        screen = pygame.display.set_mode(size)
    else:
        screen = current
        size = screen.get_size()
    level = load_retreat(level_name)
    view, earlier = busy_view(level, seed)
    renderer = MatchRenderer(level, size, assets=Assets())
    hud = Hud(size)
    card = PromptCard(hud.text)
    base = list(view.entities)
    base_effects = list(view.effects)
    me = next(e for e in base if e.id == view.me)
    n_chunks = view.codes.size // (CHUNK * CHUNK)
    cx_n = renderer.chunks_x
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    renderer.draw(screen, view)
    hud.draw(screen, view)
    first = time.perf_counter() - t0
    times: list[float] = []
    swap = [view.codes.copy(), earlier]
    for i in range(frames):
        t = (i + 1) / 60.0
        view.time = t
        view.seconds_to_dawn = max(view.seconds_to_dawn - 1 / 60.0, 0.0)
        # your dreamer wanders across the map and the camera follows it
        mx = min(max(me.x + 420 * math.sin(t * 0.35), 60.0), level.pixel_width - 60.0)
        my = min(max(me.y + 260 * math.sin(t * 0.5), 60.0), level.pixel_height - 60.0)
        view.camera = (mx, my)
        view.aim = (mx + 40 * math.cos(t * 2), my + 40 * math.sin(t * 2))
        view.painting = i % 90 < 45
        ents = []
        for e in base:
            if e.id == me.id:
                ents.append(EntityView(e.id, e.kind, e.realm, e.role, mx, my, e.status, e.name))
                continue
            if e.kind == _BEACON:
                ents.append(e)
                continue
            wob = 1.0 + (e.id % 5) * 0.2
            ents.append(EntityView(e.id, e.kind, e.realm, e.role,
                                   e.x + 24 * math.sin(t * wob + e.id),
                                   e.y + 24 * math.cos(t * wob * 0.8 + e.id), e.status, e.name))
        view.entities = ents
        view.effects = [EffectView(e.kind, e.x, e.y,
                                   (e.age + t) % EFFECT_SECONDS.get(e.kind, 1.0), e.value)
                        for e in base_effects]
        for k in rng.choice(n_chunks, size=dirty_per_frame, replace=False).tolist():
            cy, cx = divmod(k, cx_n)
            sl = np.s_[cy * CHUNK:(cy + 1) * CHUNK, cx * CHUNK:(cx + 1) * CHUNK]
            view.codes[sl] = swap[1][sl] if i % 2 else swap[0][sl]
            view.dirty.add(k)
        if i % 400 == 0:  # a fresh player every so often: the prompts come again
            tutorial = Tutorial(DEFAULT_KEYS)
        a = time.perf_counter()
        renderer.draw(screen, view)
        hud.draw(screen, view)
        ox, oy = renderer.offset
        prompt = tutorial.update(sight_of(view, (ox, oy, ox + size[0], oy + size[1])))
        mine = renderer.on_screen.get(view.me, (0, 0))
        card.draw(screen, tutorial.text, tutorial.age, prompt.seconds if prompt else 0.0,
                  [pygame.Rect(mine[0] - 180, mine[1] - 150, 360, 300)], t)
        times.append(time.perf_counter() - a)
        pygame.event.pump()
    if screenshot:
        pygame.image.save(screen, screenshot)
    ms = [x * 1000.0 for x in times]
    out = {
        "frames": float(frames),
        "p50_ms": percentile(ms, 50),
        "p99_ms": percentile(ms, 99),
        "max_ms": max(ms),
        "mean_ms": sum(ms) / len(ms),
        "first_frame_ms": first * 1000.0,
        "sparks": float(renderer.sparks_drawn),
        "entities": float(len(view.entities)),
    }
    if own_display:
        pygame.display.quit()
    return out
