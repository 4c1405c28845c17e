"""The results screen at every window size in Settings: nothing overlaps, the column
scrolls to its end when it does not fit, and the buttons say what comes next for the
host and for the others."""

from __future__ import annotations

import itertools
from typing import Any

import pygame
import pytest

from game.client.app import App
from game.client.flow import Go, Place
from game.client.online import Online
from game.client.settings import SIZES
from game.net.records import Contribution, LobbyPlayer
from game.net.schema import Kind
from game.retreats import load_retreat
from game.sim.events import Outcome
from tests.client.conftest import fake_online, key


def results(online: Online, *, host: bool, next_level: str, won: bool = True,
            dreamers: int = 8, alone: bool = False) -> None:
    """MATCH_END values as Online keeps them, for player 1 (Mira), with Liam in the room
    unless `alone` (then an ally bot)."""
    online.lobby = {"players": [
        LobbyPlayer(1, "Mira", 1, 1, False, False, host, False, 20, 3),
        LobbyPlayer(0 if alone else 2, "Liam", 2, 2, False, alone, not host, False, 40, 4)],
        "state": 2}
    online.results = {
        "outcome": int(Outcome.SEALED if won else Outcome.FRACTURE), "score": 4210,
        "coverage": [200, 180, 310, 90, 220], "rifts_sealed": 3, "rifts": 4, "awakened": 7,
        "dreamers": [Contribution(i + 1, f"A rather long dreamer name number {i}", 1 + i % 2,
                                  1 + i % 3, 1500 + i, 300, i, 2) for i in range(dreamers)],
        "meter_history": [(80 - i % 30, 70 + i % 20) for i in range(200)],
        "level": load_retreat("first-retreat"), "next_level": next_level}


@pytest.mark.parametrize("size", SIZES)
def test_results_lay_out_without_overlap_and_scroll_to_the_end(app: App,
                                                               size: tuple[int, int]) -> None:
    from game.client.results import ResultsScene

    online, _ = fake_online()
    results(online, host=True, next_level="second-retreat")
    screen = pygame.display.set_mode(size)
    scene = ResultsScene(app, online)
    scene.draw(screen)
    title, view, nxt, _ = scene.frame(size)
    blocks = scene.blocks(size)
    assert [b.kind for b in blocks] == ["score", "dreamers", "meters", "story"]
    for a, b in itertools.pairwise(blocks):
        assert a.rect.bottom <= b.rect.top, (a.kind, b.kind)
    for b in blocks:
        assert b.rect.left >= 0 and b.rect.right <= size[0]
    assert title.bottom <= view.top and view.bottom <= nxt.top and nxt.height > 0
    for r in scene.menu.rects:  # the buttons lie below the column, inside the window
        assert nxt.bottom <= r.inflate(0, -4).top and r.bottom <= size[1]
        assert r.left >= 0 and r.right <= size[0]
    for upper, lower in itertools.pairwise(scene.menu.rects):
        assert upper.inflate(0, -4).bottom <= lower.inflate(0, -4).top
    content = blocks[-1].rect.bottom
    for _ in range(100):
        scene.handle(pygame.event.Event(pygame.MOUSEWHEEL, x=0, y=-1, flipped=False))
        scene.handle(key(pygame.K_DOWN))
        scene.draw(screen)
    assert scene.scroll == max(content - view.h, 0)  # the last line can be reached
    assert content - scene.scroll <= view.h
    if size == (1024, 576):
        assert scene.scroll > 0  # this one does not fit and really scrolls
    scene.handle(key(pygame.K_PAGEUP))
    assert scene.scroll == max(content - view.h - 300, 0)


def labels(scene: Any) -> list[str]:
    return [c.label for c in scene.menu.choices]


def test_the_host_continues_the_campaign_and_the_next_start_shows_the_story(
        app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    from game.client.results import ResultsScene

    online, link = fake_online()
    results(online, host=True, next_level="second-retreat")
    scene = ResultsScene(app, online)
    title = load_retreat("second-retreat").title
    assert labels(scene) == [f"Continue to {title}", "Save replay", "Back to the menu"]
    scene.draw(app.screen)
    scene.handle(key(pygame.K_RETURN))
    assert link.kinds() == [Kind.START]
    assert labels(scene) == ["Save replay", "Back to the menu"]  # sent once
    monkeypatch.setattr(online, "pump", lambda: ["start"])
    assert scene.update(0.1) == Go(Place.STORY)


def test_the_others_wait_for_the_host(app: App) -> None:
    from game.client.results import ResultsScene

    online, link = fake_online()
    results(online, host=False, next_level="second-retreat")
    scene = ResultsScene(app, online)
    assert labels(scene) == ["Save replay", "Back to the menu"]
    assert scene.what_next() == "Waiting for the host to start the next night."
    scene.handle(key(pygame.K_TAB))  # down to the last line (the arrows scroll here)
    scene.handle(key(pygame.K_RETURN))
    assert scene.update(0.1) == Go(Place.TITLE)
    assert link.sent == []


def test_a_single_retreat_ends_at_its_results(app: App) -> None:
    from game.client.results import ResultsScene

    online, link = fake_online()
    results(online, host=True, next_level="", won=False, alone=True)
    scene = ResultsScene(app, online)
    assert labels(scene) == ["Play again", "Save replay", "Back to the menu"]
    assert "again" in scene.what_next()
    assert "story" not in [b.kind for b in scene.blocks((1280, 720))]  # lost: no story after
    scene.handle(key(pygame.K_RETURN))
    assert link.kinds() == [Kind.START]


def test_after_a_single_retreat_in_company_the_room_is_a_lobby_again(app: App) -> None:
    from game.client.lobby import LobbyScene
    from game.client.results import ResultsScene

    online, link = fake_online()
    results(online, host=False, next_level="")
    scene = ResultsScene(app, online)
    assert labels(scene) == ["Back to the room", "Save replay", "Back to the menu"]
    scene.handle(key(pygame.K_RETURN))
    app.online, app.scene = online, scene
    app.follow(scene.update(0.1))  # the App builds the lobby the results name
    assert isinstance(app.scene, LobbyScene) and app.scene.online is online
    assert link.sent == []

