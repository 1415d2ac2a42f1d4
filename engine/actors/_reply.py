"""The mailbox entry behind ``ActorRef.ask``: a message and the one task waiting for its answer.

The asker parks its own task; the actor reschedules it with the outcome. No channel, no event,
no extra task: an ask costs one mailbox put and two task switches, like a raw ping-pong. The
entry is a plain slotted class rather than an attrs one, and the message and its reply slot are
one object, because an ask allocates it on every call.
"""

from __future__ import annotations

from typing import Any

import outcome
import trio


class Ask:
    """A message in a mailbox that wants an answer, and where exactly one answer goes.

    Once answered (or abandoned by an asker that timed out or was cancelled) further answers are
    ignored, so the actor never has to know whether anyone is still waiting.
    """

    __slots__ = ("_task", "message")

    def __init__(self, message: Any, task: trio.lowlevel.Task) -> None:
        self.message = message
        self._task: trio.lowlevel.Task | None = task

    @property
    def pending(self) -> bool:
        return self._task is not None

    def send(self, value: Any) -> None:
        self._resolve(outcome.Value(value))

    def fail(self, error: BaseException) -> None:
        self._resolve(outcome.Error(error))

    def abandon(self) -> None:
        self._task = None

    def _resolve(self, result: outcome.Outcome[Any]) -> None:
        task, self._task = self._task, None
        if task is not None:
            trio.lowlevel.reschedule(task, result)

    def abort(self, _: Any) -> trio.lowlevel.Abort:
        """The ``abort_fn`` of the asker's ``wait_task_rescheduled``: cancellation abandons."""
        self._task = None
        return trio.lowlevel.Abort.SUCCEEDED

    def __repr__(self) -> str:
        return f"<Ask {self.message!r}{'' if self.pending else ' (answered)'}>"
