"""The supervisor of a host with workers: one public port, N worker processes, each room in
exactly one of them.

Imports game.retreats (the levels, for the web page), the server's admin, board, channel,
codes, config, door, health (memory), pages, recording, registrar, relay (its close reason),
status, summary and webpage; never the host or the worker (a worker is reached only over
its channel).

Why this shape (the lead's design, as built): a room's ticks must stay on one core, so each
worker runs its rooms start to end, and the port must stay one (players, firewalls and load
balancers see one address). So the supervisor owns the listening socket, and for every
accepted connection it peeks at the HTTP request head without taking it off the socket
(`server.door`: MSG_PEEK, at most 8 KB, within `limits.hello_seconds`):

- `/healthz`, `/metrics`, `/replays...` it answers itself: health and metrics asked of every
  worker over its channel with a short timeout (a stuck worker shows as "no answer", never
  hangs the answer) and added up (`server.summary`); replays from the shared folder. A head
  that is malformed or too long gets 400 (or 431) and never reaches a worker.
- The web page (`server.webpage`: the same routes as a single-process host's) it answers
  too, for the whole host: its files and the levels' geometry itself; `/api/status` and
  `/admin/status` from every worker's status (an "order" on the channel, answered with its
  /healthz part too, in the same bounded time as /healthz) merged (`server.status.merge`);
  the admin's token checked here, a kick or a close sent as an order to the worker whose
  slot the room's code names (which carries it out on its rooms, as a single-process host
  does), and a drain stopping the whole host as SIGTERM does. Anything else (a plain GET of
  another path) is the page's 404, another method its 405. The connection caps
  (`security.max_connections`, `security.max_connections_per_ip`) are applied here, for
  the whole host (HTTP 503).
- A websocket handshake is handed to a worker with `socket.send_fds` (the socket and a small
  record: the client's address, a serial), its request still unread in the kernel's buffer,
  so the worker's websockets server does the normal handshake. Which worker: the one whose
  slot the room code says (`server.codes`), when the client names the room it joins with
  `?room=CODE` (ours do: `game.remote`); else the worker with the fewest connections. A client
  that names no room and joins one elsewhere is relayed there by its worker (`server.relay`).

The room list spans the workers: each posts its rooms ("board") on change and every second;
the supervisor merges them into its own board (`LocalBoard`; the cluster's board will take
its place when several machines share one: it is the machine's one face to it) and sends
the merged listing to every worker when it changes (a burst of changes in batches, at most
four a second) and checks each second for what the board learned otherwise; a heartbeat
that repeats a worker's rooms sends nothing. Room codes and the creation caps are the
supervisor's `Registrar`, asked by the workers.

A worker that dies (a crash, `kill -9`) takes only its own rooms. The supervisor keeps its
own copy of every socket it handed over until the worker reports that connection ended; when
a worker dies it writes a websocket close (1011 and `SIBLING_RESTARTING`, or `SIBLING_LOST`
when replays are off and its rooms cannot be taken up) on each connection still open, or an
HTTP 503
on one still in its handshake, and closes them: every client is told, none hangs. (A frame
the worker had half written when it died would garble that close; the client then sees a
protocol error, still not a hang.) Its rooms leave the board at once, their codes are kept
out of use for `rooms.reconnect_seconds` and given to the replacement worker, which tells a
player coming back with a token (4007) or the code (an ERROR) what happened. It logs the
death once and starts a replacement in the same slot (which makes the same codes) at once,
or after a doubling delay (up to 30 s) if the slot keeps dying within seconds of starting.
Worker restarts are counted in /metrics and /healthz.

SIGTERM or SIGINT (or the admin's drain): the supervisor stops accepting, tells every worker
to drain with the reason ("stop" on its channel, which carries the signal's name; SIGTERM 2 s
later to a worker still running, SIGKILL at 8 s), each closes every client with 1001 and the
reason, and the host exits within seconds.

Rooms outlive a worker's death: the replacement worker takes up the rooms its slot's dead
worker left on the spool (`Host.take_up`, from their cards, checkpoints and replays). With a
cluster the supervisor, the machine's one face to Redis, also copies the spool of the
machine's rooms to Redis (`server.mirror`, from the board's writer) and takes up the rooms of
other nodes that die (`server.rescue`): it wins the room's code in Redis, writes its copies
into the shared spool, and asks the worker of the code's slot to take it up ("take_up" on
its channel; the worker answers once the room runs, or that it could not). A worker's own
`reclaim` of an orphan card (at its start) and its `settled` are asked of the supervisor's
board too.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import logging
import signal
import socket
import sys
import time
from collections import Counter as Tally
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any, Protocol

from game.retreats import campaign
from game.sim.level import Level
from server.admin import AdminAnswer, Order, drain, no_room
from server.board import Board, BoardEntry, LocalBoard, pack_entries, unpack_entries
from server.channel import Channel, pair
from server.cluster import RedisBoard
from server.codes import CodeSpace, normal, slot_of
from server.config import ServerConfig
from server.door import BadHead, Head, close_frame, http_answer, peek_head
from server.health import resident_mb
from server.pages import Pages
from server.recording import Replays
from server.registrar import Refusal, Registrar
from server.relay import SIBLING_LOST, SIBLING_RESTARTING
from server.rescue import Rescue
from server.spool import Spool
from server.status import Chronicle, Night, merge
from server.status import report as status_of
from server.summary import DoorMetrics, Families, Retired, merge_health, render_families
from server.webpage import WebRoutes

__all__ = ["Launcher", "ProcessLauncher", "Supervisor", "WorkerHandle", "run"]

log = logging.getLogger("dreamlayer.supervisor")

ASK_SECONDS = 1.0
"""how long /healthz, /metrics and the web page's status and admin actions wait for a
worker's answer"""
START_SECONDS = 30.0
"""how long a worker may take to come up when the host starts"""
ROUTE_SECONDS = 10.0
"""how long a connection for a slot whose worker is being replaced waits for it"""
TERM_AFTER = 2.0
"""seconds after "stop" that a draining worker still running gets SIGTERM"""
KILL_AFTER = 8.0
"""seconds after "stop" that a worker still running is killed"""
_STEADY_SECONDS = 10.0
_BACKOFF_CAP = 30.0
_LISTING_CAP = 1024
_LISTING_EVERY = 0.25
"""seconds at least between two listings sent to the workers (churn is sent in batches)"""
_SEND_SECONDS = 5.0
TAKE_UP_SECONDS = 60.0
"""how long a worker may take to take up a room of a dead node (re-simulating its night)"""


