"""The match screen's drawing: a frame of a known state shows the palette's colours where
nightmare, mosaic and each realm's paint are; only dirty chunks are redrawn; the camera's
mapping inverts and keeps clear of the HUD; every kind of entity shows its own colours
where it stands, animated; names never pile up and yours always shows; effects expire;
the minimap shows the paint where it is; panels fade while a dreamer is under them."""

from __future__ import annotations

import itertools
import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")


import numpy as np
import numpy.typing as npt
import pygame
import pytest

from game.client import palette as pal
from game.client.hud import FADED, FADED_FOR_OTHERS, Hud
from game.client.layout import NO_INSETS, Insets, camera_offset, timer_rect, you_rect
from game.client.render import MatchRenderer
from game.client.view import EFFECT_SECONDS, EffectView, EntityView, MatchView, PlayerView, RiftView
from game.retreats import campaign, load_retreat
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


def test_the_camera_keeps_the_maps_edges_clear_of_the_hud() -> None:
    hud = Insets(left=0, top=90, right=260, bottom=80)
    # a map that fits between the panels is centred between them
    assert camera_offset((0.0, 0.0), (1280, 720), (512, 384), hud) == (-(0 + 254), -(90 + 83))
    # a larger one follows the camera, showing up to the insets beyond its edges
    world = (2400, 1600)
    assert camera_offset((0.0, 0.0), (1280, 720), world, hud) == (0, -90)
    assert camera_offset((2400.0, 1600.0), (1280, 720), world, hud) == (2400 - 1280 + 260,
                                                                         1600 - 720 + 80)
    assert camera_offset((1200.0, 800.0), (1280, 720), world, hud) == (560, 440)
    # so a dreamer at a corner of the map stands inside the clear area
    ox, oy = camera_offset((2390.0, 10.0), (1280, 720), world, hud)
    assert 2390 - ox <= 1280 - hud.right and 10 - oy >= hud.top


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


def count(surface: pygame.Surface, colour: tuple[int, int, int], box: pygame.Rect) -> int:
    """How many pixels inside `box` are exactly `colour`."""
    px = pygame.surfarray.pixels3d(surface)
    x0, y0 = max(box.x, 0), max(box.y, 0)
    part = px[x0:box.right, y0:box.bottom]
    n = int(np.count_nonzero((part == np.array(colour, dtype=np.uint8)).all(axis=2)))
    del px, part
    return n


KINDS = {  # kind, realm -> the palette colours its figure shows (drawn without sprites)
    "sanctuary dreamer": ((1, 1), [pal.REALM_COLOURS[1]]),
    "rest dreamer": ((1, 2), [pal.REALM_COLOURS[2]]),
    "cadre": ((2, 0), [pal.CADRE, pal.CADRE_RIM]),
    "Ethan": ((3, 0), [pal.ETHAN, pal.ETHAN_ACCENT]),
    "rest beacon": ((4, 2), [pal.REALM_COLOURS[2]]),
}


@pytest.mark.parametrize("what", sorted(KINDS))
def test_each_kind_of_entity_shows_its_own_colours_where_it_stands(
        screen: pygame.Surface, level: Level, what: str) -> None:
    (kind, realm), colours = KINDS[what]
    codes = blank_codes(level)
    renderer = MatchRenderer(level, SIZE, flicker=False, insets=NO_INSETS)
    renderer.draw(screen, make_view(level, codes))
    blank = pygame.surfarray.array3d(screen)
    spots = ((level.pixel_width * 0.3, level.pixel_height * 0.4),
             (level.pixel_width * 0.7, level.pixel_height * 0.6))
    for x, y in spots:
        e = EntityView(5, kind, realm, 1, x, y)
        renderer.draw(screen, make_view(level, codes, entities=[e], time=0.5))
        sx, sy = (int(v) for v in renderer.world_to_screen((x, y)))
        assert renderer.on_screen[5] == (sx, sy)
        near = pygame.Rect(sx - 30, sy - 30, 60, 60)
        for colour in colours:
            assert count(screen, colour, near) >= 12, (what, colour)
        # what changed is around the entity, and nowhere else (no label: it has no name)
        changed = (pygame.surfarray.array3d(screen) != blank).any(axis=2)
        xs, ys = np.nonzero(changed)
        assert len(xs) > 200
        for label in renderer.labels:
            lx, ly, lw, lh = label.rect
            inside = (xs >= lx) & (xs < lx + lw) & (ys >= ly) & (ys < ly + lh)
            xs, ys = xs[~inside], ys[~inside]
        assert abs(xs.min() + xs.max() - 2 * sx) <= 12 and abs(ys.min() + ys.max() - 2 * sy) <= 30
        assert xs.max() - xs.min() < 130 and ys.max() - ys.min() < 130
        for colour in colours:  # the other spot shows none of it
            ox, oy = (int(v) for v in renderer.world_to_screen(spots[1] if (x, y) == spots[0]
                                                               else spots[0]))
            assert count(screen, colour, pygame.Rect(ox - 30, oy - 30, 60, 60)) == 0


