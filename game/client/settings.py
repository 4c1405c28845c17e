"""The player's settings: key bindings, volume, window size, fullscreen, name, hints.

Saved as JSON in the platform's folder for a user's settings (platformdirs:
`~/.config/dreamlayer` on Linux, honouring `$XDG_CONFIG_HOME`; `~/Library/Application
Support/dreamlayer` on macOS; `%LOCALAPPDATA%\\dreamlayer` on Windows).
`DREAMLAYER_CONFIG_DIR` overrides it, as tests do. Where no file is there yet, the one an
older version kept in `~/.config/dreamlayer` is read (on Linux that is the same place). A
missing file gives the defaults and a fresh dream name, saved at once so it stays the
player's; a broken one is reported once in the log and replaced by the defaults, never a
crash.

Imports the standard library and platformdirs only (key names are pygame's, looked up by
the input module).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from dataclasses import asdict, dataclass, field
from pathlib import Path

from platformdirs import user_config_dir

__all__ = ["DEFAULT_KEYS", "SIZES", "Settings", "config_dir", "dream_name"]

log = logging.getLogger("dreamlayer.settings")

DEFAULT_KEYS: dict[str, str] = {
    "up": "w", "down": "s", "left": "a", "right": "d",
    "ability": "space", "shove": "left shift",
    "ping_nightmare": "1", "ping_help": "2", "ping_rift": "3",
    "emote": "e", "chat": "return", "netstats": "f3", "fullscreen": "f11",
}
SIZES = ((1280, 720), (1600, 900), (1920, 1080), (1024, 576))


_DREAMY = ("Lucid", "Drowsy", "Gentle", "Silver", "Quiet", "Velvet", "Wandering", "Starlit",
           "Hushed", "Amber", "Misty", "Lunar", "Woven", "Tidal", "Drifting", "Dawnlit")
_THINGS = ("Heron", "Lantern", "Comet", "Willow", "Otter", "Harbor", "Sparrow", "Meadow",
           "Moth", "Tide", "Ember", "Fox", "Cloud", "Reed", "Owl", "Lark")


def dream_name() -> str:
    """A fresh name for a new player, e.g. 'Lucid Heron' (256 of them)."""
    return f"{secrets.choice(_DREAMY)} {secrets.choice(_THINGS)}"


def config_dir() -> Path:
    """Where the settings and the log live (see the module's docstring)."""
    env = os.environ.get("DREAMLAYER_CONFIG_DIR")
    if env:
        return Path(env)
    return Path(user_config_dir("dreamlayer", appauthor=False))


def _legacy_dir() -> Path:
    """Where versions before platformdirs kept the settings, on every platform."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "dreamlayer"


@dataclass
class Settings:
    name: str = field(default_factory=dream_name)
    volume: float = 0.6
    width: int = 1280
    height: int = 720
    fullscreen: bool = False
    keys: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_KEYS))
    last_server: str = "ws://127.0.0.1:8765"
    hints: bool = True
    hints_shown: list[str] = field(default_factory=list)
    """the teaching prompts this player has already seen (each shows once)"""
    """show the first night's teaching prompts"""

    @classmethod
    def load(cls) -> Settings:
        """The saved settings; on the first run, fresh ones (with a new dream name) that are
        saved at once, so the name is chosen only once."""
        path = config_dir() / "settings.json"
        if not path.exists() and "DREAMLAYER_CONFIG_DIR" not in os.environ:
            legacy = _legacy_dir() / "settings.json"
            path = legacy if legacy.exists() else path
        if not path.exists():
            fresh = cls()
            fresh.save()
            return fresh
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            s = cls()
            s.name = str(raw.get("name", s.name))[:24] or s.name
            s.volume = min(max(float(raw.get("volume", s.volume)), 0.0), 1.0)
            s.width = min(max(int(raw.get("width", s.width)), 640), 7680)
            s.height = min(max(int(raw.get("height", s.height)), 360), 4320)
            s.fullscreen = bool(raw.get("fullscreen", s.fullscreen))
            keys = raw.get("keys", {})
            if isinstance(keys, dict):
                s.keys.update({k: str(v) for k, v in keys.items() if k in DEFAULT_KEYS})
            s.last_server = str(raw.get("last_server", s.last_server))[:200]
            s.hints = bool(raw.get("hints", s.hints))
            shown = raw.get("hints_shown", [])
            if isinstance(shown, list):
                s.hints_shown = [str(v)[:40] for v in shown[:64]]
            return s
        except (OSError, ValueError, TypeError) as e:
            log.warning("ignoring unreadable settings %s: %s", path, e)
            return cls()

    def save(self) -> None:
        path = config_dir() / "settings.json"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(asdict(self), indent=2), encoding="utf-8")
        except OSError as e:
            log.warning("cannot save settings to %s: %s", path, e)
