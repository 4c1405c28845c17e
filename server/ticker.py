"""A room's fixed-rate schedule: `Ticker` calls a step function every period, says how far
behind schedule it runs, and pauses without costing anything.

Every running ticker of one period on one event loop is stepped from one shared task (a
`_Beat`), not a task and a timer of its own: a host of many rooms wakes a few times a
period and steps every room that is due, instead of waking once per room per tick (which
costs a room about as much as a tenth of its whole tick). A ticker is due once the loop's
clock is within `EARLY_PERIODS` of its own schedule, so the rooms whose schedules lie
close together share a wake-up; each keeps its own schedule (a step every period, on
average exactly), and one pass steps each due ticker once, so rooms that run behind catch
up in turns.

Imports only the standard library.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import Callable
from typing import ClassVar

__all__ = ["BEHIND_PERIODS", "EARLY_PERIODS", "MAX_DEBT_PERIODS", "Ticker"]

BEHIND_PERIODS = 2.0
"""a step that starts more than this many periods late is behind schedule"""
MAX_DEBT_PERIODS = 10.0
"""the most periods a ticker owes: after a stall it catches up at most this many steps at
once, and under a load it cannot carry its lag reads about this many periods"""
EARLY_PERIODS = 0.25
"""how early (in periods) a step may come, to share a wake-up with the others due"""


class Ticker:
    """Calls `step()` every `period` seconds on the running loop until it returns False, is
    stopped, or raises (then `on_error(exc)` is called and the ticker ends).

    `lag` is how late (seconds) the last step started; `behind_since` is the loop time since
    which every step has started more than `BEHIND_PERIODS` late (None when on time). While
    paused, the ticker costs nothing; `resume()` carries on from now, without steps owed for
    the pause.
    """

    def __init__(self, period: float, step: Callable[[], bool], *, name: str,
                 on_error: Callable[[Exception], None]) -> None:
        self.period = period
        self.lag = 0.0
        self.behind_since: float | None = None
        self.steps = 0
        """steps run so far"""
        self.name = name
        self._step = step
        self._on_error = on_error
        self._paused = False
        self._beat: _Beat | None = None
        """the shared stepper, from start() until the ticker ends"""
        self._next_at = 0.0

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def running(self) -> bool:
        """Started and not ended (paused counts as running)."""
        return self._beat is not None

    def start(self) -> None:
        """Start stepping (on the running loop); the first step comes at once."""
        loop = asyncio.get_running_loop()
        self._beat = _Beat.of(loop, self.period)
        self._next_at = loop.time()
        if not self._paused:
            self._beat.add(self)

    def pause(self) -> None:
        self._paused = True
        self.lag, self.behind_since = 0.0, None
        if self._beat is not None:
            self._beat.remove(self)

    def resume(self) -> None:
        if not self._paused:
            return
        self._paused = False
        if self._beat is not None:
            self._next_at = self._beat.loop.time()
            self._beat.add(self)

    async def stop(self) -> None:
        """End the ticker (a step is never interrupted: steps are synchronous)."""
        self._end()

    def _end(self) -> None:
        if self._beat is not None:
            self._beat.remove(self)
            self._beat = None

    def _due(self, horizon: float) -> bool:
        return self._next_at <= horizon

    def _run_step(self, loop: asyncio.AbstractEventLoop) -> None:
        """One step, on schedule or late (or early by at most EARLY_PERIODS)."""
        period = self.period
        now = loop.time()
        self.lag = max(now - self._next_at, 0.0)
        if self.lag <= BEHIND_PERIODS * period:
            self.behind_since = None
        elif self.behind_since is None:
            self.behind_since = now
        self.steps += 1
        try:
            go_on = self._step()
        except Exception as e:
            self._end()
            self._on_error(e)
            return
        if not go_on:
            self._end()
            return
        self._next_at += period
        floor = loop.time() - MAX_DEBT_PERIODS * period
        if self._next_at < floor:
            self._next_at = floor


class _Beat:
    """The running tickers of one period on one loop, stepped from one task."""

    _of: ClassVar[weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[float, _Beat]]] = (
        weakref.WeakKeyDictionary())
    """the beats of every loop (a loop that is gone takes its own along)"""

    def __init__(self, loop: asyncio.AbstractEventLoop, period: float) -> None:
        self.loop = loop
        self.period = period
        self.tickers: dict[Ticker, None] = {}
        """in the order they started (a dict: an ordered set)"""
        self._task: asyncio.Task[None] | None = None
        self._wake: asyncio.Future[None] | None = None

    @classmethod
    def of(cls, loop: asyncio.AbstractEventLoop, period: float) -> _Beat:
        beats = cls._of.setdefault(loop, {})
        beat = beats.get(period)
        if beat is None:
            beat = beats[period] = cls(loop, period)
        return beat

    def add(self, ticker: Ticker) -> None:
        self.tickers[ticker] = None
        if self._task is None or self._task.done():
            self._task = self.loop.create_task(self._run(), name=f"ticks-{self.period:g}s")
        elif self._wake is not None and not self._wake.done():
            self._wake.set_result(None)  # it may be due before the beat would wake

    def remove(self, ticker: Ticker) -> None:
        self.tickers.pop(ticker, None)

    async def _run(self) -> None:
        loop = self.loop
        early = EARLY_PERIODS * self.period
        while self.tickers:
            horizon = loop.time() + early
            for ticker in list(self.tickers):
                # (a step may pause, stop or start any ticker, this one included)
                if ticker in self.tickers and ticker._due(horizon):
                    ticker._run_step(loop)
            if not self.tickers:
                break
            wait = min(t._next_at for t in self.tickers) - loop.time()
            if wait <= 0:
                await asyncio.sleep(0)  # owed steps: let the rest of the loop run first
                continue
            self._wake = loop.create_future()
            timer = loop.call_later(wait, _settle, self._wake)
            try:
                await self._wake
            finally:
                timer.cancel()
                self._wake = None


def _settle(future: asyncio.Future[None]) -> None:
    with contextlib.suppress(asyncio.InvalidStateError):
        future.set_result(None)
