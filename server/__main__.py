"""`python -m server`: the same as `dreamlayer host`; `python -m server --worker FD` is how a
host's supervisor starts a worker process (`server.worker`), not for people."""

from __future__ import annotations

import sys

if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        from server.worker import main as worker

        sys.exit(worker(int(sys.argv[2])))
    from game.cli import main

    sys.exit(main(["host", *sys.argv[1:]]))
