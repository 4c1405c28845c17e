"""Retreats as the menus name them: each level's title by its name, and the "Retreat"
choice of the solo and host screens (with or without the whole campaign).

Imports game.retreats and game.client.ui only.
"""

from __future__ import annotations

from game.client.ui import Choice
from game.retreats import campaign

__all__ = ["CAMPAIGN", "RetreatChoice", "retreat_titles"]

CAMPAIGN = "the whole campaign"
"""what the host's choice calls playing every retreat in turn (level name "")"""


def retreat_titles() -> dict[str, str]:
    """Every shipped retreat's title by its level name, in campaign order."""
    return {lv.name: lv.title for lv in campaign()}


class RetreatChoice:
    """The menus' "Retreat" line: `choice` cycles through the titles; `level(value)` is
    the level name of the title shown ("" for the whole campaign)."""

    def __init__(self, with_campaign: bool = False) -> None:
        self.titles = {"": CAMPAIGN, **retreat_titles()} if with_campaign \
            else retreat_titles()
        self.choice = Choice("Retreat", "level", list(self.titles.values()))

    def level(self, title: str) -> str:
        """The level name of `title` (as `choice.value` shows it). Raises KeyError for a
        title the choice does not offer."""
        for name, t in self.titles.items():
            if t == title:
                return name
        raise KeyError(title)
