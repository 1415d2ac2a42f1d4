"""A generating child process of a run with several workers (see `engine.loadtest.run`).

    python -m engine.loadtest.worker PLAN_JSON WORKER

Once ready it says ``ready`` on its standard output and reads the run's start (epoch seconds)
as a line on its standard input; then it plays worker ``WORKER``'s share of the plan's groups
and writes one JSON window a line, flushed every second. Anything it has to say to a person
goes to stderr.
"""

from __future__ import annotations

import json
import sys
from functools import partial

import trio

from .limits import raise_open_file_limit
from .metrics import Window
from .runner import generate
from .scenario import Plan, load_scenario


async def _write(window: Window) -> None:
    sys.stdout.write(json.dumps(window.to_json(), separators=(",", ":")) + "\n")
    sys.stdout.flush()


def main(argv: list[str]) -> None:
    plan_json, worker = argv
    plan = Plan(**json.loads(plan_json))
    scenario = load_scenario(plan.scenario)
    raise_open_file_limit()
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    started_at = float(sys.stdin.readline())
    trio.run(
        partial(
            generate,
            scenario,
            plan,
            worker=int(worker),
            started_at=float(started_at),
            deliver=_write,
        )
    )


if __name__ == "__main__":
    main(sys.argv[1:])
