"""The rules of a room's roster that need no room: distinct names and where a newcomer sits.

Imports game.sim (realms, roles) and game.match's `lineup` only.
"""

from __future__ import annotations

from collections.abc import Iterable

from game.match import lineup
from game.sim.level import Realm
from game.sim.roles import Role

__all__ = ["NAME_LIMIT", "distinct_name", "next_seat"]

NAME_LIMIT = 32
"""the longest name the wire carries (LOBBY's player names, CHAT_MSG's sender)"""


def distinct_name(wanted: str, taken: Iterable[str], limit: int = NAME_LIMIT) -> str:
    """`wanted`, or if someone in the room already has it (case and width of letters aside),
    the same with the lowest free " 2", " 3"... after it; cut so the whole fits in `limit`
    characters (the number is never cut off)."""
    used = {name.casefold() for name in taken}
    base = wanted[:limit]
    if base.casefold() not in used:
        return base
    n = 2
    while True:
        suffix = f" {n}"
        name = wanted[:limit - len(suffix)].rstrip() + suffix
        if name.casefold() not in used:
            return name
        n += 1


def next_seat(realms: list[Realm]) -> tuple[Realm, Role]:
    """Where a newcomer dreamer sits, given the realms of the dreamers already seated: the
    realm with fewer dreamers (the Sanctuary on a tie), and the role `lineup` gives the next
    dreamer of the team."""
    realm = (Realm.REST if realms.count(Realm.SANCTUARY) > realms.count(Realm.REST)
             else Realm.SANCTUARY)
    return realm, lineup(len(realms) + 1)[-1][1]
