"""The room directory of a cluster, in Redis: `RedisBoard`, the board a host uses when
several hosts (processes or machines) share one directory (`dreamlayer host --redis URL`).

Imports redis.asyncio, msgpack and game.net (the wire records and the schema that checks
them); never the host, websockets, or the rooms.

Every host (a *node*) has a random id for the life of its process, and the public URL players
reach it at. Keys, all under `dreamlayer:`, values msgpack:

    dreamlayer:node:ID     the node's URL; PX `live_seconds` (5 s), rewritten by every post
    dreamlayer:rooms:ID    hash: code -> the public room's RoomEntry fields; replaced whole
                           by every post, PX `live_seconds`
    dreamlayer:nodes       set of node ids, for the list; an id whose node key is gone is
                           removed by the next node that reads the list
    dreamlayer:code:CODE   [node id, URL]: the code's claim. SET NX PX `code_seconds` (10 min)
                           when a room is made, kept alive by every post while the room
                           runs, deleted (if still its own) when the room closes

The host's `post` is the heartbeat: it calls it on every change and at least once a second,
and a background writer sends the newest post in one transaction (older ones it never got
to are skipped). A node that stops posting (killed, hung, cut off) drops out of every list
when its keys expire: at most `live_seconds` after its last post, plus the up to one second
the other nodes' list may be old. Its codes stay claimed for `code_seconds` after that, so
they are not handed to new rooms and a player asking for one is told "room ABCDE was on a
server that is no longer running" (`why_gone`) instead of "no room with code".

A reconnect token needs no key of its own: JOIN_ROOM carries the room code with the token,
and code -> node is enough to send the player to the node that holds its seat.

Redis unreachable at `start` is a `BoardError` (the host exits with it). Redis going away
later touches no room: posting, listing and locating fail quietly (logged once when Redis is
lost and once when it is back), the writer and the list reader retry with a doubling delay
(0.5 s up to 5 s), and the first post that gets through re-posts everything this node runs.
Meanwhile new rooms get codes unique on this node only (checked again when Redis is back,
a clash logged), other nodes' rooms leave this node's list once their last reading is
`live_seconds` old, and codes of other nodes are not found.

Bounded: the list holds at most 256 rooms, read from the nodes set and each node's hash
(never `KEYS`); a malformed entry (not one the wire schema accepts) is skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import msgpack
import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from game.net.records import RoomEntry
from game.net.schema import Kind, ProtocolError, spec_of
from server.board import BoardEntry, BoardError

__all__ = ["LIST_LIMIT", "RedisBoard", "shown_url"]

log = logging.getLogger("dreamlayer.cluster")

LIST_LIMIT = 256
"""most rooms a listing holds (what one ROOM_LIST carries)"""
_PREFIX = "dreamlayer:"
_NODES = _PREFIX + "nodes"
_RETRY_FIRST, _RETRY_CAP = 0.5, 5.0
"""the doubling delay between tries while Redis is away (seconds)"""
_REFRESH_EVERY = 1.0
"""seconds between two readings of the other nodes' rooms"""
_CALL_SECONDS = 2.0
"""longest a connection to Redis, or one command, may take"""

_HOLD = """
local held = redis.call('GET', KEYS[1])
if held == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
elseif not held then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""
"""keep a code's claim alive if it is this node's, take it again if it lapsed (Redis came
back empty); 0 if another node holds it"""
_DROP = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
"""release a code's claim if it is still this node's"""
_PRUNE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return redis.call('SREM', KEYS[2], ARGV[1]) end
return 0
"""
"""forget a node id in the nodes set once its node key has expired (not one that came back
in between)"""




