"""The shipped assets: every sprite and sound is there, loads and has its size; fonts fall
back; the sound works with the dummy driver, with a mixer that fails and with none at all;
and assets/make_assets.py rebuilds byte-identical sprites."""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"

import importlib.util
import logging
import subprocess
import sys
import wave
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pygame
import pytest

from game.client import assets as assets_mod
from game.client.assets import MUSIC, SOUNDS, SPRITES, Assets, beacon_sprite, dreamer_sprite
from game.client.audio import EVENT_SOUNDS, Audio
from game.paths import assets_dir
from game.sim.events import EventKind

ROOT = assets_dir()
SCRIPT = ROOT / "make_assets.py"

EXPECTED_SPRITES = {
    **{f"dreamer_{realm}_{role}": 64 for realm in ("sanctuary", "rest")
       for role in ("architect", "innovator", "organizer")},
    "cadre": 64, "ethan": 96, "rift": 64, "rift_sealed": 64,
    "beacon_sanctuary": 24, "beacon_rest": 24,
    "ping_nightmare": 24, "ping_help": 24, "ping_rift": 24,
    "asleep": 16, "distorted": 24,
}
EXPECTED_SOUNDS = ("paint", "burst", "beacon", "rally", "shove", "distort", "asleep",
                   "revive", "awaken", "rift_sealed", "hijack", "warning", "ping", "victory",
                   "fracture", "click")


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def mixer_down() -> Iterator[None]:
    """The mixer closed for the test, and put back as it was afterwards."""
    was = pygame.mixer.get_init()
    pygame.mixer.quit()
    yield
    pygame.mixer.quit()
    if was:
        pygame.mixer.init(*was)


# ------------------------------------------------------------------ the files
def test_the_lists_name_everything_the_game_asks_for() -> None:
    assert SPRITES == EXPECTED_SPRITES
    assert set(SOUNDS) == set(EXPECTED_SOUNDS)
    assert Assets().missing() == []


def test_every_sprite_loads_with_its_size_on_a_transparent_background() -> None:
    a = Assets()
    for name, size in EXPECTED_SPRITES.items():
        surf = a.sprite(name)
        assert surf.get_size() == (size, size), name
        assert surf.get_flags() & pygame.SRCALPHA, name
        alpha = pygame.surfarray.array_alpha(surf)
        assert alpha[0, 0] == alpha[-1, -1] == 0, f"{name}: corners must be transparent"
        assert alpha.max() >= 240, f"{name}: nothing opaque drawn"
        assert a.sprite(name + ".png") is surf


def test_the_realms_differ_by_colour() -> None:
    a = Assets()

    def mean_colour(name: str) -> tuple[float, float, float]:
        s = pygame.surfarray.array3d(a.sprite(name)).reshape(-1, 3).astype(float)
        w = pygame.surfarray.array_alpha(a.sprite(name)).reshape(-1).astype(float)
        r, g, b = (s * w[:, None]).sum(axis=0) / w.sum()
        return r, g, b

    for role in ("architect", "innovator", "organizer"):
        r1, _, b1 = mean_colour(f"dreamer_sanctuary_{role}")
        r2, g2, b2 = mean_colour(f"dreamer_rest_{role}")
        assert r1 > b1 + 60, "Sanctuary is warm gold"
        assert g2 > r2 + 40 and b2 > r2 + 30, "the Rest Zones are teal"


def edge_and_inside(name: str) -> tuple[float, float]:
    """The mean brightness of a sprite's opaque edge and of its opaque inside."""
    surf = Assets().sprite(name)
    body = pygame.surfarray.array_alpha(surf) >= 200
    inside = np.zeros_like(body)
    inside[1:-1, 1:-1] = (body[1:-1, 1:-1] & body[:-2, 1:-1] & body[2:, 1:-1]
                          & body[1:-1, :-2] & body[1:-1, 2:])
    light = pygame.surfarray.array3d(surf).astype(float).mean(axis=2)
    return float(light[body & ~inside].mean()), float(light[inside].mean())


