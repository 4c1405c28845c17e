"""Sound effects and the ambient loop, and silence when there is no way to play them.

    audio = Audio.start(settings.volume)   # never raises; silent without a sound device
    audio.play("paint")                    # at most once per cooldown (paint: 120 ms)
    audio.play_event(event.kind)           # a game.sim EventKind's sound, if it has one
    audio.music(True)                      # loop the ambient track (fades in)
    audio.set_volume(0.4)

Nothing here raises for want of sound: no audio device, no mixer module in this pygame, a
missing or unreadable sound file all end in silence and one line in the log (`logging`,
logger "game.client.audio"). Sounds load lazily on first play and are cached.

Imports pygame, game.client.assets and game.sim.events.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections.abc import Callable, Mapping

import pygame

from game.client.assets import Assets
from game.sim.events import EventKind

__all__ = ["COOLDOWNS", "DEFAULT_COOLDOWN", "EVENT_SOUNDS", "MUSIC_LEVEL", "Audio"]

log = logging.getLogger(__name__)

DEFAULT_COOLDOWN = 0.06
"""seconds between two plays of one sound, unless COOLDOWNS says otherwise"""

COOLDOWNS: dict[str, float] = {
    "paint": 0.12, "click": 0.04, "ping": 0.2, "shove": 0.1, "distort": 0.15, "burst": 0.3,
    "beacon": 0.2, "rally": 0.3, "asleep": 0.3, "revive": 0.3, "awaken": 0.12,
    "rift_sealed": 0.5, "hijack": 1.0, "warning": 1.5, "victory": 2.0, "fracture": 2.0,
}

GAINS: dict[str, float] = {"paint": 0.7, "click": 0.8}
"""per-sound level under the master volume (1.0 when not listed)"""

MUSIC_LEVEL = 0.55
"""the ambient loop's level under the master volume"""

EVENT_SOUNDS: dict[int, str] = {
    EventKind.PAINTED: "paint",
    EventKind.DISTORTED: "distort",
    EventKind.ASLEEP: "asleep",
    EventKind.REVIVED: "revive",
    EventKind.AWAKENED: "awaken",
    EventKind.RIFT_SEALED: "rift_sealed",
    EventKind.HIJACK: "hijack",
    EventKind.METER_WARNING: "warning",
    EventKind.VICTORY: "victory",
    EventKind.FRACTURE: "fracture",
    EventKind.PING: "ping",
    EventKind.SHOVE: "shove",
    EventKind.BURST: "burst",
    EventKind.BEACON: "beacon",
    EventKind.RALLY: "rally",
    EventKind.ETHAN_DRIVEN_OUT: "awaken",
}
"""The sound of each game.sim EventKind that has one. The caller chooses which events are
worth hearing (e.g. PAINTED only for your own dreamer)."""

# Errors that mean "no sound here": SDL's, pygame's stand-in for a module it was built
# without (NotImplementedError), and files that cannot be opened.
_SOUNDLESS = (pygame.error, NotImplementedError, OSError)


def _clamp(v: float) -> float:
    v = float(v)
    return 0.0 if math.isnan(v) else min(max(v, 0.0), 1.0)


