"""Topics: one publish, many subscribers, nobody waits."""

from __future__ import annotations

from typing import Any

import attrs

from ._errors import ActorStopped, MailboxFull
from ._mailbox import Mailbox
from ._ref import ActorRef


@attrs.frozen
class TopicStatistics:
    subscribers: int
    published: int
    delivered: int
    dropped: int


@attrs.define(eq=False)
class Topic:
    """Fan a message out to every subscriber's mailbox without awaiting any of them.

    Each subscriber's own overflow policy applies to it alone: a full FAIL mailbox misses this
    message (counted in ``dropped``) and the others still get it. A subscriber that has stopped is
    dropped from the topic on the next publish.
    """

    name: str = ""
    # Each subscriber's mailbox, looked up once at subscribe time (a cell keeps its mailbox for
    # life): publish is the loop that runs once per recipient.
    _subscribers: dict[ActorRef, Mailbox] = attrs.field(factory=dict)
    _published: int = 0
    _delivered: int = 0
    _dropped: int = 0

    def subscribe(self, ref: ActorRef) -> None:
        self._subscribers[ref] = ref._cell.mailbox

    def __contains__(self, ref: ActorRef) -> bool:
        return ref in self._subscribers

    def __len__(self) -> int:
        return len(self._subscribers)

    def publish(self, message: Any) -> int:
        """Queue ``message`` for every subscriber; return how many queued it."""
        delivered = 0
        gone = None
        for ref, mailbox in self._subscribers.items():
            try:
                if mailbox.put_nowait(message):
                    delivered += 1
            except MailboxFull:
                pass
            except ActorStopped:
                gone = gone or []
                gone.append(ref)
        if gone:
            for ref in gone:
                del self._subscribers[ref]
        self._published += 1
        self._delivered += delivered
        self._dropped += len(self._subscribers) - delivered
        return delivered

    def statistics(self) -> TopicStatistics:
        return TopicStatistics(
            subscribers=len(self._subscribers),
            published=self._published,
            delivered=self._delivered,
            dropped=self._dropped,
        )
