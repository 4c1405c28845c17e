"""How a dreamer moves: steering from an intent, walls as pymunk shapes, and a one-body
`SoloMotion` that a client runs to predict its own dreamer with the server's own code.

The server's `World` and a predicting client share `steer()`, `quantise()` and
`add_walls()`, so for a dreamer alone in a corridor both compute the same positions bit for
bit (the state is quantised each tick, as it is on the wire). Contacts with other dreamers
are what the server alone knows; reconciliation takes care of them.

Imports pymunk and the level only.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable, Sequence

import pymunk
import pymunk.batch
from pymunk._chipmunk import lib as _chipmunk

from game.sim.level import Level

__all__ = [
    "POSITION_SCALE",
    "REBASE_TICKS",
    "VELOCITY_SCALE",
    "SoloMotion",
    "add_walls",
    "advance",
    "body_buffer",
    "quantise",
    "rebased",
    "scramble",
    "set_velocity",
    "steer",
    "wall_boxes",
]

POSITION_SCALE = 8
"""Positions are kept in 1/8 pixel steps: the wire carries them as integers."""
VELOCITY_SCALE = 4
"""Velocities in 1/4 pixel per second steps."""

Vec = tuple[float, float]


def clamp_unit(x: float, y: float) -> Vec:
    """Scale (x, y) down to length 1 if longer; NaN and infinities become 0."""
    if not (math.isfinite(x) and math.isfinite(y)):
        return 0.0, 0.0
    n = math.hypot(x, y)
    return (x / n, y / n) if n > 1.0 else (x, y)


def scramble(x: float, y: float, degrees: float) -> Vec:
    """Rotate a move vector: what a distorted dreamer's controls do."""
    a = math.radians(degrees)
    c, s = math.cos(a), math.sin(a)
    return x * c - y * s, x * s + y * c


def steer(vel: Vec, move: Vec, speed: float, accel: float, dt: float) -> Vec:
    """The velocity after one tick of steering towards `move * speed`.

    `move` is clamped to the unit disc; the change of velocity is limited to `accel * dt`,
    which gives quick but not instant starts and stops.
    """
    mx, my = clamp_unit(*move)
    tx, ty = mx * speed, my * speed
    dx, dy = tx - vel[0], ty - vel[1]
    d = math.hypot(dx, dy)
    lim = accel * dt
    if d > lim:
        dx, dy = dx * lim / d, dy * lim / d
    return vel[0] + dx, vel[1] + dy


def quantise(pos: Vec, vel: Vec) -> tuple[Vec, Vec]:
    """Round a position and velocity to the steps the wire carries."""
    P, V = POSITION_SCALE, VELOCITY_SCALE
    return (
        (round(pos[0] * P) / P, round(pos[1] * P) / P),
        (round(vel[0] * V) / V, round(vel[1] * V) / V),
    )


def wall_boxes(level: Level) -> list[tuple[int, int, int, int]]:
    """The level's wall cells merged into few rectangles (x, y, w, h in cells).

    Runs of wall cells along each row are merged, then runs with the same span on
    consecutive rows are stacked: far fewer shapes than cells, so physics stays cheap.
    """
    walls = level.walls
    h, w = walls.shape
    open_runs: dict[tuple[int, int], tuple[int, int]] = {}  # (x0, x1) -> (y0, height)
    boxes: list[tuple[int, int, int, int]] = []
    for y in range(h + 1):
        runs: set[tuple[int, int]] = set()
        if y < h:
            row = walls[y]
            x = 0
            while x < w:
                if row[x]:
                    x0 = x
                    while x < w and row[x]:
                        x += 1
                    runs.add((x0, x))
                else:
                    x += 1
        for span in list(open_runs):
            if span not in runs:
                y0, hh = open_runs.pop(span)
                boxes.append((span[0], y0, span[1] - span[0], hh))
        for span in sorted(runs):
            if span in open_runs:
                y0, hh = open_runs[span]
                open_runs[span] = (y0, hh + 1)
            else:
                open_runs[span] = (y, 1)
    boxes.sort(key=lambda b: (b[1], b[0]))
    return boxes


def add_walls(space: pymunk.Space, level: Level) -> None:
    """Add the level's walls, and a fence around the map, as the shapes of a static body of
    their own (not the space's `static_body`, so that `rebased` can move them)."""
    cs = level.cell_size
    walls = pymunk.Body(body_type=pymunk.Body.STATIC)
    shapes: list[pymunk.Shape] = []
    for x, y, w, h in wall_boxes(level):
        x0, y0, x1, y1 = x * cs, y * cs, (x + w) * cs, (y + h) * cs
        shapes.append(pymunk.Poly(walls, [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]))
    pw, ph = level.pixel_width, level.pixel_height
    corners = [(0, 0), (pw, 0), (pw, ph), (0, ph)]
    for a, b in zip(corners, corners[1:] + corners[:1], strict=True):
        shapes.append(pymunk.Segment(walls, a, b, 2.0))
    for s in shapes:
        s.friction = 0.0
        s.elasticity = 0.0
    space.add(walls, *shapes)


REBASE_TICKS = 150
"""`World.step` moves its bodies into a fresh space (`rebased`) every this many ticks (5 s:
it costs about a millisecond on the largest level, so it stays out of the 99th percentile
of tick times)"""


