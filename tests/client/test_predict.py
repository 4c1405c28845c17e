"""Prediction and reconciliation converge under delay; interpolation draws the past."""

from __future__ import annotations

import math
from collections import deque

from game.client.predict import Interpolator, Predictor
from game.net.records import DreamerStatus, MeRecord
from game.net.snapshot import me_of
from game.sim import Intent, Realm, Role, World
from tests.conftest import QUIET, level_from, open_rows


def test_prediction_converges_to_the_server_under_a_150ms_round_trip() -> None:
    level = level_from(open_rows())
    world = World(level, seed=1, tuning=QUIET)
    d = world.add_dreamer(Realm.SANCTUARY, Role.ARCHITECT, at=(200.0, 200.0))
    pred = Predictor(level, (200.0, 200.0))
    delay = 5  # ticks each way: 2 x 5 / 30 s = 333 ms of round trip, worse than 150 ms
    to_server: deque[tuple[int, int, tuple[float, float]]] = deque()
    to_client: deque[tuple[int, int, MeRecord]] = deque()
    errors = []
    moves = [(math.cos(k / 9), math.sin(k / 13)) for k in range(150)] + [(0.0, 0.0)] * 40

    def deliver(now: int) -> None:
        """Everything due by tick `now` reaches the server, then the client."""
        while to_server and to_server[0][0] <= now:
            _, seq, m = to_server.popleft()
            world.step({d: Intent(move=m)})
            me = me_of(world, d)
            assert me is not None
            to_client.append((now + delay, seq, me))
        while to_client and to_client[0][0] <= now:
            _, ack, me = to_client.popleft()
            errors.append(pred.reconcile(ack, me))

    for tick, move in enumerate(moves, start=1):
        pred.input(tick, move)
        to_server.append((tick + delay, tick, move))
        deliver(tick)
        pred.decay(1 / 30)
    for extra in range(2 * delay + 2):  # let everything arrive
        deliver(len(moves) + extra + 1)
    # the same code on both sides: the prediction never had to be corrected...
    assert max(errors) < 1e-9
    # ...and it ends exactly where the server's dreamer is
    assert pred.position == world.dreamers[d].position


def test_a_server_side_surprise_is_corrected_and_smoothed() -> None:
    level = level_from(open_rows())
    pred = Predictor(level, (200.0, 200.0))
    for seq in range(1, 11):
        pred.input(seq, (1.0, 0.0))
    # the server says we were shoved: at seq 5 we stood 30 px lower
    err = pred.reconcile(5, MeRecord(200 * 8, 230 * 8, 0, 0, 1000, 0, 0, 0))
    assert err > 20
    assert pred.position[1] == 230.0
    shown = pred.display[1]
    assert 200.0 <= shown < 230.0  # the display glides, it does not jump
    for _ in range(30):
        pred.decay(1 / 60)
    assert abs(pred.display[1] - 230.0) < 1.0


def test_interpolation_draws_between_snapshots_100ms_in_the_past() -> None:
    it = Interpolator(delay=0.1)
    it.add(10, 1.0, {7: (0.0, 0.0)})
    it.add(12, 1.0 + 2 / 30, {7: (20.0, 0.0)})
    # at the moment tick 12 arrives we draw tick 9: before the first sample -> hold it
    assert it.position(7, 1.0 + 2 / 30) == (0.0, 0.0)
    # 2 ticks later in time we draw tick 11: halfway between 10 and 12
    x, _ = it.position(7, 1.0 + 4 / 30)  # type: ignore[misc]
    assert abs(x - 10.0) < 1e-6
    assert it.position(99, 2.0) is None
    it.add(13, 1.2, {})  # entity 7 gone from the world
    assert it.position(7, 1.3) is None


def test_a_shoved_dreamer_is_predicted_coasting_as_the_server_moves_it() -> None:
    """While the server says STAGGERED it does not steer the dreamer, whatever is pressed;
    the predictor replays and predicts the same coast, so a shove needs no correction."""
    level = level_from(open_rows())
    world = World(level, seed=1, tuning=QUIET)
    d = world.add_dreamer(Realm.SANCTUARY, Role.ARCHITECT, at=(200.0, 200.0))
    bully = world.add_dreamer(Realm.SANCTUARY, Role.ARCHITECT, at=(200.0, 170.0))
    pred = Predictor(level, (200.0, 200.0))
    right = Intent(move=(1.0, 0.0))
    world.step({d: right, bully: Intent(shove=True)})
    pred.input(1, (1.0, 0.0))
    me = me_of(world, d)
    assert me is not None and me.status & DreamerStatus.STAGGERED
    pred.reconcile(1, me)
    staggered = 0
    for seq in range(2, 40):  # the player keeps pressing right, against the shove
        pred.input(seq, (1.0, 0.0))
        world.step({d: right})
        me = me_of(world, d)
        assert me is not None
        if not me.status & DreamerStatus.STAGGERED:
            break  # (this tick the server steered again: the next snapshot says so)
        assert pred.position == world.dreamers[d].position
        staggered += 1
    assert staggered >= QUIET.shove_stagger - 1
    # the snapshot that says the server let go brings steering back
    pred.reconcile(seq, me)
    pred.input(seq + 1, (1.0, 0.0))
    world.step({d: right})
    assert pred.position == world.dreamers[d].position