def test_the_cadre_wear_a_pale_rim_that_reads_on_nightmare() -> None:
    edge, inside = edge_and_inside("cadre")
    assert edge > 160 and edge > inside + 80
    # the dreamers keep a darker outline, for their bright realms' paint
    for realm in ("sanctuary", "rest"):
        edge, inside = edge_and_inside(f"dreamer_{realm}_architect")
        assert edge < inside


def test_sprite_names_for_realm_and_role() -> None:
    assert dreamer_sprite(1, 1) == "dreamer_sanctuary_architect"
    assert dreamer_sprite(2, 3) == "dreamer_rest_organizer"
    assert beacon_sprite(2) == "beacon_rest"
    with pytest.raises(ValueError):
        dreamer_sprite(0, 1)
    assert Assets().dreamer(2, 2).get_size() == (64, 64)
    assert Assets().beacon(1, 12).get_size() == (12, 12)


def test_scaled_sprites_are_cached_and_sized() -> None:
    a = Assets()
    big = a.sprite("cadre", 64)
    assert big.get_size() == (64, 64)
    assert a.sprite("cadre", 64) is big
    assert a.sprite("rift", (40, 20)).get_size() == (40, 20)
    assert a.sprite("ethan", 96) is a.sprite("ethan")
    with pytest.raises(ValueError):
        a.sprite("cadre", 0)


def test_sprites_are_converted_once_a_window_exists() -> None:
    a = Assets()
    before = a.sprite("asleep")
    pygame.display.init()
    try:
        screen = pygame.display.set_mode((64, 64))
        after = a.sprite("asleep")
        assert after.get_size() == before.get_size() == (16, 16)
        assert after.get_flags() & pygame.SRCALPHA
        assert a.sprite("asleep") is after
        screen.blit(a.sprite("asleep", 32), (0, 0))
    finally:
        pygame.display.quit()
        a.clear()


def test_a_missing_sprite_names_its_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as err:
        Assets(tmp_path).sprite("dreamer_nowhere")
    assert err.value.filename == str(tmp_path / "sprites" / "dreamer_nowhere.png")
    assert "dreamer_nowhere.png" in str(err.value)
    with pytest.raises(FileNotFoundError, match=r"sounds/paint\.wav"):
        Assets(tmp_path).sound_path("paint")
    assert len(Assets(tmp_path).missing()) == len(SPRITES) + len(SOUNDS) + 2


def test_fonts_by_size_and_the_default_font_fallback(tmp_path: Path,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    a = Assets()
    f = a.font(18)
    assert a.font(18) is f
    assert a.font(18, bold=True) is not f
    assert a.font(18, bold=True).bold
    assert f.render("Night of Unity", True, (255, 255, 255)).get_height() > 10
    with caplog.at_level(logging.WARNING):
        bare = Assets(tmp_path)
        g = bare.font(14)
        bare.font(22)
    assert g.render("dawn", True, (255, 255, 255)).get_width() > 0
    assert sum("font" in r.message for r in caplog.records) == 1
    with pytest.raises(ValueError):
        a.font(0)


def test_every_sound_is_short_soft_mono_16_bit_22050_and_loads(mixer_down: None) -> None:
    pygame.mixer.init()
    a = Assets()
    for name in (*EXPECTED_SOUNDS, MUSIC):
        path = a.sound_path(name)
        with wave.open(str(path)) as w:
            assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 22050)
            seconds = w.getnframes() / 22050
        if name == MUSIC:
            assert 20 <= seconds <= 30
            assert path.stat().st_size < 1.5e6
        else:
            assert 0.03 <= seconds <= 3.0, name
        assert pygame.mixer.Sound(str(path)).get_length() > 0


def test_the_assets_stay_small() -> None:
    total = sum(p.stat().st_size for p in ROOT.rglob("*")
                if p.is_file() and "__pycache__" not in p.parts)
    assert total < 3.0e6


