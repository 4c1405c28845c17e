"""What one frame of the match screen shows: plain data handed from the match scene to the
renderer and the HUD. The scene fills it from the client's mirror, the prediction and the
interpolation; drawing never reads the network or the simulation directly.

Imports numpy, game.sim.events and game.sim.level only (no pygame: a view can be built and
checked in tests).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from game.sim.events import EventKind
from game.sim.level import Level

__all__ = ["EFFECT_SECONDS", "EffectView", "EntityView", "MatchView", "PlayerView", "RiftView"]


EFFECT_SECONDS: dict[int, float] = {
    EventKind.PING: 4.0,
    EventKind.BURST: 0.9,
    EventKind.DISTORTED: 0.8,
    EventKind.AWAKENED: 1.4,
    EventKind.ETHAN_DRIVEN_OUT: 2.5,
    EventKind.RIFT_SEALED: 2.5,
    EventKind.RIFT_OPENED: 1.5,
    EventKind.HIJACK: 2.0,
    EventKind.RALLY: 1.0,
    EventKind.SHOVE: 0.35,
    EventKind.BEACON: 0.8,
    EventKind.ASLEEP: 1.0,
    EventKind.REVIVED: 1.0,
}
"""how long each kind of effect is shown (seconds); other kinds are not shown, and every one
expires"""


@dataclass(frozen=True, slots=True)
class EntityView:
    """An entity where it is drawn this frame (interpolated, or predicted for your own).

    kind: 1 dreamer, 2 cadre member, 3 Ethan, 4 NeuroNook beacon (game.net.snapshot).
    status bits: dreamers 1 asleep, 2 distorted, 4 staggered; cadre and Ethan 1 hijacking,
    2 slowed, 4 being awakened.
    """

    id: int
    kind: int
    realm: int
    role: int
    x: float
    y: float
    status: int = 0
    name: str = ""


@dataclass(frozen=True, slots=True)
class RiftView:
    x: float
    y: float
    open: bool
    sealed: bool
    progress: float
    """seal progress 0..1"""
    core_radius: int
    seal_radius: int


@dataclass(frozen=True, slots=True)
class EffectView:
    """Something that happened, drawn for a short while: kind is a game.sim EventKind value
    (PING, BURST, DISTORTED, AWAKENED, RIFT_SEALED, HIJACK, ...); age in seconds."""

    kind: int
    x: float
    y: float
    age: float
    value: float = 0.0


@dataclass(frozen=True, slots=True)
class PlayerView:
    name: str
    realm: int
    role: int
    latency_ms: int
    bot: bool
    you: bool = False
    tag: str = ""
    """shown instead of the latency when set (a replay shows each dreamer's key)"""


@dataclass
class MatchView:
    """Everything the match screen draws in one frame."""

    level: Level
    codes: npt.NDArray[np.uint8]
    """paint codes (state * 4 + realm), padded to whole chunks, rows first"""
    dirty: set[int]
    """chunks changed since the renderer last drew them; the renderer empties it"""
    entities: list[EntityView]
    me: int
    """your dreamer's entity id, 0 when you watch"""
    camera: tuple[float, float]
    """the world point at the centre of the screen"""
    aim: tuple[float, float] | None
    """where your brush points, in world pixels"""
    meters: tuple[float, float]
    """Sanctuary and Rest Zone unity meters, 0..100"""
    rifts: list[RiftView]
    seconds_to_dawn: float
    inspiration: float = 100.0
    ability_in: float = 0.0
    """seconds until your ability is ready"""
    shove_in: float = 0.0
    realm: int = 0
    role: int = 0
    players: list[PlayerView] = field(default_factory=list)
    effects: list[EffectView] = field(default_factory=list)
    netstats: dict[str, float] | None = None
    """shown by the F3 overlay: rtt_ms, snapshots_per_s, bytes_per_s, buffer_ms"""
    title: str = ""
    hazard: int = 1
    time: float = 0.0
    """seconds since the match screen opened (for animation)"""
    message: str = ""
    """a line of story or warning text to show for a moment"""
    painting: bool = False
    """you hold the paint button this frame (your dreamer takes its painting pose)"""
