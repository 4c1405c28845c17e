"""Taking up the rooms of a node that died: the cluster's half of rooms that outlive a crash.

Imports the server's cluster (the board) and spool; never a room, the host or the supervisor
(they hand in what runs a room: `run`).

Every node that has a spool (replays on) runs a `Rescue` beside its Redis board. About once
a second it looks at the board's `orphans` (rooms whose node key expired while their copies
wait in Redis: `server.mirror`) and, for each:

1. reads its card from Redis; a room whose retreats this node lacks is left for another
   node (logged once);
2. `take`s it: the code's claim moves here atomically, only if no other node was first;
3. writes the copies into this node's own folders, as a room of this node would have left
   them: the replay file under its recorded name, the card (its writer's pid cleared, so it
   reads as an orphan here) and the checkpoint beside it;
4. `run(code)`: the process that runs the code here takes the room up like a local orphan
   (a single-process host itself; with workers, the worker of the code's slot, asked by the
   supervisor), re-simulating from the checkpoint, and posts it under this node, so
   `locate` and MOVED point here;
5. `settled`: the room is no longer in transit. A room that could not be written or taken
   up is released (its claim and copies go), logged with the reason.

Two nodes dying at once: each survivor takes what it wins. The rooms of a node die with it
if no node survives, or if Redis lost the copies (Redis restarted empty).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import os
import time
from collections.abc import Awaitable, Callable, Container
from pathlib import Path

from server.cluster import Copies, RedisBoard
from server.spool import Spool, card_of

__all__ = ["Rescue"]

log = logging.getLogger("dreamlayer.cluster")

_EVERY = 1.0
"""seconds between two looks at the orphans"""


class Rescue:
    """Takes up here the rooms of nodes that died (see the module docstring). `levels`
    are the retreats this node serves, by name; `run(code)` takes the room of the card now
    in the spool up and says whether it runs."""

    def __init__(self, board: RedisBoard, spool: Spool, replays: Path,
                 levels: Container[str], run: Callable[[str], Awaitable[bool]]) -> None:
        self.board = board
        self.spool = spool
        self.replays = replays
        self.levels = levels
        self.run = run
        self.taken = 0
        """rooms of dead nodes taken up here"""
        self.last_seconds = 0.0
        """how long the last take-up took, from winning the claim to running"""
        self._left: set[str] = set()
        """codes left for another node (logged once)"""
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._forever(), name="rescue")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _forever(self) -> None:
        while True:
            await asyncio.sleep(_EVERY)
            for code, node in list(self.board.orphans):
                try:
                    await self.rescue(code, node)
                except Exception:
                    log.exception("taking up room %s failed; the next node may", code)

    async def rescue(self, code: str, node: str) -> bool:
        """Take up room `code` of dead node `node` here, if this node can run it and wins
        it. True if it runs here now."""
        copies = await self.board.copies(code)
        if copies is None:
            return False
        try:
            card = card_of(copies.card)
        except ValueError as e:
            if code not in self._left:
                self._left.add(code)
                log.error("room %s of a server that stopped: its card in Redis is not one "
                          "(%s); left alone", code, e)
            return False
        missing = [n for n in card.levels if n not in self.levels]
        if missing:
            if code not in self._left:
                self._left.add(code)
                log.warning("room %s of a server that stopped plays retreat %r, which this "
                            "server lacks: left for another", code, missing[0])
            return False
        if not await self.board.take(code, node):
            return False
        t0 = time.monotonic()
        log.info("room %s: its server stopped; taking it up here", code)
        try:
            await asyncio.to_thread(self._unpack, code, copies)
            ok = await self.run(code)
        except (OSError, ValueError) as e:
            log.error("room %s could not be taken up here (%s); it is released", code, e)
            ok = False
        if not ok:
            self.spool.drop(code)
            self.board.release(code)
        else:
            self.taken += 1
            self.last_seconds = time.monotonic() - t0
        self.board.settled(code)
        return ok

    def _unpack(self, code: str, copies: Copies) -> None:
        """Write the copies where this node's own would be (on a thread). Raises OSError,
        ValueError for a replay name that is not a file name or a file that exists."""
        card = card_of(copies.card)
        if card.code != code:
            raise ValueError(f"its card is room {card.code!r}'s")
        if card.replay:
            if copies.tape is None:
                raise ValueError("its replay is not in Redis")
            if Path(card.replay).name != card.replay or not card.replay.endswith(".dlreplay"):
                raise ValueError(f"{card.replay!r} is not a replay's file name")
            path = self.replays / card.replay
            if path.exists():
                raise ValueError(f"a replay {card.replay} is already here")
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            self.replays.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(copies.tape)
            os.replace(tmp, path)
        self.spool.save(dataclasses.replace(card, pid=0))
        if copies.frozen is not None:
            self.spool.save_checkpoint(code, copies.frozen)
