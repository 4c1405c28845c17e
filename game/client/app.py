"""The pygame client: one window, one loop at 60 frames a second, a stack of scenes.

`run_play(...)` opens the title screen (or, with `solo=True`, goes straight into a local
match played by an ally bot in your dreamer's place, for automation). `run_join(url,
code)` joins a room from the command line, `run_replay(path)` watches a replay. Nothing
here may end in a traceback: any error while running lands on a message screen with a way
back to the menu.

The only package that imports pygame is game.client.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

import pygame

from game.client.flow import Go, Place, Scene, SceneStack, Step
from game.client.online import Online
from game.client.settings import Settings

__all__ = ["App", "run_join", "run_play", "run_replay"]

log = logging.getLogger("dreamlayer.client")


class App:
    """The window, the settings, the sound, and the stack of scenes shown (the top one
    live). Scenes answer where to go next; `follow()` carries it out and `resolve()`
    builds the places they name (game.client.flow)."""

    def __init__(self, settings: Settings, autopilot: bool = False) -> None:
        pygame.init()
        from game.client.ui import forget_fonts

        forget_fonts()
        self.settings = settings
        self.autopilot = autopilot
        self.screen = self._open_window()
        pygame.display.set_caption("Dreamlayer")
        self.clock = pygame.time.Clock()
        self.online: Online | None = None
        self.stack = SceneStack(self.resolve)
        self.audio: Any = None
        self.assets: Any = None
        try:
            from game.client.assets import Assets

            self.assets = Assets()
        except Exception as e:  # the shipped art is missing: draw shapes instead
            log.warning("no sprites: %s", e)
        try:
            from game.client.audio import Audio

            self.audio = Audio.start(settings.volume, self.assets)
        except Exception as e:  # sound is a nicety: the game runs without it
            log.warning("no sound: %s", e)

    def _open_window(self) -> pygame.Surface:
        s = self.settings
        flags = pygame.FULLSCREEN if s.fullscreen else 0
        try:
            return pygame.display.set_mode((s.width, s.height), flags)
        except pygame.error:
            return pygame.display.set_mode((1280, 720))

    def apply_settings(self) -> None:
        self.screen = self._open_window()
        if self.audio is not None:
            self.audio.set_volume(self.settings.volume)

    def error_scene(self, text: str) -> Scene:
        """The message every failure ends on (the room and the server are left)."""
        from game.client.message import MessageScene

        self._drop_online()
        return MessageScene(self, "The dream was interrupted", text)

    def resolve(self, go: Go) -> Scene | None:
        """Build the scene for `go` (the scenes name a place; the App knows how to build
        it, so the scene modules need not import each other)."""
        from game.client.lobby import LobbyScene
        from game.client.results import ResultsScene
        from game.client.story import StoryScene
        from game.client.title import TitleScene

        if go.place is Place.TITLE:
            self._drop_online()
            return TitleScene(self, go.note)
        online = self.online
        if online is None:
            return self.error_scene("The connection to the server was lost.")
        if go.place is Place.STORY:
            return StoryScene(self, online, autopilot=self.autopilot)
        if go.place is Place.RESULTS:
            return ResultsScene(self, online)
        if go.place is Place.LOBBY:
            return LobbyScene(self, online)
        from game.client.match import MatchScene

        return MatchScene(self, online, autopilot=self.autopilot)

    @property
    def scene(self) -> Scene | None:
        """The scene on top: the one shown and fed events."""
        return self.stack.top

    @scene.setter
    def scene(self, scene: Scene | None) -> None:
        """Show `scene` alone (None: nothing, the loop ends)."""
        self.stack.scenes = [scene] if scene is not None else []

    def follow(self, step: Step) -> None:
        """Carry out what the top scene's update answered (see game.client.flow)."""
        self.stack.follow(step)

    def _drop_online(self) -> None:
        if self.online is not None:
            self.online.link.close()
            self.online = None

    def _toggles_fullscreen(self, ev: pygame.event.Event) -> bool:
        scene = self.scene
        if ev.type != pygame.KEYDOWN or (scene is not None and scene.capturing):
            return False
        try:
            code = pygame.key.key_code(self.settings.keys.get("fullscreen", "f11"))
        except (ValueError, pygame.error):
            return False
        return bool(ev.key == code)

    def _frame(self, dt: float) -> bool:
        """One frame: events, update, draw. False when the game should close."""
        for ev in pygame.event.get():
            if ev.type == pygame.QUIT:
                self.scene = None
                return False
            if self._toggles_fullscreen(ev):
                self.settings.fullscreen = not self.settings.fullscreen
                self.settings.save()
                self.apply_settings()
                continue
            scene = self.scene
            if scene is not None:
                scene.handle(ev)
        scene = self.scene
        if scene is None:
            return False
        self.follow(scene.update(dt))
        scene = self.scene
        if scene is None:
            return False
        scene.draw(self.screen)
        pygame.display.flip()
        return True

    def run(self, first: Scene, quit_after: float | None = None,
            screenshot: Path | None = None) -> int:
        """The frame loop. Returns 0, or 1 when automation could not take its screenshot."""
        self.stack.scenes = [first]
        started = time.monotonic()
        status = 0
        shot_taken = False
        try:
            while self.scene is not None:
                dt = self.clock.tick(60) / 1000.0
                try:
                    if not self._frame(dt):
                        break
                except Exception as e:  # a bug: the player gets words, the log the trace
                    log.exception("the client failed")
                    self.scene = self.error_scene(
                        f"Something went wrong in the game ({type(e).__name__}: {e}). "
                        f"The details are in {log_path()}.")
                    continue
                if quit_after is not None and time.monotonic() - started >= quit_after:
                    if screenshot is not None:
                        pygame.image.save(self.screen, str(screenshot))
                        shot_taken = True
                    break
        except Exception:
            log.exception("the client failed")
            status = 1
        finally:
            self._drop_online()
            pygame.quit()
        if screenshot is not None and not shot_taken:
            status = 1
        return status


def log_path() -> Path:
    from game.client.settings import config_dir

    return config_dir() / "dreamlayer.log"


def _log_to_file() -> None:
    """Warnings and errors (with their traces) go to a file in the config folder; the
    terminal stays quiet."""
    path = log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def run_play(solo: bool = False, level: str = "first-retreat", allies: int = 3,
             hazard: int = 1, screenshot: Path | None = None,
             quit_after: float | None = None) -> int:
    """`dreamlayer play`: the title screen, or a solo match straight away."""
    from game.client.solo import start_solo
    from game.client.title import TitleScene

    _log_to_file()
    app = App(Settings.load(), autopilot=solo)
    first = start_solo(app, level, allies, hazard) if solo else TitleScene(app)
    return app.run(first, quit_after, screenshot)


def run_join(url: str, code: str, password: str = "") -> int:
    """`dreamlayer join ws://HOST:PORT CODE`."""
    from game.client.joining import join

    _log_to_file()
    app = App(Settings.load())
    return app.run(join(app, url, code.upper(), password))


def run_replay(path: str | Path, level: str | Path | None = None,
               any_build: bool = False) -> int:
    """`dreamlayer replay PATH`: the viewer on a replay (or the message saying why it is
    refused); leaving it closes the game."""
    from game.client.viewer import open_replay

    _log_to_file()
    app = App(Settings.load())
    return app.run(open_replay(app, path, level, any_build))