class Audio:
    """The game's sound. Build it with `Audio.start(volume)`; an Audio that was never started
    (or whose start found no device) is silent: every method is then a cheap no-op."""

    def __init__(self, assets: Assets | None = None, *,
                 clock: Callable[[], float] = time.monotonic,
                 cooldowns: Mapping[str, float] | None = None) -> None:
        """assets: where the sound files are (default: the game's assets, found on start);
        clock: seconds, for the cooldowns; cooldowns: overrides COOLDOWNS per sound."""
        self._assets = assets
        self._clock = clock
        self._cooldowns = {**COOLDOWNS, **(cooldowns or {})}
        self._volume = 0.8
        self._enabled = False
        self._started = False
        self._owns_mixer = False
        self._sounds: dict[str, pygame.mixer.Sound | None] = {}
        self._last: dict[str, float] = {}
        self._music_wanted = False
        self._music_playing = False
        self._music_failed = False

    # ------------------------------------------------------------- lifecycle
    @classmethod
    def start(cls, volume: float = 0.8, assets: Assets | None = None, *,
              clock: Callable[[], float] = time.monotonic) -> Audio:
        """An Audio at master `volume` (0..1, clamped) with the mixer opened if it can be:
        pygame.mixer.init() unless the mixer is already up. With no audio device (any
        pygame.error), no mixer module or no assets folder it logs one warning and returns
        a silent Audio. Never raises."""
        audio = cls(assets, clock=clock)
        audio.open(volume)
        return audio

    def open(self, volume: float | None = None) -> bool:
        """Open the mixer (what start() does, for an Audio built directly); True when sound
        is on. A second call only sets the volume: after a failure it stays silent."""
        if volume is not None:
            self._volume = _clamp(volume)
        if self._started:
            return self._enabled
        self._started = True
        try:
            if self._assets is None:
                self._assets = Assets()
            if not pygame.mixer.get_init():
                pygame.mixer.init(frequency=44100, size=-16, channels=2, buffer=512)
                self._owns_mixer = True
            pygame.mixer.set_num_channels(16)
        except _SOUNDLESS as exc:
            log.warning("no sound (%s): the dream goes on in silence",
                        str(exc) or type(exc).__name__)
            return False
        self._enabled = True
        if self._music_wanted:
            self._start_music()
        return True

    def close(self) -> None:
        """Stop every sound and the music; quit the mixer if this Audio opened it. The Audio
        is silent afterwards until open() is called again."""
        if self._enabled:
            try:
                pygame.mixer.stop()
                pygame.mixer.music.stop()
                if self._owns_mixer:
                    pygame.mixer.quit()
            except _SOUNDLESS:
                pass
        self._enabled = self._started = self._owns_mixer = False
        self._music_playing = False
        self._sounds.clear()

    @property
    def enabled(self) -> bool:
        """True when sounds actually play (a mixer is open)."""
        return self._enabled

    @property
    def volume(self) -> float:
        """The master volume, 0..1."""
        return self._volume

    def set_volume(self, v: float) -> None:
        """Set the master volume (clamped to 0..1; NaN counts as 0). Applies to the music at
        once and to every sound played from now on."""
        self._volume = _clamp(v)
        if self._enabled and self._music_playing:
            with contextlib.suppress(*_SOUNDLESS):
                pygame.mixer.music.set_volume(self._volume * MUSIC_LEVEL)

    # ---------------------------------------------------------------- effects
    def play(self, name: str, volume: float = 1.0) -> bool:
        """Play sound effect `name` (see game.client.assets.SOUNDS) at `volume` x the master
        volume; True if it started. Does nothing (False) when silent, within the sound's
        cooldown of its last play, or when the sound cannot be loaded (logged once per
        name)."""
        if not self._enabled:
            return False
        now = self._clock()
        last = self._last.get(name)
        if last is not None and now - last < self._cooldowns.get(name, DEFAULT_COOLDOWN):
            return False
        sound = self._sound(name)
        if sound is None:
            return False
        self._last[name] = now
        try:
            sound.set_volume(_clamp(self._volume * volume * GAINS.get(name, 1.0)))
            sound.play()
        except _SOUNDLESS:
            return False
        return True

    def play_event(self, kind: int) -> bool:
        """Play the sound of a game.sim EventKind (EVENT_SOUNDS); False if it has none or
        play() declined."""
        name = EVENT_SOUNDS.get(int(kind))
        return self.play(name) if name is not None else False

    def _sound(self, name: str) -> pygame.mixer.Sound | None:
        if name in self._sounds:
            return self._sounds[name]
        sound: pygame.mixer.Sound | None = None
        assert self._assets is not None
        try:
            sound = pygame.mixer.Sound(str(self._assets.sound_path(name)))
        except _SOUNDLESS as exc:
            log.warning("sound %r cannot play: %s", name, exc)
        self._sounds[name] = sound
        return sound

    # ------------------------------------------------------------------ music
    def music(self, on: bool) -> None:
        """Loop the ambient track (fading in over 1.5 s) or fade it out (0.8 s). Asked
        before the mixer is open, it starts when it opens. Silent on any failure (logged
        once)."""
        self._music_wanted = on
        if not self._enabled:
            return
        if on:
            self._start_music()
        elif self._music_playing:
            self._music_playing = False
            with contextlib.suppress(*_SOUNDLESS):
                pygame.mixer.music.fadeout(800)

    def _start_music(self) -> None:
        if self._music_playing or self._music_failed:
            return
        assert self._assets is not None
        try:
            pygame.mixer.music.load(str(self._assets.music_path()))
            pygame.mixer.music.set_volume(self._volume * MUSIC_LEVEL)
            pygame.mixer.music.play(loops=-1, fade_ms=1500)
        except _SOUNDLESS as exc:
            self._music_failed = True
            log.warning("the ambient loop cannot play: %s", exc)
            return
        self._music_playing = True
