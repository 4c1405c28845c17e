"""The spool in Redis: what another node needs to take up a room whose node died.

A node keeps each room it runs on its own disk (`server.spool`: the room's card and
checkpoint; the replay the night is recorded in). With a cluster (`cluster.redis_url`), a
`SpoolMirror` copies them to Redis, so that when the whole node dies (its machine, its
supervisor) another node can take its rooms up (`server.rescue`). Keys, under
`dreamlayer:`, each with the TTL of a code's claim (`code_seconds`, 10 min), renewed while
the room runs:

    dreamlayer:card:CODE     the card file's bytes
    dreamlayer:tape:CODE     the replay file's bytes, byte for byte: set whole the first
                             time (and after anything that rewrote the file: a take-up cuts
                             it), then grown with APPEND of what the file grew by
    dreamlayer:frozen:CODE   the newest checkpoint file's bytes
    dreamlayer:held:NODE     set of the codes whose copies node NODE keeps

Every write is made only while the room's claim (`dreamlayer:code:CODE`) is this node's
(a Lua script checks it): a node that was cut off and comes back after another took its
room up never overwrites the taker's copies. A room that leaves this node (closed, or
taken elsewhere) has its copies deleted, again only while the claim is this node's or
nobody's.

The spool stays the truth: `sync` reads what changed in the files (on a thread: stat and
read, never on the event loop) and sends it in one pipeline. The board's writer calls it
after each heartbeat, about twice a second, so Redis is at most about that much behind
the files (and a replay's file itself at most one block, `server.recording.FLUSH_TICKS`).
Memory in Redis: about one card (1 KB), one replay so far (tens to a few hundred KB for a
whole night) and one checkpoint (up to about 40 KB) per room.

Imports redis.asyncio (types), the server's spool; never a room, the host or the game.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis

from server.spool import Spool, card_of

__all__ = ["KINDS", "SpoolMirror"]

log = logging.getLogger("dreamlayer.cluster")

KINDS = ("card", "tape", "frozen")
"""the copies a room has in Redis (key kinds, as `dreamlayer:KIND:CODE`)"""
_TOUCH_EVERY = 30.0
"""seconds between two renewals of the copies' TTL"""

_PUT = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return -1 end
if ARGV[4] == 'append' then
  local n = redis.call('APPEND', KEYS[2], ARGV[2])
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
  redis.call('SADD', KEYS[3], ARGV[5])
  return n