def test_figures_move_with_time_and_show_sleep_and_distortion(screen: pygame.Surface,
                                                               level: Level) -> None:
    codes = blank_codes(level)
    renderer = MatchRenderer(level, SIZE, flicker=False, insets=NO_INSETS)
    cx, cy = level.pixel_width / 2, level.pixel_height / 2
    box = pygame.Rect(0, 0, 80, 80)

    def shot(status: int, t: float) -> np.ndarray:
        e = EntityView(3, 1, 2, 1, cx, cy, status)
        renderer.draw(screen, make_view(level, codes, entities=[e], time=t))
        box.center = (int(cx - renderer.offset[0]), int(cy - renderer.offset[1]))
        return pygame.surfarray.array3d(screen.subsurface(box)).copy()

    idle = [shot(0, t) for t in (0.0, 0.3, 0.6)]
    assert not np.array_equal(idle[0], idle[1]) or not np.array_equal(idle[1], idle[2]), \
        "an idle dreamer breathes"
    asleep, distorted = shot(1, 0.0), shot(2, 0.0)
    assert not np.array_equal(asleep, idle[0]) and not np.array_equal(distorted, idle[0])
    # asleep: greyed, no longer its realm's bright colour
    assert count(screen, pal.REALM_COLOURS[2], box) == 0
    shot(0, 0.0)
    assert count(screen, pal.REALM_COLOURS[2], box) > 50


def test_an_expired_effect_draws_nothing(screen: pygame.Surface, level: Level) -> None:
    renderer = MatchRenderer(level, SIZE, flicker=False)
    codes = blank_codes(level)
    cx, cy = level.pixel_width / 2, level.pixel_height / 2
    renderer.draw(screen, make_view(level, codes))
    plain = pygame.surfarray.array3d(screen)
    for kind, life in EFFECT_SECONDS.items():
        live = EffectView(int(kind), cx, cy, life * 0.3, float(PingKind.HELP))
        renderer.draw(screen, make_view(level, codes, effects=[live]))
        assert not np.array_equal(pygame.surfarray.array3d(screen), plain), kind
        gone = EffectView(int(kind), cx, cy, life, float(PingKind.HELP))
        renderer.draw(screen, make_view(level, codes, effects=[gone]))
        assert np.array_equal(pygame.surfarray.array3d(screen), plain), kind


