"""The client's art, fonts and sound files: found in the assets folder, loaded once, cached.

The assets ship with the game (`assets/` in a checkout, `game/_bundled/assets/` in a wheel;
`game.paths.assets_dir()` finds either), and `assets/make_assets.py` rebuilds the generated
ones. A sprite or sound that is missing is a broken install: asking for it raises
FileNotFoundError naming the file. Only the font has a fallback (pygame's default font).

Imports pygame and game.paths only; needs no display (sprites are converted for fast
blitting once a display surface exists).
"""

from __future__ import annotations

import errno
import logging
from collections import OrderedDict
from pathlib import Path

import pygame

from game.paths import assets_dir

__all__ = [
    "FONT_BOLD_FILE",
    "FONT_FILE",
    "MUSIC",
    "SOUNDS",
    "SPRITES",
    "Assets",
    "beacon_sprite",
    "dreamer_sprite",
]

log = logging.getLogger(__name__)

SPRITES: dict[str, int] = {
    "dreamer_sanctuary_architect": 64,
    "dreamer_sanctuary_innovator": 64,
    "dreamer_sanctuary_organizer": 64,
    "dreamer_rest_architect": 64,
    "dreamer_rest_innovator": 64,
    "dreamer_rest_organizer": 64,
    "cadre": 64,
    "ethan": 96,
    "rift": 64,
    "rift_sealed": 64,
    "beacon_sanctuary": 24,
    "beacon_rest": 24,
    "ping_nightmare": 24,
    "ping_help": 24,
    "ping_rift": 24,
    "asleep": 16,
    "distorted": 24,
}
"""Every shipped sprite (`sprites/NAME.png`, square, RGBA) and its size in pixels."""

SOUNDS: tuple[str, ...] = (
    "paint", "burst", "beacon", "rally", "shove", "distort", "asleep", "revive", "awaken",
    "rift_sealed", "hijack", "warning", "ping", "victory", "fracture", "click",
)
"""Every shipped sound effect (`sounds/NAME.wav`)."""

MUSIC = "ambient"
"""The looping ambient track (`sounds/ambient.ogg` if present, else `sounds/ambient.wav`)."""

FONT_FILE = "DejaVuSans.ttf"
FONT_BOLD_FILE = "DejaVuSans-Bold.ttf"
"""Used for bold text when present; otherwise the regular face is emboldened by pygame."""

_REALMS = {1: "sanctuary", 2: "rest"}
_ROLES = {1: "architect", 2: "innovator", 3: "organizer"}

Size = int | tuple[int, int]


def dreamer_sprite(realm: int, role: int) -> str:
    """The sprite name of a dreamer: realm 1 Sanctuary / 2 Rest Zone (game.sim.level.Realm),
    role 1 Architect / 2 Innovator / 3 Organizer (game.sim.roles.Role).
    Raises ValueError for any other value."""
    try:
        return f"dreamer_{_REALMS[int(realm)]}_{_ROLES[int(role)]}"
    except KeyError:
        raise ValueError(f"no dreamer sprite for realm {realm!r}, role {role!r}") from None


def beacon_sprite(realm: int) -> str:
    """The sprite name of a NeuroNook beacon of `realm` (1 or 2); ValueError otherwise."""
    try:
        return f"beacon_{_REALMS[int(realm)]}"
    except KeyError:
        raise ValueError(f"no beacon sprite for realm {realm!r}") from None


def _missing(path: Path, what: str) -> FileNotFoundError:
    return FileNotFoundError(
        errno.ENOENT, f"{what} is missing from the assets (reinstall dreamlayer, or run "
        "assets/make_assets.py in a checkout)", str(path))


def _display_ready() -> bool:
    return bool(pygame.display.get_init()) and pygame.display.get_surface() is not None


