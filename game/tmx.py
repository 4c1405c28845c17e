"""Reading a retreat from a Tiled map (TMX) into a `game.sim.Level`.

Uses only the standard library's XML parser: pytmx would import pygame, and the server
must not. What a map needs (the README's "Making a level" says the same for designers):

- orthogonal, finite, square tiles (one tile = one cell of the paint grid);
- a tile layer `walls`: any tile is a wall, an empty cell is floor;
- a tile layer `districts`: tiles whose `kind` property is `sanctuary`, `rest` or
  `commons` (an empty cell is Commons);
- an object layer `markers` with objects whose type (or class) is `spawn` (property
  `realm`: sanctuary or rest), `rift` (optional `strength`, and `opens`: the fraction of
  the night after which it opens), `cadre_entry`, and on
  Ethan's nights one `ethan_entry`;
- map properties: `title`, and optionally `order`, `night_seconds`, `hazard`,
  `cadre_arrival`, `ethan_arrival`, `goal`, `story_before`, `story_after`.

Every problem raises `LevelError` naming the file and what is wrong.
"""

from __future__ import annotations

import base64
import gzip
import zlib
from pathlib import Path
from xml.etree import ElementTree as ET

import numpy as np

from game.sim.level import DistrictKind, Level, Marker, Realm

__all__ = ["LevelError", "load_level"]

_GID_MASK = 0x0FFFFFFF  # the top four bits are Tiled's flip and rotation flags
_MARKER_KINDS = ("spawn", "rift", "cadre_entry", "ethan_entry")
_DISTRICT_KINDS = {
    "sanctuary": DistrictKind.SANCTUARY,
    "rest": DistrictKind.REST,
    "commons": DistrictKind.COMMONS,
}
_REALMS = {"sanctuary": Realm.SANCTUARY, "rest": Realm.REST}


class LevelError(ValueError):
    """A map file that cannot be played; the message names the file and the problem."""


def load_level(path: str | Path) -> Level:
    """Read and check one TMX map. Raises LevelError for anything unreadable or incomplete."""
    path = Path(path)
    return _Reader(path).read()