class WorkerHandle(Protocol):
    """A running worker, as the supervisor controls it."""

    pid: int

    async def wait(self) -> int:
        """Its exit status once it has exited (negative: the signal that ended it)."""

    def terminate(self) -> None:
        """Ask it to stop (SIGTERM)."""

    def kill(self) -> None:
        """End it now (SIGKILL)."""


class Launcher(Protocol):
    """Starts a worker on its end of a control channel."""

    async def launch(self, channel_end: socket.socket, slot: int) -> WorkerHandle: ...


class _Process:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.pid = proc.pid

    async def wait(self) -> int:
        return await self.proc.wait()

    def terminate(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.proc.terminate()

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.proc.kill()


class ProcessLauncher:
    """Workers as processes: `python -m server --worker FD`, a fresh interpreter (spawned,
    never a fork of this process's running event loop)."""

    async def launch(self, channel_end: socket.socket, slot: int) -> WorkerHandle:
        fd = channel_end.fileno()
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "server", "--worker", str(fd), pass_fds=(fd,),
            stdin=asyncio.subprocess.DEVNULL)
        return _Process(proc)


@dataclass(eq=False)
class _Handed:
    """A socket handed to a worker, our own copy kept until the worker says it ended."""

    sock: socket.socket
    ip: str
    relayed: bool
    opened: bool = False
    """its websocket handshake is done (the worker said so)"""


@dataclass(eq=False)
class _Slot:
    index: int
    handle: WorkerHandle | None = None
    channel: Channel | None = None
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    handed: dict[int, _Handed] = field(default_factory=dict)
    board: list[BoardEntry] = field(default_factory=list)
    families: Families = field(default_factory=list)
    """what its metrics said last (carried into the totals if it dies)"""
    started_at: float = 0.0
    failures: int = 0
    """deaths in a row, each within seconds of its start"""

    def clients(self) -> int:
        return sum(1 for h in self.handed.values() if not h.relayed)


