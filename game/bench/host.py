"""A host for the network benchmarks: `python -m server` as a subprocess on a free
127.0.0.1 port, and what the benchmarks read from outside it.

`HostProcess` starts the server with a given TOML config (and `--workers W` when W is not
1), waits until `/healthz` answers, and always stops it (SIGTERM, then SIGKILL) and reaps
it. The server's CPU time and resident memory are read from /proc for the host process
and every process under it (a host with worker processes counts them all), so a
benchmark's own load clients, which run elsewhere, are never counted. The plain HTTP GET
and the Prometheus text reader serve `/healthz` and `/metrics`.

Linux only for CPU and memory (/proc). Imports the standard library only.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

__all__ = ["HostProcess", "free_port", "http_get", "labelled", "prometheus", "rss_kb",
           "tree_cpu_seconds", "tree_pids", "tree_rss_kb"]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (None if unreadable)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def tree_pids(pid: int) -> list[int]:
    """`pid` and every live process under it (children, their children...)."""
    parent_of: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(int(entry.name))
        if fields is not None and len(fields) > 1:
            parent_of[int(entry.name)] = int(fields[1])
    out, todo = [pid], [pid]
    while todo:
        p = todo.pop()
        kids = [c for c, pp in parent_of.items() if pp == p]
        out.extend(kids)
        todo.extend(kids)
    return out


def tree_cpu_seconds(pid: int) -> dict[int, float]:
    """User + system CPU seconds of `pid` and each process under it, by pid (processes
    that cannot be read are left out)."""
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[int, float] = {}
    for p in tree_pids(pid):
        fields = _stat_fields(p)
        if fields is not None and len(fields) > 12:
            out[p] = (int(fields[11]) + int(fields[12])) / tick
    return out


def cpu_between(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds a process tree used between two `tree_cpu_seconds` readings: a process
    that appeared in between counts from zero (one that ended in between is lost)."""
    return sum(t - before.get(p, 0.0) for p, t in after.items())


def rss_kb(pid: int) -> int:
    """VmRSS of a process in KB (0 if it cannot be read)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def tree_rss_kb(pid: int) -> int:
    """VmRSS of `pid` and every process under it, in KB."""
    return sum(rss_kb(p) for p in tree_pids(pid))


async def http_get(port: int, path: str, timeout: float = 10.0) -> str:
    """The body of a plain HTTP GET to 127.0.0.1:port (raises OSError/TimeoutError)."""

    async def get() -> str:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         "Connection: close\r\n\r\n".encode())
            await writer.drain()
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            length = 0
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            return (await reader.readexactly(length)).decode()
        finally:
            writer.close()

    return await asyncio.wait_for(get(), timeout)


_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)$")


def prometheus(text: str) -> dict[str, dict[str, float]]:
    """Metric name -> {label text ('' if none) -> value} from Prometheus text."""
    out: dict[str, dict[str, float]] = {}
    for line in text.splitlines():
        m = _SAMPLE.match(line)
        if m:
            out.setdefault(m.group(1), {})[m.group(2) or ""] = float(m.group(3))
    return out


def labelled(metrics: dict[str, dict[str, float]], name: str, label: str) -> dict[str, float]:
    """{label value -> value} of one labelled family."""
    out: dict[str, float] = {}
    for labels, v in metrics.get(name, {}).items():
        m = re.search(rf'{label}="([^"]*)"', labels)
        if m:
            out[m.group(1)] = v
    return out


class HostProcess:
    """`python -m server` on a free loopback port with the config file `config`, as an
    async context manager: entering starts it and waits until `/healthz` answers (up to
    `start_timeout` seconds); leaving stops and reaps it, whatever happened.

    `workers` is passed on as `--workers W`; a server that does not know that
    option is reported as such. Raises RuntimeError (with the end of the server's log) if
    the server does not come up.
    """

    def __init__(self, config: Path, log: Path, *, workers: int = 1,
                 start_timeout: float = 30.0) -> None:
        self.config = config
        self.log = log
        self.workers = workers
        self.start_timeout = start_timeout
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.exit_status: int | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def log_tail(self, chars: int = 2000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def log_lines(self) -> list[str]:
        try:
            return self.log.read_text(errors="replace").splitlines()
        except OSError:
            return []

    async def __aenter__(self) -> HostProcess:
        cmd = [sys.executable, "-m", "server", "--host", "127.0.0.1", "--port",
               str(self.port), "--config", str(self.config), "--workers", str(self.workers)]
        with self.log.open("wb") as log_file:
            self.proc = subprocess.Popen(cmd, stdout=log_file, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
        try:
            await self._wait_up()
        except BaseException:
            await self.stop()
            raise
        return self

    async def __aexit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.stop()

    async def _wait_up(self) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                json.loads(await http_get(self.port, "/healthz", 2.0))
                return
            except (OSError, TimeoutError, ValueError, asyncio.IncompleteReadError):
                await asyncio.sleep(0.2)
        tail = self.log_tail()
        if self.workers != 1 and "--workers" in tail and "unrecognized" in tail:
            raise RuntimeError(f"--workers {self.workers}: not supported by this server "
                               "(its host has no --workers option; only --workers 1 runs)")
        raise RuntimeError("the server did not come up: " + tail)

    async def stop(self) -> int | None:
        """SIGTERM, up to 10 s for a clean exit, then SIGKILL. Returns the exit status."""
        proc = self.proc
        if proc is None:
            return None
        if proc.poll() is None:
            family = tree_pids(proc.pid)[1:]
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 10.0
            while proc.poll() is None and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                await asyncio.to_thread(proc.wait)
            # worker processes the host did not take down with it (it was killed, or
            # failed to): they are this benchmark's, so they go too
            deadline = time.monotonic() + 5.0
            while any(_alive(p) for p in family) and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
            for p in family:
                if _alive(p):
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.kill(p, signal.SIGKILL)
        self.exit_status = proc.returncode
        return proc.returncode


def _alive(pid: int) -> bool:
    """The process exists and is not a zombie."""
    fields = _stat_fields(pid)
    return fields is not None and fields[0] != "Z"
