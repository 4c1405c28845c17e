"""Servers for tests: real websockets on 127.0.0.1, an ephemeral port, always stopped."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from server.config import ServerConfig
from server.host import Host

T = TypeVar("T")


def serve_and(fn: Callable[[Host, str], Awaitable[T]], night_seconds: int | None = None,
              timeout: float = 90.0, **config: Any) -> T:
    """Start a Host, run `fn(host, url)` against it, stop the host; returns fn's result."""

    async def main() -> T:
        host = Host(ServerConfig(host="127.0.0.1", port=0, **config))
        if night_seconds is not None:
            host.levels = [dataclasses.replace(lv, night_seconds=night_seconds)
                           for lv in host.levels]
        await host.start()
        try:
            return await asyncio.wait_for(fn(host, f"ws://127.0.0.1:{host.port}"), timeout)
        finally:
            await host.shutdown("test over")

    return asyncio.run(main())
