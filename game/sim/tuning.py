"""Every number the rules of the dream layer use, in one frozen table.

The numbers are starting points tuned by playing bot matches (`dreamlayer simulate`);
tests that assert exact results build worlds with the default `Tuning`, so a change here
is a change of the game's rules and shows up in those tests.

Imports nothing from the game: it is data.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from typing import Any

__all__ = ["DT", "TICK_RATE", "Tuning", "tuning_change"]

TICK_RATE = 30
"""Simulation ticks per second. The world never reads a clock; a tick is always DT long."""

DT = 1.0 / TICK_RATE


@dataclass(frozen=True, slots=True)
class Tuning:
    """The rule numbers. Lengths are in pixels (a cell is the level's tile size),
    times in ticks unless the name says seconds, rates per second."""

    # --- movement (shared with client-side prediction through game.sim.motion)
    dreamer_radius: float = 9.0
    dreamer_speed: float = 150.0
    dreamer_accel: float = 1400.0
    cadre_radius: float = 9.0
    cadre_speed: float = 120.0
    ethan_radius: float = 14.0
    ethan_speed: float = 105.0
    ethan_mass: float = 4.0

    # --- inspiration and the brush
    inspiration_max: float = 100.0
    inspiration_regen: float = 9.0
    """per second; times `mosaic_regen_factor` while standing on mosaic"""
    mosaic_regen_factor: float = 2.0
    brush_reach: float = 56.0
    """how far from the dreamer the brush centre may be (the aim is clamped to it)"""

    # --- roles: brush radius (cells), inspiration per second of painting, ability cooldown (ticks)
    architect_brush: int = 3
    architect_cost: float = 16.0
    architect_cooldown: int = 20 * TICK_RATE
    burst_radius: int = 9
    innovator_brush: int = 1
    innovator_cost: float = 6.0
    innovator_cooldown: int = 6 * TICK_RATE
    beacon_limit: int = 2
    beacon_radius: int = 7
    """cells a beacon eventually repaints around itself"""
    beacon_period: int = 12
    """ticks between two beacon repaint pulses"""
    beacon_slow_radius: float = 72.0
    beacon_slow: float = 0.55
    organizer_brush: int = 2
    organizer_cost: float = 10.0
    organizer_cooldown: int = 25 * TICK_RATE
    rally_aura: float = 96.0
    rally_paint_discount: float = 0.5
    rally_revive_boost: int = 2
    """revival progress per tick with an Organizer's aura over the sleeper (1 without)"""
    rally_free_radius: float = 128.0
    rally_meter_lift: float = 3.0

    # --- shove
    shove_radius: float = 40.0
    shove_speed: float = 320.0
    shove_cooldown: int = 30
    shove_stagger: int = 10
    """ticks a shoved body cannot steer"""

    # --- cadre, distortion, sleep, awakening
    distort_radius: float = 64.0
    distort_cooldown: int = 4 * TICK_RATE
    distort_duration: int = 3 * TICK_RATE
    distort_slow: float = 0.6
    distort_scramble_degrees: float = 135.0
    distort_strikes_to_sleep: int = 3
    distort_strike_window: int = 20 * TICK_RATE
    revive_ring: int = 4
    """cells around an asleep dreamer that teammates paint to revive them"""
    revive_threshold: float = 0.6
    """fraction of that ring that must be dream or mosaic for revival to progress"""
    revive_ticks: int = 2 * TICK_RATE
    sleep_ticks: int = 15 * TICK_RATE
    """an asleep dreamer wakes on their own after this long (so a team that all fell asleep
    is not lost for good); teammates painting around them wake them sooner"""
    revive_range: float = 128.0
    """an awake teammate must be this close (px) for a sleeper's revival to progress"""
    awaken_radius: float = 72.0
    awaken_ticks: int = 3 * TICK_RATE
    awaken_hazard_step: float = 0.25
    """each hazard level above 1 makes the cadre hold out this fraction longer"""
    trail_radius: int = 1
    trail_mosaic_hazard_step: float = 0.035
    """on a retreat Ethan does not come to: per hazard level above 1, the chance per tick
    that a cadre member's trail breaks through mosaic too (where Ethan comes, his hijack
    does)"""
    trail_mosaic_team_step: float = 0.05
    """on every retreat, per hazard level above 1 and per dreamer beyond two, that chance
    grows by this much too: a bigger team covers the dream in mosaic"""

    # --- Ethan
    hijack_cooldown: int = 28 * TICK_RATE
    hijack_radius: int = 12
    hijack_ticks: int = 3 * TICK_RATE
    hijack_calls: int = 2
    hijack_call_distance: float = 28.0
    """px from Ethan where the cadre a hijack calls in appear"""
    ethan_drive_radius: float = 96.0
    ethan_drive_ticks: int = 4 * TICK_RATE
    ethan_mosaic_ring: tuple[int, int] = (4, 7)
    ethan_mosaic_threshold: float = 0.6

    # --- nightmare and rifts
    spread_interval: int = 6
    """ticks between two spread passes"""
    census_interval: int = 15
    """ticks between two counts of the grid's cells, which the meters read in between (a
    count of the whole grid costs about a fifth of a room's tick: twice a second is plenty
    for meters that drain over minutes; a night's summary counts its last tick)"""
    spread_unformed: float = 0.02
    """chance per nightmare neighbour per pass that an unformed cell turns, at hazard 1"""
    spread_dream: float = 0.006
    """the same for a dream cell; mosaic never turns by spreading"""
    spread_hazard_step: float = 0.25
    """spread chances grow by this fraction per hazard level above 1"""
    rift_seal_fraction: float = 0.85
    rift_seal_ticks: int = 30 * TICK_RATE
    """ticks the ring must hold (times the rift's strength) to seal it"""
    rift_seal_decay: int = 3
    """progress lost per tick while the ring is broken"""
    rift_core_base: float = 1.0
    """a rift's core radius in cells is this plus its strength, rounded"""
    rift_seal_band: int = 3
    """width in cells of the seal ring just outside a rift's core"""
    rift_hazard_step: float = 0.3
    """each hazard level above 1 makes rifts take this fraction longer to seal, and surge
    this fraction more often"""
    rift_team_step: float = 0.3
    """each dreamer beyond two makes rifts take this fraction longer to seal, and surge
    this fraction more often (four dreamers can work two seal rings at once)"""
    rift_surge_period: int = 4 * TICK_RATE
    """ticks between two surges of a strength-1 rift: its whole seal ring turns to nightmare,
    except mosaic. Only a ring of mosaic, both realms' paint, holds through surges."""

    # --- unity meters
    meter_max: float = 100.0
    meter_start: float = 80.0
    meter_drain: float = 5.0
    """per second at full nightmare over a realm's districts"""
    meter_commons_weight: float = 0.5
    meter_repaint: float = 0.006
    """per nightmare cell of a realm's districts turned back into dream"""
    meter_mosaic_refill: float = 0.6
    """per second at a fully mosaic dreamscape"""
    meter_awaken_lift: float = 2.0
    meter_seal_lift: float = 6.0
    meter_drive_out_lift: float = 12.0
    meter_warnings: tuple[float, ...] = (30.0, 15.0)
    meter_warning_rearm: float = 5.0
    """a warning fires again only after the meter climbed this far above it"""

    # --- the director
    cadre_per_dreamer: float = 0.4
    cadre_per_dreamer_hazard: float = 0.45
    cadre_spawn_gap: int = 2 * TICK_RATE
    spawn_gap_hazard_step: float = 0.25
    """each hazard level above 1 makes arrivals come this fraction more often"""
    build_up_share: float = 0.25
    """the build-up's share of the night after the cadre's arrival; the peak runs to
    `calm_from`, then the calm"""
    calm_from: float = 0.75
    calm_share: float = 0.5
    """the cadre's strength in the calm, as a share of the full cadre"""
    arrival_hazard_step: float = 0.45
    """each hazard level above 1 brings the cadre's arrival this fraction earlier"""
    spread_base: float = 0.85
    spread_per_dreamer: float = 0.05
    """the nightmare's spread chances are multiplied by spread_base + this per dreamer"""
    spread_reference_floor: float = 9000.0
    spread_floor_exponent: float = 1.2
    """and by (spread_reference_floor / the level's floor cells) ** this: the nightmare
    creeps slower over a wider dreamscape, so a team holds a large retreat as well as a
    small one"""
    cadre_floor_exponent: float = 0.3
    """the full cadre is multiplied by (spread_reference_floor / floor cells) ** this: on
    a wide dreamscape a team is spread thin, so the director sends fewer"""

    # --- the score (MatchSummary.score): a loss scores what was achieved, up to
    # score_loss_cap; a win scores score_victory more than that, plus the meters left, so
    # any win outranks any loss
    score_victory: int = 1000
    score_loss_cap: int = 999
    score_mosaic: float = 1000.0
    """at a dreamscape all mosaic at the end (times the mosaic's share of the floor)"""
    score_rift_sealed: float = 100.0
    score_awakened: float = 10.0
    """per cadre member awakened"""
    score_ethan_driven_out: float = 100.0
    score_cleansed: float = 200.0
    """per floor's worth of nightmare cells repainted over the night, up to one floor"""
    score_meter: float = 5.0
    """per point left on the two meters, a win only"""

    def __post_init__(self) -> None:
        """Refuse numbers no rule can work with: ValueError naming the field when a number
        is negative or not finite, or a cadence the rules divide by is below 1."""
        for f in fields(self):
            value = getattr(self, f.name)
            for v in value if isinstance(value, tuple) else (value,):
                if not math.isfinite(v) or v < 0:
                    raise ValueError(f"rule number {f.name} must be a finite number >= 0, "
                                     f"not {v!r}")
        for name in _CADENCES:
            if getattr(self, name) < 1:
                raise ValueError(f"rule number {name} must be at least 1 (ticks), "
                                 f"not {getattr(self, name)!r}")

    def changed(self, changes: Iterable[tuple[str, float]]) -> Tuning:
        """This table with the named numbers changed (pairs from `tuning_change`).
        ValueError as `__post_init__`."""
        values: dict[str, Any] = dict(changes)
        return replace(self, **values)


_CADENCES = ("spread_interval", "census_interval", "beacon_period", "hijack_ticks")
"""the tick counts the rules divide by"""


def tuning_change(text: str) -> tuple[str, float]:
    """One rule number to change, as "NAME=VALUE" (`dreamlayer balance --tune`): the name
    and the value as the field's own type (int or float). ValueError saying what is wrong:
    no "=", a name that is not a rule number (the pairs are not), a value that is not a
    number of that type."""
    name, eq, raw = text.partition("=")
    name, raw = name.strip(), raw.strip()
    if not eq or not name or not raw:
        raise ValueError(f"{text!r} is not NAME=VALUE (for example rift_seal_ticks=1200)")
    kinds = {f.name: f.type for f in fields(Tuning)}
    if name not in kinds:
        raise ValueError(f"no rule number named {name!r} (game/sim/tuning.py lists them)")
    kind = kinds[name]
    if kind not in ("int", "float", int, float):
        raise ValueError(f"rule number {name} is not a single number: change it in "
                         "game/sim/tuning.py")
    try:
        value: float = int(raw) if kind in ("int", int) else float(raw)
    except ValueError:
        what = "a whole number" if kind in ("int", int) else "a number"
        raise ValueError(f"{name} takes {what}, not {raw!r}") from None
    return name, value
