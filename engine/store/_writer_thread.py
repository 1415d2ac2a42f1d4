"""The SQL writer's own thread: every call on the writer connection runs there, one at a time.

A SQL store commits each batch outside the event loop. ``trio.to_thread.run_sync`` did that
hand-off through Trio's thread cache, a capacity limiter and the plumbing for ``trio.from_thread``
calls, none of which one sequential writer needs; a thread of its own, fed through a queue, costs
the event loop less per batch (timeit, 20,000 round trips of a no-op on the loaded 2-core
machine: 48-60 us of the Trio thread's CPU each with ``to_thread``, 30-35 us with this). It also
keeps the writer connection on a single thread for its whole life.

Like ``to_thread.run_sync`` without ``abandon_on_cancel``: a call that started always finishes,
and the caller gets its result (or exception) even if cancelled meanwhile; the cancellation is
delivered at the caller's next checkpoint.

The thread needs the GIL back after every SQL statement, and a thread asking for it waits for
the switch interval (5 ms by default) before the busy event loop is made to let go. A batch of
tens of saves is a hundred statements, so under load a commit took tens to hundreds of
milliseconds of waiting, and every move of every room waited for it. `prompt_handoffs` sets a
0.5 ms interval: at 300 Liap Tui games (`party-engine loadtest liaptui`, SQLite), the mean
commit went from 4.2 to 1.5 ms, the moves' p99 from 176-191 ms to 24-39 ms, and the server's
CPU per move fell too (fewer moves wait, stacked, for the same commit).
"""

from __future__ import annotations

import queue
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import outcome
import trio

T = TypeVar("T")

_Job = tuple[Callable[[], Any], trio.lowlevel.Task, trio.lowlevel.TrioToken]

#: The GIL's switch interval inside `prompt_handoffs` (seconds; CPython's default is 0.005).
SWITCH_INTERVAL = 0.0005


@contextmanager
def prompt_handoffs() -> Iterator[None]:
    """While inside, a thread waiting for the GIL gets it within `SWITCH_INTERVAL` (see the
    module docstring). The interval is the process's: a server sets it once, for its life."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def _no_abort(raise_cancel: object) -> trio.lowlevel.Abort:
    # The call is under way (or queued behind one that is): it finishes, and its caller waits.
    return trio.lowlevel.Abort.FAILED


class WriterThread:
    """A thread running the calls given to ``run`` in order, until ``stop``."""

    def __init__(self, name: str) -> None:
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()

    async def run(self, call: Callable[[], T]) -> T:
        """``call()`` in the thread; its result or exception. Not abandoned if cancelled."""
        await trio.lowlevel.checkpoint_if_cancelled()
        token = trio.lowlevel.current_trio_token()
        self._jobs.put((call, trio.lowlevel.current_task(), token))
        result: T = await trio.lowlevel.wait_task_rescheduled(_no_abort)
        return result

    def stop(self) -> None:
        """Let the thread end once the calls already given to it have run."""
        self._jobs.put(None)

    def _serve(self) -> None:
        jobs = self._jobs
        while (job := jobs.get()) is not None:
            call, task, token = job
            result = outcome.capture(call)
            # The task is still waiting (it cannot abort), so its run has not finished.
            token.run_sync_soon(trio.lowlevel.reschedule, task, result)
            del job, call, task, result  # hold nothing while idle
