"""The catalogue of retreats: the level files shipped in `levels/`, found by name.

A name is a file stem (`first-retreat`); a path to a `.tmx` file works too, so a designer
can play a map straight from Tiled's folder. Imports game.tmx and game.paths.
"""

from __future__ import annotations

from pathlib import Path

from game.paths import levels_dir
from game.sim.level import Level
from game.tmx import LevelError, load_level

__all__ = ["UnknownLevel", "campaign", "level_names", "load_retreat"]


class UnknownLevel(LookupError):
    """No level of that name; the message lists the ones there are."""


def level_names(folder: Path | None = None) -> list[str]:
    """The names of the shipped levels, in file-name order."""
    folder = folder or levels_dir()
    return sorted(p.stem for p in folder.glob("*.tmx"))


def load_retreat(name: str, folder: Path | None = None) -> Level:
    """Load a level by name (or by path to a .tmx file).

    Raises UnknownLevel for a name that matches nothing, LevelError for a broken map.
    """
    if name.endswith(".tmx") or "/" in name or "\\" in name:
        return load_level(Path(name))
    folder = folder or levels_dir()
    path = folder / f"{name}.tmx"
    if not path.is_file():
        names = ", ".join(level_names(folder)) or "(none)"
        raise UnknownLevel(f"no level named {name!r}; the levels are: {names}")
    return load_level(path)


def campaign(folder: Path | None = None) -> list[Level]:
    """Every level in `folder` (default: the shipped ones), in story order (the `order`
    property, then the name). Raises LevelError for a broken map (naming it) or a folder
    that holds none."""
    names = level_names(folder)
    if not names:
        raise LevelError(f"{folder or levels_dir()}: no Tiled maps (.tmx) in this folder")
    levels = [load_retreat(n, folder) for n in names]
    return sorted(levels, key=lambda lv: (lv.order, lv.name))


__all__ += ["LevelError"]