end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
redis.call('SADD', KEYS[3], ARGV[5])
return string.len(ARGV[2])
"""
"""set or append one copy (KEYS: the code's claim, the copy, this node's held set; ARGV:
this node's claim, the bytes, the TTL, 'set' or 'append', the code) while the claim is this
node's; the copy's new length, or -1"""
_TOUCH = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
for i = 2, #KEYS do redis.call('PEXPIRE', KEYS[i], ARGV[2]) end
return 1
"""
_FORGET = """
local held = redis.call('GET', KEYS[1])
if held and held ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])
redis.call('SREM', KEYS[5], ARGV[2])
return 1
"""
"""delete a room's copies (KEYS: claim, card, tape, frozen, held set) unless another node
claims the code now"""


@dataclass
class _Copied:
    """What Redis holds of one room, as this node last wrote it."""

    card: tuple[int, int] = (0, -1)
    """the card file's (mtime_ns, size) when copied"""
    pid: int = -1
    replay: str = ""
    tape: int = 0
    """bytes of the replay in Redis"""
    frozen: tuple[int, int] = (0, -1)
    touched: float = 0.0


@dataclass
class _Change:
    """What one room's files hold that Redis does not (read on a thread)."""

    code: str
    card: bytes | None = None
    stamp: tuple[int, int] = (0, -1)
    pid: int = -1
    replay: str = ""
    tape: bytes | None = None
    tape_whole: bool = False
    frozen: bytes | None = None
    frozen_stamp: tuple[int, int] = (0, -1)


class SpoolMirror:
    """Copies the spool of this node's rooms to Redis (see the module docstring). `key`
    names a key (`key("card", code)`), `claim` is this node's claim value."""

    def __init__(self, spool: Spool, replays: Path, key: Callable[[str, str], str],
                 ttl_ms: int) -> None:
        self.spool = spool
        self.replays = replays
        self.key = key
        self.ttl_ms = ttl_ms
        self._copied: dict[str, _Copied] = {}
        self._refused: set[str] = set()
        self.bytes_sent = 0
        """bytes written to Redis since start"""

    @property
    def codes(self) -> set[str]:
        """The rooms with copies in Redis (as this node last wrote them)."""
        return set(self._copied)

    async def sync(self, redis: aioredis.Redis, node: str, claim: bytes,
                   codes: Iterable[str]) -> None:
        """Bring Redis up to the files of the rooms `codes` (this node's), and delete the
        copies of rooms no longer among them. Raises RedisError or OSError when Redis
        fails (what it held is then copied whole at the next call)."""
        codes = set(codes)
        changes = await asyncio.to_thread(self._read, sorted(codes))
        gone = [c for c in self._copied if c not in codes]
        now = time.monotonic()
        held = self.key("held", node)
        ops: list[tuple[str, str]] = []
        try:
            async with redis.pipeline(transaction=False) as pipe:
                for ch in changes:
                    claim_key = self.key("code", ch.code)
                    for kind, data, how in (("card", ch.card, "set"),
                                            ("tape", ch.tape,
                                             "set" if ch.tape_whole else "append"),
                                            ("frozen", ch.frozen, "set")):
                        if data is None:
                            continue
                        pipe.eval(_PUT, 3, claim_key, self.key(kind, ch.code), held, claim,
                                  data, self.ttl_ms, how, ch.code)
                        ops.append((ch.code, kind))
                        self.bytes_sent += len(data)
                for code, copied in self._copied.items():
                    if code in codes and now - copied.touched >= _TOUCH_EVERY:
                        copied.touched = now
                        pipe.eval(_TOUCH, 4, self.key("code", code),
                                  *(self.key(k, code) for k in KINDS), claim, self.ttl_ms)
                        ops.append((code, "touch"))
                for code in gone:
                    pipe.eval(_FORGET, 5, self.key("code", code),
                              *(self.key(k, code) for k in KINDS), held, claim, code)
                    ops.append((code, "forget"))
                results = await pipe.execute()
        except BaseException:
            for ch in changes:  # unknown what got through: copied whole next time
                self._copied.pop(ch.code, None)
            raise
        self._note(changes, dict(zip(ops, results, strict=True)), gone)

    def _note(self, changes: list[_Change], results: dict[tuple[str, str], Any],
              gone: list[str]) -> None:
        for code in gone:
            del self._copied[code]
            self._refused.discard(code)
        for ch in changes:
            put = {kind: int(results[(ch.code, kind)]) for kind in KINDS
                   if (ch.code, kind) in results}
            if any(n < 0 for n in put.values()):
                self._copied.pop(ch.code, None)
                if ch.code not in self._refused:
                    self._refused.add(ch.code)
                    log.error("room %s: its code is claimed by another server in Redis; "
                              "its card and replay are not copied there", ch.code)
                continue
            self._refused.discard(ch.code)
            copied = self._copied.setdefault(ch.code, _Copied(touched=time.monotonic()))
            if "card" in put:
                copied.card, copied.pid, copied.replay = ch.stamp, ch.pid, ch.replay
            if "tape" in put:
                expected = (0 if ch.tape_whole else copied.tape) + len(ch.tape or b"")
                copied.tape = put["tape"] if put["tape"] == expected else -1
            if "frozen" in put:
                copied.frozen = ch.frozen_stamp

    def _read(self, codes: list[str]) -> list[_Change]:
        """What changed in the files of `codes` since last copied (on a thread)."""
        out = []
        for code in codes:
            with contextlib.suppress(OSError, ValueError):  # a room closing meanwhile
                ch = self._read_room(code, self._copied.get(code) or _Copied())
                if ch.card is not None or ch.tape is not None or ch.frozen is not None:
                    out.append(ch)
        return out

    def _read_room(self, code: str, copied: _Copied) -> _Change:
        folder = self.spool.folder
        st = (folder / f"{code}.room").stat()
        ch = _Change(code, stamp=(st.st_mtime_ns, st.st_size), pid=copied.pid,
                     replay=copied.replay)
        if ch.stamp != copied.card:
            ch.card = (folder / f"{code}.room").read_bytes()
            card = card_of(ch.card)
            ch.pid, ch.replay = card.pid, card.replay
        if ch.replay:
            path = self.replays / ch.replay
            size = path.stat().st_size
            whole = ch.replay != copied.replay or ch.pid != copied.pid \
                or copied.tape < 0 or size < copied.tape
            start = 0 if whole else copied.tape
            if size > start or whole:
                with path.open("rb") as f:
                    f.seek(start)
                    ch.tape, ch.tape_whole = f.read(size - start), whole
        try:
            fst = (folder / f"{code}.frozen").stat()
        except FileNotFoundError:
            return ch
        ch.frozen_stamp = (fst.st_mtime_ns, fst.st_size)
        if ch.frozen_stamp != copied.frozen:
            ch.frozen = (folder / f"{code}.frozen").read_bytes()
        return ch
