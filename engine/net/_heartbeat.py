"""One heartbeat task for every WebSocket connection of a Trio run.

A connection's heartbeat wakes once per `ping_interval` to send a ping and checks its idle
timeout; between times it only waits. A task per connection for that cost a task's memory (its
coroutine frames, cancel scope and sleep) on every idle connection, so instead every
connection's next visit sits in the run's one schedule (`engine.actors` `Schedule`, shared with
the actors' timers), whose task sleeps until the earliest, visits what is due and goes back to
sleep. A connection that closes cancels its visit, so that the schedule does not keep it (its
socket, buffers and protocol state) alive until its turn would have come.
"""

from __future__ import annotations

from engine.actors import Beat, Schedule, Visit, schedule

__all__ = ["Beat", "Visit", "heartbeat"]


def heartbeat() -> Schedule:
    """The current Trio run's schedule of connection visits, started on first use."""
    return schedule()
