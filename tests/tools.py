"""Programs from outside Python that some tests need (a browser, a database server): found
on PATH, or the test is skipped saying which Debian package to install.

With `DREAMLAYER_REQUIRE_ALL=1` in the environment a missing program fails the test
instead of skipping it, so a CI that must run everything cannot pass by skipping.
"""

from __future__ import annotations

import os
import shutil

import pytest

__all__ = ["need_program", "required"]


def required() -> bool:
    """Every test must run: missing tools fail instead of skipping."""
    return os.environ.get("DREAMLAYER_REQUIRE_ALL") == "1"


def need_program(name: str, debian_package: str) -> str:
    """The path of program `name`; skips the test (fails it under
    DREAMLAYER_REQUIRE_ALL=1) when it is not installed, saying what to install."""
    path = shutil.which(name)
    if path is not None:
        return path
    message = f"{name} is not installed (apt-get install {debian_package})"
    if required():
        pytest.fail(message)
    pytest.skip(message)
