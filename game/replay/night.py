"""One night as a replay sees it: the world, its bot crew, and who plays each seat.

`Night` rebuilds a recorded night's world from its header and then moves the way the
room moved it: `seat()` applies a roster change exactly as the room made it (a dreamer
joining, a seat handed to an ally bot or taken back by a person, a dreamer leaving), and
`step(people)` plays one tick: the crew decides for the cadre, Ethan and the ally bots,
the people's inputs are applied over that, the world steps. The recorder of a headless
match drives the same object, so recording and replaying cannot drift apart.

Imports game.sim, game.bots and the replay's header and inputs.
"""

from __future__ import annotations

from collections.abc import Mapping

from game.bots.crew import BotCrew
from game.replay.header import Control, ReplayHeader, Seat
from game.replay.inputs import PersonInput
from game.sim.events import Event
from game.sim.level import Level
from game.sim.world import World

__all__ = ["Night", "SeatingError"]


class SeatingError(ValueError):
    """A roster change that does not fit the night (a dreamer id that comes out otherwise
    than recorded, a change for a seat that does not exist)."""


class Night:
    """A night's world and crew, seated as `header` says (see the module docstring)."""

    def __init__(self, level: Level, header: ReplayHeader) -> None:
        """Raises SeatingError if the header's seats do not fit the world."""
        self.world = World(level, header.seed, hazard=header.hazard,
                           night_seconds=header.night_seconds)
        self.crew = BotCrew(self.world, header.bot_seed)
        self.seats: dict[int, Seat] = {}
        self.people: set[int] = set()
        """dreamers a person plays: `step()` wants their inputs"""
        self.events: list[Event] = []
        """the events of the last tick"""
        for seat in header.seats:
            self.seat(seat)

    @classmethod
    def as_played(cls, world: World, crew: BotCrew, seats: Mapping[int, Seat],
                  events: list[Event]) -> Night:
        """The night a room plays with its own `world` and `crew` (shared, not copied),
        seated as `seats` (every dreamer's last roster change, as recorded) and with
        `events` the last tick's: what a checkpoint freezes."""
        night = cls.__new__(cls)
        night.world, night.crew, night.events = world, crew, events
        night.seats = dict(seats)
        night.people = {did for did, s in seats.items() if s.control is Control.PERSON}
        return night

    def seat(self, seat: Seat) -> None:
        """Apply one roster change, as the room made it:

        - a dreamer not seated before joins the dream (`World.add_dreamer`; its id must
          come out as `seat.dreamer`);
        - BOT: an ally bot plays it (`BotCrew.add_ally`: a fresh bot each time);
        - PERSON: a person plays it (`BotCrew.remove_ally`);
        - GONE: it leaves the dream (`World.remove_dreamer`).

        Raises SeatingError for a change that does not fit.
        """
        world, crew, did = self.world, self.crew, seat.dreamer
        if did not in self.seats:
            if seat.control is Control.GONE:
                raise SeatingError(f"dreamer {did} leaves without having joined")
            got = world.add_dreamer(seat.realm, seat.role, seat.name)
            if got != did:
                world.remove_dreamer(got)
                raise SeatingError(f"dreamer {did} ({seat.name}) came into the dream as "
                                   f"entity {got}: the roster does not match the world")
        elif self.seats[did].control is Control.GONE:
            raise SeatingError(f"dreamer {did} changes seat after leaving the dream")
        self.seats[did] = seat
        if seat.control is Control.PERSON:
            crew.remove_ally(did)
            self.people.add(did)
        elif seat.control in (Control.BOT, Control.COMPANION):
            crew.add_ally(did, companion=seat.control is Control.COMPANION)
            self.people.discard(did)
        else:
            world.remove_dreamer(did)
            crew.remove_ally(did)
            self.people.discard(did)

    def step(self, people: Mapping[int, PersonInput]) -> list[Event]:
        """Play one tick with these people's inputs (one per dreamer in `people`, the set);
        returns the tick's events."""
        intents = self.crew.decide(self.world, self.events)
        for did, inp in people.items():
            intents[did] = inp.intent()
        self.events = self.world.step(intents)
        return self.events