# ------------------------------------------------------------------ the sound
def test_audio_with_the_dummy_driver(mixer_down: None) -> None:
    clock = Clock()
    audio = Audio.start(0.5, clock=clock)
    try:
        assert audio.enabled and audio.volume == 0.5
        assert audio.play("paint")
        assert not audio.play("paint"), "paint cannot machine-gun"
        clock.t += 0.05
        assert not audio.play("paint")
        clock.t += 0.08
        assert audio.play("paint")
        assert audio.play("click")
        assert audio.play_event(EventKind.RIFT_SEALED)
        assert not audio.play_event(EventKind.DREAMER_JOINED)
        assert not audio.play("no_such_sound")
        audio.music(True)
        audio.music(True)
        audio.set_volume(2.0)
        assert audio.volume == 1.0
        audio.set_volume(float("nan"))
        assert audio.volume == 0.0
        audio.music(False)
    finally:
        audio.close()
    assert not audio.enabled
    assert not audio.play("victory")


def test_every_event_sound_is_shipped() -> None:
    assert set(EVENT_SOUNDS.values()) <= set(SOUNDS)


def quiet_everything(audio: Audio) -> None:
    assert not audio.enabled
    for name in (*EXPECTED_SOUNDS, "no_such_sound"):
        assert not audio.play(name)
    assert not audio.play_event(EventKind.VICTORY)
    audio.music(True)
    audio.set_volume(0.3)
    audio.music(False)
    audio.close()


def test_audio_is_silent_when_the_mixer_cannot_start(
        mixer_down: None, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    def no_device(*args: Any, **kwargs: Any) -> None:
        raise pygame.error("No available audio device")

    monkeypatch.setattr(pygame.mixer, "init", no_device)
    with caplog.at_level(logging.WARNING, logger="game.client.audio"):
        audio = Audio.start(0.7)
        assert audio.open(0.7) is False
        quiet_everything(audio)
    warnings = [r for r in caplog.records if r.name == "game.client.audio"]
    assert len(warnings) == 1 and "No available audio device" in warnings[0].getMessage()
    assert warnings[0].exc_info is None


def test_audio_is_silent_without_a_mixer_module(monkeypatch: pytest.MonkeyPatch) -> None:
    class MissingModule:
        def __getattr__(self, name: str) -> Any:
            raise NotImplementedError("mixer module not available")

    monkeypatch.setattr(pygame, "mixer", MissingModule())
    quiet_everything(Audio.start(0.5))


def test_audio_is_silent_without_assets(mixer_down: None, tmp_path: Path) -> None:
    audio = Audio.start(0.5, Assets(tmp_path))
    try:
        assert audio.enabled
        assert not audio.play("paint")
        audio.music(True)
    finally:
        audio.close()


# -------------------------------------------------------------- the generator
def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_assets", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    was, sys.dont_write_bytecode = sys.dont_write_bytecode, True   # no __pycache__ in assets/
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = was
    return module


def test_the_generator_and_the_client_agree_on_the_names() -> None:
    script = load_script()
    assert script.SPRITE_SIZES == SPRITES
    assert tuple(script.SOUND_NAMES) == (*SOUNDS, MUSIC)
    assert assets_mod.FONT_FILE in {p.name for p in (ROOT / "fonts").iterdir()}


def test_make_assets_rebuilds_byte_identical_sprites(tmp_path: Path) -> None:
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    done = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path)], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    for name in EXPECTED_SPRITES:
        made = (tmp_path / "sprites" / f"{name}.png").read_bytes()
        assert made == (ROOT / "sprites" / f"{name}.png").read_bytes(), name
    for name in (*EXPECTED_SOUNDS, MUSIC):
        with wave.open(str(tmp_path / "sounds" / f"{name}.wav")) as made_w, \
                wave.open(str(ROOT / "sounds" / f"{name}.wav")) as shipped:
            assert made_w.getnframes() == shipped.getnframes(), name
