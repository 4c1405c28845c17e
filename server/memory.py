"""Handing the memory of closed rooms back to the system.

Imports only the standard library.

Two things keep a closed room's memory from the system, and neither is a leak of ours:
- Every pymunk shape and body holds a handle to itself (so cffi keeps it while Chipmunk does),
  a reference cycle that only Python's cyclic collector frees, and its full pass runs seldom
  on a long-lived heap (when the objects that survived grow by a quarter). A room's walls are
  hundreds of shapes: measured, some five rooms' worth per 50 played were still waiting for
  it. `collect()` runs that pass (some 5-10 ms with 16 busy rooms).
- glibc's malloc keeps freed pages inside its heap (a heap that rooms of different sizes have
  fragmented shrinks only from the top), so the resident size stays at its high-water mark:
  measured, 10 -> 200 short rooms grew 63 -> 80 MB and stayed there; with `malloc_trim(0)`
  after rooms closed it stayed within 2 % of the first figure. Elsewhere than glibc there is
  nothing to call, and `trim()` says so.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from collections.abc import Callable

__all__ = ["collect", "trim"]


def collect() -> int:
    """Free the unreachable reference cycles now (a full pass of the cyclic collector, on the
    calling thread: call it from the event loop, seldom). Returns how many objects it found."""
    return gc.collect()


def _find_malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        fn = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_size_t]
    fn.restype = ctypes.c_int
    return fn


_MALLOC_TRIM = _find_malloc_trim()


def trim() -> bool:
    """Give the heap's free pages back to the system. Blocking (a few ms on a large heap):
    run it in a thread. True if it was done, False where the C library cannot."""
    fn = _MALLOC_TRIM
    if fn is None:
        return False
    fn(0)
    return True
