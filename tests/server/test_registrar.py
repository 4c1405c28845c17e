"""Who may open a room and under which code, without sockets: the caps with time passed in,
codes that name their worker's slot, claims on the board, and lost codes."""

from __future__ import annotations

import asyncio

import pytest

from game.net.records import RoomEntry
from server.board import BoardEntry, LocalBoard, NodeBoard, pack_entries, unpack_entries
from server.codes import ALPHABET, CodeSpace, normal, slot_of, well_formed
from server.config import ServerConfig
from server.registrar import Refusal, Registrar


def registrar(**config: object) -> Registrar:
    return Registrar(ServerConfig(**config), LocalBoard())  # type: ignore[arg-type]


def opened(r: Registrar, n: int, address: str = "10.0.0.1",
           codes: CodeSpace | None = None) -> list[str]:
    out = []
    for _ in range(n):
        got = asyncio.run(r.register(0, address, 0.0, codes or CodeSpace()))
        assert isinstance(got, str), got
        out.append(got)
    return out


# ------------------------------------------------------------------ caps
def test_one_connection_may_keep_only_its_cap_of_rooms_open() -> None:
    r = registrar(rooms_per_connection=2, room_creation_burst=100)
    assert r.refuse(1, "10.0.0.1", 0.0) is None
    no = r.refuse(2, "10.0.0.1", 0.0)
    assert no is not None and no.reason == "rooms_per_connection" and no.code == 429
    assert "you already have 2 rooms open" in no.text


def test_one_address_may_keep_only_its_cap_of_rooms_open() -> None:
    r = registrar(rooms_per_address=3, room_creation_burst=100)
    codes = opened(r, 3)
    no = r.refuse(0, "10.0.0.1", 0.0)
    assert no is not None and no.reason == "rooms_per_address"
    assert no.text == "your address already has 3 rooms open on this server"
    assert r.refuse(0, "10.0.0.2", 0.0) is None
    r.unregister(codes[0])  # one of its rooms closed: it may again
    assert r.refuse(0, "10.0.0.1", 0.0) is None


def test_an_address_creates_rooms_at_a_bounded_rate_and_its_budget_is_forgotten() -> None:
    r = registrar(room_creations_per_minute=6, room_creation_burst=3)
    assert [r.refuse(0, "10.0.0.1", 0.0) for _ in range(3)] == [None] * 3
    no = r.refuse(0, "10.0.0.1", 0.0)
    assert no is not None and no.reason == "room_creation_rate"
    assert r.refuse(0, "10.0.0.2", 0.0) is None  # another address has its own
    assert r.refuse(0, "10.0.0.1", 10.0) is None  # 6 a minute: one every 10 s
    assert r.refuse(0, "10.0.0.1", 10.0) is not None
    r.prune(20.0)
    assert set(r._creations) == {"10.0.0.1"}  # .2 is full again, .1 not yet
    r.prune(40.0)
    assert r._creations == {}


def test_the_servers_room_limit_comes_first() -> None:
    r = registrar(max_rooms=1)
    opened(r, 1, "10.0.0.9")
    no = r.refuse(0, "10.0.0.1", 0.0)
    assert no is not None and no.reason == "server_rooms_full" and no.code == 503


# ------------------------------------------------------------------ codes
def test_a_code_names_its_slot_and_each_slot_makes_only_its_own() -> None:
    for slots in (1, 2, 3, 7, 64):
        for slot in range(slots):
            space = CodeSpace(slot, slots)
            for _ in range(20):
                code = space.new_code(())
                assert well_formed(code) and space.owns(code)
                assert slot_of(code, slots) == slot
    # every slot of 64 owns 16 of the 1024 two-letter prefixes
    firsts = {slot_of(a + b + "AAA", 64) for a in ALPHABET for b in ALPHABET}
    assert firsts == set(range(64))
    assert slot_of("ABCD", 2) is None and slot_of("ABCD0", 2) is None  # no 0 in codes
    assert normal(" abcde ") == "ABCDE"
    with pytest.raises(ValueError, match="slot 2 of 2"):
        CodeSpace(2, 2)


def test_register_claims_a_fresh_code_of_the_slot_on_the_board() -> None:
    board = LocalBoard()
    r = Registrar(ServerConfig(room_creation_burst=100, rooms_per_address=100), board)
    space = CodeSpace(1, 3)
    codes = opened(r, 20, codes=space)
    assert len(set(codes)) == 20 and all(space.owns(c) for c in codes)
    assert not asyncio.run(board.claim(codes[0]))  # claimed: taken on the board
    r.unregister(codes[0])
    assert asyncio.run(board.claim(codes[0]))  # released with its room


def test_a_lost_code_stays_out_of_use_until_its_time_is_over() -> None:
    r = registrar()
    code = opened(r, 1)[0]
    r.lose(code, "gone", until=100.0)
    assert code not in r.opened and code in r and r.lost[code][0] == "gone"
    r.prune(99.0)
    assert code in r
    r.prune(100.0)
    assert code not in r


def test_register_refuses_with_the_reason() -> None:
    r = registrar(max_rooms=1)
    opened(r, 1)
    got = asyncio.run(r.register(0, "10.0.0.2", 0.0, CodeSpace()))
    assert isinstance(got, Refusal) and got.reason == "server_rooms_full"


# ------------------------------------------------------------------ boards
def entry(code: str, public: bool = True, url: str = "") -> BoardEntry:
    return BoardEntry(RoomEntry(code, "Mira", "first-retreat", 1, 4, False, False), public, url)


def test_a_local_board_lists_public_posts_and_frees_released_codes() -> None:
    board = LocalBoard()
    board.post([entry("AAAAA"), entry("BBBBB", public=False)])
    assert [e.entry.code for e in board.listing()] == ["AAAAA"]
    assert not asyncio.run(board.claim("BBBBB"))  # posted: taken
    board.release("BBBBB")
    assert asyncio.run(board.claim("BBBBB"))
    assert asyncio.run(board.locate("AAAAA")) is None  # one node: never elsewhere


class Up:
    """An uplink that records what a worker's board tells its supervisor."""

    def __init__(self) -> None:
        self.told: list[dict[str, object]] = []

    def tell(self, message: dict[str, object]) -> None:
        self.told.append(message)

    async def ask(self, message: dict[str, object], timeout: float) -> dict[str, object]:
        return {"ok": True, "url": "ws://other:1"}


def test_a_workers_board_posts_on_change_and_heartbeat_and_lists_its_own_fresh() -> None:
    now = [0.0]
    up = Up()
    board = NodeBoard(up, 0, 2, clock=lambda: now[0])
    mine = CodeSpace(0, 2).new_code(())
    theirs = CodeSpace(1, 2).new_code(())
    board.post([entry(mine)])
    board.post([entry(mine)])  # unchanged within a second: not sent again
    assert len(up.told) == 1 and unpack_entries(up.told[0]["rooms"]) == [entry(mine)]
    now[0] = 1.0
    board.post([entry(mine)])  # a second on: the heartbeat
    assert len(up.told) == 2
    # the supervisor's merged listing: a stale copy of our own room, a sibling's, another
    # node's (whatever its code)
    board.take_listing(unpack_entries(pack_entries(
        [entry(mine), entry(theirs), entry(mine[:4] + "Z", url="ws://other:1")])))
    board.post([entry(mine, public=False)])  # our room went private meanwhile
    assert [e.entry.code for e in board.listing()] == [theirs, mine[:4] + "Z"]
    assert asyncio.run(board.locate("ABCDE")) == "ws://other:1"
