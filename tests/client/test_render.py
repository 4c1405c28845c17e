"""The match screen's drawing: a frame of a known state shows the palette's colours where
nightmare, mosaic and each realm's paint are; only dirty chunks are redrawn; the camera's
mapping inverts; the HUD and its minimap draw what the view says."""

from __future__ import annotations

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")

from collections.abc import Iterator

import numpy as np
import numpy.typing as npt
import pygame
import pytest

from game.client import palette as pal
from game.client.hud import Hud
from game.client.layout import NO_INSETS, camera_offset
from game.client.render import MatchRenderer
from game.client.view import EFFECT_SECONDS, EffectView, EntityView, MatchView, PlayerView, RiftView
from game.sim.events import PingKind
from game.sim.grid import CHUNK, Cell
from game.sim.level import Level
from tests.conftest import level_from, open_rows

SIZE = (1280, 720)
NIGHTMARE = pal.code(Cell.NIGHTMARE)
MOSAIC = pal.code(Cell.MOSAIC, 3)
SANCTUARY = pal.code(Cell.DREAM, 1)
REST = pal.code(Cell.DREAM, 2)
UNFORMED = pal.code(Cell.UNFORMED)
WALL = pal.code(Cell.WALL)

# 4 x 4 blocks of cells (x0, y0) of each kind, well apart
BLOCKS = {NIGHTMARE: (8, 8), MOSAIC: (20, 8), SANCTUARY: (32, 8), REST: (44, 8)}


@pytest.fixture(scope="module")
def screen() -> Iterator[pygame.Surface]:
    pygame.display.init()
    pygame.font.init()
    surface = pygame.display.set_mode(SIZE)
    yield surface
    pygame.display.quit()


@pytest.fixture(scope="module")
def level() -> Level:
    return level_from(open_rows(64, 48))


