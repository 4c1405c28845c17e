"""Client scenes with SDL's dummy driver: every menu renders, every error reaches the screen
as a message with a way back, and a client connected to a real server plays."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pygame
import pytest

from game.client.app import App
from game.client.settings import SIZES
from game.remote import Remote
from tests.client.conftest import ServerThread, run_until


def message_of(scene: Any) -> str:
    from game.client.message import MessageScene

    assert isinstance(scene, MessageScene)
    return str(scene.body)


def is_message(scene: Any) -> bool:
    from game.client.message import MessageScene

    return isinstance(scene, MessageScene)


@pytest.mark.parametrize("size", SIZES)
def test_every_menu_fits_the_window(app: App, size: tuple[int, int]) -> None:
    """At every window size in Settings, each menu's choices lie inside the window and
    do not overlap each other."""
    from game.client.hosting import HostScene
    from game.client.message import MessageScene
    from game.client.settings_menu import SettingsScene
    from game.client.solo import SoloScene
    from game.client.title import TitleScene

    screen = pygame.display.set_mode(size)
    for scene in (TitleScene(app, "You left the retreat."), SoloScene(app), HostScene(app),
                  SettingsScene(app), MessageScene(app, "Oops", "Something happened.")):
        scene.update(0.016)
        scene.draw(screen)
        rects = scene.menu.rects
        assert len(rects) == len(scene.menu.choices)
        for r in rects:
            assert screen.get_rect().contains(r.inflate(-40, 0)), (type(scene).__name__, r)
        for upper, lower in itertools.pairwise(rects):
            assert upper.centery < lower.centery
            assert upper.inflate(-40, -6).bottom <= lower.inflate(-40, -6).top + 1


def test_cannot_connect_is_a_message(app: App) -> None:
    from game.client.joining import join

    scene = run_until(app, join(app, "ws://127.0.0.1:9", "ABCDE"), is_message)
    assert "Cannot connect to ws://127.0.0.1:9" in message_of(scene)


@pytest.mark.parametrize(("case", "expected"), [
    ("wrong code", "no room with code 'NOPE1'"),
    ("wrong password", "wrong password"),
    ("room full", "the room is full"),
])
def test_refusals_are_messages(app: App, server: ServerThread, case: str,
                               expected: str) -> None:
    from game.client.joining import join

    async def make_room() -> str:
        r = await Remote.connect(server.url, "Mira")
        joined = await r.create_room(password="moon", max_dreamers=1, bot_fill=False)
        server.keep = r  # type: ignore[attr-defined]
        return str(joined["code"])

    code = server.call(make_room())
    target = {"wrong code": ("NOPE1", "moon"), "wrong password": (code, "sun"),
              "room full": (code, "moon")}[case]
    scene = run_until(app, join(app, server.url, *target), is_message)
    assert expected in message_of(scene)


def test_version_mismatch_is_a_message(app: App, server: ServerThread,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    import game.remote
    from game.client.joining import join

    monkeypatch.setattr(game.remote, "hello", lambda name: {"version": 99, "name": name})
    scene = run_until(app, join(app, server.url, "ABCDE"), is_message)
    assert "different protocol versions" in message_of(scene)


def test_shutdown_and_kick_reach_the_screen(app: App, server: ServerThread) -> None:
    from game.client.joining import join
    from game.client.lobby import LobbyScene

    async def make_room() -> tuple[str, Remote]:
        r = await Remote.connect(server.url, "Mira")
        joined = await r.create_room(bot_fill=False)
        return str(joined["code"]), r

    code, owner = server.call(make_room())
    lobby = run_until(app, join(app, server.url, code), lambda s: isinstance(s, LobbyScene))
    player = lobby.online.player

    async def kick() -> None:
        from game.net.schema import Kind

        await owner.send(Kind.KICK, {"player": player})

    server.call(kick())
    scene = run_until(app, lobby, is_message)
    assert "kicked" in message_of(scene)
    lobby = run_until(app, join(app, server.url, code), lambda s: isinstance(s, LobbyScene))
    server.call(server.host.shutdown("maintenance"))
    scene = run_until(app, lobby, is_message)
    assert "The server shut down: maintenance" in message_of(scene)


def test_a_solo_night_plays_through_story_match_and_results(
        app: App, monkeypatch: pytest.MonkeyPatch, paint_history: dict[int, Any]) -> None:
    """One command's worth of solo play, the ally bot at the controls: the paint grid the
    client shows equals the server's, cell for cell, and the night ends on the results."""
    import dataclasses

    import server.host
    from game.client.match import MatchScene
    from game.client.results import ResultsScene
    from game.client.solo import start_solo
    from game.client.story import StoryScene
    from game.retreats import campaign

    short = [dataclasses.replace(lv, night_seconds=6) for lv in campaign()]
    monkeypatch.setattr(server.host, "campaign", lambda folder=None: short)
    history = paint_history
    app.autopilot = True
    run_until(app, start_solo(app, "first-retreat", 2, 1),
              lambda s: isinstance(s, (StoryScene, MatchScene)))
    match = run_until(app, None, lambda s: isinstance(s, MatchScene))
    compared: set[int] = set()

    def played(scene: Any) -> bool:
        mirror = match.m.mirror
        if mirror.tick in history and scene is match:
            assert (mirror.codes == history[mirror.tick]).all()
            compared.add(mirror.tick)
        return len(compared) >= 10 and match.seq >= 10

    run_until(app, None, played)  # the autopilot really plays, and sees the server's grid
    results = run_until(app, None, lambda s: isinstance(s, ResultsScene))
    assert results.online.results is not None
    assert results.online.results["dreamers"]


