"""Where the retreats (levels) and the assets live, in a source checkout or an installed wheel.

An editable install (or running from a checkout) uses the repository's top-level
`levels/` and `assets/`; a wheel carries copies in `game/_bundled/`. Imports nothing else.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["assets_dir", "levels_dir"]

_PACKAGE = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    for candidate in (_PACKAGE.parent / name, _PACKAGE / "_bundled" / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        f"cannot find the {name}/ folder next to {_PACKAGE} or bundled inside it; "
        "reinstall dreamlayer"
    )


def levels_dir() -> Path:
    return _find("levels")


def assets_dir() -> Path:
    return _find("assets")
