"""A room's fixed-rate schedule: `Ticker` calls a step function every period, says how far
behind schedule it runs, and pauses without costing anything.

Imports only the standard library.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

__all__ = ["BEHIND_PERIODS", "MAX_DEBT_PERIODS", "Ticker"]

BEHIND_PERIODS = 2.0
"""a step that starts more than this many periods late is behind schedule"""
MAX_DEBT_PERIODS = 10.0
"""the most periods a ticker owes: after a stall it catches up at most this many steps at
once, and under a load it cannot carry its lag reads about this many periods"""


class Ticker:
    """Runs `step()` every `period` seconds on the running loop until it returns False, is
    stopped, or raises (then `on_error(exc)` is called and the ticker ends).

    `lag` is how late (seconds) the last step started; `behind_since` is the loop time since
    which every step has started more than `BEHIND_PERIODS` late (None when on time). While
    paused, the ticker's task waits on an event (no step, no CPU); `resume()` carries on from
    now, without steps owed for the pause.
    """

    def __init__(self, period: float, step: Callable[[], bool], *, name: str,
                 on_error: Callable[[Exception], None]) -> None:
        self.period = period
        self.lag = 0.0
        self.behind_since: float | None = None
        self.steps = 0
        """steps run so far"""
        self._step = step
        self._on_error = on_error
        self._name = name
        self._go = asyncio.Event()
        self._go.set()
        self._task: asyncio.Task[None] | None = None

    @property
    def paused(self) -> bool:
        return not self._go.is_set()

    @property
    def running(self) -> bool:
        """Started and not ended (paused counts as running)."""
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        """Start stepping (on the running loop); the first step comes at once."""
        self._task = asyncio.get_running_loop().create_task(self._run(), name=self._name)

    def pause(self) -> None:
        self._go.clear()

    def resume(self) -> None:
        self._go.set()

    async def stop(self) -> None:
        """End the ticker and wait for its task (a step in progress is not interrupted:
        steps are synchronous)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        period = self.period
        next_at = loop.time()
        try:
            while True:
                if not self._go.is_set():
                    self.lag, self.behind_since = 0.0, None
                    await self._go.wait()
                    next_at = loop.time()
                now = loop.time()
                self.lag = max(now - next_at, 0.0)
                if self.lag <= BEHIND_PERIODS * period:
                    self.behind_since = None
                elif self.behind_since is None:
                    self.behind_since = now
                self.steps += 1
                if not self._step():
                    return
                next_at += period
                delay = next_at - loop.time()
                if delay < -MAX_DEBT_PERIODS * period:
                    next_at = loop.time() - MAX_DEBT_PERIODS * period
                await asyncio.sleep(max(delay, 0.0))
        except asyncio.CancelledError:
            raise
        except Exception as e:
            self._on_error(e)
