"""The web page's HTTP side, without a browser: the static files and nothing else, the
status (public and admin), the level geometry, the admin actions and their refusals, and
bad input on the game's port (each refused clearly while the matches play on). Each test
that serves runs against a single process and against a host of two workers (the
supervisor answers the page for both: their rooms in one status, a kick or a close carried
out by the worker of the room, a drain that stops every worker)."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any, cast

import msgpack
import pytest
import websockets

from game.net.schema import PROTOCOL_VERSION, CloseCode
from game.remote import Remote
from game.retreats import load_retreat
from game.sim.tuning import Tuning
from game.sim.world import rift_radii
from server.config import ConfigError, ServerConfig, load_config
from server.host import Host
from server.status import LAST_NIGHTS, Chronicle, Night, Rates, merge
from server.webpage import CSP, FOLDER, STATIC, answer
from tests.server.conftest import Hosts, serve_and, until
from tests.web.conftest import (
    TOKEN,
    WORKERS,
    bearer,
    bot_match,
    finished,
    http,
    on_worker,
    port_of,
    slot_in,
    spectator,
    status_of,
    stopping,
    ticks_go_on,
)

TRAVERSALS = ["/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc%2fpasswd",
              "/index.html%00.js", "/\x00", "/vendor/../index.html", "/web/index.html",
              "//etc/passwd", "/index.html/", "/INDEX.HTML", "/page.js.map", "/vendor/",
              "/vendor/msgpack.min.js.map", "/../server/config.py", "/webpage.py"]


# ------------------------------------------------------------------ static files
def test_the_page_is_a_fixed_list_of_files_with_their_types() -> None:
    shipped = {str(p.relative_to(FOLDER)) for p in FOLDER.rglob("*") if p.is_file()}
    assert shipped == set(STATIC.values()), "every file in server/web is listed, and no other"
    types = {".html": "text/html", ".js": "text/javascript", ".css": "text/css",
             ".svg": "image/svg+xml", ".txt": "text/plain"}
    for path, name in STATIC.items():
        found = answer(path, {})
        assert found is not None
        status, body, headers = found
        assert status == 200 and body == (FOLDER / name).read_bytes()
        assert headers["Content-Type"].startswith(types[Path(name).suffix])
        assert headers["Content-Security-Policy"] == CSP
        assert headers["Cache-Control"] == "no-cache"
        again = answer(f"{path}?v=1", {"if-none-match": headers["ETag"]})
        assert again is not None and again[0] == 304 and again[1] == b""
    assert answer("/", {})[1] == (FOLDER / "index.html").read_bytes()  # type: ignore[index]
    assert "http" not in CSP and "*" not in CSP and "unsafe" not in CSP  # own origin only


@WORKERS
def test_no_path_outside_the_list_is_served(workers: int) -> None:
    for path in TRAVERSALS:
        assert answer(path, {}) is None, path

    async def go(host: Host, url: str) -> None:
        port = port_of(url)
        for path in TRAVERSALS:
            target = path.replace("\x00", "%00")
            code, headers, body = await http(port, target)
            assert code == 404, (path, code)
            assert b"root:" not in body and b"import" not in body
            assert headers["cache-control"] == "no-store"
        code, headers, body = await http(port, "/")
        assert code == 200 and b"<canvas" in body
        assert headers["content-security-policy"] == CSP
        again = await http(port, "/", {"If-None-Match": headers["etag"]})
        assert again[0] == 304 and again[2] == b"" and "content-length" not in again[1]

    serve_and(go, workers=workers)


def test_the_page_fetches_nothing_from_elsewhere() -> None:
    for name in STATIC.values():
        if name.startswith("vendor/"):
            continue
        text = (FOLDER / name).read_text()
        for line in text.splitlines():
            assert ("http://" not in line and "https://" not in line) or "w3.org" in line, \
                f"{name}: {line.strip()}"


# ------------------------------------------------------------------ status
@WORKERS
def test_the_status_shows_public_rooms_only_and_the_admin_sees_all(workers: int) -> None:
    async def go(host: Host, url: str) -> None:
        port = port_of(url)
        player, code, counter = await bot_match(url)
        locked = await Remote.connect(url, "Quiet One")
        secret = (await locked.create_room(password="moon"))["code"]
        hidden = await Remote.connect(url, "Unlisted")
        unlisted = (await hidden.create_room(public=False))["code"]
        await until(lambda: counter.snapshots > 3, "snapshots")
        public = await status_of(port)
        codes = [r["code"] for r in public["rooms"]]
        assert codes == [code]
        text = json.dumps(public)
        assert secret not in text and unlisted not in text and "Quiet One" not in text
        room = public["rooms"][0]
        assert room["phase"] in ("story", "playing") and room["retreat"] == "The First Retreat"
        assert room["private"] is False and len(room["meters"]) == 2
        assert all(0 <= m <= 100 for m in room["meters"]) and room["seconds_to_dawn"] > 0
        names = [p["name"] for p in room["players"]]
        assert names[0] == "Lucid Heron" and len(names) == 4  # the player and 3 ally bots
        me = room["players"][0]
        assert me["realm"] in ("Sleep Sanctuary", "Rest Zone") and me["role"] == "Architect"
        assert me["host"] and not me["bot"] and isinstance(me["ping_ms"], int)
        server = public["server"]
        assert server["rooms"] == 3 and server["connections"] == 3  # counts include all
        assert server["admin"] is False and server["version"]
        assert server["protocol"] == PROTOCOL_VERSION
        for key in ("uptime_seconds", "tick_ms", "tick_lag_ms_max", "bytes_out_per_s",
                    "bytes_in_per_s", "status"):
            assert key in server
        assert server["bytes_out_per_s"] > 0
        if workers > 1:  # the three rooms are spread over both workers, all in one status
            assert {slot_in(c, 2) for c in (code, secret, unlisted)} == {0, 1}
            assert [w["rooms"] for w in server["workers"]] in ([2, 1], [1, 2])
            assert all(w["pid"] for w in server["workers"])
        code401, _, _ = await http(port, "/admin/status")
        assert code401 == 401  # admin off: no admin view at all
        for r in (player, locked, hidden):
            await r.close()

    serve_and(go, workers=workers)

    async def admin(host: Host, url: str) -> None:
        port = port_of(url)
        held = await on_worker(url, workers, 1)  # (a private room on the second worker)
        locked = await Remote.connect(url, "Quiet One")
        secret = (await locked.create_room(password="moon"))["code"]
        assert slot_in(secret, workers) == min(workers - 1, 1)
        assert (await status_of(port))["rooms"] == []
        view = await status_of(port, "/admin/status", bearer())
        assert [(r["code"], r["private"]) for r in view["rooms"]] == [(secret, True)]
        assert view["server"]["admin"] is True
        for r in (locked, *held):
            await r.close()

    serve_and(admin, workers=workers, admin_token=TOKEN)


@WORKERS
def test_a_night_that_ends_is_listed_with_its_replay(workers: int) -> None:
    async def go(host: Host, url: str) -> None:
        port = port_of(url)
        held = await on_worker(url, workers, 1)
        player, code, _ = await bot_match(url)
        assert slot_in(code, workers) == min(workers - 1, 1)
        nights: list[dict[str, object]] = []

        async def ended() -> None:  # (asked at the page's own pace)
            while not nights:
                nights.extend((await status_of(port))["matches"])
                await asyncio.sleep(0.2)

        await asyncio.wait_for(ended(), 30)
        night = nights[0]
        assert night["room"] == code and night["players"] == ["Lucid Heron"]
        assert night["bots"] == 3 and night["outcome"] in ("sealed", "dawn", "fracture")
        seconds = night["seconds"]
        assert night["retreat"] == "The First Retreat"
        assert isinstance(seconds, (int, float)) and seconds > 0
        listed = [r["id"] for r in json.loads((await http(port, "/replays"))[2])]
        assert night["replay"] == f"/replays/{listed[0]}"
        status, _, body = await http(port, str(night["replay"]))
        assert status == 200 and len(body) > 100
        for r in (player, *held):
            await r.close()

    serve_and(go, night_seconds=2, workers=workers)


def test_the_nights_of_a_worker_that_died_stay_listed() -> None:
    async def go(host: Host, url: str) -> None:
        port = port_of(url)
        held = await on_worker(url, 2, 1)
        player, code, _ = await bot_match(url)
        assert slot_in(code, 2) == 1
        await until(lambda: status_has(port, code), "the night listed", 30, every=0.2)
        await player.close()
        assert isinstance(host, Hosts)
        supervisor = host.supervisor
        doomed = host.launcher.workers[1]
        doomed.kill()  # the worker that played it dies with its own list of nights
        await until(lambda: supervisor.restarts == 1 and host.launcher.workers[1] is not doomed
                    and supervisor.slots[1].ready.is_set(), "a replacement worker", 20)
        night = [n for n in (await status_of(port))["matches"] if n["room"] == code]
        assert len(night) == 1 and night[0]["players"] == ["Lucid Heron"]
        assert night[0]["replay"] is not None  # its replay is the host's: still there
        for r in held:
            await r.close()

    serve_and(go, night_seconds=2, workers=2)


async def status_has(port: int, code: str) -> bool:
    return any(n["room"] == code for n in (await status_of(port))["matches"])


def test_a_night_crosses_the_channel_and_the_chronicle_keeps_the_newest_first() -> None:
    def night(room: str, ended: float, private: bool = False) -> Night:
        return Night(ended, room, private, "first-retreat", "The First Retreat", "dawn", 1234,
                     300.0, ("Mira", "Jade"), 2, f"id-{room}")

    sent = night("AAAAA", 5.0)
    assert Night.of_fields(msgpack.unpackb(msgpack.packb(sent.fields()))) == sent
    for junk in (None, [1, 2], sent.fields()[:-1], [*sent.fields()[:8], 7, 2, ""],
                 [*sent.fields()[:6], "many", *sent.fields()[7:]]):
        with pytest.raises(ValueError, match="not a night"):
            Night.of_fields(junk)
    chronicle = Chronicle()
    for n in (sent, night("CCCCC", 9.0), night("BBBBB", 7.0, private=True)):  # out of order
        chronicle.add(n)
    assert [n["room"] for n in chronicle.matches(True, lambda rid: True)] == [
        "CCCCC", "BBBBB", "AAAAA"]
    shown = chronicle.matches(False, lambda rid: rid != "id-CCCCC")
    assert [(n["room"], n["replay"]) for n in shown] == [("CCCCC", None),
                                                         ("AAAAA", "/replays/id-AAAAA")]
    for k in range(LAST_NIGHTS):
        chronicle.add(night(f"N{k:04d}", 100.0 + k))
    assert len(chronicle.nights) == LAST_NIGHTS
    assert chronicle.nights[0].room == f"N{LAST_NIGHTS - 1:04d}"


def test_rates_and_merge() -> None:
    rates = Rates(start=0.0, window=10.0)
    assert rates.per_second(5.0, 500.0, 50.0) == (100.0, 10.0)
    for t in range(6, 40):
        rates.per_second(float(t), 100.0 * t, 10.0 * t)
    assert rates.per_second(40.0, 4000.0, 400.0) == (100.0, 10.0)  # the last 10 s

    def part(rooms: int, p99: float, code: str, ended: float) -> dict[str, object]:
        return {"server": {"rooms": rooms, "connections": rooms * 4, "playing": rooms,
                           "paused": 0, "dreamers": 4, "spectators": 0, "rooms_behind": 0,
                           "bytes_out_per_s": 10.0, "bytes_in_per_s": 1.0, "admin": True,
                           "tick_lag_ms_max": p99, "behind_seconds_max": 0.0,
                           "tick_ms": {"p50": 1.0, "p99": p99, "max": p99, "samples": 9}},
                "rooms": [{"code": code, "phase": "playing"}],
                "matches": [{"ended": ended, "room": code}]}

    both = merge([part(2, 3.0, "BBBBB", 5.0), part(1, 7.0, "AAAAA", 9.0)],
                 health={"workers": [{"pid": 1}, {"pid": 2}], "status": "ok"})
    s = both["server"]
    assert (s["rooms"], s["connections"], s["bytes_out_per_s"]) == (3, 12, 20.0)
    assert s["tick_ms"]["p99"] == 7.0 and s["tick_lag_ms_max"] == 7.0
    assert s["workers"] == [{"pid": 1}, {"pid": 2}] and s["admin"] is True
    assert [r["code"] for r in both["rooms"]] == ["AAAAA", "BBBBB"]
    assert [n["room"] for n in both["matches"]] == ["AAAAA", "BBBBB"]
    with pytest.raises(ValueError):
        merge([])


@WORKERS
def test_levels_geometry_for_clients_without_level_files(workers: int) -> None:
    async def go(host: Host, url: str) -> None:
        port = port_of(url)
        code, headers, body = await http(port, "/api/levels/first-retreat")
        assert code == 200 and headers["content-type"] == "application/json"
        got = json.loads(body)
        level = load_retreat("first-retreat")
        assert (got["cell_size"], got["width"], got["height"], got["chunk"]) == (
            level.cell_size, level.width, level.height, 16)
        assert [(r["x"], r["y"]) for r in got["rifts"]] == [(m.x, m.y) for m in level.rifts]
        assert [(r["core_radius"], r["seal_radius"]) for r in got["rifts"]] == [
            rift_radii(m.strength, Tuning()) for m in level.rifts]
        assert (await http(port, "/api/levels/../../etc/passwd"))[0] == 404
        assert (await http(port, "/api/levels/nowhere"))[0] == 404

    serve_and(go, workers=workers)


# ------------------------------------------------------------------ admin
def test_the_admin_token_is_off_by_default_long_and_never_shown() -> None:
    assert ServerConfig().admin_token == ""
    assert TOKEN not in repr(ServerConfig(admin_token=TOKEN))
    with pytest.raises(ConfigError, match=r"admin_token: must be at least 16 characters"):
        ServerConfig(admin_token="short")
    with pytest.raises(ConfigError) as e:
        ServerConfig(admin_token="a token with spaces in it")
    assert "got 5 other characters" in str(e.value) and "with spaces" not in str(e.value)


def test_a_config_file_sets_the_admin_token(tmp_path: Path) -> None:
    path = tmp_path / "server.toml"
    path.write_text(f'[admin]\ntoken = "{TOKEN}"\n')
    assert load_config(path).admin_token == TOKEN
    path.write_text('[admin]\ntoken = "0123"\n')
    with pytest.raises(ConfigError, match=r"server.toml: admin.token: must be at least 16"):
        load_config(path)
    path.write_text('[admin]\ntokn = "0123"\n')
    with pytest.raises(ConfigError, match=r"did you mean admin.token"):
        load_config(path)


@WORKERS
def test_admin_refuses_a_missing_or_wrong_token_with_401_logged_once(
        caplog: pytest.LogCaptureFixture, workers: int) -> None:
    async def go(host: Host, url: str) -> None:
        port = port_of(url)
        player, code, counter = await bot_match(url)
        await until(lambda: counter.snapshots > 2, "snapshots")
        refusals = [({}, "no Authorization header"),
                    (bearer("wrong-token-0123456789ab"), "wrong token"),
                    (bearer(TOKEN + "x"), "wrong token"),
                    (bearer(TOKEN[:-1]), "wrong token"),
                    ({"Authorization": f"Basic {TOKEN}"}, "is not 'Bearer TOKEN'"),
                    ({"Authorization": "Bearer"}, "is not 'Bearer TOKEN'")]
        for target in ("/admin/status", f"/admin/kick?room={code}&player=1",
                       f"/admin/close?room={code}", "/admin/drain", "/admin/nothing"):
            for headers, why in refusals:
                caplog.clear()
                status, got, body = await http(port, target, headers)
                assert status == 401, (target, headers)
                assert why in json.loads(body)["error"]
                assert got["www-authenticate"].startswith("Bearer")
                assert got["cache-control"] == "no-store"
                logged = [r for r in caplog.records if r.name == "dreamlayer.admin"]
                assert len(logged) == 1 and why in logged[0].getMessage()
                assert TOKEN not in logged[0].getMessage()
        assert host.metrics.value("dreamlayer_messages_rejected_total",
                                  reason="admin_refused") == 5 * len(refusals)
        assert code in host.rooms and not stopping(host)
        await ticks_go_on(counter)  # the night plays on
        await player.close()

    with caplog.at_level(logging.INFO):
        serve_and(go, workers=workers, admin_token=TOKEN)


@WORKERS
def test_admin_kicks_closes_and_drains(workers: int) -> None:
    async def go(host: Host, url: str) -> None:
        port = port_of(url)
        held = await on_worker(url, workers, 1)  # the first room on the second worker
        _, code, counter = await bot_match(url)
        assert slot_in(code, workers) == min(workers - 1, 1)
        watcher, watcher_id = await spectator(url, code)
        status, _, body = await http(port, f"/admin/kick?room={code}&player={watcher_id}",
                                     bearer())
        assert status == 200 and "kicked" in json.loads(body)["text"]
        await until(lambda: watcher.ended is not None, "the kicked spectator's close")
        assert watcher.ended is not None and watcher.ended.code == CloseCode.KICKED
        assert "admin" in str(watcher.ended)
        assert watcher_id not in host.rooms[code].members
        for target, expected in ((f"/admin/kick?room={code}&player=999", 404),
                                 (f"/admin/kick?room={code}&player=x", 400),
                                 ("/admin/kick?room=NOPE1&player=1", 404),
                                 ("/admin/kick?room=NOPE&player=1", 404),
                                 ("/admin/close?room=NOPE1", 404),
                                 ("/admin/teleport", 404),
                                 ("/admin/kick?a=1&b=2&c=3&d=4&e=5", 400)):
            assert (await http(port, target, bearer()))[0] == expected, target
        await ticks_go_on(counter)
        _, other_code, other_counter = await bot_match(url, "Second")
        if workers > 1:  # the second room on the other worker
            assert slot_in(other_code, workers) == 0
        status, _, _ = await http(port, f"/admin/close?room={other_code}", bearer())
        assert status == 200 and other_code not in host.rooms
        await until(lambda: other_counter.task.done(), "the closed room's player to go")
        await ticks_go_on(counter)  # the first room plays on
        status, _, body = await http(port, "/admin/drain", bearer())
        assert status == 200 and "shutting down" in json.loads(body)["text"]
        await asyncio.wait_for(finished(host).wait(), 15)
        await until(lambda: counter.task.done(), "the player's close")
        assert counter.remote.ws.close_code == CloseCode.GOING_AWAY
        assert stopping(host) and not host.rooms
        for r in held:
            await r.close()

    serve_and(go, workers=workers, admin_token=TOKEN)


def test_a_worker_that_gives_no_answer_is_left_out_and_not_waited_for() -> None:
    async def go(host: Host, url: str) -> None:
        port = port_of(url)
        held = await on_worker(url, 2, 1)
        player, code, _ = await bot_match(url)  # on worker 1
        assert slot_in(code, 2) == 1
        stuck = cast(Hosts, host).launcher.workers[1].worker.channel
        assert stuck is not None
        answers = stuck.on_message
        never: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def deaf(msg: dict[str, Any], socks: list[Any]) -> Any:
            return never if msg.get("t") == "order" else answers(msg, socks)

        stuck.on_message = deaf
        public = await status_of(port)  # after ASK_SECONDS, without worker 1
        assert public["server"]["status"] == "degraded" and public["rooms"] == []
        assert [w["status"] for w in public["server"]["workers"]] == ["ok", "no answer"]
        status, _, body = await http(port, f"/admin/close?room={code}", bearer())
        assert status == 503 and "did not answer" in json.loads(body)["error"]
        stuck.on_message = answers  # it answers again: the room was never touched
        assert [r["code"] for r in (await status_of(port))["rooms"]] == [code]
        never.cancel()
        for r in (player, *held):
            await r.close()

    serve_and(go, workers=2, admin_token=TOKEN)


# ------------------------------------------------------------------ bad input
@WORKERS
def test_bad_http_requests_are_refused_and_the_match_plays_on(workers: int) -> None:
    async def go(host: Host, url: str) -> None:
        port = port_of(url)
        player, code, counter = await bot_match(url)
        await until(lambda: counter.snapshots > 2, "snapshots")
        big_header = b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n"
        assert (await http(port, "", raw=big_header))[0] == 431
        many = b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(300))
        assert (await http(port, "", raw=many + b"\r\n"))[0] == 431
        # websockets refuses the long line with 414; the supervisor's door, the long head
        assert (await http(port, "/" + "a" * 10000))[0] == (414 if workers == 1 else 431)
        for method in ("POST", "PUT", "DELETE", "OPTIONS"):
            status, headers, _ = await http(port, "/admin/drain", bearer(), method)
            assert status in (400, 405), method  # 405 from us, 400 from websockets < 17
            assert status == 400 or headers["allow"] == "GET"
            if workers > 1:
                assert status == 405
        assert not stopping(host)
        for garbage in (b"GET / HTTP/1.1\r\nno colon here\r\n\r\n", b"GARBAGE\r\n\r\n"):
            status, _, body = await http(port, "", raw=garbage)
            # what websockets cannot parse it closes unanswered (it logs the failed
            # handshake); never served, never a crash
            assert status in (0, 400) and b"<html" not in body
        await ticks_go_on(counter)
        assert code in host.rooms
        await player.close()

    serve_and(go, workers=workers, admin_token=TOKEN)


@WORKERS
def test_a_spectator_socket_sending_garbage_is_closed_and_the_match_plays_on(
        workers: int) -> None:
    async def go(host: Host, url: str) -> None:
        player, code, counter = await bot_match(url)
        watcher = await Remote.connect(url, "Web spectator")
        await watcher.join_room(code, spectate=True)
        await watcher.ws.send(b"\xc1 not msgpack at all")
        with pytest.raises(websockets.ConnectionClosed) as closed:
            while True:
                await watcher.ws.recv()
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == CloseCode.MALFORMED
        await ticks_go_on(counter)
        assert code in host.rooms and counter.task.done() is False
        await player.close()

    serve_and(go, workers=workers)
