"""Questions the screens ask of the room's roster, as `Online` holds it: this player's own
line, whether this player is the room's host, who else is there.

Imports game.net.records only (and game.client.online for its type).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from game.net.records import LobbyPlayer

if TYPE_CHECKING:
    from game.client.online import Online

__all__ = ["is_host", "my_line", "others", "players"]


def players(online: Online) -> list[LobbyPlayer]:
    """The roster of the last LOBBY (empty before one)."""
    roster: list[LobbyPlayer] = (online.lobby or {}).get("players", [])
    return roster


def my_line(online: Online) -> LobbyPlayer | None:
    """This player's line (None before the roster names it)."""
    return next((p for p in players(online) if p.player == online.player and not p.bot), None)


def is_host(online: Online) -> bool:
    """Whether this player hosts the room now (the roster knows when the host moved on;
    before a roster, the JOINED said)."""
    mine = my_line(online)
    return mine.host if mine is not None else online.is_host


def others(online: Online) -> list[LobbyPlayer]:
    """The other people in the room (no bots)."""
    return [p for p in players(online) if not p.bot and p.player != online.player]
