"""Reading retreats from Tiled maps: the shipped ones load, broken ones are named and refused."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from game.retreats import UnknownLevel, campaign, level_names, load_retreat
from game.sim.level import DistrictKind, Realm
from game.tmx import LevelError, load_level

LEVELS = Path(__file__).resolve().parents[1] / "levels"

TILESET = """<?xml version="1.0" encoding="UTF-8"?>
<tileset version="1.10" name="t" tilewidth="8" tileheight="8" tilecount="4" columns="4">
 <tile id="0"><properties><property name="kind" value="wall"/></properties></tile>
 <tile id="1"><properties><property name="kind" value="sanctuary"/></properties></tile>
 <tile id="2"><properties><property name="kind" value="rest"/></properties></tile>
 <tile id="3"><properties><property name="kind" value="commons"/></properties></tile>
</tileset>
"""

W, H = 12, 10
REALM = '<properties><property name="realm" value="{}"/></properties>'
MARKERS = f"""
  <object id="1" type="spawn" x="20" y="20">{REALM.format("sanctuary")}<point/></object>
  <object id="2" type="spawn" x="76" y="20">{REALM.format("rest")}<point/></object>
  <object id="3" type="rift" x="44" y="44"><point/></object>
  <object id="4" type="cadre_entry" x="20" y="60"><point/></object>
"""


def walls_csv(w: int = W, h: int = H) -> str:
    rows = []
    for y in range(h):
        rows.append(",".join("1" if y in (0, h - 1) or x in (0, w - 1) else "0"
                             for x in range(w)))
    return ",\n".join(rows)


def districts_csv(w: int = W, h: int = H) -> str:
    return ",\n".join(",".join("2" if x < w // 2 else "3" for x in range(w)) for _ in range(h))


def tmx(*, markers: str = MARKERS, props: str = "", walls: str | None = None,
        districts: str | None = None, extra: str = "", map_attrs: str = "") -> str:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<map version="1.10" orientation="orthogonal" renderorder="right-down" width="{W}" height="{H}"
     tilewidth="8" tileheight="8" infinite="0" {map_attrs}>
 <properties><property name="title" value="Tiny"/>{props}</properties>
 <tileset firstgid="1" source="t.tsx"/>
 <layer id="1" name="districts" width="{W}" height="{H}"><data encoding="csv">
{districts if districts is not None else districts_csv()}
</data></layer>
 <layer id="2" name="walls" width="{W}" height="{H}"><data encoding="csv">
{walls if walls is not None else walls_csv()}
</data></layer>
 <objectgroup id="3" name="markers">{markers}</objectgroup>{extra}
</map>
"""


def write(tmp_path: Path, text: str, name: str = "tiny.tmx") -> Path:
    (tmp_path / "t.tsx").write_text(TILESET)
    p = tmp_path / name
    p.write_text(text)
    return p


def test_a_small_map_loads_with_everything_in_place(tmp_path: Path) -> None:
    lv = load_level(write(tmp_path, tmx(props='<property name="night_seconds" type="int" '
                                           'value="120"/><property name="story_before">'
                                           'Once,\nin a dream.</property>')))
    assert (lv.name, lv.title, lv.width, lv.height, lv.cell_size) == ("tiny", "Tiny", W, H, 8)
    assert lv.walls.sum() == 2 * W + 2 * (H - 2)
    assert lv.districts[5, 2] == DistrictKind.SANCTUARY
    assert lv.districts[5, 9] == DistrictKind.REST
    assert [m.realm for m in lv.spawns] == [Realm.SANCTUARY, Realm.REST]
    assert (lv.rifts[0].x, lv.rifts[0].y) == (44.0, 44.0)
    assert lv.night_seconds == 120
    assert lv.story_before == "Once,\nin a dream."
    assert lv.ethan_entry is None


