"""Bot policies: from an `Observation` (what a player could see) to an `Intent`.

`AllyPolicy` plays a dreamer, `CompanionPolicy` supports the players from a seat they left
empty, `CadrePolicy` and `EthanPolicy` play the saboteurs, and
`BotCrew` runs them all for one world. Imports game.sim only (never net, server or client).
"""

from __future__ import annotations

from game.bots.ally import AllyPolicy, CompanionPolicy
from game.bots.cadre import CadrePolicy, EthanPolicy
from game.bots.crew import BotCrew
from game.bots.nav import NavGrid
from game.bots.observation import Observation, WorldView

__all__ = ["AllyPolicy", "BotCrew", "CadrePolicy", "CompanionPolicy", "EthanPolicy", "NavGrid",
           "Observation", "WorldView"]
