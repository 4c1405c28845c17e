"""Helpers for tests of players on a network: a bot player in its own room, and waiting on
a condition with a deadline."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from game.net.schema import Kind, Message
from game.remote import Line, Remote
from game.swarm import PlayerStats, play
from server.host import Host
from server.room import Member

__all__ = ["BotPlayer", "bot_playing"]


@dataclass
class BotPlayer:
    """A network bot playing its own room's match through `line`: what it measured, its
    play task, and its seat on the host."""

    line: Line
    stats: PlayerStats
    task: asyncio.Task[None]
    joined: Message
    member: Member

    async def stop(self) -> None:
        await self.line.close()
        await self.task


async def bot_playing(host: Host, url: str, name: str, *, ping: bool = True,
                      seed: int = 1) -> BotPlayer:
    """A bot that connects to `url` (the host or a proxy in front of it), creates a room of
    one, starts its match and plays it (`game.swarm.play`) until stopped. Without `ping`
    its link has no keepalive: only a closed connection ends it."""
    remote = await Remote.connect(url, name, ping_interval=2.0 if ping else None,
                                  ping_timeout=4.0 if ping else None)
    joined = await remote.create_room(max_dreamers=1, bot_fill=False)
    line = Line(remote, url, name, joined)
    await remote.send(Kind.START)
    stats = PlayerStats(name)
    task = asyncio.get_running_loop().create_task(play(line, stats, 600.0, seed=seed))
    member = host.rooms[joined["code"]].members[joined["player"]]
    return BotPlayer(line, stats, task, joined, member)
