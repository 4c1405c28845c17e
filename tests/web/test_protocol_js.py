"""The browser's copy of the protocol and the palette cannot drift from the Python ones:
protocol.js's version, message codes, field orders and flags against game/net/schema.py
and game.net.records; palette.js's colours against game/client/palette.py."""

from __future__ import annotations

import json
import re

from game.client import palette as pal
from game.net.records import CadreStatus, DreamerStatus, LobbyPlayer, RiftFlags
from game.net.schema import PROTOCOL_VERSION, Kind, spec_of
from game.net.snapshot import EntityKind
from game.sim.grid import CHUNK
from game.sim.motion import POSITION_SCALE
from server.webpage import FOLDER

PROTOCOL_JS = (FOLDER / "protocol.js").read_text()


def _const(name: str) -> str:
    """The text of `export const NAME = ...;` in protocol.js (up to the closing `;`)."""
    found = re.search(rf"export const {name} = (.*?);\n", PROTOCOL_JS, re.S)
    assert found, f"protocol.js has no {name}"
    return found.group(1)


def _pairs(name: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r"(\w+): (\d+)", _const(name))}


def test_protocol_js_speaks_the_schemas_version_codes_and_fields() -> None:
    assert int(_const("PROTOCOL_VERSION")) == PROTOCOL_VERSION
    assert _pairs("KIND") == {k.name: k.value for k in Kind}
    fields = dict(re.findall(r"(\w+): \[(.*?)\]", _const("FIELDS"), re.S))
    assert fields, "FIELDS is empty"
    for kind, names in fields.items():
        js = re.findall(r'"(\w+)"', names)
        assert js == [f.name for f in spec_of(Kind[kind]).fields], kind
    assert re.findall(r'"(\w+)"', _const("LOBBY_PLAYER")) == list(LobbyPlayer._fields)
    assert _pairs("ENTITY") == {k.name: k.value for k in EntityKind}
    assert _pairs("DREAMER_STATUS") == {k.name: k.value for k in DreamerStatus}
    assert _pairs("CADRE_STATUS") == {k.name: k.value for k in CadreStatus}
    assert _pairs("RIFT_FLAGS") == {k.name: k.value for k in RiftFlags}
    assert int(_const("CHUNK")) == CHUNK
    assert int(_const("POSITION_SCALE")) == POSITION_SCALE


def test_palette_js_has_the_games_colours() -> None:
    text = (FOLDER / "palette.js").read_text()
    found = re.search(r"export const PALETTE = (\{.*?\n\});", text, re.S)
    assert found
    js = json.loads(found.group(1))
    assert js["cells"] == pal.CELL_LUT.tolist()
    assert js["wall_tones"] == [list(pal.cell_colour(16, 0, p)) for p in range(3)]
    assert js["realm"] == {str(k): list(v) for k, v in pal.REALM_COLOURS.items()}
    assert js["realm_light"] == {str(k): list(v) for k, v in pal.REALM_LIGHT.items()}
    for key in ("cadre", "cadre_glow", "cadre_rim", "ethan", "ethan_accent", "mosaic_light",
                "backdrop"):
        assert js[key] == list(getattr(pal, key.upper())), key
