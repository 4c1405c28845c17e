"""Tickers: many rooms' schedules stepped from one task per period, each on its own count,
pausing, ending and failing alone. Waits on conditions with deadlines, never on timings."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from server.ticker import Ticker


async def _until(cond: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
    async with asyncio.timeout(timeout):
        while not cond():
            await asyncio.sleep(0.002)


def test_tickers_of_one_period_share_one_task_and_keep_their_own_steps() -> None:
    async def go() -> None:
        errors: list[Exception] = []
        counts = [0, 0, 0]

        def stepper(k: int) -> Callable[[], bool]:
            def step() -> bool:
                counts[k] += 1
                if k == 2 and counts[k] == 3:
                    raise RuntimeError("room 2 broke")
                return True
            return step

        before = len(asyncio.all_tasks())
        tickers = [Ticker(0.01, stepper(k), name=f"t{k}", on_error=errors.append)
                   for k in range(3)]
        for t in tickers:
            t.start()
        assert len(asyncio.all_tasks()) == before + 1  # one task for all three
        await _until(lambda: all(t.steps >= 5 for t in tickers[:2]), "two tickers stepping")
        # the broken one ended alone, told once
        assert [str(e) for e in errors] == ["room 2 broke"]
        assert not tickers[2].running and tickers[2].steps == 3 and counts[2] == 3
        # pausing one costs it its steps, not the other's
        tickers[0].pause()
        paused_at = tickers[0].steps
        await _until(lambda: tickers[1].steps >= paused_at + 10, "the other stepping on")
        assert tickers[0].steps == paused_at and tickers[0].lag == 0.0
        tickers[0].resume()
        await _until(lambda: tickers[0].steps > paused_at, "the resumed one stepping")
        # a ticker started late gets its first step at once, from the same task
        late = Ticker(0.01, lambda: False, name="late", on_error=errors.append)
        late.start()
        await _until(lambda: late.steps == 1 and not late.running, "the late one's one step")
        for t in tickers:
            await t.stop()
        assert not any(t.running for t in tickers)
        await _until(lambda: len(asyncio.all_tasks()) == before, "the shared task to end")

    asyncio.run(go())
