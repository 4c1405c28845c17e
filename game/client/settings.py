"""The player's settings: key bindings, volume, window size, fullscreen, name.

Saved as JSON in the user's config folder (`$XDG_CONFIG_HOME/dreamlayer/settings.json`,
`~/.config/dreamlayer/settings.json` by default; `DREAMLAYER_CONFIG_DIR` overrides it, as
tests do). A missing file gives the defaults; a broken one is reported once in the log and
replaced by the defaults, never a crash.

Imports the standard library only (key names are pygame's, looked up by the input module).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

__all__ = ["DEFAULT_KEYS", "Settings", "config_dir"]

log = logging.getLogger("dreamlayer.settings")

DEFAULT_KEYS: dict[str, str] = {
    "up": "w", "down": "s", "left": "a", "right": "d",
    "ability": "space", "shove": "left shift",
    "ping_nightmare": "1", "ping_help": "2", "ping_rift": "3",
    "emote": "e", "chat": "return", "netstats": "f3", "fullscreen": "f11",
}
SIZES = ((1280, 720), (1600, 900), (1920, 1080), (1024, 576))


def config_dir() -> Path:
    env = os.environ.get("DREAMLAYER_CONFIG_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "dreamlayer"


@dataclass
class Settings:
    name: str = "Dreamer"
    volume: float = 0.6
    width: int = 1280
    height: int = 720
    fullscreen: bool = False
    keys: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_KEYS))
    last_server: str = "ws://127.0.0.1:8765"
    hints: bool = True
    """show the first night's teaching prompts"""

    @classmethod
    def load(cls) -> Settings:
        path = config_dir() / "settings.json"
        if not path.exists():
            return cls()
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
