"""A worker process of a host with workers: today's `Host`, listening nowhere, fed by its
supervisor over a control channel (`server.channel`).

Imports the server's host, admin, board, channel, codes, config, gate, registrar and summary
modules
(never the supervisor: it only speaks to it over the channel).

The supervisor starts a worker with `python -m server --worker FD` (FD its end of the
channel; a spawned interpreter, never a fork of a running event loop) and sends it "start":
its slot, the number of slots, the configuration, and the codes of rooms lost with the
worker it replaces (asked for, they are answered with what happened: 4007 for a token, an
ERROR without one). The worker then answers:

- "socket" (with a socket): a client connection the supervisor accepted, its request unread:
  adopted (`Host.gate.adopt`), the handshake and everything after done here. Its end, and
  the end of its handshake, are reported back in batches ("conns": opened, ended serials;
  one message per turn of the event loop), so the supervisor can close its own copy, count
  connections per address, and tell the client something if this process dies.
- "listing": the merged room list of the host (fed to the `NodeBoard`).
- asks "health" and "metrics": this process's /healthz object and metric samples.
- asks "order" (server.admin's `Order`, from the web page the supervisor serves): a
  `status` (its answer carries this process's /healthz object too, so the supervisor merges
  both from one round), a `kick` or a `close` of one of its rooms, carried out here by
  `server.admin.carry_out` as a single-process host does; answered with the HTTP status and
  the JSON object. (A `drain` is the supervisor's: it stops every worker.)
- asks "take_up" (a code of its slot): the room whose card the supervisor has just written
  into the spool (a dead node's, `server.rescue`) taken up here (`Host.take_up`); answered
  with whether it runs.
- "stop": drain (1001 and the reason to every client, as `Host.shutdown`) and exit.

It tells the supervisor of each night played to its end ("night": `status.Night`'s fields):
the host's list of last nights is the supervisor's, so it outlives a worker that dies.

It asks the supervisor's `Registrar` before it opens a room ("register"; the caps hold for
the whole host) and posts its rooms ("board"); to relay a client to a sibling worker it
sends one end of a socket pair ("relay", with the code and the client's address).

A worker drains on SIGTERM too, ignores SIGINT (a Ctrl-C in the terminal reaches every
process of the group: the supervisor decides), and stops when its supervisor does: Linux's
parent-death signal, and the channel's end of file everywhere.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from server.admin import Order, carry_out
from server.board import NodeBoard, unpack_entries
from server.channel import Channel
from server.codes import CodeSpace, slot_of
from server.config import ServerConfig
from server.gate import HandedConnection, HandOver
from server.host import Host
from server.registrar import Refusal
from server.summary import families_of

__all__ = ["Worker", "main"]

log = logging.getLogger("dreamlayer.worker")

_ASK_SECONDS = 5.0
_PR_SET_PDEATHSIG = 1


class _Registry:
    """The supervisor's `Registrar`, asked over the channel (its clock decides rates)."""

    def __init__(self, channel: Channel) -> None:
        self.channel = channel

    async def register(self, own_open: int, address: str, now: float,
                       codes: CodeSpace) -> str | Refusal:
        answer = await self.channel.ask({"t": "register", "own_open": own_open,
                                         "address": address}, _ASK_SECONDS)
        if answer is None:
            return Refusal("no_answer", "the server cannot open a room right now: try again",
                           503)
        if "code" in answer:
            return str(answer["code"])
        return Refusal(str(answer["reason"]), str(answer["text"]), int(answer["status"]))

    def unregister(self, code: str) -> None:
        self.channel.tell({"t": "unregister", "code": code})

    def adopt(self, code: str, address: str) -> None:
        self.channel.tell({"t": "adopt", "code": code, "address": address})

    def prune(self, now: float) -> None:
        return None  # the supervisor's registrar prunes itself


