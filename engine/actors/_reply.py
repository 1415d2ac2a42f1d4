"""The one-shot reply slot behind ``ActorRef.ask``.

The asker parks its own task; the actor reschedules it with the outcome. No channel, no event,
no extra task: an ask costs one mailbox put and two task switches, like a raw ping-pong.
"""

from __future__ import annotations

from typing import Any

import attrs
import outcome
import trio


@attrs.define(eq=False, slots=True)
class Reply:
    """Where exactly one answer to one ask goes.

    Once answered (or abandoned by an asker that timed out or was cancelled) further answers are
    ignored, so the actor never has to know whether anyone is still waiting.
    """

    _task: trio.lowlevel.Task | None

    @property
    def pending(self) -> bool:
        return self._task is not None

    def send(self, value: Any) -> None:
        self._resolve(outcome.Value(value))

    def fail(self, error: BaseException) -> None:
        self._resolve(outcome.Error(error))

    def abandon(self) -> None:
        self._task = None

    def _resolve(self, result: outcome.Outcome) -> None:
        task, self._task = self._task, None
        if task is not None:
            trio.lowlevel.reschedule(task, result)


@attrs.frozen(slots=True)
class Ask:
    """A message in a mailbox that wants an answer."""

    message: Any
    reply: Reply


async def wait_for(reply: Reply) -> Any:
    """Park until ``reply`` is answered; on cancellation abandon it and let Cancelled through."""

    def abort(_: Any) -> trio.lowlevel.Abort:
        reply.abandon()
        return trio.lowlevel.Abort.SUCCEEDED

    return await trio.lowlevel.wait_task_rescheduled(abort)
