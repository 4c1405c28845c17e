"""`dreamlayer host` / `python -m server` as a host runs them: flags, config, SIGTERM."""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from game.net.schema import CloseCode
from game.remote import Remote, RemoteError


def start(*args: str) -> tuple[subprocess.Popen[str], int, str]:
    """The host's process, its port and the line saying where it listens."""
    proc = subprocess.Popen([sys.executable, "-m", "server", "--port", "0", *args],
                            stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        m = re.search(r"listening on ws://127\.0\.0\.1:(\d+)", line)
        if m:
            return proc, int(m.group(1)), line
        if proc.poll() is not None:
            break
    proc.kill()
    raise AssertionError("the server did not say where it listens")


@pytest.mark.parametrize("workers", ["1", "2"])
def test_sigterm_tells_players_and_stops_within_seconds(tmp_path: Path, workers: str) -> None:
    cfg = tmp_path / "server.toml"
    cfg.write_text('name = "Night shift"\n[rooms]\nhazard = 2\n')
    proc, port, line = start("--config", str(cfg), "--workers", workers)
    # one process is today's host, with no supervisor; more sit behind one
    assert ("(2 worker processes)" in line) == (workers == "2"), line
    try:
        async def go() -> None:
            r = await Remote.connect(f"ws://127.0.0.1:{port}", "Jade")
            assert r.server == "Night shift"
            await r.create_room()
            proc.send_signal(signal.SIGTERM)
            with pytest.raises(RemoteError, match="shut down") as err:
                while True:
                    await r.recv()
            assert err.value.code == CloseCode.GOING_AWAY
            assert "SIGTERM" in str(err.value)

        asyncio.run(asyncio.wait_for(go(), 20))
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_bad_config_names_the_key_and_why(tmp_path: Path) -> None:
    cfg = tmp_path / "server.toml"
    cfg.write_text("[rooms]\nmax_players = 12\n")
    done = subprocess.run([sys.executable, "-m", "server", "--config", str(cfg)],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert "rooms.max_players" in done.stderr and "12" in done.stderr
    assert str(cfg) in done.stderr


def test_a_bad_workers_flag_is_refused() -> None:
    done = subprocess.run([sys.executable, "-m", "server", "--workers", "0"],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert "argument --workers: must be 1..64, got 0" in done.stderr


def test_a_bad_port_flag_is_refused() -> None:
    done = subprocess.run([sys.executable, "-m", "server", "--port", "70000"],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert "argument --port: must be 0..65535, got 70000" in done.stderr
