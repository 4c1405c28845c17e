"""Every night a host plays is recorded, listed and served, and the file it serves verifies:
real host, network bots over real websockets on 127.0.0.1, a short night, a temporary
replay folder."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from game.net.records import input_values
from game.net.schema import Kind, Message
from game.remote import Line, Remote
from game.replay.format import BlockWriter
from game.replay.summary import describe
from game.replay.verify import verify
from game.sim.intent import Intent
from game.swarm import PlayerStats, play
from server.host import Host
from tests.proxy import Proxy
from tests.server.conftest import serve_and, until
from tests.server.netplay import bot_playing


async def http_get(port: int, path: str) -> tuple[int, dict[str, str], bytes]:
    """One plain HTTP GET on the game's port: status, headers (lower-case), body."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    await writer.drain()
    head = (await reader.readuntil(b"\r\n\r\n")).decode()
    headers = {k.lower(): v.strip() for k, v in
               (line.split(":", 1) for line in head.split("\r\n")[1:] if ":" in line)}
    body = await reader.readexactly(int(headers["content-length"]))
    writer.close()
    return int(head.split()[1]), headers, body


async def listed(host: Host) -> list[dict[str, Any]]:
    status, headers, body = await http_get(host.port, "/replays")
    assert status == 200 and headers["content-type"] == "application/json"
    result: list[dict[str, Any]] = json.loads(body)
    return result


async def fetched(host: Host, replay_id: str, into: Path) -> Path:
    """GET /replays/ID, saved as a file of its own (not the host's)."""
    status, headers, body = await http_get(host.port, f"/replays/{replay_id}")
    assert status == 200
    assert headers["content-type"] == "application/octet-stream"
    assert headers["content-disposition"] == f'attachment; filename="{replay_id}.dlreplay"'
    path = into / f"fetched-{replay_id}.dlreplay"
    path.write_bytes(body)
    return path


async def a_night(url: str, level: str) -> tuple[Remote, Message]:
    """A player alone in a bot-filled room of `level` plays one night; its MATCH_END."""
    r = await Remote.connect(url, "Mira")
    await r.create_room(level=level, bot_fill=True)
    return r, await again(r)


async def again(r: Remote) -> Message:
    """The room's host starts the next night and closes its story card; the MATCH_END."""
    await r.send(Kind.START)
    await r.expect(Kind.MATCH_START)
    await r.send(Kind.INPUT, input_values(1, Intent(), 0))
    return await r.expect(Kind.MATCH_END)


class Player:
    """A network bot (`game.swarm.play`) in a room, until stopped."""

    def __init__(self, line: Line, joined: Any, seed: int) -> None:
        self.line, self.joined = line, joined
        self.stats = PlayerStats(line.name)
        self.stop_now = asyncio.Event()
        self.task = asyncio.get_running_loop().create_task(
            play(line, self.stats, 600.0, seed=seed, stop=self.stop_now))

    @classmethod
    async def create(cls, url: str, name: str, **room: Any) -> Player:
        remote = await Remote.connect(url, name)
        joined = await remote.create_room(**room)
        await remote.send(Kind.START)
        return cls(Line(remote, url, name, joined), joined, seed=1)

    @classmethod
    async def join(cls, url: str, name: str, code: str) -> Player:
        remote = await Remote.connect(url, name)
        joined = await remote.join_room(code)
        return cls(Line(remote, url, name, joined), joined, seed=2)

    async def stop(self) -> None:
        self.stop_now.set()
        await self.task
        await self.line.close()


def test_a_night_played_over_the_network_is_listed_served_and_verifies(
        tmp_path: Path) -> None:
    async def go(host: Host, url: str) -> None:
        jade = await Player.create(url, "Jade", max_dreamers=4, bot_fill=True)
        room = host.rooms[jade.joined["code"]]
        await until(lambda: room.world is not None and room.world.tick > 30, "the night under way",
                    30)
        # a newcomer takes an ally bot's seat mid-night, talks, and leaves again
        liam = await Player.join(url, "Liam", room.code)
        await until(lambda: liam.stats.inputs > 20, "Liam playing", 30)
        await liam.line.send(Kind.CHAT, {"text": "follow me to the rift"})
        await liam.line.send(Kind.EMOTE)
        await jade.line.send(Kind.CHAT, {"text": "on my way"})
        await until(lambda: room.world is not None and room.world.tick > 120, "more play", 30)
        await liam.line.send(Kind.LEAVE)
        await liam.stop()
        await until(lambda: jade.stats.outcomes, "the night's end", 60)
        await jade.stop()

        [entry] = await listed(host)
        assert entry["level"] == room.levels[0].name
        assert entry["outcome"] in ("sealed", "dawn", "fracture")
        assert entry["players"] == ["Jade", "Liam"]
        assert entry["size"] > 0 and entry["date"]
        path = await fetched(host, entry["id"], tmp_path)
        summary = describe(path)
        assert summary.chat_lines == 2 and summary.emotes == 1
        assert summary.roster_changes == 2  # Liam takes a bot's seat, an ally takes it back
        verdict = verify(path)
        assert verdict.match, verdict
        assert verdict.ticks == summary.ticks == 10 * 30

    serve_and(go, night_seconds=10, replays_dir=str(tmp_path / "replays"))


