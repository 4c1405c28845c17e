"""Ids that cannot collide: `IdPool` hands out connection and member ids from the free ones.

Imports only the standard library.

Ids go on the wire as 16-bit numbers (1..65535; 0 means "nobody"), and a member keeps its
connection's id as long as its seat lasts, also after the connection is gone (a held seat). So
an id is live while anything holds it, and a new id is never one that is live: `take()` moves
a cursor round the range and skips held ids, so a freed id comes back as late as it can.
"""

from __future__ import annotations

__all__ = ["IdPool", "IdsExhausted"]


class IdsExhausted(RuntimeError):
    """Every id of the pool is live."""


class IdPool:
    """Ids from `low` to `high` (inclusive), each live while its holds are above zero.

    `take()` returns a free id holding it once; `hold(i)` adds a hold to a live id (a seat that
    keeps its connection's id); `release(i)` drops one, and the id is free again when none is
    left. Releasing an id that is not held raises ValueError (a bookkeeping bug, not a client's).
    """

    def __init__(self, low: int = 1, high: int = 65535) -> None:
        if not 0 < low <= high:
            raise ValueError(f"need 0 < low <= high, got {low}..{high}")
        self.low, self.high = low, high
        self._holds: dict[int, int] = {}
        self._next = low

    def __len__(self) -> int:
        """How many ids are live."""
        return len(self._holds)

    def __contains__(self, i: object) -> bool:
        return i in self._holds

    def take(self) -> int:
        """A free id, now held once. Raises IdsExhausted when every id is live."""
        span = self.high - self.low + 1
        if len(self._holds) >= span:
            raise IdsExhausted(f"all {span} ids are in use")
        i = self._next
        while i in self._holds:
            i = i + 1 if i < self.high else self.low
        self._holds[i] = 1
        self._next = i + 1 if i < self.high else self.low
        return i

    def hold(self, i: int) -> None:
        """One more hold on the live id `i` (ValueError if it is not live)."""
        if i not in self._holds:
            raise ValueError(f"id {i} is not live")
        self._holds[i] += 1

    def claim(self, i: int) -> None:
        """Hold `i` whether or not it is live (a seat of a room taken up after a crash keeps
        the id its player had; several such rooms may share one). ValueError outside the
        range."""
        if not self.low <= i <= self.high:
            raise ValueError(f"id {i} is outside {self.low}..{self.high}")
        self._holds[i] = self._holds.get(i, 0) + 1

    def release(self, i: int) -> None:
        """Drop one hold on `i`; it is free once none is left (ValueError if it is not live)."""
        left = self._holds.get(i)
        if left is None:
            raise ValueError(f"id {i} is not live")
        if left > 1:
            self._holds[i] = left - 1
        else:
            del self._holds[i]