class Worker:
    """One worker on its end of the control channel (`sock`). `run()` serves until told to
    stop, SIGTERM (when `main` runs it) or the supervisor's end; `prepare(host)` is called on
    the Host before it opens (tests shorten nights with it)."""

    def __init__(self, sock: socket.socket, *, clock: Callable[[], float] = time.monotonic,
                 prepare: Callable[[Host], None] | None = None,
                 own_process: bool = False) -> None:
        self.sock = sock
        self.own_process = own_process
        """the worker is its process (`main`): it sets the process's log level"""
        self.clock = clock
        self.prepare = prepare
        self.host: Host | None = None
        self.slot = -1
        self._started: asyncio.Future[dict[str, Any]] | None = None
        self._stop: asyncio.Future[str] | None = None
        self._opened: list[int] = []
        self._ended: list[int] = []
        self._flushing = False
        self.channel: Channel | None = None
        self.board: NodeBoard | None = None

    def stop(self, reason: str) -> None:
        """Drain and end `run()` (idempotent)."""
        if self._stop is not None and not self._stop.done():
            self._stop.set_result(reason)

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        self._started = loop.create_future()
        self._stop = loop.create_future()
        self.channel = channel = Channel(self.sock, self._message, name="worker channel")
        channel.closed.add_done_callback(
            lambda _: self.stop("the server is shutting down (its supervisor stopped)"))
        started, stop = self._started, self._stop
        either: list[asyncio.Future[Any]] = [started, stop]
        await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        if stop.done():
            channel.close()
            return
        begin = started.result()
        config = ServerConfig(**begin["config"])
        self.slot, slots = int(begin["slot"]), int(begin["slots"])
        if self.own_process:
            _log_as(self.slot, config.log_level)
        self.board = NodeBoard(channel, self.slot, slots, clock=self.clock)
        host = self.host = Host(config, clock=self.clock, board=self.board,
                                registry=_Registry(channel), codes=CodeSpace(self.slot, slots),
                                siblings=self)
        host.seating.lost = {str(k): str(v) for k, v in begin.get("lost", {}).items()}
        host.on_open = self._note_opened
        host.chronicle.on_night = lambda night: channel.tell({"t": "night",
                                                              "night": night.fields()})
        if self.prepare is not None:
            self.prepare(host)
        await host.open(mine=lambda code: slot_of(code, slots) == self.slot)
        channel.tell({"t": "ready", "pid": os.getpid()})
        reason = await self._stop
        await host.shutdown(reason)
        self._flush()
        await asyncio.sleep(0)  # let the last report go
        channel.close()

    # ------------------------------------------------------------------ siblings
    def line_to(self, code: str, peer: tuple[str, int]) -> socket.socket:
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        assert self.channel is not None
        self.channel.send_socket({"t": "relay", "code": code, "peer": list(peer)}, theirs)
        theirs.close()
        return mine

    # ------------------------------------------------------------------ channel
    def _message(self, msg: dict[str, Any], socks: list[socket.socket]) -> Any:
        t = msg.get("t")
        if t == "start" and self._started is not None and not self._started.done():
            self._started.set_result(msg)
            return None
        if t == "stop":
            self.stop(str(msg.get("reason") or "the server is shutting down"))
            return None
        host = self.host
        if host is None:
            for s in socks:
                s.close()
            return None
        if t == "socket" and socks:
            peer = msg.get("peer") or ["?", 0]
            hand = HandOver(int(msg["serial"]), (str(peer[0]), int(peer[1])),
                            bool(msg.get("relayed")))
            host.spawn(self._adopt(host, socks[0], hand))
            for extra in socks[1:]:
                extra.close()
            return None
        for s in socks:
            s.close()
        if t == "listing" and self.board is not None:
            try:
                self.board.take_listing(unpack_entries(msg.get("rooms")))
            except ValueError as e:
                log.error("an unreadable room list from the supervisor (%s)", e)
            return None
        if t == "health":
            return _health(host)
        if t == "metrics":
            return {"families": families_of(host.metrics.registry)}
        if t == "order":
            return _carry_out(host, msg.get("order"))
        if t == "take_up":
            return _take_up(host, str(msg.get("code")))
        log.warning("an unknown message from the supervisor: %r", t)
        return None

    async def _adopt(self, host: Host, sock: socket.socket, hand: HandOver) -> None:
        try:
            await host.gate.adopt(sock, hand, self._note_lost)
        except OSError as e:
            log.info("a handed-over connection was already gone (%s)", e.strerror or e)
            sock.close()
            self._ended.append(hand.serial)
            self._schedule_flush()

    def _note_opened(self, hand: HandOver) -> None:
        self._opened.append(hand.serial)
        self._schedule_flush()

    def _note_lost(self, conn: HandedConnection) -> None:
        self._ended.append(conn.hand_over.serial)
        self._schedule_flush()

    def _schedule_flush(self) -> None:
        if not self._flushing:
            self._flushing = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        self._flushing = False
        if (self._opened or self._ended) and self.channel is not None:
            self.channel.tell({"t": "conns", "opened": self._opened, "ended": self._ended})
            self._opened, self._ended = [], []


def _health(host: Host) -> dict[str, Any]:
    """This process's /healthz object, with what only a worker tells: its pid and relays."""
    return {**host.health_report(), "pid": os.getpid(),
            "relays_out": sum(1 for c in host.connections.values() if c.relay is not None),
            "relayed_in": sum(1 for c in host.connections.values() if c.relayed)}


async def _take_up(host: Host, code: str) -> dict[str, Any]:
    """The answer to the supervisor's "take_up": whether room `code` runs here now."""
    return {"ok": bool(await host.take_up(lambda c: c == code))}


def _carry_out(host: Host, fields: object) -> dict[str, Any]:
    """The answer to the supervisor's "order": {"status": HTTP status, "body": JSON object},
    and "health" with a status."""
    try:
        order = Order.of(fields)
    except ValueError as e:
        log.error("an unreadable order from the supervisor (%s)", e)
        return {"status": int(HTTPStatus.BAD_REQUEST), "body": {"error": str(e)}}
    status, body = carry_out(order, host)
    out: dict[str, Any] = {"status": int(status), "body": body}
    if order.action == "status":
        out["health"] = _health(host)
    return out


def _log_as(slot: int, level: str) -> None:
    """This process's log lines name its slot and pid, at the host's level."""
    root = logging.getLogger()
    root.setLevel(level)
    for handler in root.handlers:
        handler.setFormatter(logging.Formatter(
            f"%(asctime)s %(levelname)s worker {slot} (pid {os.getpid()}) %(name)s: "
            "%(message)s"))


def _die_with_parent() -> None:
    """Linux: SIGTERM this process when the supervisor dies (the channel's end of file
    tells the same, later, everywhere)."""
    name = ctypes.util.find_library("c")
    if name is None or not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(name, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def main(fd: int) -> int:
    """`python -m server --worker FD`: serve as a worker on channel end FD until stopped."""
    parent = os.getppid()
    _die_with_parent()
    if os.getppid() != parent:  # the supervisor died before the signal was armed
        return 1
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s "
                        f"worker {os.getpid()} %(name)s: %(message)s")
    logging.getLogger("websockets").setLevel(logging.WARNING)
    sock = socket.socket(fileno=fd)
    worker = Worker(sock, own_process=True)

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, worker.stop,
                                "the server is shutting down (SIGTERM)")
        await worker.run()

    asyncio.run(serve())
    return 0
