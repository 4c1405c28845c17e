"""Rooms that outlive a crash: a host killed with SIGKILL mid-night leaves its rooms' cards
and replays; the host started again on the same folder takes the rooms up, the player comes
back with the same token into the same dreamer, and the night's replay verifies across the
crash. Real processes, real websockets on 127.0.0.1."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import shutil
import signal
from pathlib import Path

import pytest

from game.net.records import input_values
from game.net.schema import Kind
from game.paths import levels_dir
from game.remote import Remote, RemoteError, Seat, rejoin
from game.replay.verify import verify
from game.sim.intent import Intent
from server.codes import slot_of
from server.config import ServerConfig
from server.host import Host
from server.relay import SIBLING_RESTARTING
from server.spool import RoomCard, SeatCard, Spool
from tests.server.conftest import until
from tests.server.test_hosting import start
from tests.server.test_workers import HostProcess


async def play(remote: Remote, upto: int) -> int:
    """Send inputs (walk east, paint) until a snapshot of tick `upto`; the last tick, or -1
    when the match ended first (MATCH_END)."""
    seq, tick = 0, 0
    while tick < upto:
        msg = await remote.recv()
        if msg.kind is Kind.MATCH_END:
            return -1
        if msg.kind is Kind.SNAPSHOT:
            tick = msg["tick"]
            seq += 1
            await remote.send(Kind.INPUT, input_values(
                seq, Intent(move=(1.0, 0.0), aim=(1.0, 0.0), paint=True), tick))
    return tick


def _card(**changes: object) -> RoomCard:
    card = RoomCard("ABCDE", "pw", 4, True, 2, True, ("first-retreat",), 0, 1, 3, 12345,
                    "127.0.0.1", (SeatCard(3, "Jade", "tok", 0, 1, True, False, 1),),
                    ((2, "Ally bot 1"),), "night.dlreplay", 999_999_999)
    return RoomCard(**{**{f: getattr(card, f) for f in card.__slots__}, **changes})


def test_a_card_reads_back_as_written_and_only_orphans_are_taken(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "rooms")
    spool.save(_card())
    spool.save(_card(code="LIVE2", pid=os.getpid()))
    assert spool.orphans(lambda code: True, alive=lambda pid: False) == [_card()]
    assert spool.orphans(lambda code: code != "ABCDE", alive=lambda pid: False) == []
    assert spool.orphans(lambda code: True, alive=lambda pid: True) == []
    spool.drop("ABCDE")
    assert spool.orphans(lambda code: True, alive=lambda pid: False) == []


@pytest.mark.parametrize("data", [b"", b"\xc1", b"\x92\x01\x90", b"\x92\x07\x90",
                                  b"\x92\x01" + b"\x91" * 5000 + b"\x90" * 5000])
def test_a_damaged_card_is_set_aside_once_and_nothing_else(
        tmp_path: Path, data: bytes, caplog: pytest.LogCaptureFixture) -> None:
    spool = Spool(tmp_path)
    (tmp_path / "BADCD.room").write_bytes(data)
    spool.save(_card())
    with caplog.at_level(logging.ERROR, "dreamlayer.spool"):
        assert spool.orphans(lambda code: True, alive=lambda pid: False) == [_card()]
        assert spool.orphans(lambda code: True, alive=lambda pid: False) == [_card()]
    assert len(caplog.records) == 1 and "BADCD.room is not one" in caplog.text
    assert (tmp_path / "BADCD.bad").exists()


@pytest.mark.parametrize("checkpoint", ["kept", "damaged"])
def test_a_night_survives_the_kill_of_its_host(tmp_path: Path, checkpoint: str,
                                               caplog: pytest.LogCaptureFixture) -> None:
    """The host keeps a checkpoint every 150 ticks (5 s): the host taking the room up
    re-simulates only the ticks after it; a damaged one is set aside (logged) and the
    night re-simulated from its start. Either way the replay verifies across the crash."""
    replays = tmp_path / "replays"
    cfg = tmp_path / "server.toml"
    cfg.write_text(f'[server]\nworkers = 1\n[replays]\ndir = "{replays}"\n'
                   'checkpoint_seconds = 5\n[rooms]\nstory_seconds = 0\n')
    proc, port, _ = start("--config", str(cfg))
    caplog.set_level(logging.INFO, "dreamlayer")

    async def go() -> None:
        first = await Remote.connect(f"ws://127.0.0.1:{port}", "Jade")
        joined = await first.create_room(level="first-retreat", max_dreamers=2)
        frozen = replays / "rooms" / f"{joined['code']}.frozen"
        await first.send(Kind.START)
        dreamer = (await first.expect(Kind.MATCH_START))["dreamer"]
        crashed_at = await play(first, 190)
        await until(frozen.exists, "the checkpoint of tick 150 is kept", 10)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        first.abort()
        assert (replays / "rooms" / f"{joined['code']}.room").exists()
        if checkpoint == "damaged":
            data = bytearray(frozen.read_bytes())
            data[len(data) // 2] ^= 0xFF
            frozen.write_bytes(bytes(data))

        host = Host(ServerConfig(host="127.0.0.1", port=0, replays_dir=str(replays),
                                 story_seconds=0))
        await host.start()
        try:
            room = host.rooms[joined["code"]]
            resumed_at = room.world.tick if room.world else -1
            assert crashed_at - 60 <= resumed_at <= crashed_at  # at most 2 s lost
            taken = [r.getMessage() for r in caplog.records if "night taken up" in r.message]
            if checkpoint == "kept":
                assert len(taken) == 1 and taken[0].startswith(
                    f"room {joined['code']}: night taken up at tick {resumed_at}, "
                    f"{resumed_at - 150} ticks re-simulated from the checkpoint of tick 150 "
                ), taken
            else:
                assert f"{resumed_at} ticks re-simulated from the start" in taken[0], taken
                assert sum("checkpoint of tick 150 is not used" in r.message
                           for r in caplog.records) == 1
            assert room.paused  # nobody back yet: nothing runs
            back = await Remote.connect(f"ws://127.0.0.1:{host.port}", "Jade")
            again = await back.join_room(joined["code"], token=joined["token"])
            assert again["player"] == joined["player"]
            start_again = await back.expect(Kind.MATCH_START)
            assert start_again["dreamer"] == dreamer
            member = room.members[joined["player"]]
            assert member.connected and member.dreamer == dreamer
            await play(back, resumed_at + 100)
            await back.close()
        finally:
            await host.shutdown("test over")

    try:
        asyncio.run(asyncio.wait_for(go(), 90))
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    [replay] = replays.glob("*.dlreplay")
    v = verify(replay)
    assert v.match, v
    assert v.ticks >= 270  # verified beyond the crash, at a checkpoint after it


def test_a_replay_a_room_on_a_card_is_writing_is_never_pruned(tmp_path: Path) -> None:
    from game.replay.directory import ReplayDirectory

    spool = Spool(tmp_path / "rooms")
    spool.save(_card(replay="20260101-000000-first-retreat-aaaaaa.dlreplay"))
    folder = ReplayDirectory(tmp_path, keep=2, in_use=spool.replays_in_use)
    for name in ("20260101-000000-first-retreat-aaaaaa", "20260102-000000-x-bbbbbb",
                 "20260103-000000-x-cccccc"):
        (tmp_path / f"{name}.dlreplay").write_bytes(b"x")
        os.utime(tmp_path / f"{name}.dlreplay", (int(name[:8]), int(name[:8])))
    removed = folder.prune()
    assert sorted(p.name for p in removed) == ["20260102-000000-x-bbbbbb.dlreplay"]
    assert (tmp_path / "20260101-000000-first-retreat-aaaaaa.dlreplay").exists()


def short_retreats(folder: Path, seconds: int) -> Path:
    """A folder holding the First Retreat with a night of `seconds` (what a host's
    `server.levels` serves, in every worker)."""
    folder.mkdir()
    tmx = (levels_dir() / "first-retreat.tmx").read_text(encoding="utf-8")
    short = re.sub(r'(name="night_seconds" type="int" value=")\d+"', rf'\g<1>{seconds}"', tmx)
    assert short != tmx
    (folder / "first-retreat.tmx").write_text(short, encoding="utf-8")
    shutil.copy(levels_dir() / "dreamlayer.tsx", folder)  # its tileset, beside it
    return folder


def test_a_room_of_a_killed_worker_is_taken_up_by_its_replacement(tmp_path: Path) -> None:
    """The player comes back with its token after the worker running its room was killed,
    plays the night to its end, and the night's replay verifies from start to END."""
    retreats = short_retreats(tmp_path / "retreats", 20)
    host = HostProcess(tmp_path, f'[server]\nworkers = 2\nlevels = "{retreats}"\n'
                                 '[rooms]\nstory_seconds = 0\n'
                                 '[replays]\ncheckpoint_seconds = 5\n')

    async def go() -> None:
        first = await Remote.connect(host.url, "Jade")
        joined = await first.create_room(level="first-retreat", max_dreamers=2)
        await first.send(Kind.START)
        dreamer = (await first.expect(Kind.MATCH_START))["dreamer"]
        crashed_at = await play(first, 160)
        frozen = tmp_path / "replays" / "rooms" / f"{joined['code']}.frozen"
        await until(frozen.exists, "the checkpoint of tick 150 is kept", 10)
        slot = slot_of(joined["code"], 2)
        assert slot is not None
        victim = (await host.pids())[slot]
        assert victim is not None
        os.kill(victim, signal.SIGKILL)
        with pytest.raises(RemoteError) as err:
            while True:
                await first.recv()
        assert err.value.code == 1011 and not err.value.final
        assert SIBLING_RESTARTING in str(err.value)
        # the player's client comes back as after any drop, with its token to the room's
        # code: the replacement worker has taken the room up
        back, again = await rejoin(Seat(host.url, "Jade", joined["code"], joined["token"], 30))
        assert again["player"] == joined["player"]
        assert (await back.expect(Kind.MATCH_START))["dreamer"] == dreamer
        tick = await play(back, 1)
        assert crashed_at - 60 <= tick  # at most two seconds of the night lost
        ended = await play(back, 10**9)  # to the night's end (20 s: 600 ticks)
        assert ended == -1
        await back.close()

    try:
        asyncio.run(asyncio.wait_for(go(), 90))
    finally:
        assert host.stop() == 0, host.log.read_text()[-3000:]
    log = host.log.read_text()
    assert log.count("taken up after its process stopped") == 1, log[-3000:]
    assert "ticks re-simulated from the checkpoint of tick 150" in log, log[-3000:]
    [replay] = (tmp_path / "replays").glob("*.dlreplay")
    # the whole night, the killed worker's ticks then its replacement's, on the map it used
    v = verify(replay, retreats / "first-retreat.tmx")
    assert v.match and not v.note, v
    assert v.ticks > 160, v  # to its END (no note), past the crash
