"""Runs `dreamlayer host` as an Agones GameServer, speaking to Agones' SDK on the host's behalf.

    python agones_adapter.py [--port-name dreamlayer] [--idle-seconds 60] -- HOST_ARGS...

1. It asks the SDK (its REST side, http://127.0.0.1:$AGONES_SDK_HTTP_PORT) for this
   GameServer until the node's address and the host port Agones gave the port named
   `--port-name` are known, then starts
   `dreamlayer host --host 0.0.0.0 --public-url ws://ADDRESS:PORT HOST_ARGS...`, so a player
   sent here by another node of the room directory reaches this pod from outside the cluster.
2. Every `PERIOD` seconds it reads the host's `/healthz` (on the port HOST_ARGS' `--config`
   and `--port` give) and the GameServer's state, and makes the SDK calls `sdk_calls` decides:
   Health() while the host answers; Ready() on its first answer; Allocate() while the host holds
   a room, so that a Fleet scaling down never deletes a host with matches on it; Ready() again
   once an Allocated host has been empty for `--idle-seconds` (an allocation nobody used, or
   the last room closed).
3. SIGTERM and SIGINT are passed on to the host, which drains (every client closed with 1001
   and a reason) and exits; the adapter exits with the host's exit code. A host that exits on
   its own ends the container, and Agones replaces the GameServer.

A host whose rooms run behind schedule (`degraded`) stays Healthy: it is alive, and a
matchmaker should read `/healthz` or `/metrics` before sending it more. The Dockerfile copies
this file to /opt/dreamlayer/; deploy/kubernetes/agones/fleet.yaml runs it. Imports the
standard library and `server.config` only.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from types import FrameType
from typing import Any

from server.config import ConfigError, load_config

__all__ = ["PERIOD", "host_command", "public_address", "sdk_calls"]

PERIOD = 2.0
"""seconds between two looks at the host (well inside a Fleet's health periodSeconds)"""

SDK_PORT_ENV = "AGONES_SDK_HTTP_PORT"
SDK_PORT_DEFAULT = 9358
ADDRESS_WAIT_SECONDS = 120.0
"""how long to wait for Agones to tell the GameServer's address before giving up"""

_BEFORE_READY = frozenset({"PortAllocation", "Creating", "Starting", "Scheduled"})
"""GameServer states in which Ready() has not been asked for yet"""


def public_address(gameserver: Mapping[str, Any], port_name: str) -> tuple[str, int] | None:
    """(address, host port of the port named `port_name`) from the SDK's GameServer object,
    or None while Agones has not filled them in."""
    status = gameserver.get("status") or {}
    address = status.get("address") or ""
    for port in status.get("ports") or ():
        if port.get("name") == port_name and port.get("port"):
            return (address, int(port["port"])) if address else None
    return None


def host_command(address: str, port: int, host_args: Sequence[str]) -> list[str]:
    """The `dreamlayer host` command line for a GameServer reached at address:port."""
    where = f"[{address}]" if ":" in address else address  # an IPv6 address
    return ["dreamlayer", "host", "--host", "0.0.0.0",
            "--public-url", f"ws://{where}:{port}", *host_args]


def sdk_calls(answer: Mapping[str, Any] | None, state: str, empty_since: float | None,
              now: float, idle_seconds: float) -> tuple[list[str], float | None]:
    """The SDK calls ("health", "ready", "allocate", in that order) to make after one look.

    `answer` is the host's /healthz JSON, None when it did not answer (then nothing is called,
    and Agones marks the GameServer Unhealthy after its health failureThreshold); `state` the
    GameServer's state as the SDK last told it; `empty_since` when (on the `now` clock) an
    Allocated host was first seen empty, None otherwise. Returns the calls and the new
    `empty_since`.
    """
    if answer is None:
        return [], empty_since
    calls = ["health"]
    if answer.get("status") == "stopping":
        return calls, None
    if state in _BEFORE_READY:
        calls.append("ready")
    if int(answer.get("rooms", 0)) > 0:
        if state == "Ready":
            calls.append("allocate")
        return calls, None
    if state != "Allocated":
        return calls, None
    if empty_since is None:
        return calls, now
    if now - empty_since >= idle_seconds:
        calls.append("ready")
        return calls, None
    return calls, empty_since


class _Sdk:
    """The SDK's REST side on this pod; failures are logged once per kind, never raised."""

    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.said: set[str] = set()

    def _say_once(self, what: str) -> None:
        if what not in self.said:
            self.said.add(what)
            print(f"agones_adapter: {what}", file=sys.stderr, flush=True)

    def gameserver(self) -> dict[str, Any] | None:
        try:
            with urllib.request.urlopen(f"{self.base}/gameserver", timeout=PERIOD) as r:
                found: dict[str, Any] = json.load(r)
                return found
        except (OSError, ValueError) as e:
            self._say_once(f"GET /gameserver failed: {e}")
            return None

    def call(self, name: str) -> None:
        request = urllib.request.Request(f"{self.base}/{name}", data=b"{}", method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=PERIOD):
                pass
        except OSError as e:
            self._say_once(f"POST /{name} failed: {e}")


def _healthz(port: int) -> dict[str, Any] | None:
    """The host's /healthz JSON, or None if it does not answer (yet)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=PERIOD) as r:
            found: dict[str, Any] = json.load(r)
            return found
    except (OSError, ValueError):
        return None


def _options(argv: Sequence[str]) -> tuple[argparse.Namespace, list[str], int]:
    """The adapter's options, the host's arguments and the host's port (exits 2 on bad input,
    with argparse's message or the config's)."""
    parser = argparse.ArgumentParser(prog="agones_adapter.py")
    parser.add_argument("--port-name", default="dreamlayer",
                        help="the GameServer port players use (spec.ports[].name)")
    parser.add_argument("--idle-seconds", type=float, default=60.0,
                        help="an Allocated host empty this long becomes Ready again")
    parser.add_argument("host_args", nargs=argparse.REMAINDER,
                        help="-- then the arguments for `dreamlayer host`")
    options = parser.parse_args(argv)
    host_args = list(options.host_args)
    if host_args[:1] == ["--"]:
        host_args = host_args[1:]
    # Only what decides the port: every other flag is the host's to check.
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument("--config", default=None)
    where.add_argument("--port", type=int, default=None)
    known, _ = where.parse_known_args(host_args)
    try:
        port = load_config(known.config, port=known.port).port
    except ConfigError as e:
        parser.error(str(e))
    return options, host_args, port


def main(argv: Sequence[str]) -> int:
    """Run the host under Agones until it exits; its exit code (128 + N for signal N)."""
    options, host_args, health_port = _options(argv)
    sdk = _Sdk(int(os.environ.get(SDK_PORT_ENV, SDK_PORT_DEFAULT)))
    deadline = time.monotonic() + ADDRESS_WAIT_SECONDS
    found: tuple[str, int] | None = None
    while found is None:
        gameserver = sdk.gameserver()
        found = None if gameserver is None else public_address(gameserver, options.port_name)
        if found is None:
            if time.monotonic() > deadline:
                print(f"agones_adapter: Agones gave no address and port {options.port_name!r} "
                      f"within {ADDRESS_WAIT_SECONDS:.0f} s", file=sys.stderr)
                return 1
            time.sleep(1.0)
    host = subprocess.Popen(host_command(*found, host_args))

    def pass_on(signum: int, _frame: FrameType | None) -> None:
        host.send_signal(signum)

    signal.signal(signal.SIGTERM, pass_on)
    signal.signal(signal.SIGINT, pass_on)
    empty_since: float | None = None
    while host.poll() is None:
        gameserver = sdk.gameserver()
        state = "" if gameserver is None else str((gameserver.get("status") or {})
                                                 .get("state", ""))
        calls, empty_since = sdk_calls(_healthz(health_port), state, empty_since,
                                       time.monotonic(), options.idle_seconds)
        for name in calls:
            sdk.call(name)
        with contextlib.suppress(subprocess.TimeoutExpired):
            host.wait(timeout=PERIOD)
    code = host.returncode
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
