"""Teaching by playing: short prompts that appear the first time they matter (your first
steps, your first paint, the other realm's paint near you, a rift, a surge, the cadre,
distortion, a teammate asleep, the unity meters, Ethan and his hijack), each once per
player, one at a time, for a few seconds.

`sight_of(view, visible)` reads what the client knows this frame (a `MatchView`) into a
`Sight`; `Tutorial.update(sight)` decides which prompt shows; `Tutorial.shown` is the set
of prompts the player has seen (give it back next time, e.g. from the settings, so no
prompt repeats). Key names come from the player's own bindings. Pure logic: the prompt
card that draws it is `game.client.prompt_card`.

Imports numpy, game.client.view, game.net.records and game.sim only (no pygame).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from game.client.view import MatchView
from game.net.records import CadreStatus, DreamerStatus
from game.sim.events import EventKind
from game.sim.grid import Cell

__all__ = [
    "GAP_SECONDS",
    "MIN_SECONDS",
    "PROMPTS",
    "Prompt",
    "Sight",
    "Tutorial",
    "key_label",
    "sight_of",
]

GAP_SECONDS = 0.8
"""a pause between two prompts"""
MIN_SECONDS = 2.5
"""a prompt whose lesson the player has already acted on still shows this long"""
NEAR_CELLS = 8
"""how close (in cells) the other realm's paint counts as near you"""
_NEAR_PAINT = 4
"""cells of the other realm's paint near you that make it worth a word"""
_SURGE_CELLS = 6
"""cells of a rift's ring turning to nightmare at once that make a surge"""

_DREAMER, _CADRE, _ETHAN = 1, 2, 3
_REALM_NAMES = {1: "Sleep Sanctuary", 2: "Rest Zone"}
_ABILITIES = {
    1: "{ability}: Mosaic Burst paints a wide circle of mosaic around your brush.",
    2: "{ability}: a NeuroNook beacon repaints the ground around it and slows the cadre.",
    3: "{ability}: Rally frees distorted dreamers near you and lifts both unity meters.",
}


@dataclass(frozen=True, slots=True)
class Prompt:
    """One lesson: `key` names it (and is what `Tutorial.shown` remembers), `text` may
    name bindings as {action} (`{up}`, `{ability}`, ...) and a few facts ({name}: the
    sleeping teammate, {other}: the other realm). Urgent prompts go to the front of the
    queue; `seconds` is how long it shows."""

    key: str
    text: str
    urgent: bool = False
    seconds: float = 6.0


PROMPTS: dict[str, Prompt] = {p.key: p for p in (
    Prompt("move", "Move with {up} {left} {down} {right}.", seconds=5.0),
    Prompt("paint", "Hold the left mouse button to paint where your brush points. "
                    "Painting costs inspiration, which refills by itself."),
    Prompt("mosaic", "That is the {other}'s paint. Where both realms' paint touches it "
                     "becomes mosaic, which the nightmare cannot hold: paint beside it!",
           seconds=7.0),
    Prompt("ability", "Your role's ability, {role_ability}", seconds=6.0),
    Prompt("rift", "A rift leaks nightmare. Ring it with mosaic, both realms painting "
                   "together, and hold the ring to seal it.", seconds=6.5),
    Prompt("surge", "The rift surged: its ring turned back to nightmare, all but the "
                    "mosaic. Only a ring of mosaic holds through a surge.", seconds=6.5),
    Prompt("cadre", "Ethan's cadre spread nightmare and distort dreamers near them. A "
                    "cadre member on mosaic, or caught between both realms, awakens.",
           seconds=7.0),
    Prompt("distorted", "You are distorted: slowed, your controls turned. Three times in "
                        "20 s and you fall asleep. Keep away from the cadre!", urgent=True),
    Prompt("you_asleep", "You fell asleep. Teammates wake you by painting the ground around "
                         "you; ask with {ping_help}.", urgent=True),
    Prompt("teammate_asleep", "{name} fell asleep! Paint the ground around them to wake "
                              "them.", urgent=True),
    Prompt("meters", "The two unity meters fall as nightmare spreads over each realm's "
                     "districts. If either collapses, everyone loses.", seconds=6.5),
    Prompt("ethan", "Ethan Lynx is here. Dreamers of both realms holding him together, or "
                    "a ring of mosaic around him, drive him out.", seconds=7.0),
    Prompt("hijack", "Ethan is hijacking: the ground around him turns to nightmare, even "
                     "mosaic. Stand by him with the other realm to drive him out.",
           urgent=True, seconds=6.5),
)}
"""every prompt, by key, in the order of the lessons"""
_ORDER = {key: i for i, key in enumerate(PROMPTS)}

