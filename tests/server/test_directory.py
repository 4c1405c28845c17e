"""The directory without sockets: room creation caps and budgets with time passed in, and
tokens and ids that last exactly as long as their seats."""

from __future__ import annotations

from game.retreats import load_retreat
from server.config import ServerConfig
from server.directory import Directory, new_token
from server.room import Member, Room
from tests.server.conftest import Site

LEVEL = load_retreat("first-retreat")


def room(site: Site, code: str, address: str = "10.0.0.1") -> Room:
    return Room(site, code, password="", max_dreamers=4, public=True, hazard=1,
                bot_fill=False, levels=[LEVEL], creator_address=address)


def test_one_connection_may_keep_only_its_cap_of_rooms_open() -> None:
    config = ServerConfig(rooms_per_connection=2, room_creation_burst=100)
    d, site = Directory(config), Site(config)
    for code in ("AAAAA", "BBBBB"):
        assert d.refuse_creation(["AAAAA", "BBBBB"], "10.0.0.1", 0.0) is None
        d.add(room(site, code))
    no = d.refuse_creation(["AAAAA", "BBBBB"], "10.0.0.1", 0.0)
    assert no is not None and no.reason == "rooms_per_connection" and no.code == 429
    assert "you already have 2 rooms open" in no.text
    assert d.refuse_creation([], "10.0.0.1", 0.0) is None  # another connection may
    d.remove(d.rooms["AAAAA"])  # one of its rooms closed: it may again
    assert d.refuse_creation(["AAAAA", "BBBBB"], "10.0.0.1", 0.0) is None


def test_one_address_may_keep_only_its_cap_of_rooms_open() -> None:
    config = ServerConfig(rooms_per_address=3, room_creation_burst=100)
    d, site = Directory(config), Site(config)
    for code in ("AAAAA", "BBBBB", "CCCCC"):
        d.add(room(site, code, "10.0.0.1"))
    no = d.refuse_creation([], "10.0.0.1", 0.0)
    assert no is not None and no.reason == "rooms_per_address"
    assert no.text == "your address already has 3 rooms open on this server"
    assert d.refuse_creation([], "10.0.0.2", 0.0) is None


def test_an_address_creates_rooms_at_a_bounded_rate_and_its_budget_is_forgotten() -> None:
    config = ServerConfig(room_creations_per_minute=6, room_creation_burst=3)
    d = Directory(config)
    assert [d.refuse_creation([], "10.0.0.1", 0.0) for _ in range(3)] == [None] * 3
    no = d.refuse_creation([], "10.0.0.1", 0.0)
    assert no is not None and no.reason == "room_creation_rate"
    assert d.refuse_creation([], "10.0.0.2", 0.0) is None  # another address has its own
    assert d.refuse_creation([], "10.0.0.1", 10.0) is None  # 6 a minute: one every 10 s
    assert d.refuse_creation([], "10.0.0.1", 10.0) is not None
    d.prune(20.0)
    assert set(d._creations) == {"10.0.0.1"}  # .2 is full again, .1 not yet
    d.prune(40.0)
    assert d._creations == {}


def test_the_servers_room_limit_comes_first() -> None:
    config = ServerConfig(max_rooms=1)
    d, site = Directory(config), Site(config)
    d.add(room(site, "AAAAA", "10.0.0.9"))
    no = d.refuse_creation([], "10.0.0.1", 0.0)
    assert no is not None and no.reason == "server_rooms_full" and no.code == 503


def test_a_seat_holds_its_token_and_id_exactly_while_it_lasts() -> None:
    d, site = Directory(ServerConfig()), Site()
    r = room(site, "AAAAA")
    d.add(r)
    ids = [d.ids.take() for _ in range(3)]
    members = [Member(i, f"p{i}", None, new_token()) for i in ids]
    for m in members:
        r.add(m)
        d.seat(r.code, m)
        d.ids.release(m.id)  # its connection ends: the seat still holds the id
    assert len(d.tokens) == 3 and len(d.ids) == 3
    old = members[0].token
    members[0].token = new_token()  # a reconnect: a new token for the same seat
    del d.tokens[old]
    d.seat(r.code, members[0])
    assert len(d.tokens) == 3 and len(d.ids) == 3  # not held twice
    d.seat_ended(r.code, members[1], "its player left")
    assert members[1].token not in d.tokens and members[1].id not in d.ids
    assert d.why_ended(members[1].token) == "its player left"
    d.remove(r)  # the room closes: every seat it had ends
    assert d.tokens == {} and len(d.ids) == 0 and d.rooms == {}
    assert d.why_ended(members[2].token) == f"room {r.code} has closed"
    assert "unknown" in d.why_ended("never-given")