def test_a_key_can_be_rebound_and_is_saved(app: App, tmp_path: Path) -> None:
    from game.client.flow import BACK
    from game.client.settings_menu import KeysScene

    keys = KeysScene(app)
    first = keys.menu.choices[0].key
    keys.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_RETURN))
    assert keys.waiting == first
    assert keys.capturing
    keys.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_i))
    assert app.settings.keys[first] == "i"
    keys.draw(app.screen)
    keys.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_ESCAPE))
    assert keys.update(0.1) is BACK
    assert keys.update(0.1) is keys  # a step is taken once
    assert '"i"' in (tmp_path / "settings.json").read_text()


def test_a_bug_in_a_scene_lands_on_a_message_not_a_traceback(app: App) -> None:
    from game.client.flow import Scene
    from game.client.message import MessageScene

    class Broken(Scene):
        def handle(self, ev: Any) -> None:
            pass

        def update(self, dt: float) -> Any:
            raise RuntimeError("the dream folded")

        def draw(self, screen: Any) -> None:
            pass

    seen: list[Any] = []
    real_frame = app._frame

    def frame(dt: float) -> bool:
        seen.append(app.scene)
        if len(seen) > 3:
            return False
        return real_frame(dt)

    app._frame = frame  # type: ignore[method-assign]
    assert app.run(Broken()) == 0
    assert isinstance(seen[1], MessageScene)
    assert "the dream folded" in seen[1].body


@pytest.mark.parametrize("size", SIZES)
def test_every_story_card_fits_the_window(app: App, size: tuple[int, int]) -> None:
    """Title, story, goal, the controls and 'press any key': in order, none overlapping,
    all inside the window, for every retreat at every window size."""
    import types

    from game.client.story import StoryScene
    from game.retreats import campaign
    from tests.client.conftest import fake_online

    for level in campaign():
        online, _ = fake_online()
        online.match = types.SimpleNamespace(level=level)  # type: ignore[assignment]
        lines = [ln for ln in StoryScene(app, online).layout(size) if ln[0]]
        assert [w for _, _, _, w in lines][-2:] == ["controls", "key"]
        assert any(w == "story" for _, _, _, w in lines)
        for (_, s1, y1, _), (_, s2, y2, _) in itertools.pairwise(lines):
            assert y1 + s1 // 2 <= y2 - s2 // 2 + 2, (level.name, size)
        assert lines[-1][2] + lines[-1][1] // 2 <= size[1]
