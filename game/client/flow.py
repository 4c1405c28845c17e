"""How a scene says where to go next, and the stack of scenes that carries it out.

A scene has `handle(event)`, `update(dt) -> Step` and `draw(screen)`. Its `update` says
where to go next, as one of:

- the scene itself: stay;
- another scene: show that one instead;
- `Over(scene)`: show `scene` over this one, which comes back, as it was, when `scene`
  answers `BACK` (how Settings opens Key bindings and keeps the name being typed);
- `BACK`: return to the scene underneath;
- `Go(place)`: a place another module owns (the match, the results, the story card, the
  lobby, the title); the App builds it, so the scene modules need not import each other;
- `None`: quit the game.

`SceneStack.follow()` carries a step out. A step is taken once: a scene that stays must
answer itself on its next update, never repeat the step it just returned (`Scene.update`
below does this for scenes that set `next` in `handle`).

Imports pygame only (for the types).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum, auto
from typing import Union

import pygame

__all__ = ["BACK", "Back", "Go", "Over", "Place", "Scene", "SceneStack", "Step"]


class Place(Enum):
    """Scenes the App builds from its own state (the game's `online`, its autopilot)."""

    TITLE = auto()
    """the title screen; the room and the server are left (Go.note is shown there)"""
    STORY = auto()
    """the story card before the match that just began"""
    MATCH = auto()
    """the match that just began"""
    RESULTS = auto()
    """the results of the match that just ended"""
    LOBBY = auto()
    """the room's lobby (on arrival, or back in the room after a night)"""


@dataclass(frozen=True)
class Go:
    place: Place
    note: str = ""
    """a line for the title screen, e.g. why the player is back there"""


@dataclass(frozen=True)
class Over:
    scene: Scene


class Back:
    """Return to the scene underneath (`BACK` is the one instance)."""

    def __repr__(self) -> str:
        return "BACK"


BACK = Back()

Step = Union["Scene", Go, Over, Back, None]


class Scene:
    """What every scene shares: a clock `t`, a one-shot `next`, and no key capture.

    Subclasses set `self.next` in `handle()` (or return a step from `update()`); the
    default `update()` returns `next` once and then stays.
    """

    t: float = 0.0
    next: Step = None

    @property
    def capturing(self) -> bool:
        """True while the scene takes every key (a text field, a key prompt, a chat line is
        open): the App's own keys (fullscreen) stay out of its way."""
        return False

    def __init__(self) -> None:
        self.t = 0.0
        self.next = self

    def handle(self, ev: pygame.event.Event) -> None:
        """React to one event (the default ignores it)."""

    def update(self, dt: float) -> Step:
        self.t += dt
        nxt, self.next = self.next, self
        return nxt

    def draw(self, screen: pygame.Surface) -> None:
        """Draw the whole screen."""


class SceneStack:
    """The scenes shown, the top one live. `follow(step)` carries out what its update said;
    `resolve` builds the scene for a `Go` (the App's)."""

    def __init__(self, resolve: Callable[[Go], Scene | None],
                 first: Scene | None = None) -> None:
        self.scenes: list[Scene] = [first] if first is not None else []
        self.resolve = resolve

    @property
    def top(self) -> Scene | None:
        return self.scenes[-1] if self.scenes else None

    def follow(self, step: Step) -> None:
        """Carry out `step`, answered by the top scene. After `None`, or `BACK` from the
        last scene, the stack is empty (`top` is None)."""
        if step is None:
            self.scenes.clear()
        elif isinstance(step, Back):
            self.scenes.pop()
        elif isinstance(step, Over):
            self.scenes.append(step.scene)
        elif isinstance(step, Go):
            built = self.resolve(step)
            if step.place is Place.TITLE or built is None:
                self.scenes.clear()
            else:
                self.scenes.pop()
            if built is not None:
                self.scenes.append(built)
        elif step is not self.top:
            self.scenes[-1] = step
