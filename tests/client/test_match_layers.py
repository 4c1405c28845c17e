"""A solo night played by hand (no autopilot), against a real server on loopback: the
story card waits for the player, Enter types chat without moving the dreamer, Escape
pauses without stopping the night, F1 shows the controls and the rules, Leave asks first,
toasts expire, and nothing is sent while the link reconnects."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pygame
import pytest

from game.client.app import App
from game.client.match import MatchScene
from game.net.records import Buttons
from game.net.schema import Kind
from tests.client.conftest import click, frames, key, run_until, typed


@pytest.fixture
def match(app: App, monkeypatch: pytest.MonkeyPatch) -> Iterator[MatchScene]:
    """The match scene of a solo night with one ally, reached by a key on the story card;
    every message the client sends is recorded in `app.sent`."""
    from game.client.solo import start_solo
    from game.client.story import StoryScene

    story = run_until(app, start_solo(app, "first-retreat", 1, 1),
                      lambda s: isinstance(s, StoryScene))
    assert story.update(13.0) is story  # no time-out: a real player reads
    assert not isinstance(frames(app, n=3), MatchScene)
    scene = frames(app, key(pygame.K_SPACE, " "))
    assert isinstance(scene, MatchScene)
    assert app.online is not None
    sent: list[tuple[Kind, dict[str, Any] | None]] = []
    real_send = app.online.link.send

    def spy(kind: Kind, values: dict[str, Any] | None = None) -> None:
        sent.append((kind, values))
        real_send(kind, values)

    monkeypatch.setattr(app.online.link, "send", spy)
    app.sent = sent  # type: ignore[attr-defined]
    run_until(app, None, lambda s: s.m.mirror.me is not None)
    yield scene


def inputs(app: App) -> list[dict[str, Any]]:
    return [v for k, v in app.sent if k is Kind.INPUT and v is not None]  # type: ignore[attr-defined]


def hold_w(monkeypatch: pytest.MonkeyPatch) -> None:
    """The 'up' key (W) held down, as pygame.key.get_pressed() would say."""
    class Held:
        def __getitem__(self, code: int) -> bool:
            return code == pygame.K_w

        def __len__(self) -> int:
            return 1 << 30

    monkeypatch.setattr(pygame.key, "get_pressed", lambda: Held())


def wait_inputs(app: App, n: int) -> list[dict[str, Any]]:
    start = len(inputs(app))
    run_until(app, None, lambda s: len(inputs(app)) >= start + n)
    return inputs(app)[start:]


def test_chat_is_typed_without_moving_the_dreamer(app: App, match: MatchScene,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    hold_w(monkeypatch)
    assert all(v["move_y"] < 0 for v in wait_inputs(app, 3))  # W walks up
    frames(app, key(pygame.K_RETURN))
    assert match.overlay.chat.active
    frames(app, typed("w"), typed("ave"), key(pygame.K_BACKSPACE), typed("e!"))
    assert all(v["move_y"] == 0 and v["buttons"] == 0 for v in wait_inputs(app, 3))
    frames(app, key(pygame.K_RETURN))
    assert (Kind.CHAT, {"text": "wave!"}) in app.sent  # type: ignore[attr-defined]
    assert not match.overlay.chat.active
    name = app.settings.name
    run_until(app, None, lambda s: s._message(time.monotonic()) == f"{name}: wave!")
    assert match._message(time.monotonic() + 7) != f"{name}: wave!"  # toasts expire
    frames(app, key(pygame.K_RETURN), typed("never mind"), key(pygame.K_ESCAPE))
    assert not match.overlay.chat.active
    assert (Kind.CHAT, {"text": "never mind"}) not in app.sent


def test_escape_pauses_the_player_not_the_night(app: App, match: MatchScene,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from game.client.settings_menu import SettingsScene
    from game.client.title import TitleScene

    hold_w(monkeypatch)
    frames(app, key(pygame.K_ESCAPE))
    pause = match.overlay.pause
    assert pause is not None and app.scene is match
    tick = match.m.mirror.tick
    stood = wait_inputs(app, 3)
    assert all(v["move_y"] == 0 for v in stood)
    run_until(app, None, lambda s: s.m.mirror.tick > tick + 10)  # the night goes on

    pause.menu.selected = 1  # Settings, over the running match, and back
    frames(app, key(pygame.K_RETURN))
    assert pause.panel is not None and isinstance(pause.panel.top, SettingsScene)
    frames(app, key(pygame.K_ESCAPE), n=2)
    assert pause.panel is None and match.overlay.pause is pause

    pause.menu.selected = 2  # Controls & rules
    frames(app, key(pygame.K_RETURN))
    assert match.overlay.help
    frames(app, key(pygame.K_F1))
    assert not match.overlay.help and match.overlay.pause is pause
    frames(app, key(pygame.K_SLASH, "?"))  # the help key works from the pause menu too
    assert match.overlay.help
    frames(app, key(pygame.K_ESCAPE))
    assert not match.overlay.help and match.overlay.pause is pause

    frames(app, key(pygame.K_ESCAPE))  # Escape resumes
    assert match.overlay.pause is None
    assert all(v["move_y"] < 0 for v in wait_inputs(app, 3))

    frames(app, key(pygame.K_ESCAPE))
    pause = match.overlay.pause
    assert pause is not None
    match.draw(app.screen)
    frames(app, click(pause.menu.rects[3].center))  # Leave asks first
    assert pause.confirm is not None and isinstance(app.scene, MatchScene)
    frames(app, key(pygame.K_ESCAPE))
    assert pause.confirm is None and app.scene is match
    frames(app, click(pause.menu.rects[3].center))
    assert pause.confirm is not None
    pause.confirm.selected = 1
    scene = frames(app, key(pygame.K_RETURN))
    assert isinstance(scene, TitleScene) and scene.note == "You left the retreat."
    assert app.online is None


def test_f1_or_question_mark_shows_the_rules_and_the_bound_keys(app: App,
                                                                 match: MatchScene) -> None:
    from game.client.overlay import help_layout
    from game.client.rules import RULES

    app.settings.keys["ability"] = "q"
    frames(app, key(pygame.K_SLASH, "?"))
    assert match.overlay.help
    size, lines = help_layout(app.screen.get_size(), app.settings.keys)
    words = " ".join(line for line, *_ in lines)
    assert "Q" in [line for line, *_ in lines]  # the player's own binding
    for heading, _ in RULES:
        assert heading in words
    for _line, x, y, _ in lines:  # every line is on screen
        assert x >= 0 and y + size <= app.screen.get_height()
    frames(app, key(pygame.K_ESCAPE))
    assert not match.overlay.help and match.overlay.pause is None


def test_no_input_is_sent_while_reconnecting(app: App, match: MatchScene) -> None:
    assert app.online is not None
    wait_inputs(app, 2)
    app.online.reconnecting = 2
    before = len(inputs(app))
    tick = match.m.mirror.tick
    run_until(app, None, lambda s: s.m.mirror.tick > tick + 10)
    assert len(inputs(app)) == before
    app.online.reconnecting = 0
    wait_inputs(app, 2)


def test_paint_still_reaches_the_server(app: App, match: MatchScene,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pygame.mouse, "get_pressed", lambda *a: (True, False, False))
    assert all(Buttons(v["buttons"]) & Buttons.PAINT for v in wait_inputs(app, 3))
