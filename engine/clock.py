"""The engine's wall clock: epoch seconds that move with Trio's clock.

Parties need epoch seconds (``created_at`` goes on the wire; an expiry must still mean something
after a restart) while timers and tests run on Trio's clock. ``now()`` gives both: the real wall
clock is read once per ``trio.run``, at the first ``now()``, and from then on time advances by
``trio.current_time()``. So a ``trio.testing.MockClock`` that jumps a day makes every party a
day older, and apps never call ``time.time()``.

Guarantees: within one run ``now()`` never goes backwards (Trio's clock is monotonic, so it does
not follow wall-clock adjustments made while it runs); a new run (a process restart) anchors
again, so time carries on across restarts as the wall clock does.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

import trio

__all__ = ["now", "rfc3339", "set_wall_source"]

# (wall seconds, trio seconds) at the first now() of this run.
_ANCHOR: trio.lowlevel.RunVar[tuple[float, float]] = trio.lowlevel.RunVar("engine.clock.anchor")
_WALL: trio.lowlevel.RunVar[Callable[[], float]] = trio.lowlevel.RunVar(
    "engine.clock.wall", default=time.time
)


def now() -> float:
    """Epoch seconds: the wall clock at this run's first call, plus Trio time since then.

    Must be called inside ``trio.run``.
    """
    current = trio.current_time()
    try:
        wall, anchored_at = _ANCHOR.get()
    except LookupError:
        wall, anchored_at = _WALL.get()(), current
        _ANCHOR.set((wall, anchored_at))
    return wall + (current - anchored_at)


def set_wall_source(wall: Callable[[], float]) -> None:
    """Read the wall clock from ``wall`` for the rest of this run, re-anchoring at once.

    For tests that need a known epoch (``set_wall_source(lambda: 1_700_000_000.0)``).
    """
    _WALL.set(wall)
    _ANCHOR.set((wall(), trio.current_time()))


def rfc3339(epoch: float) -> str:
    """``epoch`` seconds as RFC 3339 in UTC to the whole second: ``2025-11-07T10:00:00Z``."""
    return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