class Assets:
    """Sprites, fonts and sound paths from one assets folder.

    - `sprite(name, size)` loads `sprites/NAME.png` on first use and caches it; scaled
      variants are cached too (the most recent `scaled_limit` of them).
    - Surfaces are `convert_alpha()`-ed when a display surface exists; a sprite loaded
      before the window opened is converted the next time it is asked for.
    - Returned surfaces are shared: blit them, never draw on them (copy first).
    - After `pygame.display.quit()` or `pygame.font.quit()`, call `clear()`.
    """

    def __init__(self, root: Path | str | None = None, *, scaled_limit: int = 512) -> None:
        """root: the assets folder (default: game.paths.assets_dir(), which raises
        FileNotFoundError when the game has no assets folder at all)."""
        self.root: Path = Path(root) if root is not None else assets_dir()
        self.scaled_limit = scaled_limit
        self._base: dict[str, tuple[pygame.Surface, bool]] = {}
        self._scaled: OrderedDict[tuple[str, int, int], pygame.Surface] = OrderedDict()
        self._fonts: dict[tuple[int, bool], pygame.font.Font] = {}
        self._font_warned = False

    # ------------------------------------------------------------------ files
    def path(self, folder: str, filename: str) -> Path:
        """`root/folder/filename`; FileNotFoundError (with the path) if it is not a file."""
        p = self.root / folder / filename
        if not p.is_file():
            raise _missing(p, f"{folder}/{filename}")
        return p

    def sound_path(self, name: str) -> Path:
        """The file of sound `name` (`sounds/NAME.ogg` or `.wav`, ogg first);
        FileNotFoundError naming the .wav path if neither exists."""
        ogg = self.root / "sounds" / f"{name}.ogg"
        if ogg.is_file():
            return ogg
        return self.path("sounds", f"{name}.wav")

    def music_path(self) -> Path:
        """The ambient loop's file; FileNotFoundError if it is missing."""
        return self.sound_path(MUSIC)

    def missing(self) -> list[Path]:
        """Every expected sprite, sound and font file that is not there (empty when the
        install is whole): a start-up check that loads nothing."""
        expected = [self.root / "sprites" / f"{n}.png" for n in SPRITES]
        expected += [self.root / "sounds" / f"{n}.wav" for n in SOUNDS]
        expected.append(self.root / "fonts" / FONT_FILE)
        out = [p for p in expected if not p.is_file()]
        music = self.root / "sounds"
        if not (music / f"{MUSIC}.ogg").is_file() and not (music / f"{MUSIC}.wav").is_file():
            out.append(music / f"{MUSIC}.wav")
        return out

    # ---------------------------------------------------------------- sprites
    def sprite(self, name: str, size: Size | None = None) -> pygame.Surface:
        """Sprite `name` (with or without `.png`), at its own size or scaled (smoothly) to
        `size` (an int for a square, or (w, h), each at least 1).

        Raises FileNotFoundError naming the file if it does not exist, pygame.error if it is
        not a readable image, ValueError for a size below 1.
        """
        name = name.removesuffix(".png")
        base = self._load(name)
        if size is None:
            return base
        w, h = (size, size) if isinstance(size, int) else (int(size[0]), int(size[1]))
        if w < 1 or h < 1:
            raise ValueError(f"sprite size must be at least 1x1, got {size!r}")
        if (w, h) == base.get_size():
            return base
        key = (name, w, h)
        got = self._scaled.get(key)
        if got is not None:
            self._scaled.move_to_end(key)
            return got
        got = pygame.transform.smoothscale(base, (w, h))
        self._scaled[key] = got
        while len(self._scaled) > self.scaled_limit:
            self._scaled.popitem(last=False)
        return got

    def dreamer(self, realm: int, role: int, size: Size | None = None) -> pygame.Surface:
        """The dreamer of `realm` (1, 2) and `role` (1, 2, 3); see dreamer_sprite()."""
        return self.sprite(dreamer_sprite(realm, role), size)

    def beacon(self, realm: int, size: Size | None = None) -> pygame.Surface:
        """The NeuroNook beacon of `realm` (1, 2)."""
        return self.sprite(beacon_sprite(realm), size)

    def _load(self, name: str) -> pygame.Surface:
        cached = self._base.get(name)
        ready = _display_ready()
        if cached is not None and (cached[1] or not ready):
            return cached[0]
        if cached is not None:          # loaded before the window opened: convert it now
            surf = cached[0].convert_alpha()
            for key in [k for k in self._scaled if k[0] == name]:
                del self._scaled[key]
        else:
            surf = pygame.image.load(str(self.path("sprites", f"{name}.png")))
            if ready:
                surf = surf.convert_alpha()
        self._base[name] = (surf, ready)
        return surf

    # ------------------------------------------------------------------ fonts
    def font(self, size: int, bold: bool = False) -> pygame.font.Font:
        """The game's font (DejaVu Sans) at `size` px, cached per (size, bold). Bold uses
        FONT_BOLD_FILE when shipped, else pygame's emboldening. If the font file is missing
        it falls back to pygame's default font (and logs that once). ValueError if size < 1.
        Initialises pygame.font if needed."""
        if size < 1:
            raise ValueError(f"font size must be at least 1, got {size!r}")
        key = (size, bold)
        f = self._fonts.get(key)
        if f is not None:
            return f
        if not pygame.font.get_init():
            pygame.font.init()
        folder = self.root / "fonts"
        bold_file = folder / FONT_BOLD_FILE
        regular = folder / FONT_FILE
        if bold and bold_file.is_file():
            f = pygame.font.Font(str(bold_file), size)
        else:
            if regular.is_file():
                f = pygame.font.Font(str(regular), size)
            else:
                if not self._font_warned:
                    log.warning("font %s is missing: using pygame's default font", regular)
                    self._font_warned = True
                f = pygame.font.Font(None, size)
            f.bold = bold
        self._fonts[key] = f
        return f

    # ------------------------------------------------------------------ cache
    def clear(self) -> None:
        """Forget every cached surface and font (they are reloaded on demand)."""
        self._base.clear()
        self._scaled.clear()
        self._fonts.clear()
