"""Wall-clock time that moves with Trio's clock.

Sessions need epoch seconds (``created_at`` and ``expires_at`` go on the wire, and a playback
update must still mean something after a restart), while timers and tests run on Trio's clock
(DESIGN.md, decision 10). ``TrioWallClock`` gives both: epoch seconds anchored to the real wall
clock once, then advanced by Trio's clock, so a ``MockClock`` that jumps a day makes sessions a
day older and their tokens expire too.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import final

import attrs
import trio

__all__ = ["TrioWallClock"]


@final
@attrs.define(eq=False)
class TrioWallClock:
    """Epoch seconds: ``wall()`` read once, at the first ``now()``, plus Trio time since then.

    ``now()`` must be called inside ``trio.run``, and one clock serves one run: a new run has a
    new Trio clock. Between runs (a process restart) the wall clock carries time on. Being
    monotonic, it does not follow wall-clock adjustments made while it runs.
    """

    wall: Callable[[], float] = time.time
    _anchor: tuple[float, float] | None = attrs.field(default=None, init=False)

    def now(self) -> float:
        current = trio.current_time()
        if self._anchor is None:
            self._anchor = (self.wall(), current)
        wall, anchored_at = self._anchor
        return wall + (current - anchored_at)
