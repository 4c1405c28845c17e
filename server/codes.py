"""Room codes, and which worker process of a host makes (and so runs) each one.

Imports only the standard library.

A code is 5 characters from `ALPHABET` (no look-alikes: no I, O, 0, 1). A host with N worker
processes gives each a *slot* 0..N-1, and the code itself says its slot: the index of its
first two characters in the alphabet (0..1023) modulo N. So routing a connection that names
a code needs no table, a worker restarted in slot k makes and answers for the same codes as
the one it replaces, and uniqueness across the workers holds by construction (a worker only
makes codes of its own slot).

The lead's first sketch used the first character alone (32 values); two characters give
1024 prefixes, so every slot of up to 64 workers owns 16 or more of them, and shares differ
by at most one prefix in 1024 when N does not divide 1024 (a first character alone would
leave slots 32..63 of a 64-worker host with no code at all).
"""

from __future__ import annotations

import secrets
from collections.abc import Container
from dataclasses import dataclass, field

__all__ = ["ALPHABET", "CODE_LENGTH", "CodeSpace", "normal", "slot_of", "well_formed"]

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 5
_INDEX = {ch: i for i, ch in enumerate(ALPHABET)}
_PREFIXES = len(ALPHABET) ** 2


def normal(code: str) -> str:
    """A code as a player may type it (spaces around it, lower case) written as the host
    writes it."""
    return code.strip().upper()


def well_formed(code: str) -> bool:
    """Whether `code` (already `normal`) could have been made by a host."""
    return len(code) == CODE_LENGTH and all(ch in _INDEX for ch in code)


def _prefix(code: str) -> int:
    return _INDEX[code[0]] * len(ALPHABET) + _INDEX[code[1]]


def slot_of(code: str, slots: int) -> int | None:
    """The slot (0..slots-1) whose worker makes and runs `code`; None for a code no host
    makes (wrong length or characters)."""
    if not well_formed(code):
        return None
    return _prefix(code) % slots


@dataclass(frozen=True)
class CodeSpace:
    """The codes one process makes: those of slot `slot` of `slots` (a single process is
    slot 0 of 1, and makes every code)."""

    slot: int = 0
    slots: int = 1
    _prefixes: tuple[int, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not 0 <= self.slot < self.slots <= 64:
            raise ValueError(f"need 0 <= slot < slots <= 64, got slot {self.slot} of "
                             f"{self.slots}")
        object.__setattr__(self, "_prefixes",
                           tuple(p for p in range(_PREFIXES) if p % self.slots == self.slot))

    def owns(self, code: str) -> bool:
        """Whether `code` is one of this space's."""
        return slot_of(code, self.slots) == self.slot

    def new_code(self, taken: Container[str]) -> str:
        """A random code of this space that is not in `taken`."""
        n = len(ALPHABET)
        while True:
            p = secrets.choice(self._prefixes)
            code = ALPHABET[p // n] + ALPHABET[p % n] + "".join(
                secrets.choice(ALPHABET) for _ in range(CODE_LENGTH - 2))
            if code not in taken:
                return code
