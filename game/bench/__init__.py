"""The benchmarks behind `dreamlayer bench` (and `dreamlayer balance`): they print numbers
and never fail a test run.

`game.bench.sim` times the simulation's tick and the bots, `game.bench.net` the network
budgets (its loaded host in `game.bench.load`, on a `game.bench.host` subprocess). This
package imports nothing itself, so importing one benchmark never pulls in another's
dependencies (the network one needs websockets and the server).
"""

from __future__ import annotations