def crowd(level: Level, n: int, me: int = 1) -> list[EntityView]:
    cx, cy = level.pixel_width / 2, level.pixel_height / 2
    return [EntityView(i, 1, 1 + i % 2, 1 + i % 3, cx + 6 * (i % 3), cy + 5 * (i // 3), 0,
                       f"Dreamer {i}") for i in range(1, n + 1)]


def test_names_in_a_crowd_never_pile_up_and_yours_always_shows(screen: pygame.Surface,
                                                               level: Level) -> None:
    renderer = MatchRenderer(level, SIZE, flicker=False)
    view = make_view(level, blank_codes(level), entities=crowd(level, 8), me=5)
    renderer.draw(screen, view)
    drawn = renderer.labels
    assert 2 <= len(drawn) < 8, "a crowd of eight cannot all be named in one spot"
    for a, b in itertools.combinations(drawn, 2):
        assert not pygame.Rect(a.rect).colliderect(b.rect), (a, b)
    yours = [lb for lb in drawn if lb.yours]
    assert len(yours) == 1 and yours[0].entity == 5 and yours[0].text == "Dreamer 5"
    # yours is a plate in your realm's colour with a white edge
    assert count(screen, pal.REALM_COLOURS[2], pygame.Rect(yours[0].rect)) > 40
    assert count(screen, pal.UI.ME, pygame.Rect(yours[0].rect)) > 20
    # apart, everyone is named
    spread = [EntityView(i, 1, 1, 1, 40.0 + 70 * i, 200.0, 0, f"D{i}") for i in range(1, 7)]
    renderer.draw(screen, make_view(level, blank_codes(level), entities=spread, me=1))
    assert sorted(lb.entity for lb in renderer.labels) == [1, 2, 3, 4, 5, 6]


def test_your_dreamer_is_marked_on_the_ground(screen: pygame.Surface, level: Level) -> None:
    renderer = MatchRenderer(level, SIZE, flicker=False)
    e = EntityView(4, 1, 1, 1, level.pixel_width / 2, level.pixel_height / 2, 0, "Mira")
    feet = pygame.Rect(0, 0, 70, 50)
    renderer.draw(screen, make_view(level, blank_codes(level), entities=[e], me=0))
    feet.midtop = renderer.on_screen[4][0], renderer.on_screen[4][1] + 4
    others = count(screen, pal.UI.ME, feet)
    renderer.draw(screen, make_view(level, blank_codes(level), entities=[e], me=4))
    assert count(screen, pal.UI.ME, feet) > others + 40


def test_the_minimap_shows_the_paint_where_it_is(screen: pygame.Surface,
                                                  level: Level) -> None:
    codes = blank_codes(level)
    codes[1:47, 1:63] = SANCTUARY
    codes[30:40, 10:20] = REST       # a patch of the other realm's paint
    codes[5:12, 45:58] = NIGHTMARE
    hud = Hud(SIZE)
    view = make_view(level, codes)
    screen.fill((0, 0, 0))
    hud.draw(screen, view)
    r = hud.minimap_rect

    def at(cx: float, cy: float) -> tuple[int, int, int]:
        return pixel(screen, (r.x + cx / level.width * r.w, r.y + cy / level.height * r.h))

    assert at(15, 35) == lut(REST)
    assert at(51, 8) == lut(NIGHTMARE)
    assert at(40, 30) == at(5, 5) == at(30, 20) == lut(SANCTUARY)
    assert at(5, 35) == lut(SANCTUARY)  # beside the patch, not blurred into it
    # rebuilt at most every minimap_period seconds of view time
    builds = hud.minimap_builds
    codes[1:47, 1:63] = NIGHTMARE
    view.time = 0.1
    hud.draw(screen, view)
    assert hud.minimap_builds == builds and at(40, 30) == lut(SANCTUARY)
    view.time = 0.3
    hud.draw(screen, view)
    assert hud.minimap_builds == builds + 1 and at(40, 30) == lut(NIGHTMARE)


def test_a_spectator_gets_no_panel_of_their_own(screen: pygame.Surface,
                                                 level: Level) -> None:
    hud = Hud(SIZE)
    you = pygame.Rect(you_rect(SIZE))
    playing = busy(level, known_codes(level))
    screen.fill((0, 0, 0))
    hud.draw(screen, playing)
    assert count(screen, pal.UI.INSPIRATION, you) > 100
    watching = busy(level, known_codes(level), me=0)
    screen.fill((0, 0, 0))
    hud.draw(screen, watching)
    assert count(screen, pal.UI.INSPIRATION, you) == 0


def test_panels_fade_while_a_dreamer_stands_under_them(screen: pygame.Surface) -> None:
    big = level_from(open_rows(300, 200))
    codes = blank_codes(big)
    codes[:, :] = REST
    hud = Hud(SIZE)
    renderer = MatchRenderer(big, SIZE, flicker=False, texture=False)
    camera = (1200.0, 800.0)
    renderer.set_camera(camera, SIZE)
    # stand a dreamer in the middle of the timer's panel, as the camera places it
    timer = pygame.Rect(timer_rect(SIZE))
    x, y = renderer.screen_to_world(timer.center)
    under = EntityView(9, 1, 1, 1, x, y, 0, "Kai")

    def frame(entities: list[EntityView], t: float, me: int = 0) -> tuple[int, int, int]:
        view = make_view(big, codes, entities=entities, camera=camera, time=t, me=me,
                         dirty=set(range(codes.size // CHUNK ** 2)))
        renderer.draw(screen, view)
        hud.draw(screen, view)
        return pixel(screen, (timer.x + 5, timer.bottom - 5))

    solid = frame([], 0.0)
    assert hud.panel_alpha["timer"] == 1.0
    for i in range(1, 31):  # someone else: half way, your own panels stay readable
        half = frame([under], i / 60)
    assert hud.panel_alpha["timer"] == FADED_FOR_OTHERS
    for i in range(31, 61):  # you
        faded = frame([under], i / 60, me=under.id)
    assert hud.panel_alpha["timer"] == FADED
    assert hud.panel_alpha["minimap"] == hud.panel_alpha["meters"] == 1.0

    def off(colour: tuple[int, int, int]) -> int:
        return sum(abs(a - b) for a, b in zip(colour, lut(REST), strict=True))

    # the ground shows through: the fainter the panel, the nearer the paint
    assert off(faded) < off(half) - 40 and off(half) < off(solid) - 40
    for i in range(61, 91):
        back = frame([], i / 60)
    assert hud.panel_alpha["timer"] == 1.0 and back == solid


@pytest.mark.parametrize("name", [lv.name for lv in campaign()])
def test_no_panel_hides_you_at_any_spawn_and_others_show_through(screen: pygame.Surface,
                                                                 name: str) -> None:
    lv = load_retreat(name)
    codes = blank_codes(lv)
    dreamers = [EntityView(i + 1, 1, int(m.realm or 1), 1, m.x, m.y, 0, f"D{i}")
                for i, m in enumerate(lv.spawns)]
    players = [PlayerView(f"D{i}", 1, 1, 30, False, i == 0) for i in range(8)]
    for me in dreamers:
        renderer = MatchRenderer(lv, SIZE, flicker=False)
        hud = Hud(SIZE)
        for i in range(20):
            view = make_view(lv, codes, entities=dreamers, me=me.id, camera=(me.x, me.y),
                             players=players, time=i / 30, message="Hold the mosaic!",
                             dirty=set(range(codes.size // CHUNK ** 2)) if i == 0 else set())
            renderer.draw(screen, view)
            hud.draw(screen, view)
        for d in dreamers:
            if d.id not in renderer.on_screen:
                continue
            sx, sy = renderer.on_screen[d.id]
            figure = pygame.Rect(sx - 14, sy - 20, 28, 40)
            for panel, rect in hud.panel_rects.items():
                if not figure.colliderect(rect):
                    continue
                assert d.id != me.id, f"{name}: you at a spawn are under the {panel}"
                assert hud.panel_alpha[panel] == FADED_FOR_OTHERS, (name, panel, d)


def test_an_off_screen_ping_points_from_the_screen_edge(screen: pygame.Surface,
                                                        level: Level) -> None:
    renderer = MatchRenderer(level, SIZE, flicker=False)
    cx, cy = level.pixel_width / 2, level.pixel_height / 2
    ping = EffectView(11, cx + 5000, cy, 0.5, float(PingKind.HELP))
    renderer.draw(screen, make_view(level, blank_codes(level), effects=[ping]))
    # straight to the right of the camera: a marker 30 px in from the HUD's column
    right = SIZE[0] - renderer.insets.right - 30
    assert pixel(screen, (right, SIZE[1] // 2)) == (255, 236, 180)
    assert renderer.insets.right > 200