_PAINT_AFTER = 6.0
"""seconds after the first steps (or the start) that painting is taught anyway"""
_ABILITY_AFTER = 8.0
"""seconds after painting is taught that the ability is"""
_METER_LOW = 60.0


def key_label(name: str) -> str:
    """A pygame key name as a player reads it: 'w' -> 'W', 'left shift' -> 'Left Shift',
    'return' -> 'Enter', 'f3' -> 'F3'."""
    special = {"return": "Enter", "escape": "Esc", "space": "Space"}
    name = name.strip()
    if name.lower() in special:
        return special[name.lower()]
    if len(name) <= 3:
        return name.upper()
    return " ".join(w.capitalize() for w in name.split())


@dataclass(frozen=True, slots=True)
class Sight:
    """What the tutorial needs of one frame. Positions are world pixels."""

    time: float
    """seconds of the match screen"""
    me: tuple[float, float] | None = None
    """your dreamer's position; None while you watch"""
    realm: int = 0
    role: int = 0
    painting: bool = False
    distorted: bool = False
    asleep: bool = False
    other_paint_near: int = 0
    """cells of the other realm's paint within NEAR_CELLS of you"""
    rift_in_view: bool = False
    """an open rift is on screen"""
    rift_nightmare: Mapping[int, int] = field(default_factory=dict)
    """nightmare cells in the ring of each open rift on screen, by rift index"""
    cadre_in_view: bool = False
    teammate_asleep: str = ""
    """the name of a teammate asleep on screen ("a teammate" if unnamed), or empty"""
    meters_low: bool = False
    ethan_here: bool = False
    hijack: bool = False


