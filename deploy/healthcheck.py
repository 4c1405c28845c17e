"""A container's health check for `dreamlayer host`: GET /healthz on the port its TOML names.

    python healthcheck.py [CONFIG]

Exits 0 when the host on this machine (127.0.0.1) answers `/healthz` with HTTP 200, 1 when it
does not (refused, timed out, any other status, or a CONFIG that cannot be read), saying why in
one line on stderr. The port is `port` in CONFIG (the TOML the host was started with) or the
server's default without one, so mounting a TOML with another port needs no other change. It
asks plain `/healthz`, not `?strict=1`: a degraded host (rooms behind schedule) is alive and
must not be restarted; send new rooms elsewhere with a readiness probe instead.

The Dockerfile copies this file to /opt/dreamlayer/ for its HEALTHCHECK (and
deploy/compose.yaml uses it). Imports the standard library and `server.config` only: it runs
inside the image, beside the installed host, every few seconds.
"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request

from server.config import ConfigError, load_config

__all__ = ["check", "main"]

TIMEOUT_SECONDS = 4.0
"""how long one check waits for the answer (below the Dockerfile's --timeout of 5 s)"""


def check(port: int, timeout: float = TIMEOUT_SECONDS) -> str | None:
    """None if http://127.0.0.1:PORT/healthz answers 200, else why not (one line)."""
    url = f"http://127.0.0.1:{port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            status = answer.status
    except urllib.error.HTTPError as e:
        return f"{url}: HTTP {e.code}"
    except (urllib.error.URLError, OSError) as e:
        reason = e.reason if isinstance(e, urllib.error.URLError) else e
        return f"{url}: {reason}"
    return None if status == 200 else f"{url}: HTTP {status}"


def main(argv: list[str]) -> int:
    """The exit code of `healthcheck.py [CONFIG]` (argv without the program's name)."""
    if len(argv) > 1:
        print("usage: healthcheck.py [CONFIG]", file=sys.stderr)
        return 1
    try:
        port = load_config(argv[0] if argv else None).port
    except ConfigError as e:
        print(f"healthcheck: {e}", file=sys.stderr)
        return 1
    why = check(port)
    if why is not None:
        print(f"healthcheck: {why}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
