"""Hostile and broken replay files: each gets one clear ReplayError naming the problem (and
the command one line and exit status 2), never a traceback, with memory bounded by the
format's limits."""

from __future__ import annotations

import os
import struct
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from game.cli import main
from game.replay import ReplayError, describe, verify
from game.replay.format import MAX_BLOCK, MAX_RAW, Kind
from tests.replay.conftest import (
    FRAME,
    PREAMBLE,
    blocks_of,
    frame,
    pack,
    people_deltas,
    set_people_deltas,
    write_blocks,
)

Blocks = list[list[Any]]


def _header(blocks: Blocks) -> dict[str, Any]:
    head: dict[str, Any] = blocks[0][0][1]
    return head


def _first_people(blocks: Blocks) -> list[Any]:
    return next(r for r in blocks[1] if r[0] == Kind.PEOPLE)


def _buttons_to_nine(blocks: Blocks) -> None:
    rec = _first_people(blocks)
    d = people_deltas(rec)
    d[4, 0, 0] = 9
    d[4, 0, 1:] = 0
    set_people_deltas(rec, d)


def _set(fn: Callable[[Blocks], None]) -> Callable[[Path, Path], None]:
    """A forger that edits the decoded blocks and writes them back, framed correctly."""
    def forge(src: Path, dst: Path) -> None:
        version, blocks = blocks_of(src)
        fn(blocks)
        write_blocks(dst, blocks, version)
    return forge


def _raw(fn: Callable[[bytes], bytes]) -> Callable[[Path, Path], None]:
    def forge(src: Path, dst: Path) -> None:
        dst.write_bytes(fn(src.read_bytes()))
    return forge


def _after_header(extra: bytes) -> Callable[[bytes], bytes]:
    """The preamble and header block of the file, then `extra`."""
    def cut(data: bytes) -> bytes:
        size, _ = FRAME.unpack_from(data, PREAMBLE.size)
        return data[: PREAMBLE.size + FRAME.size + size] + extra
    return cut


def _flip_last_byte(data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 0x40])


