"""The page in a real browser (the system's Chromium, headless): the rooms appear and
update, the page polls at its fixed rate and not while hidden, the live view draws the
server's own paint grid cell for cell, and the admin kicks only with the key. Each runs
against a single-process host and against a host of two workers, where the rooms of both
workers show on one page, the live view watches a room of the second worker (its socket
routed there by `?room=`) and the kick reaches the worker of the room."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
import numpy.typing as npt

from game.client import palette as pal
from game.remote import Remote
from game.sim.grid import Cell
from server.host import Host
from tests.server.conftest import serve_and, until
from tests.web.conftest import (
    TOKEN,
    WORKERS,
    Listener,
    bot_match,
    chromium,
    on_worker,
    port_of,
    slot_in,
    status_of,
)

POLL_SECONDS = 2.0
"""page.js's POLL_MS"""

SEEN = """(hidden) => {
  Object.defineProperty(document, "hidden", {configurable: true, get: () => hidden});
  Object.defineProperty(document, "visibilityState", {configurable: true,
                                                      get: () => hidden ? "hidden" : "visible"});
  document.dispatchEvent(new Event("visibilitychange"));
}"""
"""makes the page hidden (argument true: another tab in front) or visible again"""


async def text_of(page: Any, selector: str) -> str:
    out: str = await page.eval_on_selector(selector, "e => e.textContent")
    return out


@WORKERS
def test_the_page_shows_the_rooms_live_and_polls_at_a_fixed_rate(workers: int) -> None:
    async def go(host: Host, url: str) -> None:
        home = f"http://127.0.0.1:{port_of(url)}/"
        player, code, _reader = await bot_match(url)  # (its snapshots read meanwhile)
        # with workers, a second match: the door sends it to the other worker
        other, other_code, _ = await bot_match(url, "Vivid Wren")
        assert {slot_in(code, workers), slot_in(other_code, workers)} == set(range(workers))
        async with chromium() as browser:
            page = await browser.new_page()
            await page.goto(home)
            for c, name in ((code, "Lucid Heron"), (other_code, "Vivid Wren")):
                card = f"article.room[data-code='{c}']"
                await page.wait_for_selector(card)
                text = await text_of(page, card)
                for shown in (c, "The First Retreat", name, "Ally bot 1",
                              "Sanctuary", "Rest Zone", "to dawn"):
                    assert shown in text, shown
                assert await page.locator(f"{card} .meter .fill").count() == 2
            card = f"article.room[data-code='{code}']"
            first = await text_of(page, f"{card} .clock")
            deadline = asyncio.get_running_loop().time() + 15
            while await text_of(page, f"{card} .clock") == first:  # the page updates
                assert asyncio.get_running_loop().time() < deadline, "the clock never moved"
                await asyncio.sleep(0.1)
            assert "2 playing" in await text_of(page, "[data-fact='rooms']")
            assert str(workers) in await text_of(page, "[data-fact='workers']")
            if workers > 1:  # each worker's line: its pid and its room
                lines = await page.locator("#workers li").all_text_contents()
                assert len(lines) == 2 and all("pid" in t and "1 rooms" in t for t in lines)
            assert await page.locator("#admin").is_hidden()  # no admin on this server

            # the polling, on the page's own fake clock: one request a period, none hidden
            polls: list[str] = []
            timed = await browser.new_page()
            await timed.clock.install()
            timed.on("request", lambda r: polls.append(r.url) if "/api/" in r.url else None)
            await timed.goto(home)
            await until(lambda: len(polls) == 1, "the first poll")
            for n in range(2, 7):
                await timed.clock.run_for(int(POLL_SECONDS * 1000))
                await until(lambda n=n: len(polls) == n, f"poll {n}")  # type: ignore[misc]
            await timed.clock.run_for(int(POLL_SECONDS * 500))
            await timed.evaluate("() => 0")  # a round trip after any request it made
            assert len(polls) == 6, "a request before its period was over"
            await timed.evaluate(SEEN, True)
            await timed.clock.run_for(int(POLL_SECONDS * 1000 * 30))
            await timed.evaluate("() => 0")
            assert len(polls) == 6, "the page polled while hidden"
            await timed.evaluate(SEEN, False)  # back: at once, then every period again
            await until(lambda: len(polls) == 7, "the poll on coming back")
            await timed.clock.run_for(int(POLL_SECONDS * 1000))
            await until(lambda: len(polls) == 8, "the next poll")
            assert all(p.endswith("/api/status") for p in polls)
        for r in (player, other):
            await r.close()

    serve_and(go, timeout=60, workers=workers)