def blank_codes(level: Level) -> npt.NDArray[np.uint8]:
    """Unformed floor, walls where the level has them, padded to whole chunks."""
    h = -(-level.height // CHUNK) * CHUNK
    w = -(-level.width // CHUNK) * CHUNK
    codes = np.full((h, w), WALL, dtype=np.uint8)
    codes[: level.height, : level.width] = np.where(level.walls, WALL, UNFORMED)
    return codes


def known_codes(level: Level) -> npt.NDArray[np.uint8]:
    codes = blank_codes(level)
    for c, (x0, y0) in BLOCKS.items():
        codes[y0 : y0 + 4, x0 : x0 + 4] = c
    return codes


def make_view(level: Level, codes: npt.NDArray[np.uint8], **kw: object) -> MatchView:
    n = codes.size // (CHUNK * CHUNK)
    args: dict[str, object] = dict(
        level=level, codes=codes, dirty=set(range(n)), entities=[], me=0,
        camera=(level.pixel_width / 2, level.pixel_height / 2), aim=None,
        meters=(80.0, 80.0), rifts=[], seconds_to_dawn=125.0)
    args.update(kw)
    return MatchView(**args)  # type: ignore[arg-type]


def pixel(surface: pygame.Surface, p: tuple[float, float]) -> tuple[int, int, int]:
    c = surface.get_at((int(p[0]), int(p[1])))
    return (c.r, c.g, c.b)


def cell_centre(level: Level, cx: int, cy: int) -> tuple[float, float]:
    return ((cx + 0.5) * level.cell_size, (cy + 0.5) * level.cell_size)


def lut(c: int) -> tuple[int, int, int]:
    r, g, b = (int(v) for v in pal.CELL_LUT[c])
    return (r, g, b)


# ------------------------------------------------------------------------- the palette
def test_the_palette_gives_every_code_a_colour_and_keeps_the_states_apart() -> None:
    assert pal.CELL_LUT.shape == (20, 3) and pal.CELL_LUT.dtype == np.uint8
    colours = {lut(c) for c in (NIGHTMARE, MOSAIC, SANCTUARY, REST, UNFORMED, WALL)}
    assert len(colours) == 6
    # nightmare is the darkest thing on the map, the mosaic among the brightest
    assert sum(lut(NIGHTMARE)) < min(sum(lut(c)) for c in (UNFORMED, WALL, SANCTUARY, REST))
    assert sum(lut(MOSAIC)) > sum(lut(REST))
    # no mosaic tile may look like either realm's paint
    for pattern in range(pal.PATTERNS):
        tile = pal.cell_colour(MOSAIC, 0, pattern)
        for realm_paint in (lut(SANCTUARY), lut(REST)):
            assert sum(abs(a - b) for a, b in zip(tile, realm_paint, strict=True)) > 120


# ------------------------------------------------------------------------- the frame
def test_a_frame_shows_the_palette_colours_of_the_cells(screen: pygame.Surface,
                                                        level: Level) -> None:
    renderer = MatchRenderer(level, SIZE, flicker=False, texture=False)
    renderer.draw(screen, make_view(level, known_codes(level)))
    for c, (x0, y0) in BLOCKS.items():
        for dx, dy in ((0, 0), (1, 2), (3, 3)):
            p = renderer.world_to_screen(cell_centre(level, x0 + dx, y0 + dy))
            assert pixel(screen, p) == lut(c), (c, dx, dy)
    assert pixel(screen, renderer.world_to_screen(cell_centre(level, 40, 30))) == lut(UNFORMED)
    assert pixel(screen, renderer.world_to_screen(cell_centre(level, 0, 0))) == lut(WALL)


def test_a_textured_frame_shows_the_tones_of_the_palette(screen: pygame.Surface,
                                                         level: Level) -> None:
    renderer = MatchRenderer(level, SIZE, flicker=False)
    renderer.draw(screen, make_view(level, known_codes(level)))
    walls = np.ones((48, 64), dtype=bool)
    walls[: level.height, : level.width] = level.walls
    patterns = pal.cell_patterns(walls)
    for c, (x0, y0) in BLOCKS.items():
        for dx, dy in ((0, 0), (2, 1), (3, 3)):
            cx, cy = x0 + dx, y0 + dy
            want = pal.cell_colour(c, int(level.districts[cy, cx]), int(patterns[cy, cx]))
            p = renderer.world_to_screen(cell_centre(level, cx, cy))
            assert pixel(screen, p) == want


def test_embers_flicker_only_over_nightmare(screen: pygame.Surface, level: Level) -> None:
    codes = known_codes(level)
    plain = MatchRenderer(level, SIZE, flicker=False)
    plain.draw(screen, make_view(level, codes))
    before = pygame.surfarray.array3d(screen)
    alive = MatchRenderer(level, SIZE)
    changed_any = False
    for t in (0.1, 0.37, 0.8):
        alive.draw(screen, make_view(level, codes, time=t))
        after = pygame.surfarray.array3d(screen)
        xs, ys = np.nonzero((after != before).any(axis=2))
        changed_any |= len(xs) > 0
        ox, oy = alive.offset
        cells = codes[(ys + oy) // level.cell_size, (xs + ox) // level.cell_size]
        assert np.all(cells == NIGHTMARE)
        assert alive.sparks_drawn > 0
    assert changed_any


def test_only_dirty_chunks_are_redrawn(screen: pygame.Surface, level: Level) -> None:
    renderer = MatchRenderer(level, SIZE, flicker=False, texture=False)
    codes = blank_codes(level)
    view = make_view(level, codes)
    renderer.draw(screen, view)
    assert view.dirty == set()
    at = renderer.world_to_screen(cell_centre(level, 5, 5))  # chunk 0
    other = renderer.world_to_screen(cell_centre(level, 40, 20))  # chunk 2 + 4 * 1 = 6
    codes[4:7, 4:7] = SANCTUARY
    codes[19:22, 39:42] = REST
    renderer.draw(screen, view)
    assert pixel(screen, at) == lut(UNFORMED)
    assert pixel(screen, other) == lut(UNFORMED)
    view.dirty.add(0)
    renderer.draw(screen, view)
    assert pixel(screen, at) == lut(SANCTUARY)
    assert pixel(screen, other) == lut(UNFORMED)
    assert view.dirty == set()
    view.dirty.add(40 // CHUNK + (20 // CHUNK) * 4)
    renderer.draw(screen, view)
    assert pixel(screen, other) == lut(REST)


def test_codes_of_the_wrong_shape_are_refused(screen: pygame.Surface, level: Level) -> None:
    renderer = MatchRenderer(level, SIZE)
    with pytest.raises(ValueError, match="shape"):
        renderer.draw(screen, make_view(level, np.zeros((16, 16), dtype=np.uint8)))


# ------------------------------------------------------------------------- the camera
def test_the_camera_maps_both_ways(screen: pygame.Surface) -> None:
    big = level_from(open_rows(300, 200))  # 2400 x 1600 px: larger than the screen
    renderer = MatchRenderer(big, SIZE, flicker=False, insets=NO_INSETS)
    codes = blank_codes(big)
    for camera in ((1200.0, 800.0), (10.0, 10.0), (2390.0, 1590.0), (777.7, 333.3)):
        renderer.draw(screen, make_view(big, codes, camera=camera, dirty=set()))
        for p in ((0.0, 0.0), (1200.0, 800.0), (1234.0, 567.0), (5.0, 1599.0)):
            assert renderer.screen_to_world(renderer.world_to_screen(p)) == p
        q = (1234.25, 567.5)
        assert renderer.screen_to_world(renderer.world_to_screen(q)) == pytest.approx(q)
    # the camera's point is centred, clamped at the edges
    renderer.set_camera((1200.0, 800.0))
    assert renderer.world_to_screen((1200.0, 800.0)) == (640.0, 360.0)
    renderer.set_camera((0.0, 0.0))
    assert renderer.world_to_screen((0.0, 0.0)) == (0.0, 0.0)
    renderer.set_camera((5000.0, 5000.0))
    assert renderer.world_to_screen((2400.0, 1600.0)) == (1280.0, 720.0)


def test_a_map_smaller_than_the_screen_is_centred() -> None:
    assert camera_offset((0.0, 0.0), (1280, 720), (512, 384)) == (-384, -168)
    assert camera_offset((999.0, 5.0), (1280, 720), (512, 2000)) == (-384, 0)


# ------------------------------------------------------------------------- a busy frame
def busy(level: Level, codes: npt.NDArray[np.uint8], me: int = 1) -> MatchView:
    cx, cy = level.pixel_width / 2, level.pixel_height / 2
    entities = [
        EntityView(1, 1, 1, 1, cx, cy, 0, "Mira"),
        EntityView(2, 1, 2, 2, cx + 40, cy, 1, "Liam"),  # asleep
        EntityView(3, 1, 2, 3, cx - 40, cy, 2, "Jade"),  # distorted
        EntityView(10, 2, 0, 0, cx, cy + 60, 4),
        EntityView(11, 2, 0, 0, cx + 30, cy + 60, 2),
        EntityView(12, 3, 0, 0, cx - 80, cy - 60, 1),  # Ethan, hijacking
        EntityView(20, 4, 2, 0, cx + 100, cy - 40),
    ]
    effects = [EffectView(int(k), cx + 10, cy + 10, life / 2) for k, life in
               EFFECT_SECONDS.items()]
    effects += [EffectView(11, cx + 5000, cy, 0.5, float(PingKind.HELP)),
                EffectView(11, cx, cy - 5000, 0.5, float(PingKind.RIFT))]
    rifts = [RiftView(cx - 120, cy, True, False, 0.4, 2, 4),
             RiftView(cx + 120, cy, False, True, 1.0, 2, 4),
             RiftView(cx, cy + 120, False, False, 0.0, 2, 4)]
    players = [PlayerView("Mira", 1, 1, 42, False, True), PlayerView("Liam", 2, 2, 0, True),
               PlayerView("A very long name indeed", 2, 3, 230, False)]
    return make_view(level, codes, entities=entities, me=me, aim=(cx + 30, cy - 10),
                     rifts=rifts, effects=effects, players=players, time=1.25,
                     meters=(12.0, 26.0), inspiration=40.0, ability_in=3.0, realm=1,
                     role=1, message="Hold the mosaic together!",
                     netstats={"rtt_ms": 48.0, "snapshots_per_s": 30.0,
                               "bytes_per_s": 5200.0, "buffer_ms": 100.0,
                               "corrections": 2.0})


def test_a_busy_frame_draws_every_kind_of_thing(screen: pygame.Surface, level: Level) -> None:
    renderer = MatchRenderer(level, SIZE)
    view = busy(level, known_codes(level))
    renderer.draw(screen, view)
    Hud(SIZE).draw(screen, view)
    me = renderer.world_to_screen((level.pixel_width / 2, level.pixel_height / 2))
    assert pixel(screen, me) != pal.cell_colour(UNFORMED)


def test_the_hud_draws_for_a_spectator_and_with_netstats(screen: pygame.Surface,
                                                         level: Level) -> None:
    renderer = MatchRenderer(level, SIZE)
    hud = Hud(SIZE)
    spectator = busy(level, known_codes(level), me=0)
    renderer.draw(screen, spectator)
    hud.draw(screen, spectator)
    spectator.netstats = None
    spectator.players = []
    spectator.message = ""
    hud.draw(screen, spectator)
    assert hud.minimap_rect.w > 0 and hud.minimap_rect.h > 0


def test_the_minimap_shows_coverage(screen: pygame.Surface, level: Level) -> None:
    codes = blank_codes(level)
    codes[1:47, 1:32] = SANCTUARY
    codes[1:47, 32:63] = REST
    hud = Hud(SIZE)
    view = make_view(level, codes)
    screen.fill((0, 0, 0))
    hud.draw(screen, view)
    r = hud.minimap_rect

    def at(cx: float, cy: float) -> tuple[int, int, int]:
        return pixel(screen, (r.x + cx / level.width * r.w, r.y + cy / level.height * r.h))

    assert at(16, 30) == lut(SANCTUARY)
    assert at(48, 30) == lut(REST)
    # rebuilt at most every minimap_period seconds of view time
    builds = hud.minimap_builds
    codes[1:47, 1:63] = NIGHTMARE
    view.time = 0.1
    hud.draw(screen, view)
    assert hud.minimap_builds == builds and at(16, 30) == lut(SANCTUARY)
    view.time = 0.3
    hud.draw(screen, view)
    assert hud.minimap_builds == builds + 1 and at(16, 30) == lut(NIGHTMARE)


def test_an_off_screen_ping_points_from_the_screen_edge(screen: pygame.Surface,
                                                        level: Level) -> None:
    renderer = MatchRenderer(level, SIZE, flicker=False)
    cx, cy = level.pixel_width / 2, level.pixel_height / 2
    ping = EffectView(11, cx + 5000, cy, 0.5, float(PingKind.HELP))
    renderer.draw(screen, make_view(level, blank_codes(level), effects=[ping]))
    # straight to the right of the camera: a marker 30 px in from the right edge
    assert pixel(screen, (SIZE[0] - 30, SIZE[1] // 2)) == (255, 236, 180)
