"""The room's lobby and the Join screen: selectors that start from the player's real
choice and send CHOOSE only when changed, chat typed and shown, the public rooms listed
and joined with a click (a password asked for a locked room), and a solo night's ally
dreaming in the other realm."""

from __future__ import annotations

from typing import Any

import pygame
import pytest

from game.client.app import App
from game.net.records import LobbyPlayer
from game.net.schema import Kind
from game.remote import Remote
from game.sim.level import Realm
from tests.client.conftest import ServerThread, click, fake_online, frames, key, run_until, typed


def roster(realm: int, role: int, host: bool = False) -> dict[str, Any]:
    return {"code": "ABCDE", "title": "The First Retreat", "hazard": 1, "state": 0,
            "players": [LobbyPlayer(7, "Mira", 1, 1, False, False, not host, False, 10, 0),
                        LobbyPlayer(1, "Jade", realm, role, False, False, host, False, 30, 0),
                        LobbyPlayer(0, "Ally bot 1", 1, 2, True, True, False, False, 0, 0)]}


def test_the_selectors_show_the_real_choice_and_send_only_a_change(app: App) -> None:
    from game.client.lobby import LobbyScene

    online, link = fake_online(player=1)
    online.code = "ABCDE"
    online.lobby = roster(realm=2, role=2)
    lobby = LobbyScene(app, online)
    app.scene = lobby
    frames(app, pygame.event.Event(pygame.MOUSEMOTION, pos=(5, 5), rel=(0, 0), buttons=(0,)),
           key(pygame.K_DOWN), key(pygame.K_UP), n=3)
    assert [c.value for c in lobby.menu.choices[:2]] == ["Rest Zone", "Innovator"]
    assert Kind.CHOOSE not in link.kinds()
    assert "Start the night" not in [c.label for c in lobby.menu.choices]  # not the host
    frames(app, key(pygame.K_RIGHT))  # the realm selector is the first line
    assert link.sent == [(Kind.CHOOSE, {"realm": 1, "role": 2})]
    online.lobby = roster(realm=1, role=2, host=True)  # the server agrees; host passed on
    link.inbox.append(_lobby_message(online.lobby))
    frames(app, n=2)
    assert link.kinds() == [Kind.CHOOSE]
    assert "Start the night" in [c.label for c in lobby.menu.choices]


def _lobby_message(values: dict[str, Any]) -> Any:
    from game.net.schema import Message

    return Message(Kind.LOBBY, {"level": "first-retreat", "max_dreamers": 4, **values})


def test_lobby_chat_is_typed_and_shown(app: App) -> None:
    from game.client.lobby import LobbyScene
    from game.client.online import ChatLine

    online, link = fake_online(player=1)
    online.lobby = roster(realm=1, role=1)
    lobby = LobbyScene(app, online)
    app.scene = lobby
    frames(app, key(pygame.K_RETURN), typed("hello"), key(pygame.K_RETURN))
    assert (Kind.CHAT, {"text": "hello"}) in link.sent
    assert not lobby.chat.active
    online.chat.append(ChatLine("Mira", "welcome", 0.0))  # old lines stay in the lobby
    frames(app)
    assert lobby.menu.choices[2].label == "Ready"


@pytest.fixture
def rooms(server: ServerThread) -> list[Remote]:
    """Two public rooms on the test server, one of them locked ('moon')."""
    async def make() -> list[Remote]:
        out = []
        for password in ("", "moon"):
            r = await Remote.connect(server.url, "Mira")
            await r.create_room(password=password, bot_fill=False, level="first-retreat")
            out.append(r)
        return out

    made: list[Remote] = server.call(make())
    return made


def test_join_lists_the_public_rooms_and_joins_one_with_a_click(
        app: App, server: ServerThread, rooms: list[Remote]) -> None:
    from game.client.joining import JoinScene
    from game.client.lobby import LobbyScene

    join = JoinScene(app, address=server.url)
    run_until(app, join, lambda s: len(s.rooms) == 2)
    assert all("The First Retreat" in c.label for c in join.menu.choices[:2])
    locked = next(i for i, r in enumerate(join.rooms) if r.locked)
    frames(app, click(join.menu.rects[locked].center))
    assert join.password.active and "locked" in join.status
    assert isinstance(app.scene, JoinScene)
    frames(app, typed("moon"), key(pygame.K_RETURN))
    lobby = run_until(app, None, lambda s: isinstance(s, LobbyScene))
    assert lobby.online.code == join.rooms[locked].code
    assert join.lister is None  # the listing connection is closed


def test_refresh_asks_again(app: App, server: ServerThread) -> None:
    from game.client.joining import JoinScene

    join = JoinScene(app, address=server.url)
    run_until(app, join, lambda s: "No public rooms" in s.status)

    async def make() -> Remote:
        r = await Remote.connect(server.url, "Liam")
        await r.create_room(bot_fill=False)
        return r

    keep = server.call(make())
    refresh = next(i for i, c in enumerate(join.menu.choices) if c.key == "refresh")
    join.menu.selected = refresh
    frames(app, key(pygame.K_RETURN))
    run_until(app, None, lambda s: len(s.rooms) == 1)
    assert keep is not None


def test_a_solo_ally_dreams_in_the_other_realm(app: App) -> None:
    """The server seats the solo player first (the Sanctuary) and fills the rest with
    `lineup`, which alternates realms: the one ally is of the Rest Zones."""
    from game.client.solo import start_solo

    app.autopilot = True
    run_until(app, start_solo(app, "first-retreat", 1, 1),
              lambda s: app.online is not None and app.online.match is not None
              and len((app.online.lobby or {}).get("players", [])) == 2)
    assert app.online is not None and app.online.lobby is not None
    players: list[LobbyPlayer] = app.online.lobby["players"]
    me = next(p for p in players if p.player == app.online.player and not p.bot)
    ally = next(p for p in players if p.bot)
    assert (me.realm, ally.realm) == (Realm.SANCTUARY, Realm.REST)


def test_solo_offers_one_to_three_allies_and_says_why(app: App) -> None:
    from game.client.solo import SoloScene, start_solo

    solo = SoloScene(app)
    allies = next(c for c in solo.menu.choices if c.key == "allies")
    assert allies.values == ["1", "2", "3"] and allies.value == "1"
    assert next(c for c in solo.menu.choices if c.key == "hazard").value == "1"
    assert "both realms" in solo.WHY
    with pytest.raises(ValueError, match="1 to 3 ally bots"):
        start_solo(app, "first-retreat", 0, 1)
