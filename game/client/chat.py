"""The one-line chat entry of the lobby and the match, and which chat lines are still fresh.

The "chat" key opens the entry; typed text goes into it (never to the controls), Enter
sends it, Escape or an empty Enter closes it. The scene that owns an entry sends what
`handle()` returns with `link.send(Kind.CHAT, {"text": ...})`.

Imports pygame and game.client.ui, game.client.online (for ChatLine) only.
"""

from __future__ import annotations

from collections.abc import Iterable

import pygame

from game.client.online import ChatLine
from game.client.ui import GOLD, INK, MUTED, font, shade, text

__all__ = ["FRESH_SECONDS", "ChatEntry", "fresh_lines", "line_text"]

FRESH_SECONDS = 6.0
"""how long a chat line or an emote stays on the match screen"""

_LIMIT = 200
"""the server's longest chat text (game.net.schema TEXT)"""


def fresh_lines(lines: Iterable[ChatLine], now: float,
                seconds: float = FRESH_SECONDS) -> list[ChatLine]:
    """The lines younger than `seconds` at `now` (time.monotonic()), oldest first."""
    return [line for line in lines if now - line.at < seconds]


def line_text(line: ChatLine) -> str:
    """A chat line as shown: 'Name: text', or the game's own text alone."""
    return f"{line.name}: {line.text}" if line.name else line.text


class ChatEntry:
    """A chat line being typed: closed until `open()`."""

    def __init__(self) -> None:
        self.active = False
        self.value = ""
        self._skip = ""
        """the text of the key that opened the entry, if it types one: not part of it"""

    def open(self, opened_by: str = "") -> None:
        """Start typing; `opened_by` is the opening key's text (a chat key bound to a letter
        would otherwise type that letter first)."""
        self.active, self.value, self._skip = True, "", opened_by
        pygame.key.start_text_input()

    def close(self) -> None:
        self.active, self.value, self._skip = False, "", ""

    def handle(self, ev: pygame.event.Event) -> str | None:
        """Take one event while open. Returns the text to send when Enter is pressed on a
        non-empty line (the entry closes), else None."""
        if not self.active:
            return None
        if ev.type == pygame.TEXTINPUT:
            typed = ev.text
            if self._skip and typed == self._skip:
                typed = ""
            self._skip = ""
            self.value = (self.value + typed)[:_LIMIT]
        elif ev.type == pygame.KEYDOWN:
            self._skip = ""
            if ev.key == pygame.K_ESCAPE:
                self.close()
            elif ev.key == pygame.K_BACKSPACE:
                self.value = self.value[:-1]
            elif ev.key in (pygame.K_RETURN, pygame.K_KP_ENTER):
                said = self.value.strip()
                self.close()
                return said or None
        return None

    def draw(self, surface: pygame.Surface, bottom: int, hint: str = "") -> None:
        """The entry line, centred, ending at `bottom` (or, closed, a hint such as
        'Enter: chat' at the left)."""
        w = surface.get_width()
        if not self.active:
            if hint:
                text(surface, hint, 22, (16, bottom - 24), MUTED)
            return
        box_w = min(w - 24, 760)
        box = pygame.Rect((w - box_w) // 2, bottom - 36, box_w, 30)
        shade(surface, box, 220)
        pygame.draw.rect(surface, GOLD, box, 2, border_radius=6)
        shown = f"say: {self.value}_"
        while len(shown) > 6 and font(26).size(shown)[0] > box.w - 16:
            shown = "..." + shown[4:]
        text(surface, shown, 26, (box.x + 8, box.y + 6), INK)
