"""One schedule per Trio run: calls due at given times, for every actor and connection.

A thing that must happen at a time (an actor's next timer, a connection's next ping) could wait
in a task of its own, or in a cancel scope with that deadline around its wait; both cost per
waiter: a task's memory on every idle connection, and for an actor, a cancel scope per wait
and, when the deadline comes, a `Cancelled` raised through its task. Instead every such call
sits in one heap, and one Trio system task sleeps until the earliest, makes the calls that are
due, and sleeps again. The task is started on the run's first use and cancelled when the run
ends; it reads `trio.current_time()`, so it follows a MockClock.

A visit that is cancelled stays in the heap until its time comes, holding nothing (its call is
dropped at once); when the heap holds more than twice what it held after the last sweep, the
cancelled visits are swept out, so an actor that re-arms on every message does not grow it.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable
from typing import final

import trio

__all__ = ["Beat", "Schedule", "Visit", "schedule"]

#: A visit's call: made with the current time, it does what is due and returns when to be
#: called next, or None to be forgotten. It must not raise.
Beat = Callable[[float], float | None]

# Below this many entries the heap is never swept.
_SWEEP_FLOOR = 1024


@final
class Visit:
    """A call's place in the schedule; `cancel` forgets it (and frees its `beat`) now."""

    __slots__ = ("beat",)

    def __init__(self, beat: Beat) -> None:
        self.beat: Beat | None = beat

    def cancel(self) -> None:
        self.beat = None


@final
class Schedule:
    """The run's heap of visits; `watch` adds one."""

    __slots__ = ("_due", "_order", "_sleep", "_sweep_at")

    def __init__(self) -> None:
        # (when, arrival order, visit): the order keeps equal times first come, first served
        # and spares comparing the visits themselves.
        self._due: list[tuple[float, int, Visit]] = []
        self._order = itertools.count()
        self._sleep: trio.CancelScope | None = None
        self._sweep_at = _SWEEP_FLOOR

    def __len__(self) -> int:
        """Entries in the heap, cancelled visits not yet swept out included."""
        return len(self._due)

    def watch(self, beat: Beat, at: float) -> Visit:
        """Call `beat` at `at` (a `trio.current_time()` value), then whenever it says, until
        it says None or the visit returned is cancelled."""
        visit = Visit(beat)
        due = self._due
        heapq.heappush(due, (at, next(self._order), visit))
        if len(due) > self._sweep_at:
            self._sweep()
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

    def _sweep(self) -> None:
        due = self._due
        due[:] = [entry for entry in due if entry[2].beat is not None]
        heapq.heapify(due)
        self._sweep_at = max(_SWEEP_FLOOR, 2 * len(due))


_RUN_SCHEDULE: trio.lowlevel.RunVar[Schedule] = trio.lowlevel.RunVar("engine.actors.schedule")


def schedule() -> Schedule:
    """The current Trio run's schedule, started on first use."""
    try:
        return _RUN_SCHEDULE.get()
    except LookupError:
        pass
    runs = Schedule()
    _RUN_SCHEDULE.set(runs)
    trio.lowlevel.spawn_system_task(runs.run, name="engine schedule")
    return runs