def _expected_rgb(codes: npt.NDArray[np.uint8], width: int, height: int
                  ) -> npt.NDArray[np.uint8]:
    """The paint canvas the page should show for `codes` (the padded grid): the
    palette's colour per floor cell, the wall tones (cell_patterns) per wall cell."""
    walls = (codes >> 2) == Cell.WALL
    tones = pal.cell_patterns(walls)
    out = pal.CELL_LUT[codes].copy()
    wall_rgb = np.array([pal.cell_colour(16, 0, p) for p in range(3)], dtype=np.uint8)
    out[walls] = wall_rgb[np.minimum(tones[walls], 2)]
    return out[:height, :width]


READ_PAINT = """() => {
  const c = document.querySelector("[data-watch=paint]");
  const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  return {tick: Number(c.dataset.tick), width: c.width, height: c.height,
          rgb: Array.from(d).filter((_, i) => i % 4 !== 3)};
}"""

COUNT_NEAR = """([boxes]) => {
  const c = document.querySelector("[data-watch=figures]");
  const ctx = c.getContext("2d");
  return boxes.map(([x, y, r, rgb]) => {
    const d = ctx.getImageData(x - r, y - r, 2 * r, 2 * r).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i] === rgb[0] && d[i + 1] === rgb[1] && d[i + 2] === rgb[2] && d[i + 3] === 255) n++;
    }
    return n;
  });
}"""


@WORKERS
def test_the_live_view_draws_the_servers_paint_grid(
        paint_history: dict[int, npt.NDArray[np.uint8]], workers: int) -> None:
    async def go(host: Host, url: str) -> None:
        held = await on_worker(url, workers, 1)  # the match on the second worker
        player, code, _reader = await bot_match(url)
        assert slot_in(code, workers) == workers - 1
        room = host.rooms[code]
        level = room.level

        def painted() -> bool:  # both realms' paint, mosaic and nightmare on the grid
            if not paint_history:
                return False
            states = paint_history[max(paint_history)]
            kinds = set(np.unique(states).tolist())
            return {Cell.DREAM * 4 + 1, Cell.DREAM * 4 + 2, Cell.NIGHTMARE * 4} <= kinds \
                and bool(((states >> 2) == Cell.MOSAIC).any())

        await until(painted, "paint of both realms, mosaic and nightmare", within=30)
        async with chromium() as browser:
            page = await browser.new_page(viewport={"width": 1280, "height": 900})
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            sockets: list[str] = []
            page.on("websocket", lambda ws: sockets.append(ws.url))
            await page.goto(f"http://127.0.0.1:{port_of(url)}/#watch={code}")
            await page.wait_for_function(
                "() => Number(document.querySelector('[data-watch=paint]').dataset.tick) > 0")
            got = await page.evaluate(READ_PAINT)
            assert (got["width"], got["height"]) == (level.width, level.height)
            shown = np.array(got["rgb"], dtype=np.uint8).reshape(level.height, level.width, 3)
            expected = _expected_rgb(paint_history[got["tick"]], level.width, level.height)
            wrong = np.argwhere((shown != expected).any(axis=2))
            assert len(wrong) == 0, f"{len(wrong)} cells differ, first at (row, col) {wrong[0]}"
            for colour in (pal.NIGHTMARE, pal.MOSAIC, pal.SANCTUARY_DREAM, pal.REST_DREAM):
                assert (shown == colour).all(axis=2).any(), f"no {colour} on the canvas"

            # the figures: each dreamer's body in its realm's colour where the server has it,
            # and the open rift's dark core at its centre
            world = room.world
            assert world is not None
            boxes = [[round(d.pos[0]), round(d.pos[1]), 40, list(pal.REALM_COLOURS[d.realm])]
                     for d in world.dreamers.values()]
            rift = next(r for r in world.rifts if r.open(world.tick) and not r.sealed)
            boxes.append([round(rift.x), round(rift.y), 2, [6, 0, 10]])
            counts = await page.evaluate(COUNT_NEAR, [boxes])
            assert all(n > 0 for n in counts), counts
            assert "%" in await text_of(page, "[data-watch=sanctuary-value]")
            assert "to dawn" in await text_of(page, "[data-watch=clock]")
            assert "Lucid Heron" in await text_of(page, "[data-watch=roster]")
            assert errors == []
            assert sockets == [f"{url}/?room={code}"]  # routed to the room's worker...
            if workers > 1:  # ...by the door, not relayed by another worker
                health = await status_of(port_of(url), "/healthz")
                assert [w["relays_out"] for w in health["workers"]] == [0, 0]
                assert health["workers"][1]["connections"] == 2  # the player and the view
        for r in (player, *held):
            await r.close()

    serve_and(go, timeout=60, workers=workers)


