"""The scenarios that ship with the engine: one per app, a raw fan-out, and idle players.

Each is a plain `engine.loadtest.Scenario`, written against `engine.loadtest.Group` only, as a
scenario for an app of one's own is.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..scenario import Scenario
from .fanout import FANOUT
from .idle import IDLE
from .lanrage import LANRAGE
from .liaptui import LIAPTUI
from .p2p import P2P
from .quipflip import QUIPFLIP
from .watchparty import WATCHPARTY

#: By name.
SCENARIOS: Mapping[str, Scenario] = {
    scenario.name: scenario
    for scenario in (LIAPTUI, WATCHPARTY, QUIPFLIP, P2P, LANRAGE, FANOUT, IDLE)
}
