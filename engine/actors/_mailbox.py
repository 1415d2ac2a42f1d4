"""A bounded mailbox that the owning actor drains in batches.

Trio's memory channel costs one checkpoint per ``receive()``; an actor that takes every message
already queued after a single wake-up handles ~40x more messages per second (DESIGN.md,
decision 4). The mailbox is a deque: ``put_nowait`` is a plain append plus, when the owner is
parked, one reschedule.

A mailbox has exactly one consumer, so the owner waits in a task slot rather than a
``ParkingLot``: waking it is one reschedule with no generator or list in between (a broadcast
wakes ten thousand owners in one call), and an idle actor carries no lot and no ordered dict.
The lot for senders waiting on a full BLOCK mailbox is made the first time one has to wait.
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Iterable
from typing import Any

import attrs
import trio

from ._errors import ActorStopped, MailboxFull

_reschedule = trio.lowlevel.reschedule  # bound once: put_nowait runs per recipient of a broadcast


class Overflow(enum.Enum):
    """What a full mailbox does with one more message."""

    FAIL = "fail"  #: the sender gets ``MailboxFull``; nothing is queued
    DROP_NEWEST = "drop_newest"  #: the new message is dropped (counted)
    DROP_OLDEST = "drop_oldest"  #: the oldest queued message is dropped (counted)
    BLOCK = "block"  #: ``await put()`` waits for room; ``put_nowait`` raises ``MailboxFull``


@attrs.frozen
class MailboxStatistics:
    depth: int
    capacity: int
    overflow: Overflow
    received: int
    dropped: int
    owner_waiting: bool
    senders_waiting: int


@attrs.define(eq=False)
class Mailbox:
    """A FIFO of at most ``capacity`` messages with one consumer.

    ``put_nowait`` never waits. ``take_batch`` returns every queued message at once; messages put
    while the batch is being handled go into the next batch. After ``close()`` puts raise
    ``ActorStopped`` and ``take_batch`` returns what is left, then raises ``ActorStopped``.
    """

    capacity: int = 1024
    overflow: Overflow = Overflow.FAIL
    _queue: deque[Any] = attrs.field(factory=deque, init=False)
    _owner: trio.lowlevel.Task | None = attrs.field(default=None, init=False)
    _senders: trio.lowlevel.ParkingLot | None = attrs.field(default=None, init=False)
    _closed: bool = attrs.field(default=False, init=False)
    _received: int = attrs.field(default=0, init=False)
    _dropped: int = attrs.field(default=0, init=False)

    def __attrs_post_init__(self) -> None:
        if self.capacity < 1:
            raise ValueError("a mailbox holds at least one message")

    def __len__(self) -> int:
        return len(self._queue)

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def dropped(self) -> int:
        """Messages the overflow policy dropped so far."""
        return self._dropped

    def put_nowait(self, message: Any) -> bool:
        """Queue ``message``; return False if the policy dropped it.

        Raises ``MailboxFull`` (FAIL and BLOCK policies) or ``ActorStopped`` (closed).
        """
        if self._closed:
            raise ActorStopped("the actor has stopped")
        queue = self._queue
        if len(queue) >= self.capacity:
            policy = self.overflow
            if policy is Overflow.DROP_OLDEST:
                queue.popleft()
                self._dropped += 1
            elif policy is Overflow.DROP_NEWEST:
                self._dropped += 1
                return False
            else:
                raise MailboxFull(f"mailbox full ({self.capacity} messages)")
        queue.append(message)
        self._received += 1
        # _wake_owner, inlined: this is the line every tell and every broadcast recipient runs.
        owner = self._owner
        if owner is not None:
            self._owner = None
            _reschedule(owner)
        return True

    async def put(self, message: Any) -> None:
        """Queue ``message``, waiting for room when the policy is BLOCK.

        Other policies behave as ``put_nowait``. It is a cancellation point, but it yields to
        other tasks only when it has to wait for room: a producer looping over ``put`` into a
        mailbox with room keeps the CPU until the mailbox fills (that is what makes it cheap).
        Cancellation while waiting leaves nothing queued.
        """
        while (
            self.overflow is Overflow.BLOCK
            and not self._closed
            and len(self._queue) >= self.capacity
        ):
            if self._senders is None:
                self._senders = trio.lowlevel.ParkingLot()
            await self._senders.park()
        await trio.lowlevel.checkpoint_if_cancelled()
        self.put_nowait(message)

    def prepend(self, messages: Iterable[Any]) -> None:
        """Put ``messages`` back at the front, in order, ignoring the bound.

        Used for unstashing and for handing a crashed batch to the next incarnation: these were
        already accepted once and must not be lost to the policy.
        """
        self._queue.extendleft(reversed(list(messages)))
        if self._queue:
            self._wake_owner()

    async def take_batch(self) -> deque[Any]:
        """Wait until a message is queued (or ``wake()``) and return every queued message.

        The batch is empty only after ``wake()``. Always checkpoints. Raises ``ActorStopped`` once
        closed and empty, and ``RuntimeError`` if another task is already waiting in it.
        """
        if not self._queue:
            if self._closed:
                raise ActorStopped("the actor has stopped")
            if self._owner is not None:
                raise RuntimeError("another task is already taking from this mailbox")
            self._owner = trio.lowlevel.current_task()
            await trio.lowlevel.wait_task_rescheduled(self._abort_take)
        else:
            await trio.lowlevel.checkpoint()
        batch, self._queue = self._queue, deque()
        if self._senders:
            self._senders.unpark_all()
        return batch

    def _abort_take(self, _: Any) -> trio.lowlevel.Abort:
        self._owner = None
        return trio.lowlevel.Abort.SUCCEEDED

    def _wake_owner(self) -> None:
        owner = self._owner
        if owner is not None:
            self._owner = None
            _reschedule(owner)

    def wake(self) -> None:
        """Return the owner from ``take_batch`` even if nothing is queued."""
        self._wake_owner()

    def close(self) -> list[Any]:
        """Refuse further messages; return (and forget) what was still queued."""
        self._closed = True
        left, self._queue = list(self._queue), deque()
        self._wake_owner()
        if self._senders:
            self._senders.unpark_all()
        return left

    def statistics(self) -> MailboxStatistics:
        return MailboxStatistics(
            depth=len(self._queue),
            capacity=self.capacity,
            overflow=self.overflow,
            received=self._received,
            dropped=self._dropped,
            owner_waiting=self._owner is not None,
            senders_waiting=len(self._senders) if self._senders is not None else 0,
        )