@WORKERS
def test_the_admin_kicks_from_the_page_with_the_key_only(workers: int) -> None:
    async def go(host: Host, url: str) -> None:
        held = await on_worker(url, workers, 1)  # the room on the second worker
        player, code, counter = await bot_match(url)
        assert slot_in(code, workers) == workers - 1
        second = await Remote.connect(url, "Second Dreamer", room=code)
        seat = int((await second.join_room(code))["player"])
        kicked = Listener(second)
        async with chromium() as browser:
            page = await browser.new_page()
            sent: list[tuple[str, str | None]] = []
            page.on("request", lambda r: sent.append((r.url, r.headers.get("authorization"))))
            page.on("dialog", lambda d: asyncio.ensure_future(d.accept()))
            await page.goto(f"http://127.0.0.1:{port_of(url)}/")
            card = f"article.room[data-code='{code}']"
            await page.wait_for_selector(f"{card} li:has-text('Second Dreamer')")
            await page.wait_for_selector("#admin:not([hidden])")
            assert await page.locator("button[data-action]").count() == 0  # read-only

            await page.fill("#admin-token", "not-the-token-0123456789")
            await page.click("#admin-form button")
            await page.wait_for_selector("#admin-note:has-text('refused')")
            assert await page.locator("button[data-action]").count() == 0

            await page.fill("#admin-token", TOKEN)
            await page.click("#admin-form button")
            kick = f"{card} li[data-player='{seat}'] button[data-action=kick]"
            await page.wait_for_selector(kick)
            await page.click(kick)
            await until(lambda: kicked.ended is not None, "the kick")
            assert kicked.ended is not None and kicked.ended.code == 4006
            await page.wait_for_selector(f"{card} li[data-player='{seat}']", state="detached")
            # the kicked player's dreamer plays on with an ally bot
            await page.wait_for_selector(f"{card} li:has-text('Second Dreamer (bot)')")
            assert code in host.rooms and not counter.task.done()  # the night goes on
            admin = [(u, a) for u, a in sent if "/admin/" in u]
            assert admin and all(TOKEN not in u for u, _ in sent)
            assert all(a in (f"Bearer {TOKEN}", "Bearer not-the-token-0123456789")
                       for _, a in admin)
        for r in (player, *held):
            await r.close()

    serve_and(go, timeout=60, workers=workers, admin_token=TOKEN)
