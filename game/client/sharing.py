"""Saving the night just played: its replay is fetched from the server that ran it (the
local one for solo play and hosting, the host's for an online room) and written into the
player's saved replays (game.replay.saved).

The server records every night it plays and serves them over plain HTTP on its own port:
`GET /replays` lists them, `GET /replays/ID` gives one. When MATCH_END names the night's
replay (a `replay` value: its id) that is fetched; else it is found in the list by its
room, level, length in ticks and outcome (`saved.night_in`). `SaveReplay` does the
fetching in a thread of its own, so the frame loop never waits: `poll()` says how it went
once it is done.

Imports the standard library's urllib and game.replay (saved, format); never pygame.
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from game.replay.format import ReplayError
from game.replay.saved import night_in, save_replay

__all__ = ["SaveReplay", "http_base"]

_TIMEOUT = 10.0
"""seconds each HTTP request may take"""
_MAX_BYTES = 64 << 20
"""the most a replay download may bring (a long night of 8 is well under 1 MB)"""


def http_base(ws_url: str) -> str:
    """The HTTP address of the server at a websocket URL (ws://h:p -> http://h:p).
    Raises ValueError for anything but a ws:// or wss:// URL."""
    parts = urllib.parse.urlsplit(ws_url)
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme)
    if scheme is None or not parts.netloc:
        raise ValueError(f"not a websocket address: {ws_url!r}")
    return f"{scheme}://{parts.netloc}"


class SaveReplay:
    """Fetches one night's replay from a server and saves it (see the module docstring).

    `poll()` is None while it runs; then ("saved", path) or ("failed", why in words)."""

    def __init__(self, ws_url: str, room: str, level: str, ticks: int, outcome: str,
                 folder: Path | None = None, replay_id: str = "") -> None:
        self._args = (room, level, ticks, outcome)
        self._id = replay_id
        self._folder = folder
        self._result: tuple[str, str] | None = None
        try:
            self._base = http_base(ws_url)
        except ValueError as e:
            self._result = ("failed", str(e))
            return
        self._thread = threading.Thread(target=self._run, name="dreamlayer-save-replay",
                                        daemon=True)
        self._thread.start()

    def poll(self) -> tuple[str, str] | None:
        return self._result

    def wait(self, timeout: float) -> tuple[str, str] | None:
        """Wait up to `timeout` seconds for the outcome (tests; the game polls)."""
        if self._result is None:
            self._thread.join(timeout)
        return self._result

    def _run(self) -> None:
        try:
            self._result = ("saved", str(self._fetch()))
        except (OSError, ValueError, ReplayError) as e:
            self._result = ("failed", _words(e))

    def _fetch(self) -> Path:
        replay_id = self._id or self._find()
        data = _get(f"{self._base}/replays/{urllib.parse.quote(replay_id)}")
        return save_replay(data, replay_id, self._folder)

    def _find(self) -> str:
        room, level, ticks, outcome = self._args
        listing = json.loads(_get(f"{self._base}/replays"))
        if not isinstance(listing, list):
            raise ValueError("the server's list of replays is not a list")
        replay_id = night_in([e for e in listing if isinstance(e, dict)], room, level, ticks,
                             outcome)
        if replay_id is None:
            raise ValueError("the server kept no replay of this night (it may record none)")
        return replay_id


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=_TIMEOUT) as answer:
        data: bytes = answer.read(_MAX_BYTES + 1)
    if len(data) > _MAX_BYTES:
        raise ValueError(f"the server sent more than {_MAX_BYTES >> 20} MB")
    return data


def _words(e: Exception) -> str:
    if isinstance(e, urllib.error.HTTPError):
        return f"the server answered {e.code} {e.reason}"
    if isinstance(e, urllib.error.URLError):
        return f"cannot reach the server ({e.reason})"
    if isinstance(e, json.JSONDecodeError):
        return "the server's list of replays is not JSON"
    return str(e)