@pytest.mark.parametrize(("text", "problem"), [
    (tmx().replace('name="walls"', 'name="floor"'), "no tile layer named 'walls'"),
    (tmx().replace('name="markers"', 'name="things"'), "no object layer named 'markers'"),
    (tmx(walls=walls_csv() + ",0"), "holds 121 tiles, the map needs 12x10 = 120"),
    (tmx(markers=MARKERS.replace('type="rift" x="44"', 'type="rift" x="4"')),
     "marker 3 (rift): stands inside a wall"),
    (tmx(markers=MARKERS.replace('type="rift"', 'type="portal"')),
     "type 'portal' is not one of spawn, rift, cadre_entry, ethan_entry"),
    (tmx(markers=MARKERS.replace('value="rest"', 'value="moon"')),
     "realm 'moon' is not sanctuary or rest"),
    (tmx(markers=MARKERS.replace('x="76"', 'x="960"')), "is outside the map"),
    (tmx(markers=MARKERS.replace('type="rift" x="44" y="44"><point/>',
                                 'type="rift" x="44" y="44"><properties><property '
                                 'name="strength" type="float" value="9"/></properties><point/>')),
     "strength must be a number in 0.5..3"),
    (tmx(markers=MARKERS.replace('<object id="3" type="rift" x="44" y="44"><point/></object>',
                                 "")), "no 'rift' object"),
    (tmx(markers=""), "no 'spawn' object"),
    (tmx(props='<property name="hazard" type="int" value="9"/>'),
     "property hazard = 9 is outside 1..5"),
    (tmx(props='<property name="night_seconds" type="int" value="soon"/>'),
     "property night_seconds of the map: 'soon' is not of type int"),
    (tmx(props='<property name="ethan" type="bool" value="true"/>'),
     "property ethan is true but there is no 'ethan_entry' marker"),
    (tmx(districts=districts_csv().replace("2", "1", 1)),
     "districts layer: tile 1 at cell (0, 0) has kind 'wall'"),
    (tmx(map_attrs='class="x"').replace('infinite="0"', 'infinite="1"'), "infinite maps"),
    (tmx().replace('tileheight="8" infinite', 'tileheight="16" infinite'), "tiles must be square"),
    (tmx()[:300], "not a readable TMX file"),
    ("<tileset/>", "the root element is <tileset>"),
])
def test_broken_maps_are_refused_with_file_and_reason(tmp_path: Path, text: str,
                                                      problem: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(LevelError) as err:
        load_level(path)
    assert str(err.value).startswith(str(path))
    assert problem in str(err.value)


def test_a_missing_tileset_or_file_is_named(tmp_path: Path) -> None:
    p = tmp_path / "alone.tmx"
    p.write_text(tmx())
    with pytest.raises(LevelError, match=r"tileset t\.tsx not found"):
        load_level(p)
    with pytest.raises(LevelError, match="no such file"):
        load_level(tmp_path / "nothing.tmx")


def test_base64_zlib_layers_load_like_csv(tmp_path: Path) -> None:
    import base64
    import struct
    import zlib

    values = [int(v) for v in walls_csv().replace("\n", "").split(",")]
    blob = base64.b64encode(zlib.compress(struct.pack(f"<{len(values)}I", *values))).decode()
    text = tmx().replace(f'<data encoding="csv">\n{walls_csv()}\n</data>',
                         f'<data encoding="base64" compression="zlib">{blob}</data>')
    assert (load_level(write(tmp_path, text)).walls == load_level(
        write(tmp_path, tmx(), "csv.tmx")).walls).all()


def test_the_three_retreats_ship_and_load_in_story_order() -> None:
    assert level_names(LEVELS) == ["first-retreat", "night-of-unity", "second-retreat"]
    levels = campaign(LEVELS)
    assert [lv.name for lv in levels] == ["first-retreat", "second-retreat", "night-of-unity"]
    first, second, finale = levels
    assert not first.has_ethan and second.has_ethan and finale.has_ethan
    assert finale.width * finale.height == max(lv.width * lv.height for lv in levels)
    for lv in levels:
        assert lv.story_before and lv.story_after and lv.goal
        assert lv.spawns_for(Realm.SANCTUARY) and lv.spawns_for(Realm.REST)
        assert len(lv.rifts) >= 2 and lv.cadre_entries


def test_an_unknown_level_lists_the_levels() -> None:
    with pytest.raises(UnknownLevel) as err:
        load_retreat("third-retreat")
    assert "first-retreat, night-of-unity, second-retreat" in str(err.value)


def test_loading_a_level_does_not_import_pygame() -> None:
    import subprocess

    code = ("import sys; from game.retreats import campaign; campaign(); "
            "import game.sim, game.bots, game.match; "
            "sys.exit(1 if 'pygame' in sys.modules else 0)")
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
