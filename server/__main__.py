"""`python -m server`: the same as `dreamlayer host`."""

from __future__ import annotations

import sys

from game.cli import main

if __name__ == "__main__":
    sys.exit(main(["host", *sys.argv[1:]]))
