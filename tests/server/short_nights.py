"""`python -m tests.server.short_nights SECONDS ARGS...`: `python -m server ARGS` (a
single-process host) whose retreats' nights last SECONDS, so a test can play a night to
its end in a host process it may kill. The replay records the night's length, so the
night re-simulates anywhere."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import server.host
from game.cli import main as cli
from game.sim.level import Level


def main(argv: list[str]) -> int:
    seconds = int(argv[0])
    campaign = server.host.campaign  # type: ignore[attr-defined]

    def short(folder: Path | None = None) -> list[Level]:
        return [dataclasses.replace(lv, night_seconds=seconds) for lv in campaign(folder)]

    server.host.campaign = short  # type: ignore[attr-defined]
    return cli(["host", *argv[1:]])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