def test_a_player_who_drops_and_comes_back_mid_night_still_verifies(tmp_path: Path) -> None:
    async def go(host: Host, url: str) -> None:
        proxy = await Proxy(host.port).start()
        try:
            bot = await bot_playing(host, proxy.url, "Jade")
            member = bot.member
            await until(lambda: member.last_seq > 10, "playing", 20)
            proxy.cut()
            await until(lambda: not member.connected, "the seat held for Jade", 20)
            proxy.restore()
            await until(lambda: bot.line.reconnects == 1 and member.connected,
                        "Jade back in the night", 20)
            await until(lambda: bot.stats.outcomes, "the night's end", 60)
            await bot.stop()
        finally:
            await proxy.close()
        [entry] = await listed(host)
        path = await fetched(host, entry["id"], tmp_path)
        assert describe(path).roster_changes == 2  # an ally bot held the seat, Jade took it
        verdict = verify(path)
        assert verdict.match, verdict

    serve_and(go, night_seconds=12, replays_dir=str(tmp_path / "replays"))


def test_the_host_keeps_only_its_last_replays(tmp_path: Path) -> None:
    folder = tmp_path / "replays"

    async def go(host: Host, url: str) -> None:
        r, _ = await a_night(url, host.levels[1].name)
        for _ in range(2):
            await r.expect(Kind.LOBBY)
            await again(r)
        entries = await listed(host)
        assert len(entries) == 2 == len(list(folder.glob("*.dlreplay")))
        assert all(e["outcome"] != "unfinished" for e in entries)
        await r.close()

    serve_and(go, night_seconds=1, replays_dir=str(folder), replays_keep=2)


@pytest.mark.parametrize("target", ["/replays/nope", "/replays/..%2F..%2Fetc%2Fpasswd",
                                    "/replays/../server.toml", "/replays/a/b", "/replays/.x"])
def test_an_unknown_or_malformed_replay_id_is_a_404_that_says_why(
        tmp_path: Path, target: str) -> None:
    async def go(host: Host, url: str) -> None:
        (tmp_path / "secret.dlreplay").write_bytes(b"not for you")
        status, headers, body = await http_get(host.port, target)
        assert status == 404 and headers["content-type"].startswith("text/plain")
        assert b"no replay with id" in body and b"GET /replays lists them" in body

    serve_and(go, replays_dir=str(tmp_path / "replays"))


def test_an_unwritable_replay_folder_is_logged_once_and_the_night_plays_on(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")

    async def go(host: Host, url: str) -> None:
        r, _ = await a_night(url, host.levels[1].name)
        assert await listed(host) == []
        await r.close()

    with caplog.at_level(logging.ERROR, logger="dreamlayer.replays"):
        serve_and(go, night_seconds=1, replays_dir=str(blocked / "replays"))
    errors = [r for r in caplog.records if r.name == "dreamlayer.replays"]
    assert len(errors) == 1 and "cannot create a replay" in errors[0].getMessage()


def test_a_recording_that_fails_mid_night_is_logged_once_and_the_night_plays_on(
        tmp_path: Path, caplog: pytest.LogCaptureFixture,
        monkeypatch: pytest.MonkeyPatch) -> None:
    write = BlockWriter.write
    blocks = [0]

    def full_disk(self: BlockWriter, records: Any) -> None:
        blocks[0] += 1
        if blocks[0] > 2:  # the disk fills after the first checkpoint
            raise OSError(28, "No space left on device")
        write(self, records)

    monkeypatch.setattr(BlockWriter, "write", full_disk)

    async def go(host: Host, url: str) -> None:
        r, end = await a_night(url, host.levels[1].name)
        assert end["ticks"] == 8 * 30  # the whole night was played
        [entry] = await listed(host)
        assert entry["outcome"] == "unfinished"  # the file ends where the disk filled
        verdict = verify(await fetched(host, entry["id"], tmp_path))
        assert verdict.match and verdict.note
        await r.close()

    with caplog.at_level(logging.ERROR, logger="dreamlayer.replays"):
        serve_and(go, night_seconds=8, replays_dir=str(tmp_path / "replays"))
    errors = [r for r in caplog.records if r.name == "dreamlayer.replays"]
    assert len(errors) == 1 and "No space left on device" in errors[0].getMessage()
    assert "the night plays on" in errors[0].getMessage()


def test_a_host_with_replays_off_writes_none(tmp_path: Path) -> None:
    async def go(host: Host, url: str) -> None:
        r, _ = await a_night(url, host.levels[1].name)
        assert await listed(host) == []
        await r.close()

    serve_and(go, night_seconds=1, replays_dir=str(tmp_path / "replays"),
              replays_enabled=False)
    assert not (tmp_path / "replays").exists()


def test_the_list_names_a_public_rooms_code_never_a_private_ones_and_the_end_its_replay(
        tmp_path: Path) -> None:
    async def go(host: Host, url: str) -> None:
        for password, public in (("", True), ("secret", True), ("", False)):
            r = await Remote.connect(url, "Mira")
            joined = await r.create_room(level="first-retreat", bot_fill=True,
                                         password=password, public=public)
            end = await again(r)
            await r.close()
            entries = await listed(host)
            assert entries[0]["room"] == (joined["code"] if public and not password else "")
            assert end["replay"] == entries[0]["id"]  # the night's end names its replay

    serve_and(go, night_seconds=2, replays_dir=str(tmp_path / "replays"))