def shown_url(url: str) -> str:
    """`url` fit for a log line or an error message: any user name and password removed."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(an unreadable URL)"
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


_ROOMS_FIELD = spec_of(Kind.ROOM_LIST).fields[0]


def _checked(entries: list[RoomEntry]) -> list[RoomEntry]:
    """The entries the wire schema accepts (a ROOM_LIST never fails on a bad one read from
    Redis); the others are logged and skipped."""
    good = []
    for e in entries:
        try:
            good.extend(_ROOMS_FIELD.check([e], "board"))
        except ProtocolError as err:
            log.warning("skipping a room in Redis that is not a valid room entry: %s",
                        err.reason)
    return good


class RedisBoard:
    """The directory of rooms shared by every host on one Redis (see the module docstring).

    `url` is the Redis URL (redis://HOST:PORT/DB, rediss://..., unix://...), `public_url`
    this node's address for players. `live_seconds` is how long a node's rooms outlive its
    last post, `code_seconds` how long its codes stay claimed after that (a test may make
    them short). Call `start()` first and `stop()` last."""

    def __init__(self, url: str, public_url: str, *, live_seconds: float = 5.0,
                 code_seconds: float = 600.0) -> None:
        self.redis_url = url
        self.url = public_url
        self.node = secrets.token_hex(8)
        self.live_ms = max(1, round(live_seconds * 1000))
        self.code_ms = max(self.live_ms, round(code_seconds * 1000))
        self.away = False
        """Redis is unreachable now (found by the last command that tried)"""
        self.losses = 0
        """times Redis was lost since start"""
        self.failed_tries = 0
        """commands (posts, list readings, claims, look-ups) that found Redis away"""
        self._redis: aioredis.Redis | None = None
        self._claim = b""
        """this node's claim on a code (set by `start`, once `url` is final)"""
        self._posted: list[BoardEntry] = []
        self._released: set[str] = set()
        self._wake = asyncio.Event()
        self._found = asyncio.Event()
        """set while Redis answers: ends the writer's and the reader's wait between tries
        as soon as either finds Redis again"""
        self._others: list[BoardEntry] = []
        self._others_at = -float("inf")
        """when `_others` was read (time.monotonic)"""
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = False
        self._clashes: set[str] = set()
        self._lost_at = 0.0

    def _key(self, kind: str, name: str) -> str:
        return f"{_PREFIX}{kind}:{name}"

    # ------------------------------------------------------------------ life
    async def start(self) -> None:
        """Connect and say this node is here. Raises BoardError (naming the Redis URL,
        without its password, and why) when Redis cannot be reached or the URL is not one."""
        shown = shown_url(self.redis_url)
        self._claim = msgpack.packb([self.node, self.url])
        try:
            self._redis = aioredis.from_url(
                self.redis_url, socket_connect_timeout=_CALL_SECONDS,
                socket_timeout=_CALL_SECONDS, retry=Retry(NoBackoff(), 1),
                client_name=f"dreamlayer-{self.node}")
        except ValueError as e:
            raise BoardError(f"{shown} is not a Redis URL ({e})") from None
        self._hold = self._redis.register_script(_HOLD)
        self._drop = self._redis.register_script(_DROP)
        self._prune = self._redis.register_script(_PRUNE)
        try:
            await self._redis.ping()
            await self._write([], set())
            await self._refresh()
        except (RedisError, OSError) as e:
            await self._close_client()
            raise BoardError(f"cannot reach Redis at {shown}: {_why(e)}") from None
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._write_forever(), name="board-writer"),
                       loop.create_task(self._refresh_forever(), name="board-reader")]
        log.info("room directory in Redis at %s; this node is %s (%s)", shown, self.url,
                 self.node)

    async def stop(self) -> None:
        """Withdraw this node (its rooms, its codes) and close the connection. Never raises;
        gives up on Redis after a few seconds."""
        # (redis-py can swallow a cancellation that lands inside one of its calls: the
        # loops also end on `_stopping`, and none is waited for long)
        self._stopping = True
        self._wake.set()
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=2 * _CALL_SECONDS + _REFRESH_EVERY)
        self._tasks = []
        if self._redis is not None and not self.away:
            codes = {b.entry.code for b in self._posted} | self._released
            try:
                async with asyncio.timeout(2 * _CALL_SECONDS):
                    async with self._redis.pipeline(transaction=True) as pipe:
                        pipe.delete(self._key("node", self.node), self._key("rooms", self.node))
                        pipe.srem(_NODES, self.node)
                        for code in codes:
                            await self._drop(keys=[self._key("code", code)],
                                             args=[self._claim], client=pipe)
                        await pipe.execute()
            except (RedisError, OSError, TimeoutError) as e:
                log.info("could not withdraw this node's rooms from Redis (%s); they expire "
                         "within %.0f s", _why(e), self.live_ms / 1000)
        self._posted = []
        await self._close_client()

    async def _close_client(self) -> None:
        if self._redis is not None:
            with contextlib.suppress(Exception):
                await self._redis.aclose()
            self._redis = None

    # ------------------------------------------------------------------ the board
    async def claim(self, code: str) -> bool:
        """Reserve `code` for a new room of this node; False if any node holds it. While
        Redis is away the code is taken (it is unique on this node; a clash is found and
        logged when Redis is back)."""
        if self._redis is None or self.away:
            return True
        try:
            return bool(await self._redis.set(self._key("code", code), self._claim, nx=True,
                                              px=self.code_ms))
        except (RedisError, OSError) as e:
            self._lost(e)
            return True

    def post(self, rooms: Sequence[BoardEntry]) -> None:
        """Everything this node runs now (replacing the last post), sent in the background
        (never blocks, never raises). Also the heartbeat: post at least once a second."""
        self._posted = list(rooms)
        self._released -= {b.entry.code for b in self._posted}
        self._wake.set()

    def release(self, code: str) -> None:
        """Room `code` of this node closed: its claim goes with the next write."""
        self._released.add(code)
        self._posted = [b for b in self._posted if b.entry.code != code]
        self._wake.set()

    def listing(self) -> list[BoardEntry]:
        """Every public room: this node's as last posted, the others' as last read (at most
        about a second old; none once the last reading is `live_seconds` old, Redis being
        away). At most LIST_LIMIT."""
        mine = [BoardEntry(b.entry._replace(url=self.url), True, "")
                for b in self._posted if b.public]
        fresh = time.monotonic() - self._others_at <= self.live_ms / 1000
        return (mine + (self._others if fresh else []))[:LIST_LIMIT]

    async def locate(self, code: str) -> str | None:
        """The URL of the other node that runs `code`; None if this node runs it, no node
        claims it, its node is no longer running, or Redis is away."""
        found = await self._find(code)
        return found[0] if found is not None and found[1] else None

    async def why_gone(self, code: str) -> str | None:
        """Why `code`, which `locate` found nowhere, cannot be joined, when the board knows
        more than "no such room": its node stopped running (for `code_seconds` after).
        None otherwise."""
        found = await self._find(code)
        if found is not None and not found[1]:
            return f"room {code} was on a server that is no longer running"
        return None

    async def _find(self, code: str) -> tuple[str, bool] | None:
        """(URL, node still running) of the other node that claims `code`, or None."""
        if self._redis is None or self.away:
            return None
        try:
            raw = await self._redis.get(self._key("code", code))
            if raw is None:
                return None
            node, url = msgpack.unpackb(raw)
            if node == self.node:
                return None
            alive = await self._redis.exists(self._key("node", str(node)))
        except (RedisError, OSError) as e:
            self._lost(e)
            return None
        except (ValueError, TypeError, msgpack.UnpackException):
            log.warning("the claim of room code %s in Redis is not one (skipped)", code)
            return None
        return str(url), bool(alive)

    # ------------------------------------------------------------------ writing
    async def _write_forever(self) -> None:
        failures = 0
        while not self._stopping:
            await self._wake.wait()
            self._wake.clear()
            if self._stopping:
                break
            released = set(self._released)
            try:
                await self._write(self._posted, released)
            except (RedisError, OSError) as e:
                self._lost(e)
                failures += 1
                await self._wait_retry(failures)
                self._wake.set()  # the newest post, whatever it is by then
                continue
            failures = 0
            self._released -= released
            self._back()

    async def _write(self, rooms: Sequence[BoardEntry], released: Iterable[str]) -> None:
        """One heartbeat: this node's key, its public rooms, its codes kept, the released
        ones dropped; all in one transaction."""
        assert self._redis is not None
        node_key, rooms_key = self._key("node", self.node), self._key("rooms", self.node)
        public = {b.entry.code: msgpack.packb(list(b.entry[:-1])) for b in rooms if b.public}
        codes = [b.entry.code for b in rooms]
        first_hold = 5 if public else 3  # after set, sadd, delete (hset, pexpire)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(node_key, msgpack.packb(self.url), px=self.live_ms)
            pipe.sadd(_NODES, self.node)
            pipe.delete(rooms_key)
            if public:
                pipe.hset(rooms_key, mapping=public)  # type: ignore[arg-type]
                pipe.pexpire(rooms_key, self.live_ms)
            for code in codes:
                await self._hold(keys=[self._key("code", code)],
                                 args=[self._claim, self.code_ms], client=pipe)
            for code in released:
                await self._drop(keys=[self._key("code", code)], args=[self._claim],
                                 client=pipe)
            results = await pipe.execute()
        for code, ok in zip(codes, results[first_hold:first_hold + len(codes)], strict=True):
            if not ok and code not in self._clashes:
                self._clashes.add(code)
                log.error("room code %s is held by another server too (Redis lost it while "
                          "this one was cut off): players joining it elsewhere are sent there",
                          code)

    # ------------------------------------------------------------------ reading
    async def _refresh_forever(self) -> None:
        failures = 0
        while not self._stopping:
            try:
                await self._refresh()
            except (RedisError, OSError) as e:
                self._lost(e)
                failures += 1
                await self._wait_retry(failures)
                continue
            failures = 0
            self._back()
            await asyncio.sleep(_REFRESH_EVERY)

    async def _refresh(self) -> None:
        """Read the other nodes' public rooms (at most LIST_LIMIT), forgetting the nodes
        that stopped running."""
        assert self._redis is not None
        nodes = sorted(str(n, "utf-8", "replace") if isinstance(n, bytes) else str(n)
                       for n in await self._redis.smembers(_NODES))
        others = [n for n in nodes if n != self.node]
        async with self._redis.pipeline(transaction=False) as pipe:
            for n in others:
                pipe.get(self._key("node", n))
                pipe.hgetall(self._key("rooms", n))
            read = await pipe.execute()
        found: list[BoardEntry] = []
        gone = []
        for k, n in enumerate(others):
            raw_url, rooms = read[2 * k], read[2 * k + 1]
            if raw_url is None:
                gone.append(n)
                continue
            url = _unpacked(raw_url, f"node {n}'s URL")
            if not isinstance(url, str):
                continue
            entries = []
            for code, v in sorted(rooms.items()):
                fields = _unpacked(v, f"node {n}'s room {code!r}")
                with contextlib.suppress(TypeError):
                    entries.append(RoomEntry(*fields)._replace(url=url))
            found.extend(BoardEntry(e, True, url) for e in _checked(entries))
            if len(found) >= LIST_LIMIT:
                break
        for n in gone:
            await self._prune(keys=[self._key("node", n), _NODES], args=[n])
        self._others = found[:LIST_LIMIT]
        self._others_at = time.monotonic()

    def status(self) -> dict[str, object]:
        """What /healthz shows of the cluster."""
        return {"node": self.node, "public_url": self.url,
                "redis": shown_url(self.redis_url), "redis_ok": not self.away,
                "redis_losses": self.losses, "rooms_on_other_nodes": len(self._others)}

    # ------------------------------------------------------------------ Redis lost and back
    async def _wait_retry(self, failures: int) -> None:
        """Wait before the next try: `_retry_delay(failures)`, or less if the other task
        finds Redis meanwhile."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._found.wait(), _retry_delay(failures))

    def _lost(self, e: BaseException) -> None:
        self.failed_tries += 1
        self._found.clear()
        if not self.away:
            self.away = True
            self.losses += 1
            self._lost_at = time.monotonic()
            log.warning("lost Redis at %s (%s): running rooms play on; retrying",
                        shown_url(self.redis_url), _why(e))

    def _back(self) -> None:
        self._found.set()
        if self.away:
            self.away = False
            log.warning("Redis at %s is back after %.1f s: this node's rooms are posted "
                        "again", shown_url(self.redis_url), time.monotonic() - self._lost_at)


def _unpacked(raw: bytes, what: str) -> Any:
    """The msgpack value in `raw`, or None (logged) when it is not msgpack."""
    try:
        return msgpack.unpackb(raw)
    except (ValueError, TypeError, msgpack.UnpackException):
        log.warning("%s in Redis is not readable (skipped)", what)
        return None


def _retry_delay(failures: int) -> float:
    """Seconds to wait after `failures` failed tries in a row."""
    return float(min(_RETRY_CAP, _RETRY_FIRST * 2 ** min(failures - 1, 16)))


def _why(e: BaseException) -> str:
    text = str(e).strip()
    return text.split("\n", 1)[0][:200] if text else type(e).__name__

