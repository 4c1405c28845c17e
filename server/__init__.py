"""The authoritative Dreamlayer host (asyncio + websockets). Imports game.sim, game.net and
game.bots; never game.client.

    host.py        a host process: its connections, their lifecycle, the janitor
    seating.py     who sits where: create, join, reconnect, kick; rooms elsewhere
    gate.py        the websocket options, listening, or adopting a handed-over socket
    pages.py       the plain HTTP answers: /healthz, /metrics, /replays
    connection.py  one client: its Session, what it asked for, its writer
    directory.py   a process's rooms by code, reconnect tokens, ids
    registrar.py   who may open a room and its code, for the whole host (caps, claims)
    codes.py       room codes, and the worker slot each one names
    board.py       the Board: the rooms of the other processes (LocalBoard, NodeBoard)
    supervisor.py  a host with workers: one port, the door, routing, a dead worker's end
    worker.py      a worker process: a Host listening nowhere, fed over its channel
    channel.py     the supervisor-worker channel: messages and sockets (SOCK_SEQPACKET)
    door.py        peeking at a request head; what the supervisor writes on a socket
    relay.py       a client piped to the sibling worker that runs its room
    summary.py     the workers' health and metrics added up
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
