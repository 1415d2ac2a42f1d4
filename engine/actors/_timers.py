"""Keyed timers owned by one actor.

No task per timer: the actor's loop waits on its mailbox, and the run's schedule wakes it at
the earliest timer, so a thousand idle rooms with phase timers cost a heap entry each. Timers
read Trio's clock, so ``MockClock`` drives them in tests.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Hashable
from typing import Any

import attrs


@attrs.define(eq=False)
class _Timer:
    message: Any
    deadline: float
    interval: float | None
    generation: int


@attrs.define(eq=False)
class Timers:
    """Start, replace and cancel timers by key; fired timers become messages to the actor.

    Starting a timer with a key that is already running replaces it. A cancelled or replaced
    timer never fires, even if its deadline has already passed.
    """

    _timers: dict[Hashable, _Timer] = attrs.field(factory=dict)
    _heap: list[tuple[float, int, Hashable]] = attrs.field(factory=list)
    _generation: int = 0

    def start(
        self, key: Hashable, delay: float, message: Any, *, now: float, repeat: bool = False
    ) -> None:
        """Deliver ``message`` after ``delay`` seconds (and every ``delay`` after, if repeat)."""
        if delay < 0 or (repeat and delay <= 0):
            raise ValueError("a timer needs a non-negative delay (positive when repeating)")
        self._generation += 1
        deadline = now + delay
        self._timers[key] = _Timer(message, deadline, delay if repeat else None, self._generation)
        heapq.heappush(self._heap, (deadline, self._generation, key))

    def cancel(self, key: Hashable) -> bool:
        """Cancel the timer ``key``; return whether one was running."""
        return self._timers.pop(key, None) is not None

    def active(self, key: Hashable) -> bool:
        return key in self._timers

    def remaining(self, key: Hashable, *, now: float) -> float | None:
        timer = self._timers.get(key)
        return None if timer is None else max(0.0, timer.deadline - now)

    def __len__(self) -> int:
        return len(self._timers)

    def next_deadline(self) -> float:
        """The earliest live deadline, or ``inf``. Drops stale heap entries on the way."""
        heap = self._heap
        while heap:
            deadline, generation, key = heap[0]
            timer = self._timers.get(key)
            if timer is not None and timer.generation == generation:
                return deadline
            heapq.heappop(heap)
        return math.inf

    def pop_due(self, now: float) -> list[Any]:
        """Return the messages of every timer due at ``now``, in deadline order."""
        due = []
        while self.next_deadline() <= now:
            _, _, key = heapq.heappop(self._heap)
            timer = self._timers[key]
            due.append(timer.message)
            if timer.interval is None:
                del self._timers[key]
            else:
                self._generation += 1
                timer.deadline += timer.interval
                timer.generation = self._generation
                heapq.heappush(self._heap, (timer.deadline, timer.generation, key))
        return due
