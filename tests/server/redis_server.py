"""A real `redis-server` for tests: started on a free loopback port in a temporary folder,
with nothing saved to disk, and stopped after; `stop()` and `start()` again (same port)
stand for Redis going away and coming back. `redis_server` is the pytest fixture of one
(import it into a test module that uses it).

Imports pytest, redis (the client, to ask PING) and tests.tools.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.tools import free_port, need_program

__all__ = ["RedisServer", "redis_server"]

_READY_SECONDS = 15.0
"""deadline for a started redis-server to answer PING (a stuck start, not a measurement)"""


class RedisServer:
    """One redis-server process (`redis-server --port P --bind 127.0.0.1 --save ''
    --appendonly no`, run in `folder`). `url` is redis://127.0.0.1:P/0."""

    def __init__(self, folder: Path) -> None:
        self.program = need_program("redis-server", "redis-server")
        self.folder = folder
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start it (on the port it had, if it ran before) and wait until it answers PING.
        A fresh port lost to another program in the meantime is tried again, twice."""
        for attempt in range(3):
            fixed = self.port != 0
            if not fixed:
                self.port = free_port()
            if self._start_once():
                return
            if fixed or attempt == 2:
                break
            self.port = 0
        raise AssertionError(f"redis-server did not start on port {self.port}: "
                             f"{self._log_tail()}")

    def _start_once(self) -> bool:
        log = self.folder / "redis.log"
        self.process = subprocess.Popen(
            [self.program, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder), "--logfile", str(log)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5,
                             socket_timeout=0.5)
        deadline = time.monotonic() + _READY_SECONDS
        try:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    return False
                try:
                    if client.ping():
                        return True
                except redis.exceptions.RedisError:
                    time.sleep(0.02)
        finally:
            client.close()
        self.stop()
        return False

    def stop(self) -> None:
        """Stop it (SIGTERM; SIGKILL if it has not gone within 10 s) and reap it."""
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def client(self) -> redis.Redis:
        """A plain client of this server (the test closes it)."""
        return redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=2,
                           socket_timeout=2)

    def _log_tail(self) -> str:
        try:
            lines = (self.folder / "redis.log").read_text(errors="replace").splitlines()
        except OSError:
            return "(no log)"
        return " | ".join(lines[-5:])


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of the test's own, stopped after it."""
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()
