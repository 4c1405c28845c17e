"""Where the settings live (platformdirs, the old folder still read, the override for
tests) and the name a new player gets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import game.client.settings as settings_mod
from game.client.settings import Settings, config_dir, dream_name


def test_the_folder_is_the_platforms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DREAMLAYER_CONFIG_DIR", raising=False)
    monkeypatch.setattr(settings_mod, "user_config_dir",
                        lambda app, appauthor=None: str(tmp_path / "platform" / app))
    assert config_dir() == tmp_path / "platform" / "dreamlayer"
    monkeypatch.setenv("DREAMLAYER_CONFIG_DIR", str(tmp_path / "override"))
    assert config_dir() == tmp_path / "override"


def test_on_linux_it_is_the_old_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    if not sys.platform.startswith("linux"):
        pytest.skip("the XDG folder is Linux's")
    monkeypatch.delenv("DREAMLAYER_CONFIG_DIR", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert config_dir() == tmp_path / "dreamlayer"


def test_the_old_file_is_read_where_the_platform_has_none(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DREAMLAYER_CONFIG_DIR", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(settings_mod, "user_config_dir",
                        lambda app, appauthor=None: str(tmp_path / "Library" / app))
    old = tmp_path / "xdg" / "dreamlayer" / "settings.json"
    old.parent.mkdir(parents=True)
    old.write_text(json.dumps({"name": "Jade", "volume": 0.3}))
    s = Settings.load()
    assert (s.name, s.volume) == ("Jade", 0.3)
    s.save()  # saving writes the platform's folder from now on
    assert json.loads((tmp_path / "Library" / "dreamlayer" / "settings.json").read_text())[
        "name"] == "Jade"


def test_a_new_player_gets_a_dream_name_once(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DREAMLAYER_CONFIG_DIR", str(tmp_path))
    first = Settings.load()
    adjective, thing = first.name.split(" ")
    assert adjective in settings_mod._DREAMY and thing in settings_mod._THINGS
    assert (tmp_path / "settings.json").exists()  # chosen once, kept
    assert Settings.load().name == first.name


def test_dream_names_vary() -> None:
    assert len({dream_name() for _ in range(200)}) > 20
