"""The directory without sockets: tokens and ids that last exactly as long as their seats,
and the board entries of its rooms."""

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


def test_the_board_knows_every_open_room_and_lists_the_public_ones() -> None:
    d, site = Directory(ServerConfig()), Site()
    d.add(room(site, "AAAAA"))
    hidden = room(site, "BBBBB")
    hidden.public = False
    d.add(hidden)
    entries = {e.entry.code: e for e in d.board_entries()}
    assert set(entries) == {"AAAAA", "BBBBB"} and not entries["BBBBB"].public
    assert entries["AAAAA"].public and entries["AAAAA"].url == ""
    assert entries["AAAAA"].entry.level == "first-retreat"