class Tutorial:
    """Which prompt shows, frame by frame.

    Contract: call `update(sight)` once a frame with time never going back; then
    `current` is the prompt to draw (None between prompts, when hints are off, or when
    there is nothing to say) and `text` its words with the player's keys filled in.
    A prompt is queued the first time its condition holds (urgent ones in front), shown
    alone for its `seconds` (cut to MIN_SECONDS once the player does what it teaches, or
    when an urgent prompt waits behind a calm one) with GAP_SECONDS between two, and
    added to `shown` when it appears, after which it never comes back. An urgent prompt
    whose moment passes while it waits leaves the queue unseen. `enabled=False` shows
    nothing and remembers nothing.
    """

    def __init__(self, keys: Mapping[str, str], *, enabled: bool = True,
                 shown: Iterable[str] = ()) -> None:
        self.enabled = enabled
        self.keys = {action: key_label(name) for action, name in keys.items()}
        self.shown: set[str] = set(shown)
        """every prompt the player has seen (save it to keep them from repeating)"""
        self.queue: list[str] = []
        self.current: Prompt | None = None
        self.text = ""
        self.started = 0.0
        """when the current prompt appeared (Sight.time)"""
        self._facts: dict[str, str] = {}
        self._free_at = 0.0
        self._first: tuple[float, float] | None = None
        self._moved_at: float | None = None
        self._painted_at: float | None = None
        self._opened: float | None = None
        self._rings: dict[int, int] = {}
        self._now = 0.0

    @property
    def age(self) -> float:
        """How long the current prompt has shown, as of the last update."""
        return self._now - self.started if self.current is not None else 0.0

    def update(self, sight: Sight) -> Prompt | None:
        """Take in one frame; returns `current`."""
        self._now = now = sight.time
        if not self.enabled:
            self.current, self.text = None, ""
            return None
        if self._opened is None:
            self._opened = now
        for key in self._due(sight):
            self._queue(key)
        # an urgent prompt whose moment has passed while it waited is dropped unseen: it
        # comes again the next time (a lesson about a state you are no longer in is noise)
        self.queue = [k for k in self.queue if not PROMPTS[k].urgent or self._holds(k, sight)]
        cur = self.current
        if cur is not None:
            age = now - self.started
            cut = age >= MIN_SECONDS and (self._done(cur.key, sight) or (
                not cur.urgent and bool(self.queue) and PROMPTS[self.queue[0]].urgent))
            if age >= cur.seconds or cut:
                self.current, self.text = None, ""
                self._free_at = now + GAP_SECONDS
        if self.current is None and self.queue and now >= self._free_at:
            key = self.queue.pop(0)
            self.current = PROMPTS[key]
            self.started = now
            self.shown.add(key)
            self.text = self._words(self.current, sight)
        return self.current

    # ------------------------------------------------------------------ conditions
    def _queue(self, key: str) -> None:
        if key in self.shown or key in self.queue or \
                (self.current is not None and self.current.key == key):
            return
        # urgent prompts first, in the order they came; the others in the order of the
        # lessons (PROMPTS' order), so the basics come before what they build on
        if PROMPTS[key].urgent:
            at = sum(1 for k in self.queue if PROMPTS[k].urgent)
        else:
            rank = _ORDER[key]
            at = next((i for i, k in enumerate(self.queue)
                       if not PROMPTS[k].urgent and _ORDER[k] > rank), len(self.queue))
        self.queue.insert(at, key)

    def _due(self, s: Sight) -> list[str]:
        """The prompts whose moment has come this frame."""
        due: list[str] = []
        now = s.time
        if s.me is not None:
            if self._first is None:
                self._first = s.me
            due.append("move")
            if self._moved_at is None and _far(s.me, self._first, 24.0):
                self._moved_at = now
            started = self._moved_at if self._moved_at is not None else (self._opened or now)
            if now - started >= (0.0 if self._moved_at is not None else _PAINT_AFTER) \
                    and "move" in self.shown:
                due.append("paint")
            if s.painting and self._painted_at is None:
                self._painted_at = now
            if self._painted_at is not None and now - self._painted_at >= _ABILITY_AFTER \
                    and s.role in _ABILITIES:
                due.append("ability")
            if s.other_paint_near >= _NEAR_PAINT:
                due.append("mosaic")
            due += [key for key, seen in (("distorted", s.distorted),
                                          ("you_asleep", s.asleep)) if seen]
        for index, count in s.rift_nightmare.items():
            before = self._rings.get(index)
            if before is not None and count - before >= _SURGE_CELLS:
                due.append("surge")
            self._rings[index] = count
        for gone in [i for i in self._rings if i not in s.rift_nightmare]:
            del self._rings[gone]
        if s.teammate_asleep:
            self._facts["name"] = s.teammate_asleep
        due += [key for key, seen in (("rift", s.rift_in_view), ("cadre", s.cadre_in_view),
                                      ("teammate_asleep", bool(s.teammate_asleep)),
                                      ("meters", s.meters_low), ("ethan", s.ethan_here),
                                      ("hijack", s.hijack)) if seen]
        return due

    @staticmethod
    def _holds(key: str, s: Sight) -> bool:
        """Whether the moment of urgent prompt `key` still holds."""
        return {"distorted": s.distorted, "you_asleep": s.asleep,
                "teammate_asleep": bool(s.teammate_asleep), "hijack": s.hijack}.get(key, True)

    def _done(self, key: str, s: Sight) -> bool:
        """Whether the player has already done what prompt `key` teaches."""
        if key == "move":
            return self._moved_at is not None
        if key == "paint":
            return self._painted_at is not None
        if key == "distorted":
            return not s.distorted
        if key == "you_asleep":
            return not s.asleep
        return False

    def _words(self, p: Prompt, s: Sight) -> str:
        facts = {**{k: self.keys.get(k, k) for k in
                    ("up", "down", "left", "right", "ability", "shove", "ping_help",
                     "ping_nightmare", "ping_rift", "emote")},
                 "name": self._facts.get("name", "A teammate"),
                 "other": _REALM_NAMES.get(3 - s.realm, "other realm")}
        facts["role_ability"] = _ABILITIES.get(s.role, "{ability}").format(**facts)
        return p.text.format(**facts)


