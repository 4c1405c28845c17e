"""The authoritative Dreamlayer host (asyncio + websockets): rooms, lobby, tick loop,
config, health and metrics. Imports game.sim, game.net and game.bots; never game.client.

The server itself is the next piece of work (see the issues); this package is its home.
"""
