"""tests.tools: a missing program skips, naming the Debian package, or fails when every
test must run."""

from __future__ import annotations

import pytest

from tests.tools import REQUIRE_ALL, free_port, need_program


def test_a_present_program_is_found() -> None:
    assert need_program("sh", "dash")


def test_a_missing_program_skips_naming_its_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(REQUIRE_ALL, raising=False)
    with pytest.raises(pytest.skip.Exception, match="install Debian's no-such-package"):
        need_program("no-such-program-dreamlayer", "no-such-package")


def test_a_missing_program_fails_when_every_test_must_run(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(REQUIRE_ALL, "1")
    with pytest.raises(pytest.fail.Exception, match="install Debian's no-such-package"):
        need_program("no-such-program-dreamlayer", "no-such-package")


def test_a_free_port_is_a_port() -> None:
    assert 0 < free_port() < 65536