CASES: dict[str, tuple[Callable[[Path, Path], None], str]] = {
    "random bytes": (_raw(lambda d: os.urandom(4000)), "not a Dreamlayer replay"),
    "empty": (_raw(lambda d: b""), "not a Dreamlayer replay"),
    "format from the future": (_raw(lambda d: PREAMBLE.pack(b"DLREPLAY", 9) + d[10:]),
                               "replay format 9 is newer than this game reads"),
    "one flipped byte": (_raw(_flip_last_byte), "is damaged (its checksum does not match)"),
    "huge block length": (_raw(_after_header(FRAME.pack(2**32 - 1, 0))),
                          f"claims 4294967295 bytes; a block holds at most {MAX_BLOCK}"),
    "a block that unpacks too big": (
        _raw(_after_header(frame(bytes(MAX_RAW + 1)))),
        f"unpacks to more than {MAX_RAW} bytes"),
    "deep nesting": (_raw(_after_header(frame(b"\x91" * 100_000 + b"\x00"))),
                     "nests deeper than msgpack allows"),
    "a huge array claimed": (_raw(_after_header(frame(b"\xdd\xff\xff\xff\xff"))),
                             "is not msgpack records"),
    "not deflate": (_raw(_after_header(FRAME.pack(4, zlib.crc32(b"\xff\xff\xff\xff"))
                                       + b"\xff\xff\xff\xff")), "does not decompress"),
    "header without its map": (_set(lambda b: b[0].__setitem__(0, [Kind.HEADER, [1, 2]])),
                               "the header is not a map"),
    "header of the wrong type": (_set(lambda b: _header(b).__setitem__("seed", "seven")),
                                 "header.seed: expected int, got str"),
    "header missing a field": (_set(lambda b: _header(b).pop("seats")),
                               "the header lacks seats"),
    "header hazard out of range": (_set(lambda b: _header(b).__setitem__("hazard", 9)),
                                   "header.hazard: 9 outside 1..5"),
    "a huge name": (_set(lambda b: _header(b)["seats"][0].__setitem__(1, "x" * 3000)),
                    "header.seats[].name: longer than 64"),
    "a seat twice": (_set(lambda b: _header(b)["seats"].append(_header(b)["seats"][0])),
                     "the header seats a dreamer twice"),
    "header not alone": (_set(lambda b: b[0].append([Kind.BLOCK, 0])),
                         "block 0 must hold the header record alone"),
    "unknown record kind": (_set(lambda b: b[1].append([99, 1])),
                            "block 1: unknown record kind 99"),
    "a record that is not an array": (_set(lambda b: b[1].append({"a": 1})),
                                      "a record is not an array opening with its kind"),
    "a block without its opening": (_set(lambda b: b[1].pop(0)),
                                    "block 1 does not open with a BLOCK record"),
    "a record with a field missing": (_set(lambda b: b[1].append([Kind.CHAT, 3, 0, "x"])),
                                      "a CHAT record has 3 fields, expected 4"),
    "people data of the wrong type": (_set(lambda b: _first_people(b).__setitem__(4, "x")),
                                      "people.data: expected bytes, got str"),
    "people data of the wrong size": (_set(lambda b: _first_people(b).__setitem__(
        4, _first_people(b)[4][:-2])), "holds 718 bytes, not 720"),
    "a dreamer named twice": (_set(lambda b: _first_people(b).__setitem__(2, [1, 1])),
                              "names no dreamer, or one twice"),
    "a value out of range": (_set(_buttons_to_nine), "dreamer 1: buttons 9 is out of range"),
    "a hash of the wrong type": (_set(lambda b: b[1].append([Kind.CHECKPOINT, 30, "ab"])),
                                 "checkpoint.hash: expected bytes, got str"),
    "blocks after the end": (_set(lambda b: b.append([[Kind.BLOCK, 999]])),
                             "follows the END record"),
    "blocks that go nowhere": (_set(lambda b: b.__setitem__(slice(2, 2),
                                                            [[[Kind.BLOCK, b[1][0][1]]]] * 65)),
                               "more than 64 blocks in a row end at tick 30"),
    "a block that goes back": (_set(lambda b: b.__setitem__(slice(2, 2), [[[Kind.BLOCK, 3]]])),
                               "block 2 goes back to tick 3"),
    "a header record later on": (_set(lambda b: b[1].append([Kind.HEADER, {}])),
                                 "a HEADER record has 1 fields, expected 0"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_hostile_file_gets_one_clear_error(case: str, recorded: tuple[Path, Path],
                                             tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    forge, message = CASES[case]
    bad = tmp_path / "bad.dlreplay"
    forge(recorded[0], bad)
    with pytest.raises(ReplayError) as e:
        verify(bad, level=recorded[1])
    assert message in str(e.value)
    with pytest.raises(ReplayError):
        describe(bad)
    assert main(["replay", str(bad), "--verify", "--level", str(recorded[1])]) == 2
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err.count("\n") == 1 and message in out.err and "Traceback" not in out.err


def test_a_record_in_a_wrong_place_is_named(recorded: tuple[Path, Path],
                                            tmp_path: Path) -> None:
    version, blocks = blocks_of(recorded[0])
    blocks[1].append([Kind.BLOCK, 5])
    write_blocks(tmp_path / "bad.dlreplay", blocks, version)
    with pytest.raises(ReplayError, match="block 1: a BLOCK record has no place here"):
        describe(tmp_path / "bad.dlreplay")


def test_a_file_that_ends_inside_its_header_is_refused(recorded: tuple[Path, Path],
                                                       tmp_path: Path) -> None:
    (tmp_path / "bad.dlreplay").write_bytes(recorded[0].read_bytes()[:20])
    with pytest.raises(ReplayError, match="ends before its header is complete"):
        describe(tmp_path / "bad.dlreplay")


def test_the_frame_layout_is_the_documented_one(recorded: tuple[Path, Path]) -> None:
    """The forgers above frame files from the docs; they must agree with the writer."""
    data = recorded[0].read_bytes()
    version, blocks = blocks_of(recorded[0])
    assert version == 1 and data[:8] == b"DLREPLAY"
    assert struct.unpack_from("<H", data, 8) == (1,)
    assert all(b[0][0] == Kind.BLOCK for b in blocks[1:]) and blocks[-1][-1][0] == Kind.END
    assert pack([[Kind.BLOCK, 1]]) == b"\x92\x02\x01"
