"""How long things may last on a host: a connection that has not said HELLO, a client that says
nothing, an empty room. Rules only; the host's janitor applies them. Time is passed in.

Imports game.net.session (phases) and the server's config only.

- HELLO must come within `limits.hello_seconds` of the websocket handshake.
- Outside a match (in the lobby, or in a room between nights) a client that sends nothing but
  pings for `limits.idle_seconds` is closed: the websocket's own ping/pong and the protocol's
  PING are not activity. In a room, anything that changes the room (someone joins, chooses,
  readies, a night ends) counts as activity for everyone in it. In a match an idle dreamer is
  only idle (watching is playing), and is never closed for it.
- Both close with the standard close code 1008 (policy violation) and a reason that says why.
- A room with no connected player closes `rooms.empty_grace_seconds` after its last player
  left, but not while a dropped player's seat is still held for them.
"""

from __future__ import annotations

from game.net.session import Phase
from server.config import ServerConfig

__all__ = ["TIMED_OUT", "overdue", "room_expired"]

TIMED_OUT = 1008
"""the close code for a client closed for silence (RFC 6455: policy violation)"""


def overdue(phase: Phase, opened_at: float, heard_at: float, now: float,
            config: ServerConfig) -> tuple[str, str] | None:
    """Whether a connection in `phase`, opened at `opened_at` and last heard from (or its room
    last changed) at `heard_at`, must be closed at `now`: (metrics reason, close reason), or
    None if it may stay."""
    if phase is Phase.HELLO:
        if now - opened_at > config.hello_seconds:
            return "no_hello", f"no HELLO within {config.hello_seconds:g} s of connecting"
    elif phase in (Phase.LOBBY, Phase.ROOM) and now - heard_at > config.idle_seconds:
        return "idle", f"nothing but pings for {config.idle_seconds:g} s"
    return None


def room_expired(empty_since: float | None, held_until: list[float], now: float,
                 grace: float) -> bool:
    """Whether a room empty of connected players since `empty_since` (None: not empty) must
    close at `now`, given its held seats' deadlines."""
    if empty_since is None or now - empty_since <= grace:
        return False
    return not any(until > now for until in held_until)
