"""The words that teach the game: the rules and the controls, as the player has bound them.

One place for this text, so the F1 overlay, the story card and the Settings screen say the
same thing. The strike count comes from `Tuning`, so the rules cannot drift from the game.

Imports game.sim.tuning only (no pygame: key names are the bindings' own strings).
"""

from __future__ import annotations

from collections.abc import Mapping

from game.sim.tuning import Tuning

__all__ = ["RULES", "controls", "controls_line", "key_label"]

_STRIKES = Tuning().distort_strikes_to_sleep
_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}

RULES: tuple[tuple[str, str], ...] = (
    ("Mosaic needs both realms",
     "Paint with your brush. Where Sanctuary gold and Rest Zone teal touch, the dream turns "
     "to mosaic, which the nightmare cannot hold: only dreamers of both realms make it."),
    ("Rifts",
     "Rifts pour out nightmare and surge now and then. Hold a ring of dream or mosaic "
     "around a rift for a few seconds and it seals. A team of more than two faces a "
     "harder night: stubborner rifts, and cadre whose trail breaks even mosaic."),
    ("Ethan's cadre",
     f"The cadre spread nightmare and distort dreamers near them. "
     f"{_WORDS.get(_STRIKES, str(_STRIKES)).capitalize()} distortions put you to sleep; "
     "paint around a sleeping teammate to wake them."),
    ("Awakening",
     "A cadre member standing on mosaic, or caught between dreamers of both realms, "
     "awakens and leaves the dream."),
    ("Ethan Lynx",
     "From the second retreat on, Ethan hijacks a wide region and calls more cadre. Shove "
     "him, and ring him with mosaic or rally around him from both realms to drive him out."),
    ("The unity meters",
     "One per realm, shared by everyone: nightmare on a realm's districts drains its meter. "
     "If either collapses the dream fractures. Seal every rift, or reach dawn with both "
     "meters standing."),
)
"""(heading, paragraph) in the order a new player needs them"""

_NAMES = {"return": "Enter", "space": "Space", "left shift": "Left Shift",
          "right shift": "Right Shift", "escape": "Escape", "tab": "Tab",
          "left ctrl": "Left Ctrl", "right ctrl": "Right Ctrl", "backspace": "Backspace"}


def key_label(name: str) -> str:
    """How a bound key is written for a player: 'w' -> 'W', 'return' -> 'Enter'."""
    if name in _NAMES:
        return _NAMES[name]
    if len(name) <= 3:
        return name.upper()
    return name.title()


def controls(keys: Mapping[str, str]) -> list[tuple[str, str]]:
    """(what, keys) for every control, from the player's bindings."""
    def k(action: str) -> str:
        return key_label(keys.get(action, "?"))

    return [
        ("move", f"{k('up')} {k('left')} {k('down')} {k('right')}"),
        ("paint", "left mouse (the brush follows the mouse)"),
        ("ability", k("ability")),
        ("shove", f"{k('shove')} / right mouse"),
        ("pings", f"{k('ping_nightmare')} nightmare here, {k('ping_help')} help me, "
                  f"{k('ping_rift')} rift"),
        ("emote", f"{k('emote')} together!"),
        ("chat", k("chat")),
        ("controls & rules", "F1 or ?"),
        ("pause", "Escape"),
        ("fullscreen", k("fullscreen")),
        ("net stats", k("netstats")),
    ]


def controls_line(keys: Mapping[str, str]) -> str:
    """The controls in one compact line (the story card, the Settings screen)."""
    k = {a: key_label(keys.get(a, "?")) for a in ("up", "left", "down", "right", "ability",
                                                  "shove", "chat")}
    moves = [k["up"], k["left"], k["down"], k["right"]]
    move = "".join(moves) if all(len(m) == 1 for m in moves) else "/".join(moves)
    return " · ".join((f"move {move}", "paint: left mouse", f"ability: {k['ability']}",
                       f"shove: {k['shove']}", f"chat: {k['chat']}", "controls & rules: F1"))
