"""The Dreamlayer protocol, sans I/O: the message schema (`schema`), the per-connection
`Session` with its phases (`session`), and snapshot deltas (`snapshot`).

Imports msgpack, numpy and game.sim; never asyncio, websockets or pygame. The protocol is
documented for other client writers in PROTOCOL.md next to this file.
"""

from __future__ import annotations

from game.net.schema import PROTOCOL_VERSION, CloseCode, Kind, Message, ProtocolError
from game.net.session import Phase, Session, Side

__all__ = ["PROTOCOL_VERSION", "CloseCode", "Kind", "Message", "Phase", "ProtocolError",
           "Session", "Side"]
