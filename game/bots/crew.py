"""The bot crew of one world: every ally bot, cadre member and Ethan, each with its policy.

`BotCrew.decide(world, events)` looks at the world once (a `WorldView`), asks every
bot-controlled entity's policy whose turn it is for its intent (ally bots every tick, the
cadre every `cadre.THINK` ticks, holding their intent in between), and returns them all
for `World.step()`. Cadre members get a policy when they appear and lose it when they
leave; ally bots are named with `add_ally()`: a full ally for a dropped player's dreamer
(it plays as they would), a companion (`companion=True`) for a seat no player took (it
supports the players).

Imports game.sim and the bots package.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from game.bots.ally import AllyPolicy, CompanionPolicy
from game.bots.cadre import CadrePolicy, EthanPolicy, Saboteur
from game.bots.nav import NavGrid
from game.bots.observation import Observation, PingSeen, WorldView, pings_from
from game.sim.events import Event
from game.sim.intent import Intent
from game.sim.world import World

__all__ = ["BotCrew", "Policy"]


class Policy(Protocol):
    def decide(self, obs: Observation) -> Intent: ...


class BotCrew:
    """Policies for one world's bot-controlled entities. Deterministic for a given seed."""

    def __init__(self, world: World, seed: int) -> None:
        self.nav = NavGrid.of(world.level)
        self.nav.bake()
        self.seed = seed
        self.allies: dict[int, Policy] = {}
        self.companions: set[int] = set()
        """the allies that play as companions (the rest stand in for players)"""
        self.cadre: dict[int, Saboteur] = {}
        self.pings: list[PingSeen] = []

    def _seed_for(self, entity: int) -> int:
        return (self.seed * 1_000_003 + entity * 7919) & 0xFFFFFFFF

    def add_ally(self, dreamer: int, companion: bool = False) -> None:
        """Let a bot play this dreamer (until `remove_ally`), replacing any bot it had.

        A full ally (the default) plays the whole map on its own: for a player who dropped,
        and for the bot matches that stand bots in for players. A companion
        (`companion=True`) is for a seat no player took: it follows the players (every
        dreamer that is not a companion, a full ally's included) and works with them, never
        for them; see `CompanionPolicy`. The same seed gives the same bot either way.
        """
        seed = self._seed_for(dreamer)
        if companion:
            self.companions.add(dreamer)
            self.allies[dreamer] = CompanionPolicy(dreamer, self.nav, seed, self.companions)
        else:
            self.companions.discard(dreamer)
            self.allies[dreamer] = AllyPolicy(dreamer, self.nav, seed)

    def remove_ally(self, dreamer: int) -> None:
        """Stop playing this dreamer (its player is back); unknown ids are ignored."""
        self.allies.pop(dreamer, None)
        self.companions.discard(dreamer)

    def decide(self, world: World, events: Iterable[Event] = ()) -> dict[int, Intent]:
        """Intents for every bot-controlled entity, given the events of the last tick."""
        self.pings = [*self.pings, *pings_from(events, world.tick)][-16:]
        for cid, c in world.cadre.items():
            if cid not in self.cadre:
                kind = EthanPolicy if c.is_ethan else CadrePolicy
                self.cadre[cid] = kind(cid, self.nav, self._seed_for(cid))
        for cid in [c for c in self.cadre if c not in world.cadre]:
            del self.cadre[cid]
        tick = world.tick
        thinking = [(cid, s) for cid, s in self.cadre.items() if s.turn(tick)]
        out: dict[int, Intent] = {}
        if thinking or self.allies:  # else nobody thinks this tick: no need to look
            view = WorldView.capture(world, self.pings)
            for did, policy in self.allies.items():
                if did in world.dreamers:
                    out[did] = policy.decide(view.observe(did))
            for cid, saboteur in thinking:
                saboteur.decide(view.observe(cid))
        for cid, saboteur in self.cadre.items():
            if saboteur.held is not None:  # (always: each thinks on its first tick)
                out[cid] = saboteur.held
        return out
