"""``party-engine loadtest``: simulated players against a server, and what they saw.

A `Scenario` says what one group of players does (a table playing a game, a party from lobby
to results); a `Plan` says how many players play it against which server, for how long and how
fast; `run_load` runs the plan and returns a `Report` (throughput, errors by kind, latency
percentiles per action, the time series, the generator's own load). The scenarios that ship
with the engine are in `SCENARIOS`; see docs/loadtest.md for writing one for your own app.
"""

from .group import ActionFailed, Connection, Group, Pace
from .histogram import Histogram
from .report import ActionFigures, Report, compare
from .run import Progress, WorkerFailed, run_load
from .scenario import Plan, Scenario, load_scenario
from .scenarios import SCENARIOS
from .target import RemoteTargetRefused

__all__ = [
    "SCENARIOS",
    "ActionFailed",
    "ActionFigures",
    "Connection",
    "Group",
    "Histogram",
    "Pace",
    "Plan",
    "Progress",
    "RemoteTargetRefused",
    "Report",
    "Scenario",
    "WorkerFailed",
    "compare",
    "load_scenario",
    "run_load",
]