class Supervisor:
    """A host with `config.worker_count()` workers behind one port (see the module
    docstring). `start()`, then `stop(reason)`; `port` tells where it listens."""

    def __init__(self, config: ServerConfig, *, launcher: Launcher | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self.launcher: Launcher = launcher if launcher is not None else ProcessLauncher()
        self.clock = clock
        self.slots = [_Slot(k) for k in range(config.worker_count())]
        self.board: Board = RedisBoard(config.redis_url, config.public_url) \
            if config.redis_url else LocalBoard()
        """the machine's one face to the other hosts (the cluster's Redis board when
        `cluster.redis_url` is set)"""
        self.registrar = Registrar(config, self.board)
        self.replays = Replays(config)
        self.chronicle = Chronicle()
        """the host's last nights, as its workers tell them (a worker's die not with it)"""
        self.spool: Spool | None = Spool(self.replays.directory.folder / "rooms") \
            if config.replays_enabled else None
        """the machine's room cards (the workers write them; with a cluster, copied to
        Redis from here)"""
        self.rescue: Rescue | None = None
        self.pages = Pages(self.health_report, self.metrics_text, self.replays)
        self.metrics = DoorMetrics()
        self.web = WebRoutes(config.admin_token, self.metrics.rejected, lambda: self.levels)
        self.retired = Retired()
        self.per_ip: Tally[str] = Tally()
        """connections by address, from their accept until their end (or the door's answer)"""
        self.at_door: Tally[str] = Tally()
        """connections by address whose request head the door is still waiting for"""
        self.stopping = False
        self.finished = asyncio.Event()
        """set once `stop()` is done (by a signal, or the admin's drain)"""
        self._drain: asyncio.Task[None] | None = None
        self.restarts = 0
        """workers that stopped unasked and were replaced"""
        self.started = clock()
        self._serials = itertools.count(1)
        self._listener: socket.socket | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._listing_due = False
        self._listed: list[list[Any]] = []
        """the listing the workers have now"""
        self._listed_at = float("-inf")
        self.metrics.workers.set_function(
            lambda: float(sum(1 for s in self.slots if s.ready.is_set())))

    @functools.cached_property
    def levels(self) -> list[Level]:
        """The campaign's levels, loaded once (the web page draws with their geometry)."""
        return campaign(self.config.levels_folder())

    @property
    def port(self) -> int:
        assert self._listener is not None
        return int(self._listener.getsockname()[1])

    def address(self) -> str:
        assert self._listener is not None
        host, port = self._listener.getsockname()[:2]
        return f"ws://{host}:{port}"

    # ------------------------------------------------------------------ start and stop
    async def start(self) -> None:
        """Listen, start every worker and wait until each serves. Raises OSError if the port
        cannot be had, RuntimeError if a worker does not come up."""
        cfg = self.config
        family = socket.getaddrinfo(cfg.host, cfg.port, type=socket.SOCK_STREAM,
                                    flags=socket.AI_PASSIVE)[0][0]
        self._listener = socket.create_server((cfg.host, cfg.port), family=family,
                                              backlog=1024)
        self._listener.setblocking(False)
        if isinstance(self.board, RedisBoard) and not cfg.public_url:
            host = f"[{cfg.host}]" if ":" in cfg.host else cfg.host
            self.board.url = f"ws://{host}:{self.port}"
        try:
            await self.board.start()
        except BaseException:
            self._listener.close()
            raise
        for slot in self.slots:
            await self._launch(slot)
        try:
            async with asyncio.timeout(START_SECONDS):
                await asyncio.gather(*(s.ready.wait() for s in self.slots))
        except TimeoutError:
            await self.stop("a worker did not start")
            raise RuntimeError(f"a worker process did not come up within {START_SECONDS:g} s "
                               "(see its log above)") from None
        self._spawn(self._accept_forever())
        self._spawn(self._every_second())
        if isinstance(self.board, RedisBoard) and self.spool is not None:
            folder = self.replays.directory.folder
            self.board.keep_spool(self.spool, folder)
            self.rescue = Rescue(self.board, self.spool, folder,
                                 {lv.name for lv in self.levels}, self._take_up)
            self.rescue.start()
        log.info("%s listening on %s (%d worker processes)", cfg.name, self.address(),
                 len(self.slots))

    async def stop(self, reason: str) -> None:
        """Stop accepting, drain every worker (1001 and `reason` to each client), end any
        that does not within `KILL_AFTER` seconds, close what is left. Returns once every
        worker has exited (a second call too, once the first is done)."""
        if self.stopping:
            await self.finished.wait()
            return
        self.stopping = True
        log.info("shutting down: %s", reason)
        if self._listener is not None:
            with contextlib.suppress(ValueError, OSError):
                asyncio.get_running_loop().remove_reader(self._listener.fileno())
            self._listener.close()
        for task in list(self._tasks):
            task.cancel()
        if self.rescue is not None:
            await self.rescue.stop()
        for slot in self.slots:
            if slot.channel is not None:
                slot.channel.tell({"t": "stop", "reason": reason})
        waits = [self._exit_of(s, reason) for s in self.slots if s.handle is not None]
        await asyncio.gather(*waits)
        await self.board.stop()
        self.finished.set()

    def drain(self, reason: str, after: asyncio.Task[Any] | None = None) -> None:
        """Stop the whole host in the background (`stop(reason)`), once `after` is done if
        given (the door's task answering the admin's drain: its answer is written first, as
        `stop` ends every door's task); `finished` tells when it is done. Idempotent."""
        async def after_the_answer() -> None:
            if after is not None:
                await asyncio.wait([after], timeout=_SEND_SECONDS)
            await self.stop(reason)

        if self._drain is None:
            self._drain = asyncio.get_running_loop().create_task(after_the_answer())

    async def _exit_of(self, slot: _Slot, reason: str) -> None:
        handle = slot.handle
        assert handle is not None
        try:
            async with asyncio.timeout(TERM_AFTER):
                status = await handle.wait()
        except TimeoutError:
            handle.terminate()
            try:
                async with asyncio.timeout(KILL_AFTER - TERM_AFTER):
                    status = await handle.wait()
            except TimeoutError:
                log.warning("worker %d (pid %d) did not drain in %g s: killed", slot.index,
                            handle.pid, KILL_AFTER)
                handle.kill()
                status = await handle.wait()
        # a worker that drained told its clients itself; one that had to be killed did not
        self._orphans(slot, 1001, reason, tell=status != 0)
        if slot.channel is not None:
            slot.channel.close()

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ------------------------------------------------------------------ workers
    async def _launch(self, slot: _Slot) -> None:
        mine, theirs = pair()
        slot.ready.clear()  # (cleared, not replaced: connections waiting for it still do)
        slot.channel = Channel(mine, lambda msg, socks: self._message(slot, msg, socks),
                               name=f"worker {slot.index}'s channel")
        try:
            slot.handle = await self.launcher.launch(theirs, slot.index)
        finally:
            theirs.close()
        slot.started_at = self.clock()
        n = len(self.slots)
        lost = {code: why for code, (why, _) in self.registrar.lost.items()
                if slot_of(code, n) == slot.index}
        slot.channel.tell({"t": "start", "slot": slot.index, "slots": n,
                           "config": self.config.fields(), "lost": lost})
        self._spawn(self._watch(slot, slot.handle))

    async def _watch(self, slot: _Slot, handle: WorkerHandle) -> None:
        status = await handle.wait()
        if self.stopping or slot.handle is not handle:
            return
        self._bury(slot, handle, status)
        quick = self.clock() - slot.started_at < _STEADY_SECONDS
        slot.failures = slot.failures + 1 if quick else 0
        delay = min(_BACKOFF_CAP, 2.0 ** (slot.failures - 1)) if slot.failures > 1 else 0.0
        if delay:
            log.warning("worker %d keeps stopping within seconds of starting: the next in "
                        "%g s", slot.index, delay)
            await asyncio.sleep(delay)
        if not self.stopping:
            await self._launch(slot)

    def _bury(self, slot: _Slot, handle: WorkerHandle, status: int) -> None:
        """A worker stopped unasked: its clients told, its rooms lost, counted."""
        how = f"killed by {signal.Signals(-status).name}" if status < 0 \
            else f"exit status {status}"
        n = len(self.slots)
        codes = [c for c in self.registrar.opened if slot_of(c, n) == slot.index]
        clients = slot.clients()
        log.error("worker %d (pid %d) stopped (%s): its %d rooms are lost and its %d clients "
                  "closed; starting a replacement", slot.index, handle.pid, how, len(codes),
                  clients)
        self.restarts += 1
        self.metrics.restarts.inc()
        self.retired.keep(slot.families)
        slot.families = []
        slot.ready.clear()
        if slot.channel is not None:
            slot.channel.close()
        until = self.clock() + self.config.reconnect_seconds
        for code in codes:
            self.registrar.lose(code, f"room {code} was lost: the server process running it "
                                      "stopped", until)
        self._orphans(slot, 1011, SIBLING_RESTARTING if self.config.replays_enabled
                      else SIBLING_LOST, tell=True)
        slot.board = []
        self._board_changed()

    def _orphans(self, slot: _Slot, code: int, reason: str, *, tell: bool) -> None:
        """Close the sockets still handed to `slot`'s worker, which is gone; with `tell`, a
        websocket close (`code`, `reason`) on each open one and HTTP 503 on each still in
        its handshake."""
        for handed in slot.handed.values():
            if tell:
                data = close_frame(code, reason) if handed.opened else http_answer(
                    HTTPStatus.SERVICE_UNAVAILABLE, (reason + "\n").encode())
                with contextlib.suppress(OSError):
                    handed.sock.send(data, socket.MSG_DONTWAIT)
            self._close_handed(handed)
        slot.handed.clear()

    def _close_handed(self, handed: _Handed) -> None:
        with contextlib.suppress(OSError):
            handed.sock.shutdown(socket.SHUT_RDWR)
        handed.sock.close()
        if not handed.relayed:
            self._forget(handed.ip)

    def _forget(self, ip: str) -> None:
        self.per_ip[ip] -= 1
        if self.per_ip[ip] <= 0:
            del self.per_ip[ip]

    # ------------------------------------------------------------------ the channel
    def _message(self, slot: _Slot, msg: dict[str, Any], socks: list[socket.socket]) -> Any:
        t = msg.get("t")
        if t == "relay" and socks:
            peer = msg.get("peer") or ["?", 0]
            self._spawn(self._relay(str(msg.get("code", "")), socks[0],
                                    (str(peer[0]), int(peer[1]))))
            socks = socks[1:]
        for s in socks:
            s.close()
        if t == "conns":
            self._conns(slot, msg.get("opened", []), msg.get("ended", []))
        elif t == "ready":
            slot.ready.set()
            log.info("worker %d serving (pid %s)", slot.index, msg.get("pid"))
            if slot.channel is not None:
                slot.channel.tell({"t": "listing", "rooms": self._listed})
        elif t == "board":
            try:
                board = unpack_entries(msg.get("rooms"))
            except ValueError as e:
                log.error("worker %d sent an unreadable board (%s)", slot.index, e)
                board = slot.board
            if board != slot.board:  # (a heartbeat repeats it)
                slot.board = board
                self._board_changed()
        elif t == "register":
            return self._register(slot, int(msg.get("own_open", 0)), str(msg.get("address")))
        elif t == "night":
            try:
                self.chronicle.add(Night.of_fields(msg.get("night")))
            except ValueError as e:
                log.error("worker %d told of an unreadable night (%s)", slot.index, e)
        elif t == "unregister":
            self.registrar.unregister(str(msg.get("code")))
        elif t == "adopt":
            self.registrar.adopt(str(msg.get("code")), str(msg.get("address")))
        elif t == "claim":
            return self._claim(str(msg.get("code")))
        elif t == "locate":
            return self._locate(str(msg.get("code")))
        elif t == "why_gone":
            return self._why_gone(str(msg.get("code")))
        elif t == "reclaim":
            return self._reclaim(str(msg.get("code")))
        elif t == "settled":
            self.board.settled(str(msg.get("code")))
        elif t != "relay":
            log.warning("worker %d sent an unknown message: %r", slot.index, t)
        return None

    def _conns(self, slot: _Slot, opened: list[int], ended: list[int]) -> None:
        for serial in opened:
            handed = slot.handed.get(serial)
            if handed is not None:
                handed.opened = True
        for serial in ended:
            handed = slot.handed.pop(serial, None)
            if handed is not None:
                self._close_handed(handed)

    async def _register(self, slot: _Slot, own_open: int, address: str) -> dict[str, Any]:
        got = await self.registrar.register(own_open, address, self.clock(),
                                            CodeSpace(slot.index, len(self.slots)))
        if isinstance(got, Refusal):
            return {"reason": got.reason, "text": got.text, "status": got.code}
        return {"code": got}

    async def _claim(self, code: str) -> dict[str, Any]:
        return {"ok": await self.board.claim(code)}

    async def _locate(self, code: str) -> dict[str, Any]:
        return {"url": await self.board.locate(code)}

    async def _why_gone(self, code: str) -> dict[str, Any]:
        return {"why": await self.board.why_gone(code)}

    async def _reclaim(self, code: str) -> dict[str, Any]:
        return {"ok": await self.board.reclaim(code)}

    async def _take_up(self, code: str) -> bool:
        """Have the worker of `code`'s slot take up the room whose card is in the spool
        (a dead node's, `server.rescue`): True once it runs there."""
        k = slot_of(code, len(self.slots))
        slot = await self._ready(self.slots[k]) if k is not None else None
        if slot is None or slot.channel is None:
            return False
        answer = await slot.channel.ask({"t": "take_up", "code": code}, TAKE_UP_SECONDS)
        return bool(answer and answer.get("ok"))

    # ------------------------------------------------------------------ the board
    def _board_changed(self) -> None:
        """A worker's rooms changed: the board knows at once, the workers within
        `_LISTING_EVERY` seconds."""
        self.board.post([e for s in self.slots for e in s.board])
        if not self._listing_due:
            self._listing_due = True
            loop = asyncio.get_running_loop()
            loop.call_later(max(0.0, self._listed_at + _LISTING_EVERY - loop.time()),
                            self._send_listing)

    def _send_listing(self) -> None:
        """Send every worker the board's listing, if it is not what they have."""
        self._listing_due = False
        rooms = pack_entries(self.board.listing()[:_LISTING_CAP])
        if rooms == self._listed:
            return
        self._listed, self._listed_at = rooms, asyncio.get_running_loop().time()
        for slot in self.slots:
            if slot.channel is not None and slot.ready.is_set():
                slot.channel.tell({"t": "listing", "rooms": rooms})

    async def _every_second(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            self.registrar.prune(self.clock())
            self._send_listing()

    # ------------------------------------------------------------------ the door
    async def _accept_forever(self) -> None:
        assert self._listener is not None
        loop = asyncio.get_running_loop()
        while True:
            try:
                sock, addr = await loop.sock_accept(self._listener)
            except OSError as e:  # out of file descriptors, say: log, breathe, go on
                log.error("cannot accept a connection: %s", e.strerror or e)
                await asyncio.sleep(0.1)
                continue
            sock.setblocking(False)
            self._spawn(self._door(sock, (str(addr[0]), int(addr[1]))))

    async def _door(self, sock: socket.socket, peer: tuple[str, int]) -> None:
        """One accepted connection: answered here, or handed to a worker. An address may keep
        at most `max_connections_per_ip` connections waiting at the door (a client that
        sends its head slowly, or never, holds one for `hello_seconds`); past that they are
        closed at once."""
        ip = peer[0]
        cfg = self.config
        if self.at_door[ip] >= cfg.max_connections_per_ip \
                or self.at_door.total() >= cfg.max_connections:
            self.metrics.rejected.labels(reason="too_many_at_door").inc()
            sock.close()
            return
        self.per_ip[ip] += 1
        self.at_door[ip] += 1
        handed = False
        try:
            handed = await self._admit(sock, peer)
        except BadHead as e:
            self.metrics.rejected.labels(reason="bad_request").inc()
            log.info("a bad request from %s: %s", ip, e.text)
            await self._answer(sock, None, e.status, (e.text + "\n").encode())
        except TimeoutError:
            log.debug("no request head from %s within %g s", ip, self.config.hello_seconds)
        except OSError as e:
            log.debug("a connection from %s failed at the door: %s", ip, e)
        finally:
            self.at_door[ip] -= 1
            if self.at_door[ip] <= 0:
                del self.at_door[ip]
            if not handed:
                self._forget(ip)
                with contextlib.suppress(OSError):
                    sock.close()

    async def _admit(self, sock: socket.socket, peer: tuple[str, int]) -> bool:
        """Read the head; answer it or hand the socket over (True)."""
        head = await peek_head(sock, self.config.hello_seconds)
        if head is None:
            return False
        page = await self.pages.answer(head.target) if head.method == "GET" \
            and Pages.ours(head.target) else await self.web.respond(
                head.target, head.headers, peer[0], head.method, self._carry_out)
        if page is not None:
            status, body, headers = page
            await self._answer(sock, head, status, body, headers)
            return False
        refusal = self._refusal(peer[0])
        if refusal is not None:
            await self._answer(sock, head, HTTPStatus.SERVICE_UNAVAILABLE, refusal)
            return False
        for _ in range(2):  # again if its worker died between the routing and the handing
            slot = await self._route(head)
            if slot is not None and self._hand(slot, sock, peer, relayed=False):
                return True
        await self._answer(sock, head, HTTPStatus.SERVICE_UNAVAILABLE,
                           b"the server process for that room is restarting: try again\n")
        return False

    def _refusal(self, ip: str) -> bytes | None:
        """Why a new websocket from `ip` is refused now (None: it is not)."""
        if self.stopping:
            return b"the server is shutting down\n"
        if sum(s.clients() for s in self.slots) >= self.config.max_connections:
            self.metrics.rejected.labels(reason="server_full").inc()
            return b"the server is full\n"
        if self.per_ip[ip] > self.config.max_connections_per_ip:  # this one is counted
            self.metrics.rejected.labels(reason="too_many_from_ip").inc()
            return b"too many connections from your address\n"
        return None

    async def _route(self, head: Head) -> _Slot | None:
        """The worker for this handshake: its room's (`?room=CODE`), else the one with the
        fewest connections; None if none serves within `ROUTE_SECONDS`."""
        n = len(self.slots)
        k = slot_of(normal(head.query("room")), n)
        if k is not None:
            return await self._ready(self.slots[k])
        serving = [s for s in self.slots if s.ready.is_set()]
        if serving:
            return min(serving, key=lambda s: (s.clients(), s.index))
        waits = [asyncio.ensure_future(s.ready.wait()) for s in self.slots]
        try:
            await asyncio.wait(waits, timeout=ROUTE_SECONDS,
                               return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waits:
                w.cancel()
        serving = [s for s in self.slots if s.ready.is_set()]
        return min(serving, key=lambda s: (s.clients(), s.index)) if serving else None

    async def _ready(self, slot: _Slot) -> _Slot | None:
        try:
            async with asyncio.timeout(ROUTE_SECONDS):
                await slot.ready.wait()
        except TimeoutError:
            return None
        return None if self.stopping else slot

    def _hand(self, slot: _Slot, sock: socket.socket, peer: tuple[str, int], *,
              relayed: bool) -> bool:
        """Give `sock` to `slot`'s worker (False, keeping it, if that worker is gone)."""
        channel = slot.channel
        if channel is None or channel.closed.done() or not slot.ready.is_set():
            return False
        serial = next(self._serials)
        slot.handed[serial] = _Handed(sock, peer[0], relayed)
        channel.send_socket({"t": "socket", "serial": serial, "peer": list(peer),
                             "relayed": relayed}, sock)
        return True

    async def _relay(self, code: str, sock: socket.socket, peer: tuple[str, int]) -> None:
        """A worker's line for a client whose room `code` another worker runs."""
        k = slot_of(code, len(self.slots))
        for _ in range(2):
            slot = await self._ready(self.slots[k]) if k is not None else None
            if slot is not None and self._hand(slot, sock, peer, relayed=True):
                return
        sock.close()  # the relaying worker tells its client

    async def _answer(self, sock: socket.socket, head: Head | None, status: HTTPStatus,
                      body: bytes, headers: dict[str, str] | None = None) -> None:
        """Answer plain HTTP and close: the request taken off the socket first (so closing
        does not reset the connection before the client reads the answer)."""
        with contextlib.suppress(OSError):
            sock.recv(head.size if head is not None else 65536)
        data = http_answer(status, body, headers)
        with contextlib.suppress(OSError, TimeoutError):
            async with asyncio.timeout(_SEND_SECONDS):
                await asyncio.get_running_loop().sock_sendall(sock, data)
            sock.shutdown(socket.SHUT_WR)

    # ------------------------------------------------------------------ health, metrics
    async def _ask(self, slot: _Slot, message: dict[str, Any]) -> dict[str, Any] | None:
        """`slot`'s worker's answer to `message`; None if it is not serving or gave none
        within `ASK_SECONDS`."""
        if slot.channel is None or not slot.ready.is_set():
            return None
        return await slot.channel.ask(message, ASK_SECONDS)

    async def _ask_all(self, message: dict[str, Any]
                       ) -> list[tuple[_Slot, dict[str, Any] | None]]:
        answers = await asyncio.gather(*(self._ask(s, message) for s in self.slots))
        return list(zip(self.slots, answers, strict=True))

    async def health_report(self) -> dict[str, Any]:
        """The host's /healthz object (see `server.summary.merge_health`)."""
        answers = await self._ask_all({"t": "health"})
        return self._health_of([(s.index, a) for s, a in answers])

    def _health_of(self, answers: list[tuple[int, dict[str, Any] | None]]) -> dict[str, Any]:
        report = merge_health(answers, name=self.config.name,
                              uptime=self.clock() - self.started, stopping=self.stopping,
                              restarts=self.restarts, supervisor_mb=resident_mb())
        if isinstance(self.board, RedisBoard):
            report["cluster"] = self.board.status()
            if self.rescue is not None:
                report["cluster"]["rooms_taken_up"] = self.rescue.taken
        return report

    async def metrics_text(self) -> str:
        """The host's /metrics text: every worker's samples summed, and the supervisor's."""
        parts: list[Families] = []
        for slot, answer in await self._ask_all({"t": "metrics"}):
            if answer is not None:
                slot.families = list(answer.get("families", []))
            parts.append(slot.families)
        return render_families([*parts, self.metrics.families()], self.retired)

    # ------------------------------------------------------------------ the web page
    async def status_report(self, private: bool) -> dict[str, Any]:
        """The host's /api/status object (`private`: /admin/status's, with the private
        rooms): every worker's status merged, on the host's /healthz (asked in the same
        round). A worker that gives none shows in `workers` as "no answer", its rooms left
        out. The last nights are the supervisor's own list (`chronicle`), which the workers
        feed as their nights end: a worker that died leaves its nights listed."""
        order = Order("status", private=private)
        answers = await self._ask_all({"t": "order", "order": order.fields()})
        parts: list[dict[str, Any]] = []
        healths: list[tuple[int, dict[str, Any] | None]] = []
        for slot, got in answers:
            if got is None or got.get("status") != HTTPStatus.OK or "health" not in got:
                healths.append((slot.index, None))
                continue
            healths.append((slot.index, got["health"]))
            parts.append(got["body"])
        health = self._health_of(healths)
        if not parts:
            status = status_of(health, [], Chronicle(), rates=(0.0, 0.0), spectator_slots=0,
                               admin=self.web.admin.enabled)
        else:
            status = merge(parts, health=health)
        status["matches"] = self.chronicle.matches(
            private, lambda rid: self.replays.directory.path_of(rid) is not None)
        return status

    async def _carry_out(self, order: Order) -> AdminAnswer:
        """An order of the web page, for the whole host: the status merged, a drain of every
        worker, a kick or a close carried out by the worker that runs the room."""
        if order.action == "status":
            return HTTPStatus.OK, await self.status_report(order.private)
        if order.action == "drain":
            door = asyncio.current_task()
            return drain(order, lambda reason: self.drain(reason, after=door))
        k = slot_of(order.room, len(self.slots))
        if k is None:
            return no_room(order.room)
        got = await self._ask(self.slots[k], {"t": "order", "order": order.fields()})
        if got is None:
            return HTTPStatus.SERVICE_UNAVAILABLE, {
                "error": f"the server process running room {order.room} did not answer: "
                         "try again"}
        return HTTPStatus(int(got["status"])), dict(got["body"])


async def run(config: ServerConfig) -> None:
    """Serve with workers until SIGTERM or SIGINT (or the admin's drain), then drain them
    all and return."""
    supervisor = Supervisor(config)
    await supervisor.start()
    loop = asyncio.get_running_loop()

    def on_signal(signum: int) -> None:
        supervisor.drain(f"the server is shutting down ({signal.Signals(signum).name})")

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, on_signal, int(sig))
    await supervisor.finished.wait()