class _Reader:
    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, problem: str) -> LevelError:
        return LevelError(f"{self.path}: {problem}")

    def read(self) -> Level:
        try:
            root = ET.parse(self.path).getroot()
        except FileNotFoundError:
            raise self.fail("no such file") from None
        except (OSError, ET.ParseError) as e:
            raise self.fail(f"not a readable TMX file ({e})") from None
        if root.tag != "map":
            raise self.fail(f"the root element is <{root.tag}>, expected <map>")
        if root.get("orientation", "orthogonal") != "orthogonal":
            raise self.fail("only orthogonal maps are supported")
        if root.get("infinite", "0") != "0":
            raise self.fail("infinite maps are not supported: set a fixed map size in Tiled")
        width = self._int(root, "width")
        height = self._int(root, "height")
        tw, th = self._int(root, "tilewidth"), self._int(root, "tileheight")
        if tw != th:
            raise self.fail(f"tiles must be square, got {tw}x{th}")
        if not (8 <= width <= 1024 and 8 <= height <= 1024):
            raise self.fail(f"map size {width}x{height} is outside 8..1024 cells per side")

        kinds = self._tile_kinds(root)
        props = self._properties(root, "the map")
        walls_gids = self._tile_layer(root, "walls", width, height)
        district_gids = self._tile_layer(root, "districts", width, height)
        walls = walls_gids != 0
        districts = self._districts(district_gids, kinds)
        markers = self._markers(root, tw, width, height, walls)

        spawns = tuple(m for m in markers if m.kind == "spawn")
        rifts = tuple(m for m in markers if m.kind == "rift")
        entries = tuple(m for m in markers if m.kind == "cadre_entry")
        ethans = [m for m in markers if m.kind == "ethan_entry"]
        if not spawns:
            raise self.fail("the markers layer has no 'spawn' object")
        if not rifts:
            raise self.fail("the markers layer has no 'rift' object: nothing to seal")
        if not entries:
            raise self.fail("the markers layer has no 'cadre_entry' object")
        if len(ethans) > 1:
            raise self.fail(f"{len(ethans)} 'ethan_entry' objects; a map has at most one")
        if props.get("ethan") is True and not ethans:
            raise self.fail("property ethan is true but there is no 'ethan_entry' marker")
        if not walls.all() and walls.sum() > 0.8 * walls.size:
            raise self.fail("more than 80% of the map is wall")

        def num(name: str, default: float, lo: float, hi: float) -> float:
            v = props.get(name, default)
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise self.fail(f"property {name} must be a number, got {v!r}")
            if not lo <= v <= hi:
                raise self.fail(f"property {name} = {v} is outside {lo}..{hi}")
            return float(v)

        def text(name: str) -> str:
            v = props.get(name, "")
            if not isinstance(v, str):
                raise self.fail(f"property {name} must be text, got {v!r}")
            return v.strip()

        return Level(
            name=self.path.stem,
            title=text("title") or self.path.stem.replace("-", " ").title(),
            width=width,
            height=height,
            cell_size=tw,
            walls=walls,
            districts=districts,
            spawns=spawns,
            rifts=rifts,
            cadre_entries=entries,
            ethan_entry=ethans[0] if ethans and props.get("ethan", True) is not False else None,
            night_seconds=int(num("night_seconds", 360, 10, 7200)),
            hazard=int(num("hazard", 1, 1, 5)),
            cadre_arrival=num("cadre_arrival", 0.4, 0.0, 1.0),
            ethan_arrival=num("ethan_arrival", 0.35, 0.0, 1.0),
            order=int(num("order", 0, 0, 10_000)),
            goal=text("goal"),
            story_before=text("story_before"),
            story_after=text("story_after"),
            source=str(self.path),
        )

    # -------------------------------------------------------------- pieces
    def _int(self, el: ET.Element, attr: str) -> int:
        raw = el.get(attr)
        if raw is None:
            raise self.fail(f"<{el.tag}> has no {attr} attribute")
        try:
            return int(raw)
        except ValueError:
            raise self.fail(f"<{el.tag}> {attr}={raw!r} is not a whole number") from None

    def _properties(self, el: ET.Element, where: str) -> dict[str, object]:
        out: dict[str, object] = {}
        block = el.find("properties")
        if block is None:
            return out
        for p in block.findall("property"):
            name = p.get("name")
            if not name:
                raise self.fail(f"a property of {where} has no name")
            raw = p.get("value")
            if raw is None:
                raw = p.text or ""
            kind = p.get("type", "string")
            try:
                if kind == "int":
                    out[name] = int(raw)
                elif kind == "float":
                    out[name] = float(raw)
                elif kind == "bool":
                    if raw not in ("true", "false"):
                        raise ValueError(raw)
                    out[name] = raw == "true"
                else:
                    out[name] = raw
            except ValueError:
                raise self.fail(
                    f"property {name} of {where}: {raw!r} is not of type {kind}") from None
        return out

    def _tile_kinds(self, root: ET.Element) -> dict[int, str]:
        """gid -> the `kind` property of that tile, over every tileset of the map."""
        kinds: dict[int, str] = {}
        for ts in root.findall("tileset"):
            first = self._int(ts, "firstgid")
            src = ts.get("source")
            if src is not None:
                tsx = self.path.parent / src
                try:
                    ts = ET.parse(tsx).getroot()
                except FileNotFoundError:
                    raise self.fail(f"tileset {src} not found next to the map") from None
                except (OSError, ET.ParseError) as e:
                    raise self.fail(f"tileset {src} is not readable ({e})") from None
            for tile in ts.findall("tile"):
                tid = self._int(tile, "id")
                kind = self._properties(tile, f"tile {tid}").get("kind")
                if isinstance(kind, str):
                    kinds[first + tid] = kind
        return kinds

    def _tile_layer(self, root: ET.Element, name: str, width: int, height: int) -> np.ndarray:
        layer = next((la for la in root.iter("layer") if la.get("name", "").lower() == name),
                     None)
        if layer is None:
            raise self.fail(f"no tile layer named '{name}'")
        data = layer.find("data")
        if data is None:
            raise self.fail(f"layer '{name}' has no <data>")
        if data.findall("chunk"):
            raise self.fail(f"layer '{name}' is stored in chunks: make the map finite")
        encoding = data.get("encoding")
        try:
            if encoding == "csv":
                values = [int(v) for v in (data.text or "").replace("\n", "").split(",") if v]
                gids = np.array(values, dtype=np.int64)
            elif encoding == "base64":
                raw = base64.b64decode((data.text or "").strip())
                comp = data.get("compression")
                if comp == "zlib":
                    raw = zlib.decompress(raw)
                elif comp == "gzip":
                    raw = gzip.decompress(raw)
                elif comp:
                    raise self.fail(f"layer '{name}': {comp} compression is not supported; "
                                    "use CSV, or base64 with zlib or gzip")
                gids = np.frombuffer(raw, dtype="<u4").astype(np.int64)
            elif encoding is None:
                gids = np.array([int(t.get("gid", "0")) for t in data.findall("tile")],
                                dtype=np.int64)
            else:
                raise self.fail(f"layer '{name}': unknown encoding {encoding!r}")
        except (ValueError, zlib.error, OSError) as e:
            raise self.fail(f"layer '{name}' has unreadable tile data ({e})") from None
        if gids.size != width * height:
            raise self.fail(f"layer '{name}' holds {gids.size} tiles, the map needs "
                            f"{width}x{height} = {width * height}")
        return (gids & _GID_MASK).reshape(height, width)

    def _districts(self, gids: np.ndarray, kinds: dict[int, str]) -> np.ndarray:
        out = np.full(gids.shape, DistrictKind.COMMONS, dtype=np.uint8)
        for gid in np.unique(gids):
            if gid == 0:
                continue
            kind = kinds.get(int(gid))
            if kind not in _DISTRICT_KINDS:
                ys, xs = np.nonzero(gids == gid)
                raise self.fail(
                    f"districts layer: tile {gid} at cell ({xs[0]}, {ys[0]}) has kind "
                    f"{kind!r}; expected one of {', '.join(_DISTRICT_KINDS)}")
            out[gids == gid] = _DISTRICT_KINDS[kind]
        return out

    def _markers(self, root: ET.Element, cell: int, width: int, height: int,
                 walls: np.ndarray) -> list[Marker]:
        group = next((g for g in root.iter("objectgroup")
                      if g.get("name", "").lower() == "markers"), None)
        if group is None:
            raise self.fail("no object layer named 'markers'")
        out: list[Marker] = []
        for obj in group.findall("object"):
            oid = obj.get("id", "?")
            kind = (obj.get("type") or obj.get("class") or "").strip().lower()
            label = f"marker {oid} ({obj.get('name') or kind or 'untyped'})"
            if kind not in _MARKER_KINDS:
                raise self.fail(f"{label}: type {kind!r} is not one of "
                                f"{', '.join(_MARKER_KINDS)}")
            try:
                x = float(obj.get("x", "nan"))
                y = float(obj.get("y", "nan"))
                w = float(obj.get("width", "0"))
                h = float(obj.get("height", "0"))
            except ValueError:
                raise self.fail(f"{label}: position is not a number") from None
            if obj.find("point") is None:
                x, y = x + w / 2, y + h / 2
            if not (0 <= x < width * cell and 0 <= y < height * cell):
                raise self.fail(f"{label}: position ({x}, {y}) is outside the map")
            if walls[int(y // cell), int(x // cell)]:
                raise self.fail(f"{label}: stands inside a wall at ({x}, {y})")
            props = self._properties(obj, label)
            realm = None
            if "realm" in props:
                realm = _REALMS.get(str(props["realm"]).lower())
                if realm is None:
                    raise self.fail(f"{label}: realm {props['realm']!r} is not sanctuary or rest")
            strength = props.get("strength", 1.0)
            if isinstance(strength, bool) or not isinstance(strength, int | float) \
                    or not 0.5 <= strength <= 3.0:
                raise self.fail(f"{label}: strength must be a number in 0.5..3, got {strength!r}")
            opens = props.get("opens", 0.0)
            if isinstance(opens, bool) or not isinstance(opens, int | float) \
                    or not 0.0 <= opens <= 0.95:
                raise self.fail(f"{label}: opens must be a number in 0..0.95, got {opens!r}")
            out.append(Marker(kind, x, y, obj.get("name", ""), realm, float(strength),
                              float(opens)))
        return out
