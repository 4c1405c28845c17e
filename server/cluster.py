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

Rooms outlive their node (with replays on): each node copies the spool of the rooms it
runs to Redis (`server.mirror`: `card:CODE`, `tape:CODE`, `frozen:CODE`, and the set
`held:ID` of the codes it keeps copies of), from its writer, about twice a second. A node
whose node key has expired while its `held:ID` set still names rooms is not forgotten from
`nodes`: every other node's reading lists those rooms as `orphans`, and `server.rescue`
races to `take` each one: a Lua script moves the code's claim from the dead node to this
one only if it still names the dead node and its card is there, so exactly one node takes
each room; the winner also sets `dreamlayer:moving:CODE` until the room runs (`settled`).
A host started again on its own spool `reclaim`s each room it finds there the same way, so
it never takes up a room another node took meanwhile. While a code is *in transit* (its
node dead and its card waiting for a taker, or a `moving` key) `locate` waits for it (up to
`TRANSIT_SECONDS`), so a player who comes back through any node is sent to the taker.

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
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import urlsplit, urlunsplit

import msgpack
import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from game.net.records import RoomEntry
from game.net.schema import Kind, ProtocolError, spec_of
from server.board import BoardEntry, BoardError
from server.mirror import KINDS, SpoolMirror
from server.spool import Spool

__all__ = ["LIST_LIMIT", "TRANSIT_SECONDS", "Copies", "RedisBoard", "shown_url"]

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
TRANSIT_SECONDS = 4.0
"""longest `locate` waits for a room in transit (its node dead, a taker on the way)"""
_MIRROR_EVERY = 0.5
"""seconds between two copies of the spool to Redis (and heartbeats, with a spool)"""
_MOVING_MS = 60_000
"""how long a `moving` key outlives a taker that died while taking a room up"""
_ORPHANS_LIMIT = 256

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
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5])
  redis.call('SREM', KEYS[6], ARGV[2])
  return redis.call('DEL', KEYS[1])
