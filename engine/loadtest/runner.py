"""One process's share of a run: its groups started on the ramp, kept playing, stopped on time.

Process ``worker`` of ``workers`` plays groups ``worker``, ``worker + workers``, ...; every
second it hands its `Window` to ``deliver``. Time is the wall clock (``time.time``) against the
run's ``started_at``, so that the windows of every process line up by second.
"""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable

import trio

from engine.collector import freeze_survivors
from engine.net.client import open_client

from .group import ActionFailed, Group, error_kind
from .metrics import Recorder, Window
from .scenario import Plan, Scenario
from .target import source_address

__all__ = ["GRACE", "generate"]

#: Seconds between the end of the run, when loops are asked to end, and the cancellation of
#: whatever still runs: actions in flight then get their answer and are counted.
GRACE = 1.0
#: Seconds a failed group waits before a new one starts: a server that refuses everything is
#: not hammered in a tight loop.
RETRY_DELAY = 1.0
#: Seconds every request and connection may take before it fails.
CLIENT_TIMEOUT = 10.0
#: Container allocations, net of frees, between two collections of a worker's young
#: generation. A run is bounded in time, its heap grows only as players arrive, and its players
#: make no reference cycles (at 1,000 Liap Tui games no collection found one): so a worker
#: collects as its heap grows, not while it plays. Collected every half second, as the server
#: is, a worker's young generation held what its players had replaced since (each decoded game
#: state) and took 30 to 40 ms each time, a pause landing on the latencies being measured.
YOUNG_THRESHOLD = 500_000


def _trio_time_at(epoch: float) -> float:
    """The Trio clock's reading when the wall clock reads ``epoch``."""
    return trio.current_time() + (epoch - time.time())


def _split(error: BaseException) -> tuple[BaseException | None, BaseException | None]:
    """``error`` as its failures (``Exception``) and the rest (cancellation, interrupts)."""
    if isinstance(error, BaseExceptionGroup):
        return error.split(Exception)
    if isinstance(error, Exception):
        return error, None
    return None, error


def _leaves(error: BaseException) -> list[BaseException]:
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in _leaves(inner)]
    return [error]


async def generate(
    scenario: Scenario,
    plan: Plan,
    *,
    worker: int,
    started_at: float,
    deliver: Callable[[Window], Awaitable[None]],
) -> None:
    """Play this process's groups from ``started_at`` (epoch seconds) until the plan's
    duration is over, delivering a window a second and a last one at the end."""
    recorder = Recorder()
    stopping = trio.Event()
    sizes = plan.groups(scenario)

    async def play_group(index: int, size: int) -> None:
        await trio.sleep_until(_trio_time_at(started_at + plan.ramp * index / len(sizes)))
        rng = random.Random(f"{plan.seed}:{index}")
        address = source_address(plan.url, index)
        attempt = 0
        while not stopping.is_set():
            group = Group(index, size, attempt, plan.rate, rng, recorder, client, stopping, address)
            recorder.players += size
            failed = False
            try:
                await scenario.play(group)
            except BaseException as exc:
                # A group's nursery can end with its players' failures and the run's
                # cancellation together: the failures are counted here, the cancellation
                # (or an interrupt) goes on alone, or it would carry them out of the run.
                failures, others = _split(exc)
                if failures is not None:
                    failed = True
                    for leaf in _leaves(failures):
                        if not (isinstance(leaf, ActionFailed) and leaf.recorded):
                            recorder.error(f"play: {error_kind(leaf)}", repr(leaf))
                if others is not None:
                    raise others from None
            finally:
                recorder.players -= size
                with trio.CancelScope(shield=True), trio.move_on_after(CLIENT_TIMEOUT):
                    await group.aclose()
            attempt += 1
            if failed:
                await trio.sleep(RETRY_DELAY)

    async def deliver_every_second(cpu_at_start: float) -> None:
        second, cpu = 0, cpu_at_start
        try:
            while True:
                await trio.sleep_until(_trio_time_at(started_at + second + 1))
                now_cpu = time.process_time()
                await deliver(recorder.take(second, now_cpu - cpu))
                second, cpu = second + 1, now_cpu
        finally:
            with trio.CancelScope(shield=True):
                now_cpu = time.process_time()
                await deliver(recorder.take(second, now_cpu - cpu))

    # Thousands of players' connections live as long as the run: full collections walking
    # them all stopped a generator with 5,000 for up to 1.3 s (see engine.collector).
    with freeze_survivors(young_threshold=YOUNG_THRESHOLD):
        async with open_client(plan.url, timeout=CLIENT_TIMEOUT) as client:
            async with trio.open_nursery() as reporting:
                reporting.start_soon(deliver_every_second, time.process_time())
                async with trio.open_nursery() as groups:
                    for index in range(worker, len(sizes), plan.workers):
                        groups.start_soon(play_group, index, sizes[index])
                    await trio.sleep_until(_trio_time_at(started_at + plan.duration))
                    stopping.set()
                    await trio.sleep(GRACE)
                    groups.cancel_scope.cancel()
                reporting.cancel_scope.cancel()
