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
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import partial

import attrs
import trio

from .histogram import Histogram
from .metrics import Window
from .report import Report
from .runner import generate
from .scenario import Plan, Scenario, load_scenario

__all__ = ["Progress", "WorkerFailed", "run_load"]

#: Seconds a child process may take to start (import the engine, find the scenario).
WORKER_STARTUP = 60.0
#: Seconds between the last worker saying it is ready and the start of the run.
START_MARGIN = 0.5
#: What a worker says once it is ready to start.
READY = b"ready"


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
        """The last second of the run every process has reported (or, failing that, the
        last reported at all)."""
        during = [w for w in self.seconds.values() if w.second < self.plan.duration]
        complete = [w for w in during if w.processes >= self.plan.workers]
        return max(complete or during, key=lambda w: w.second, default=None)

    def report(self) -> Report:
        return Report.of(self.plan.to_json(), self.started_at, list(self.seconds.values()))


@attrs.define
class _Start:
    """The workers' starting line: the run's clock starts once every worker is ready."""

    workers: int
    ready: int = 0
    started_at: float = 0.0
    go: trio.Event = attrs.field(factory=trio.Event)

    async def ready_then_wait(self) -> float:
        self.ready += 1
        if self.ready == self.workers:
            self.started_at = time.time() + START_MARGIN
            self.go.set()
        await self.go.wait()
        return self.started_at


async def _run_worker(plan: Plan, worker: int, start: _Start, progress: Progress) -> None:
    """Worker ``worker`` as a child process: started, told when the run starts once it is
    ready (its first line), then read window by window until it exits."""
    command = [sys.executable, "-m", "engine.loadtest.worker", json.dumps(plan.to_json())]
    process = await trio.lowlevel.open_process(
        [*command, str(worker)],
        stdin=-1,
        stdout=-1,  # subprocess.PIPE
    )
    assert process.stdin is not None and process.stdout is not None
    lines = _lines(process.stdout)
    try:
        with trio.fail_after(WORKER_STARTUP):
            first = await anext(lines, None)
        if first != READY:
            raise WorkerFailed(f"worker {worker} did not start: {first!r}")
        started_at = await start.ready_then_wait()
        progress.started_at = started_at
        await process.stdin.send_all(f"{started_at!r}\n".encode())
        async for line in lines:
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
        await process.stdin.aclose()
        await process.stdout.aclose()
    if process.returncode != 0:
        raise WorkerFailed(f"worker {worker} exited with status {process.returncode}")


async def _lines(stream: trio.abc.ReceiveStream) -> AsyncIterator[bytes]:
    buffer = b""
    while chunk := await stream.receive_some(65536):
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            yield line


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
    started_at = time.time()
    progress = Progress(plan, started_at)
    start = _Start(plan.workers)

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
                    workers.start_soon(_run_worker, plan, worker, start, progress)
        nursery.cancel_scope.cancel()
    return progress.report()
