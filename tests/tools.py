"""Programs the tests run that are not Python packages (redis-server, a browser...): finding
them, and a free loopback port to start them on.

`need_program(name, debian_package)` returns the program's path, or skips the test saying
which Debian package to install; with `DREAMLAYER_REQUIRE_ALL=1` in the environment (CI,
`.ci/run`) a missing program fails the test instead, so nothing is skipped unnoticed.

Imports pytest and the standard library only.
"""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest

__all__ = ["REQUIRE_ALL", "free_port", "need_program", "required"]

REQUIRE_ALL = "DREAMLAYER_REQUIRE_ALL"
"""the environment variable that turns a missing program from a skip into a failure"""

def required() -> bool:
    """Every test must run: a missing program fails instead of skipping."""
    return os.environ.get(REQUIRE_ALL) == "1"


_ALSO_IN = ("/usr/sbin", "/usr/bin", "/usr/local/bin", "/usr/local/sbin")
"""where Debian puts programs a user's PATH may lack (redis-server lives in /usr/bin, some
daemons in /usr/sbin)"""


def need_program(name: str, debian_package: str) -> str:
    """The path of program `name`; otherwise the test is skipped ("install Debian's
    `debian_package`"), or fails when DREAMLAYER_REQUIRE_ALL=1."""
    found = shutil.which(name)
    if found is None:
        for folder in _ALSO_IN:
            candidate = Path(folder) / name
            if candidate.is_file() and os.access(candidate, os.X_OK):
                found = str(candidate)
                break
    if found is not None:
        return found
    why = f"{name} is not installed: install Debian's {debian_package} " \
          f"(apt-get install {debian_package})"
    if required():
        pytest.fail(f"{why}; {REQUIRE_ALL}=1 makes a missing program a failure")
    pytest.skip(why)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (for a program that cannot be
    told to pick one itself; a caller that loses the race starts it again)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
