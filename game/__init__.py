"""Dreamlayer: everything a player's machine runs, and the shared rules.

Subpackages: `sim` (the deterministic dream layer), `net` (the protocol), `bots`
(policies), `client` (pygame). Modules: `tmx` (reading Tiled maps), `retreats` (the
catalogue of levels), `paths` (where levels and assets live), `cli` (the command).
"""

__version__ = "0.1.0"
