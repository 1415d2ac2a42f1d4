"""One heartbeat task for every WebSocket connection of a Trio run.

A connection's heartbeat wakes once per `ping_interval` to send a ping and checks its idle
timeout; between times it only waits. A task per connection for that cost a task's memory (its
coroutine frames, cancel scope and sleep) on every idle connection, so instead every
connection's next visit sits in one heap, and one task sleeps until the earliest, visits what is
due and goes back to sleep. The task is a Trio system task, started with the run's first
connection and cancelled when the run ends; it reads `trio.current_time()`, so it follows a
MockClock. A connection that closes cancels its visit, so that the heap does not keep it (its
socket, buffers and protocol state) alive until its turn would have come.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable
from typing import final

import trio

__all__ = ["Beat", "Heartbeat", "Visit", "heartbeat"]

#: A connection's visit: called with the current time, it does what is due and returns when to
#: be called next, or None to be forgotten. It must not raise.
Beat = Callable[[float], float | None]


@final
class Visit:
    """A connection's place in the schedule; `cancel` forgets it (and frees its `beat`) now."""

    __slots__ = ("beat",)

    def __init__(self, beat: Beat) -> None:
        self.beat: Beat | None = beat

    def cancel(self) -> None:
        self.beat = None


@final
class Heartbeat:
    """The run's schedule of visits; `watch` adds one."""

    __slots__ = ("_due", "_order", "_sleep")

    def __init__(self) -> None:
        # (when, arrival order, visit): the order keeps equal times first come, first served
        # and spares comparing the visits themselves.
        self._due: list[tuple[float, int, Visit]] = []
        self._order = itertools.count()
        self._sleep: trio.CancelScope | None = None

    def watch(self, beat: Beat, at: float) -> Visit:
        """Call `beat` at `at` (a `trio.current_time()` value), then whenever it says, until
        it says None or the visit returned is cancelled."""
        visit = Visit(beat)
        heapq.heappush(self._due, (at, next(self._order), visit))
        if self._sleep is not None and at < self._sleep.deadline:
            self._sleep.deadline = at
        return visit

    async def run(self) -> None:
        due = self._due
        while True:
            now = trio.current_time()
            while due and due[0][0] <= now:
                _, _, visit = heapq.heappop(due)
                if visit.beat is None:
                    continue
                again = visit.beat(now)
                if again is not None:
                    heapq.heappush(due, (again, next(self._order), visit))
            with trio.CancelScope(deadline=due[0][0] if due else math.inf) as self._sleep:
                await trio.sleep_forever()
            self._sleep = None


_RUN_HEARTBEAT: trio.lowlevel.RunVar[Heartbeat] = trio.lowlevel.RunVar("engine.net.heartbeat")


def heartbeat() -> Heartbeat:
    """The current Trio run's heartbeat, started on first use."""
    try:
        return _RUN_HEARTBEAT.get()
    except LookupError:
        pass
    schedule = Heartbeat()
    _RUN_HEARTBEAT.set(schedule)
    trio.lowlevel.spawn_system_task(schedule.run, name="engine.net WebSocket heartbeat")
    return schedule
