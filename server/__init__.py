"""The authoritative Dreamlayer host (asyncio + websockets). Imports game.sim, game.net and
game.bots; never game.client.

    host.py        the websockets server, its connections and the janitor of lifetimes
    connection.py  one client: its Session, what it asked for, its writer
    directory.py   rooms by code, reconnect tokens, ids, room creation caps
    room.py        a room: roster, lobby, its nights; sees its host only as a `RoomSite`
    roster.py      the roster's rules (distinct names, where a newcomer sits)
    ticker.py      a room's fixed-rate schedule: lag, behind, pause
    lifetimes.py   how long a silent client or an empty room may last
    health.py      the /healthz and /metrics answers
    metrics.py     the Prometheus metrics (prometheus_client, a registry per host)
    ids.py         connection and member ids that cannot collide
    memory.py      handing closed rooms' memory back to the system
    config.py      the TOML configuration
"""