def _far(a: tuple[float, float], b: tuple[float, float], d: float) -> bool:
    return (a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 > d * d


# ---------------------------------------------------------------------- from a view
_DREAM = int(Cell.DREAM) * 4
_NIGHTMARE = int(Cell.NIGHTMARE)
_DISCS: dict[int, npt.NDArray[np.bool_]] = {}


def _disc(r: int) -> npt.NDArray[np.bool_]:
    d = _DISCS.get(r)
    if d is None:
        yy, xx = np.mgrid[-r:r + 1, -r:r + 1]
        d = _DISCS[r] = (xx * xx + yy * yy) <= r * r
    return d


def sight_of(view: MatchView, visible: tuple[float, float, float, float],
             painting: bool | None = None) -> Sight:
    """What the tutorial needs from `view`: `visible` is the world rectangle on screen
    (x0, y0, x1, y1); `painting` whether you paint (default: `view.painting`)."""
    x0, y0, x1, y1 = visible

    def seen(x: float, y: float) -> bool:
        return x0 <= x <= x1 and y0 <= y <= y1

    mine = next((e for e in view.entities if e.kind == _DREAMER and e.id == view.me), None)
    cs = view.level.cell_size
    codes = view.codes
    near = 0
    if mine is not None and mine.realm in (1, 2):
        cx, cy = int(mine.x // cs), int(mine.y // cs)
        win = codes[max(cy - NEAR_CELLS, 0):cy + NEAR_CELLS + 1,
                    max(cx - NEAR_CELLS, 0):cx + NEAR_CELLS + 1]
        near = int(np.count_nonzero(win == _DREAM + (3 - mine.realm)))
    rings: dict[int, int] = {}
    rift_seen = False
    for i, r in enumerate(view.rifts):
        if not r.open or r.sealed or not seen(r.x, r.y):
            continue
        rift_seen = True
        rad = r.seal_radius
        cx, cy = int(r.x // cs), int(r.y // cs)
        if cx - rad < 0 or cy - rad < 0:
            continue
        patch = codes[cy - rad:cy + rad + 1, cx - rad:cx + rad + 1]
        if patch.shape != (2 * rad + 1, 2 * rad + 1):
            continue
        rings[i] = int(np.count_nonzero(((patch >> 2) == _NIGHTMARE) & _disc(rad)))
    cadre = ethan = hijack = False
    sleeper = ""
    for e in view.entities:
        if e.kind == _CADRE and seen(e.x, e.y):
            cadre = True
        elif e.kind == _ETHAN:
            ethan = True
            hijack |= bool(e.status & CadreStatus.HIJACKING)
        elif e.kind == _DREAMER and e.id != view.me and e.status & DreamerStatus.ASLEEP \
                and seen(e.x, e.y) and not sleeper:
            sleeper = e.name or "A teammate"
    hijack |= any(fx.kind == EventKind.HIJACK for fx in view.effects)
    status = mine.status if mine is not None else 0
    return Sight(
        time=view.time, me=(mine.x, mine.y) if mine is not None else None,
        realm=mine.realm if mine is not None else 0, role=mine.role if mine else 0,
        painting=view.painting if painting is None else painting,
        distorted=bool(status & DreamerStatus.DISTORTED),
        asleep=bool(status & DreamerStatus.ASLEEP), other_paint_near=near,
        rift_in_view=rift_seen, rift_nightmare=rings, cadre_in_view=cadre,
        teammate_asleep=sleeper, meters_low=min(view.meters, default=100.0) < _METER_LOW,
        ethan_here=ethan, hijack=hijack)
