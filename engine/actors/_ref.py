"""``ActorRef``: the only way to reach an actor."""

from __future__ import annotations

import math
from collections.abc import Hashable
from typing import TYPE_CHECKING, Any, final

import trio

from ._errors import AskTimeout
from ._reply import Ask
from ._util import NoPublicConstructor

if TYPE_CHECKING:
    from ._cell import Cell

DEFAULT_ASK_TIMEOUT = 5.0


@final
class ActorRef(metaclass=NoPublicConstructor):
    """A handle on one actor, valid across its restarts by its own supervisor (a restart of that
    supervisor by its parent makes new actors with new refs).

    Obtained from spawning or from the registry, never constructed. Two refs are equal when they
    name the same actor.
    """

    __slots__ = ("_cell",)

    def __init__(self, cell: Cell) -> None:
        self._cell = cell

    @property
    def name(self) -> Hashable | None:
        """The registry name, if the actor was started with one."""
        return self._cell.name

    @property
    def alive(self) -> bool:
        """False once the actor has stopped for good (a restart in progress is still alive)."""
        return not self._cell.mailbox.closed

    def tell(self, message: Any) -> bool:
        """Queue ``message`` without waiting. Returns False if the mailbox policy dropped it.

        Raises ``MailboxFull`` when a FAIL or BLOCK mailbox is at capacity and ``ActorStopped``
        when the actor is gone.
        """
        return self._cell.mailbox.put_nowait(message)

    async def put(self, message: Any) -> None:
        """Queue ``message``, waiting for room if the mailbox policy is BLOCK.

        ``tell`` is its never-waiting twin (as ``Mailbox.put_nowait`` is ``put``'s); in the
        engine ``send`` never waits. For internal pipelines that want back-pressure. Cancelling
        it queues nothing. It yields only when it waits (see ``Mailbox.put``).
        """
        await self._cell.mailbox.put(message)

    async def ask(self, message: Any, *, timeout: float = DEFAULT_ASK_TIMEOUT) -> Any:
        """Send ``message`` and return the handler's reply.

        Raises the handler's ``Rejection`` as is, ``ActorCrashed`` if the handler crashed,
        ``ActorStopped`` if the actor stopped before answering, ``AskTimeout`` after
        ``timeout`` seconds, ``MailboxFull`` if it could not be queued, and ``ValueError`` (with
        nothing queued) for a negative or NaN timeout. On timeout or cancellation the message
        stays queued and a late reply is discarded.
        """
        # The scope is made (and the timeout validated) before anything is queued, so a bad
        # timeout leaves no orphan message behind.
        scope = None if timeout == math.inf else trio.move_on_after(timeout)
        ask = Ask(message, trio.lowlevel.current_task())
        self._cell.mailbox.put_nowait(ask)
        if scope is None:
            return await trio.lowlevel.wait_task_rescheduled(ask.abort)
        with scope:
            return await trio.lowlevel.wait_task_rescheduled(ask.abort)
        raise AskTimeout(f"{self!r} did not answer {type(message).__name__} in {timeout} s")

    async def wait_stopped(self) -> Any:
        """Wait until the actor has stopped for good and return the reason."""
        return await self._cell.wait_stopped()

    def __repr__(self) -> str:
        label = self._cell.name if self._cell.name is not None else f"#{self._cell.uid}"
        return f"<ActorRef {self._cell.kind} {label}>"