def rebased(space: pymunk.Space, bodies: Sequence[pymunk.Body]
            ) -> tuple[pymunk.Space, list[pymunk.Body]]:
    """A fresh space with what `space` held: its static bodies (the walls) moved over
    first, then for each of `bodies`, in that order, a fresh round body of the same mass,
    radius, position and velocity; returns the space and the new bodies (in the order of
    `bodies`). `space` is left empty. `bodies` must be every dynamic body of `space`, each
    with one circle (ValueError otherwise).

    The physics goes on as before, less what pymunk keeps out of sight: the old space's
    contact cache, the history of its spatial indexes (the order its tree finds contacts
    in, which the solver's result depends on) and each body's leftover bias velocity (how
    the solver pushes it out of a wall). After this the steps to come depend on the
    bodies' states and this order alone, so a world copied at such a moment
    (`game.replay.freeze`) and rebased in the same way plays on bit for bit as the
    original.
    """
    held = list(space.bodies)
    statics = [b for b in held if b.body_type == pymunk.Body.STATIC]
    if len(statics) + len(bodies) != len(held) or set(held) != {*statics, *bodies}:
        raise ValueError("rebased(): name every dynamic body of the space once")
    shapes_of: dict[pymunk.Body, list[pymunk.Shape]] = {b: [] for b in held}
    for shape in space.shapes:
        assert shape.body is not None
        shapes_of[shape.body].append(shape)
    for b in held:
        space.remove(*shapes_of[b], b)
    new = new_space()
    for b in statics:
        new.add(b, *shapes_of[b])
    fresh = []
    for b in bodies:
        circles = shapes_of[b]
        if len(circles) != 1 or not isinstance(circles[0], pymunk.Circle):
            raise ValueError("rebased(): a body of another shape than one circle")
        p = b.position
        body = make_body(new, (p.x, p.y), circles[0].radius, b.mass)
        body.velocity = b.velocity
        fresh.append(body)
    return new, fresh


SUBSTEPS = 2
"""Physics steps per tick. One step lets a body pushing into a wall sink ~8 px into it
(Chipmunk moves bodies before it solves contacts); two, with a stiff collision bias, keep
that near 1 px for a small cost."""


def new_space() -> pymunk.Space:
    """A top-down space: no gravity, no damping, fixed iterations, stiff contacts."""
    space = pymunk.Space()
    space.gravity = (0.0, 0.0)
    space.iterations = 10
    space.collision_bias = 1e-9  # fraction of an overlap left after one second
    return space


def advance(space: pymunk.Space, dt: float) -> None:
    """Step the physics of one tick (in SUBSTEPS equal steps).

    Chipmunk's own step is called straight when `Space.step` would do nothing else: no
    body added since the last step (whose mass it checks), no shape removed (whose Python
    objects it lets go), nothing queued by a callback (this game sets none). The physics
    is the same either way; the Python around it costs a room about 1% of its tick."""
    handle = space._space
    for _ in range(SUBSTEPS):
        if space._bodies_to_check or space._removed_shapes or space._add_later \
                or space._remove_later:
            space.step(dt / SUBSTEPS)
        else:
            _chipmunk.cpSpaceStep(handle, dt / SUBSTEPS)


set_velocity: Callable[[pymunk.Body, Vec], None] = vars(pymunk.Body)["velocity"].fset
"""`set_velocity(body, (vx, vy))`: what `body.velocity = ...` does, without the Python
`__setattr__` pymunk's bodies have (for mypy), which costs three times the setting itself."""


def body_buffer() -> pymunk.batch.Buffer:
    """A `pymunk.batch.Buffer` whose native arrays are freed when it is collected.

    pymunk 7.3's Buffer allocates two C arrays and never frees them (it has no destructor):
    a World that made one a tick leaked about 1 KB a tick, some 9 MB per room-night on a
    host. Keep one per World; read into it with `get_space_bodies`, change its floats in
    place and write them back with `set_space_bodies`. Never call its `set_float_buf` or
    `set_int_buf`: they swap in arrays this buffer does not own, which it would then free.
    """
    buf = pymunk.batch.Buffer()
    weakref.finalize(buf, _free_arrays, buf._float_arr, buf._int_arr)
    return buf


def _free_arrays(floats: object, ints: object) -> None:
    _chipmunk.pmFloatArrayFree(floats)
    _chipmunk.pmIntArrayFree(ints)


def make_body(space: pymunk.Space, pos: Vec, radius: float, mass: float = 1.0) -> pymunk.Body:
    """A round dynamic body that never rotates, added to `space` at `pos`."""
    body = pymunk.Body(mass, float("inf"))
    body.position = pos
    shape = pymunk.Circle(body, radius)
    shape.friction = 0.0
    shape.elasticity = 0.0
    space.add(body, shape)
    return body


class SoloMotion:
    """One dreamer alone with the walls: the client's predictor.

    `step()` applies the same steering, physics step and quantisation as the server's
    `World.step()` does for that dreamer.
    """

    def __init__(self, level: Level, pos: Vec, radius: float, speed: float, accel: float,
                 dt: float) -> None:
        self.space = new_space()
        add_walls(self.space, level)
        self.body = make_body(self.space, pos, radius)
        self.speed = speed
        self.accel = accel
        self.dt = dt

    @property
    def position(self) -> Vec:
        p = self.body.position
        return float(p.x), float(p.y)

    @property
    def velocity(self) -> Vec:
        v = self.body.velocity
        return float(v.x), float(v.y)

    def reset(self, pos: Vec, vel: Vec) -> None:
        """Put the body where the server says it was (before replaying inputs)."""
        self.body.position = pos
        self.body.velocity = vel

    def step(self, move: Vec, speed_factor: float = 1.0) -> Vec:
        """Advance one tick with a move intent; returns the new position."""
        self.body.velocity = steer(self.velocity, move, self.speed * speed_factor,
                                   self.accel, self.dt)
        return self.coast()

    def coast(self) -> Vec:
        """Advance one tick without steering (a staggered dreamer: the server leaves its
        velocity to the physics); returns the new position."""
        advance(self.space, self.dt)
        pos, vel = quantise(self.position, self.velocity)
        self.body.position = pos
        self.body.velocity = vel
        return pos