end
return 0
"""
"""release a code's claim if it is still this node's, with the room's copies (KEYS: claim,
card, tape, frozen, moving, this node's held set; ARGV: the claim, the code)"""
_PRUNE = """
if redis.call('EXISTS', KEYS[1]) == 0 and redis.call('SCARD', KEYS[3]) == 0 then
  redis.call('DEL', KEYS[3])
  return redis.call('SREM', KEYS[2], ARGV[1])
end
return 0
"""
"""forget a node id in the nodes set once its node key has expired (not one that came back
in between) and no room of its waits to be taken up"""
_TAKE = """
local held = redis.call('GET', KEYS[1])
if (held or '') ~= ARGV[1] then return 0 end
if ARGV[7] == '1' and redis.call('EXISTS', KEYS[5]) == 0 then
  redis.call('SREM', KEYS[3], ARGV[4])
  return 0
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('SET', KEYS[2], ARGV[5], 'PX', ARGV[6])
if KEYS[3] ~= KEYS[4] then redis.call('SREM', KEYS[3], ARGV[4]) end
redis.call('SADD', KEYS[4], ARGV[4])
return 1
"""
"""move a code's claim to this node if it is still `ARGV[1]` ('' for none), and the code from
the old node's held set to this node's (should this node die before it copies the room,
the next taker finds it there) (KEYS: claim,
moving, the old node's held set, this node's, the card; ARGV: expected claim, this node's,
claim TTL, code, this node's id, moving TTL, '1' if the card must be there)"""
_SETTLED = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class Copies(NamedTuple):
    """What Redis held of a room another node ran: its card, replay and checkpoint bytes
    (None: none)."""

    card: bytes
    tape: bytes | None
    frozen: bytes | None




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
        self.mirror: SpoolMirror | None = None
        """copies the spool of this node's rooms to Redis (`keep_spool`)"""
        self.orphans: list[tuple[str, str]] = []
        """(code, node) of the rooms of dead nodes waiting to be taken up, as last read"""
        self._settling: set[asyncio.Task[None]] = set()
        self._unsettled: set[str] = set()
        """rooms whose `settled` did not reach Redis"""

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
        self._take = self._redis.register_script(_TAKE)
        self._settled = self._redis.register_script(_SETTLED)
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
            codes = {b.entry.code for b in self._posted} | self._released \
                | (self.mirror.codes if self.mirror is not None else set())
            try:
                async with asyncio.timeout(2 * _CALL_SECONDS):
                    async with self._redis.pipeline(transaction=True) as pipe:
                        pipe.delete(self._key("node", self.node), self._key("rooms", self.node))
                        pipe.srem(_NODES, self.node)
                        for code in codes:
                            await self._drop_code(code, pipe)
                        pipe.delete(self._key("held", self.node))
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
        claims it, its node is no longer running, or Redis is away. A room in transit (its
        node dead and a taker on the way) is waited for, up to `TRANSIT_SECONDS`."""
        deadline = time.monotonic() + TRANSIT_SECONDS
        while True:
            found = await self._find(code)
            if found is None:
                return None
            url, alive, transit = found
            if not transit:
                return url if alive else None
            if time.monotonic() >= deadline or self._stopping:
                return url if alive and url != self.url else None
            await asyncio.sleep(0.1)

    async def why_gone(self, code: str) -> str | None:
        """Why `code`, which `locate` found nowhere, cannot be joined, when the board knows
        more than "no such room": its node stopped running (for `code_seconds` after).
        None otherwise."""
        found = await self._find(code)
        if found is not None and not found[1]:
            return f"room {code} was on a server that is no longer running"
        return None

    async def _find(self, code: str) -> tuple[str, bool, bool] | None:
        """(URL, node still running, in transit) of the node that claims `code`, or None
        (none, or this node without a transit)."""
        if self._redis is None or self.away:
            return None
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.get(self._key("code", code))
                pipe.exists(self._key("moving", code))
                pipe.exists(self._key("card", code))
                raw, moving, card = await pipe.execute()
            if raw is None:
                return ("", False, True) if moving else None
            node, url = msgpack.unpackb(raw)
            alive = node == self.node or bool(
                await self._redis.exists(self._key("node", str(node))))
        except (RedisError, OSError) as e:
            self._lost(e)
            return None
        except (ValueError, TypeError, msgpack.UnpackException):
            log.warning("the claim of room code %s in Redis is not one (skipped)", code)
            return None
        transit = bool(moving) or (not alive and bool(card))
        if node == self.node and not transit:
            return None
        return str(url), alive, transit

    # ------------------------------------------------------------------ rooms of dead nodes
    def keep_spool(self, spool: Spool, replays: Path) -> None:
        """Copy the spool of this node's rooms (`spool`, their replays in `replays`) to
        Redis from now on (`server.mirror`)."""
        self.mirror = SpoolMirror(spool, replays, self._key, self.code_ms)

    async def copies(self, code: str) -> Copies | None:
        """What Redis holds of room `code` (its card at least), or None."""
        if self._redis is None or self.away:
            return None
        try:
            card, tape, frozen = await self._redis.mget(
                [self._key(kind, code) for kind in KINDS])
        except (RedisError, OSError) as e:
            self._lost(e)
            return None
        if not isinstance(card, bytes):
            return None
        return Copies(card, tape if isinstance(tape, bytes) else None,
                      frozen if isinstance(frozen, bytes) else None)

    async def take(self, code: str, node: str) -> bool:
        """Claim room `code` of dead node `node` for this node, if no other node was first
        (its claim still names `node`, or lapsed, and its card is there): True if this node
        now holds it (and its `moving` key, until `settled`)."""
        return await self._move(code, node, need_card=True) is True

    async def reclaim(self, code: str) -> bool:
        """Room `code`, found on this node's own spool after its process stopped: True if
        this node may take it up (the claim is this node's, nobody's, or a dead node's,
        and is now this node's, with a `moving` key until `settled`); False if another
        running node holds it. True while Redis is away (logged by the board)."""
        got = await self._move(code, None, need_card=False)
        return got is not False

    async def _move(self, code: str, node: str | None, *, need_card: bool) -> bool | None:
        """Move `code`'s claim here (see `take`, `reclaim`): True, False (another holds
        it), or None (Redis away)."""
        if self._redis is None or self.away:
            return None
        claim_key = self._key("code", code)
        try:
            raw = await self._redis.get(claim_key)
            old = ""
            if raw is not None:
                old = str(msgpack.unpackb(raw)[0])
                if node is not None and old != node:
                    return False
                if node is None and old != self.node \
                        and await self._redis.exists(self._key("node", old)):
                    return False
            elif node is not None:
                old = node
            keys = [claim_key, self._key("moving", code), self._key("held", old or self.node),
                    self._key("held", self.node), self._key("card", code)]
            args = [raw or b"", self._claim, self.code_ms, code, self.node, _MOVING_MS,
                    "1" if need_card else "0"]
            return bool(await self._take(keys=keys, args=args))
        except (RedisError, OSError) as e:
            self._lost(e)
            return None
        except (ValueError, TypeError, IndexError, msgpack.UnpackException):
            log.warning("the claim of room code %s in Redis is not one (skipped)", code)
            return False

    def settled(self, code: str) -> None:
        """Room `code`, taken up here, runs (or was given up): it is no longer in transit
        (sent in the background; never blocks, never raises)."""
        task = asyncio.get_running_loop().create_task(self._settle(code))
        self._settling.add(task)
        task.add_done_callback(self._settling.discard)

    async def _settle(self, code: str) -> None:
        if self._redis is None:
            return
        try:
            await self._settled(keys=[self._key("moving", code)], args=[self.node])
        except (RedisError, OSError) as e:
            self._lost(e)
            self._unsettled.add(code)  # the writer tries again once Redis is back
        else:
            self._unsettled.discard(code)

    # ------------------------------------------------------------------ writing
    async def _write_forever(self) -> None:
        failures = 0
        while not self._stopping:
            if self.mirror is None:
                await self._wake.wait()
            else:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), _MIRROR_EVERY)
            self._wake.clear()
            if self._stopping:
                break
            released = set(self._released)
            try:
                await self._write(self._posted, released)
                if self.mirror is not None and self._redis is not None:
                    await self.mirror.sync(self._redis, self.node, self._claim,
                                           [b.entry.code for b in self._posted])
            except (RedisError, OSError) as e:
                self._lost(e)
                failures += 1
                await self._wait_retry(failures)
                self._wake.set()  # the newest post, whatever it is by then
                continue
            failures = 0
            self._released -= released
            self._back()
            for code in list(self._unsettled):
                await self._settle(code)

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
                await self._drop_code(code, pipe)
            results = await pipe.execute()
        for code, ok in zip(codes, results[first_hold:first_hold + len(codes)], strict=True):
            if not ok and code not in self._clashes:
                self._clashes.add(code)
                log.error("room code %s is held by another server too (Redis lost it while "
                          "this one was cut off): players joining it elsewhere are sent there",
                          code)

    async def _drop_code(self, code: str, pipe: Any) -> None:
        """Queue on `pipe` the release of `code`'s claim, with the room's copies, if the
        claim is still this node's."""
        await self._drop(keys=[self._key("code", code),
                               *(self._key(k, code) for k in (*KINDS, "moving")),
                               self._key("held", self.node)],
                         args=[self._claim, code], client=pipe)

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
        orphans: list[tuple[str, str]] = []
        for n in gone:
            if await self._prune(keys=[self._key("node", n), _NODES, self._key("held", n)],
                                 args=[n]):
                continue
            codes = await self._redis.srandmember(self._key("held", n), _ORPHANS_LIMIT)
            orphans += [(c.decode("utf-8", "replace") if isinstance(c, bytes) else str(c), n)
                        for c in codes or []]
        self.orphans = orphans[:_ORPHANS_LIMIT]
        self._others = found[:LIST_LIMIT]
        self._others_at = time.monotonic()

    def status(self) -> dict[str, object]:
        """What /healthz shows of the cluster (with a spool: the rooms whose copies are in
        Redis and the bytes sent there; `rooms_of_dead_nodes`: waiting to be taken up)."""
        out: dict[str, object] = {
            "node": self.node, "public_url": self.url, "redis": shown_url(self.redis_url),
            "redis_ok": not self.away, "redis_losses": self.losses,
            "rooms_on_other_nodes": len(self._others),
            "rooms_of_dead_nodes": len(self.orphans)}
        if self.mirror is not None:
            out["rooms_copied"] = len(self.mirror.codes)
            out["bytes_copied"] = self.mirror.bytes_sent
        return out

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

