"""Getting around the menus with real events through the App's frame loop: Settings and
Key bindings, the bound keys the App itself answers, and where each scene goes next."""

from __future__ import annotations

import pygame

from game.client.app import App
from game.client.flow import BACK, Go, Over, Place, SceneStack
from tests.client.conftest import click, frames, key, typed


def test_key_bindings_return_to_the_same_settings_by_done_click_and_escape(app: App) -> None:
    """The old trap: Done, a click on Done and Escape each dropped the player back into
    Key bindings (a rebind prompt opening by itself), and the typed name was lost."""
    from game.client.settings_menu import KeysScene, SettingsScene
    from game.client.title import TitleScene

    app.scene = TitleScene(app)
    frames(app)
    settings = frames(app, *[key(pygame.K_DOWN)] * 4, key(pygame.K_RETURN))
    assert isinstance(settings, SettingsScene)
    before = settings.name.value
    frames(app, click(settings.name.rect.center), typed("Mira"), key(pygame.K_RETURN))
    assert settings.name.value == before + "Mira"
    keys_at = next(i for i, c in enumerate(settings.menu.choices) if c.key == "keys")
    settings.menu.selected = keys_at

    def open_keys() -> KeysScene:
        scene = frames(app, key(pygame.K_RETURN))
        assert isinstance(scene, KeysScene)
        return scene

    def back_in_settings() -> None:
        for _ in range(5):  # and it stays there: nothing reopens by itself
            assert frames(app) is settings
        assert settings.name.value == before + "Mira"

    keys = open_keys()
    frames(app, key(pygame.K_UP))  # the menu wraps round to Done
    assert keys.menu.choices[keys.menu.selected].key == "done"
    frames(app, key(pygame.K_RETURN))
    back_in_settings()

    keys = open_keys()
    assert keys.waiting is None
    frames(app, click(keys.menu.rects[-1].center))
    back_in_settings()

    keys = open_keys()
    frames(app, key(pygame.K_ESCAPE))
    back_in_settings()

    frames(app, key(pygame.K_ESCAPE))  # and Settings goes back to the title
    assert isinstance(app.scene, TitleScene)


def test_the_fullscreen_key_is_the_bound_one_and_stays_out_of_a_key_prompt(app: App) -> None:
    from game.client.settings_menu import KeysScene

    keys = KeysScene(app)
    app.scene = keys
    app.settings.keys["fullscreen"] = "f10"
    frames(app, key(pygame.K_F11))
    assert not app.settings.fullscreen
    frames(app, key(pygame.K_F10))
    assert app.settings.fullscreen
    frames(app, key(pygame.K_F10))
    assert not app.settings.fullscreen
    keys.waiting = "emote"  # a key prompt takes every key, the fullscreen one too
    frames(app, key(pygame.K_F10))
    assert not app.settings.fullscreen
    assert app.settings.keys["emote"] == "f10"


def test_the_title_shows_why_the_player_is_back(app: App) -> None:
    from game.client.title import TitleScene

    app.follow(Go(Place.TITLE, "You left the retreat."))
    assert isinstance(app.scene, TitleScene)
    assert app.scene.note == "You left the retreat."


def test_a_scene_stack_carries_out_each_step_once() -> None:
    from game.client.flow import Scene

    made: list[Go] = []
    a, b, c = Scene(), Scene(), Scene()

    def resolve(go: Go) -> Scene:
        made.append(go)
        return c

    stack = SceneStack(resolve, a)
    stack.follow(Over(b))
    assert stack.scenes == [a, b]
    stack.follow(b)  # staying
    assert stack.scenes == [a, b]
    stack.follow(BACK)
    assert stack.top is a
    stack.follow(Go(Place.RESULTS))
    assert stack.scenes == [c] and made == [Go(Place.RESULTS)]
    stack.follow(Over(a))
    stack.follow(Go(Place.TITLE))  # the title starts afresh
    assert stack.scenes == [c]
    stack.follow(None)
    assert stack.top is None


def test_settings_follow_the_fullscreen_key(app: App) -> None:
    from game.client.settings_menu import SettingsScene

    settings = SettingsScene(app)
    app.scene = settings
    frames(app, key(pygame.K_F11))
    assert app.settings.fullscreen
    assert next(c for c in settings.menu.choices if c.key == "fs").value == "on"
    settings._save()  # saving the screen keeps what the key did
    assert app.settings.fullscreen
