"""A whole run: the generating processes started, their windows gathered, the report made.

With one worker the players run in this process. With more, each worker is a child process
(``python -m engine.loadtest.worker``) that plays its share of the groups and writes its windows
to its standard output as JSON lines; this process reads them as they come. Either way the
run's `Progress` sees every window within a second of its end, and the `Report` is the same.
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from functools import partial

import attrs
import trio

from .histogram import Histogram
from .metrics import Window
from .report import Report
from .runner import generate
from .scenario import Plan, Scenario, load_scenario

__all__ = ["Progress", "WorkerFailed", "run_load"]

#: Seconds the child processes get to start (import the engine) before the run's clock starts.
WORKER_STARTUP = 3.0


class WorkerFailed(RuntimeError):
    """A generating process exited before the end of the run, or said something unreadable."""


@attrs.define
class Progress:
    """The run so far: every window by second (merged across processes) and running totals."""

    plan: Plan
    started_at: float
    seconds: dict[int, Window] = attrs.field(factory=dict)
    histograms: dict[str, Histogram] = attrs.field(factory=dict)
    errors: Counter[str] = attrs.field(factory=Counter)
    counts: Counter[str] = attrs.field(factory=Counter)

    def add(self, window: Window) -> None:
        into = self.seconds.get(window.second)
        if into is None:
            self.seconds[window.second] = Window.from_json(window.to_json())
        else:
            into.merge(window)
        for action, histogram in window.actions.items():
            self.histograms.setdefault(action, Histogram()).merge(histogram)
        self.errors.update(window.errors)
        self.counts.update(window.counts)

    def latest(self) -> Window | None:
        """The last second every process has reported (or the last reported at all, at the
        end)."""
        complete = [w for w in self.seconds.values() if w.processes >= self.plan.workers]
        return max(complete or self.seconds.values(), key=lambda w: w.second, default=None)

    def report(self) -> Report:
        return Report.of(self.plan.to_json(), self.started_at, list(self.seconds.values()))


async def _run_worker(plan: Plan, worker: int, started_at: float, progress: Progress) -> None:
    command = [sys.executable, "-m", "engine.loadtest.worker"]
    command += [json.dumps(plan.to_json()), str(worker), repr(started_at)]
    process = await trio.lowlevel.open_process(command, stdout=-1)  # subprocess.PIPE
    assert process.stdout is not None
    buffer = b""
    try:
        while chunk := await process.stdout.receive_some(65536):
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                try:
                    progress.add(Window.from_json(json.loads(line)))
                except (ValueError, KeyError) as exc:
                    raise WorkerFailed(f"worker {worker} wrote {line[:200]!r}") from exc
        await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
            with trio.CancelScope(shield=True):
                await process.wait()
        await process.stdout.aclose()
    if process.returncode != 0:
        raise WorkerFailed(f"worker {worker} exited with status {process.returncode}")


async def run_load(
    plan: Plan,
    scenario: Scenario | None = None,
    *,
    watch: Callable[[Progress], Awaitable[None]] | None = None,
) -> Report:
    """Run ``plan`` and return its report. ``scenario`` is the plan's own by default; a
    scenario object given here (a script's own) can only run in this process (one worker).
    ``watch``, if given, runs alongside with the progress (a display) and is cancelled at the
    end."""
    if scenario is None:
        scenario = load_scenario(plan.scenario)
    elif plan.workers > 1:
        load_scenario(plan.scenario)  # the workers find it by name: fail now if they cannot
    started_at = time.time() + (WORKER_STARTUP if plan.workers > 1 else 0.0)
    progress = Progress(plan, started_at)

    async def deliver(window: Window) -> None:
        progress.add(window)

    async with trio.open_nursery() as nursery:
        if watch is not None:
            nursery.start_soon(watch, progress)
        async with trio.open_nursery() as workers:
            if plan.workers == 1:
                workers.start_soon(
                    partial(
                        generate, scenario, plan, worker=0, started_at=started_at, deliver=deliver
                    )
                )
            else:
                for worker in range(plan.workers):
                    workers.start_soon(_run_worker, plan, worker, started_at, progress)
        nursery.cancel_scope.cancel()
    return progress.report()
