"""Saved replays in the client: the title's Replays list a saved replay (date, retreat,
outcome, players) and open it in the viewer, Back returning to the list; one the game
cannot play says why there; the results' "Save replay" fetches the night from the server
that played it (GET /replays, GET /replays/ID on a real server) into the saved replays."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pygame
import pytest

from game.client.app import App
from game.client.replays_menu import ReplaysScene
from game.client.results import ResultsScene
from game.client.sharing import SaveReplay, http_base
from game.client.title import TitleScene
from game.client.viewer import ViewerScene
from game.replay.directory import default_folder
from game.replay.headless import record_bot_match
from game.replay.saved import list_saved, saved_folder
from game.replay.summary import describe
from game.retreats import load_retreat
from tests.client.conftest import ServerThread, fake_online, frames, key, run_until
from tests.replay.conftest import blocks_of, write_blocks

STARTED = 1_700_000_000


@pytest.fixture(scope="module")
def shipped_night(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 4-second night of two stand-in dreamers on the First Retreat."""
    path = tmp_path_factory.mktemp("shipped") / "20231114-first-retreat-abcdef.dlreplay"
    with path.open("wb") as f:
        record_bot_match(load_retreat("first-retreat"), 2, 7, f, night_seconds=4,
                         started=STARTED)
    return path


@pytest.fixture
def saved(shipped_night: Path) -> Iterator[Path]:
    """The night, saved in the player's saved replays."""
    folder = saved_folder()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / shipped_night.name
    shutil.copy(shipped_night, path)
    yield path
    shutil.rmtree(folder)


def labels(scene: Any) -> list[str]:
    return [c.label for c in scene.menu.choices]


def test_the_replays_list_a_saved_night_and_open_it(app: App, saved: Path) -> None:
    app.scene = TitleScene(app)
    frames(app)
    scene = frames(app, *[key(pygame.K_DOWN)] * 3, key(pygame.K_RETURN))
    assert isinstance(scene, ReplaysScene)
    line, *rest = labels(scene)
    assert rest == ["Back"]
    date = dt.datetime.fromtimestamp(STARTED).strftime("%Y-%m-%d %H:%M")
    outcome = describe(saved).as_dict()["outcome"]
    assert line.startswith(f"{date}   The First Retreat   ")
    assert {"dawn": "won at dawn", "fracture": "lost", "sealed": "won, every rift sealed"}[
        outcome] in line
    assert line.endswith("Dreamer 1, Dreamer 2")
    viewer = frames(app, key(pygame.K_RETURN))
    assert isinstance(viewer, ViewerScene) and app.stack.scenes[-2] is scene
    assert viewer.scrubber.tape.header.level.name == "first-retreat"
    frames(app, n=3)  # it plays
    assert frames(app, key(pygame.K_ESCAPE)) is scene  # Back: the list again
    assert isinstance(frames(app, key(pygame.K_ESCAPE)), TitleScene)


def test_a_replay_the_game_cannot_play_says_why_in_the_list(app: App, saved: Path) -> None:
    version, blocks = blocks_of(saved)
    blocks[0][0][1]["game_version"] = "0.0.1"
    write_blocks(saved.with_name("other.dlreplay"), blocks, version)
    scene = ReplaysScene(app)
    app.scene = scene
    assert len(scene.saved) == 2
    other = next(i for i, r in enumerate(scene.saved) if r.path.name == "other.dlreplay")
    scene.menu.selected = other
    assert frames(app, key(pygame.K_RETURN)) is scene
    assert scene.status.startswith("other.dlreplay cannot be played: recorded by Dreamlayer "
                                   "0.0.1, this is")
    assert "--any-build" not in scene.status  # a hint for the command line, not here


def test_no_replays_yet_says_how_to_keep_one(app: App) -> None:
    scene = ReplaysScene(app)
    app.scene = scene
    frames(app)
    assert scene.saved == [] and labels(scene) == ["Back"]


@pytest.fixture
def host(shipped_night: Path) -> Iterator[tuple[ServerThread, dict[str, Any]]]:
    """A real server whose replays folder holds the night (as if it had played it)."""
    server = ServerThread()
    folder = default_folder()
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(shipped_night, folder / shipped_night.name)
    yield server, describe(shipped_night).as_dict()
    server.stop()
    shutil.rmtree(folder)


def test_saving_fetches_the_night_from_the_server(
        host: tuple[ServerThread, dict[str, Any]], shipped_night: Path) -> None:
    server, night = host
    assert http_base(server.url) == server.url.replace("ws://", "http://")
    job = SaveReplay(server.url, night["room"], "first-retreat", night["ticks"],
                     night["outcome"])
    assert job.wait(20) is not None
    what, where = job.wait(0) or ("", "")
    assert what == "saved" and Path(where).parent == saved_folder()
    assert Path(where).read_bytes() == shipped_night.read_bytes()
    other = SaveReplay(server.url, night["room"], "first-retreat", night["ticks"] + 1,
                       night["outcome"]).wait(20)
    assert other == ("failed", "the server kept no replay of this night (it may record none)")
    named = SaveReplay(server.url, "", "", 0, "", replay_id=shipped_night.stem).wait(20)
    assert named is not None and named[0] == "saved"  # MATCH_END naming its replay
    assert Path(named[1]).read_bytes() == shipped_night.read_bytes()
    unknown = SaveReplay(server.url, "", "", 0, "", replay_id="nothing-here").wait(20)
    assert unknown == ("failed", "the server answered 404 Not Found")
    gone = SaveReplay("ws://127.0.0.1:9", "", "first-retreat", 1, "dawn").wait(20)
    assert gone is not None and gone[0] == "failed" and gone[1].startswith("cannot reach")
    assert SaveReplay("http://x", "", "", 0, "").wait(1) == (
        "failed", "not a websocket address: 'http://x'")


def test_the_results_save_the_night_into_the_replays(
        app: App, host: tuple[ServerThread, dict[str, Any]]) -> None:
    server, night = host
    online, link = fake_online()
    link.line = SimpleNamespace(url=server.url)
    online.code = night["room"]
    online.results = {"outcome": {"dawn": 2, "sealed": 1, "fracture": 3}[night["outcome"]],
                      "ticks": night["ticks"], "score": 10, "coverage": [0, 0, 0, 0, 0],
                      "rifts_sealed": 0, "rifts": 2, "awakened": 0, "dreamers": [],
                      "meter_history": [], "level": load_retreat("first-retreat"),
                      "next_level": ""}
    online.lobby = {"players": []}
    scene = ResultsScene(app, online)
    app.online, app.scene = online, scene
    assert labels(scene)[-2:] == ["Save replay", "Back to the menu"]
    scene.menu.selected = len(scene.menu.choices) - 2
    frames(app, key(pygame.K_RETURN))
    assert "Saving the replay..." in labels(scene) or scene.saved
    run_until(app, None, lambda _: bool(scene.saved))
    assert scene.saved.startswith("Saved the replay as ") and "Save replay" not in labels(scene)
    assert scene.saved in scene.what_next()
    assert [r.summary is not None and r.summary.ticks for r in list_saved()] == [night["ticks"]]
    assert isinstance(frames(app, key(pygame.K_ESCAPE)), TitleScene)
