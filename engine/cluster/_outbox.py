"""``Outbox``: messages for other nodes, batched per node and published by one task.

Posting never waits (parties and connection readers post from their handlers): the message
joins the pending batch of its node, and the outbox's task publishes each pending batch as one
Redis message, in posting order. A frame offered for several connections of the same node in a
row (a broadcast: ``EventStream`` hands the same ``Frame`` to every recipient in turn) joins
one ``Deliver``, so a broadcast crosses to each node once, whatever its number of members there.

Each node's backlog is bounded: past ``limit`` pending messages (the node or Redis cannot keep
up) ``post`` raises ``OutboxFull`` and ``deliver`` answers False, as a full mailbox and a slow
consumer do on one node.
"""

from __future__ import annotations

import logging
from typing import Any

import attrs
import coredis
import trio

from engine.net import Frame
from engine.net import text_frame as _text_frame

from ._keys import inbox_channel
from ._wire import Deliver, encode

__all__ = ["Outbox", "OutboxFull"]

log = logging.getLogger("engine.cluster")

_TEXT = _text_frame("").opcode


class OutboxFull(Exception):
    """The node's backlog is at its limit; nothing was queued."""


@attrs.define(eq=False)
class _Delivery:
    """A pending ``Deliver``: the shared frame, and the connections it is for so far."""

    frame: Frame
    conns: list[str]

    def message(self) -> Deliver:
        payload = self.frame.payload
        assert isinstance(payload, (str, bytes)), "only data frames are delivered"
        return Deliver(tuple(self.conns), self.frame.opcode == _TEXT, payload)


@attrs.define(eq=False)
class Outbox:
    """The node ``origin``'s messages for the others; ``run`` publishes them."""

    redis: coredis.Redis[bytes]
    origin: str
    limit: int = 65536
    _pending: dict[str, list[Any]] = attrs.field(factory=dict, init=False)
    _wake: trio.Event = attrs.field(factory=trio.Event, init=False)
    published: int = attrs.field(default=0, init=False)

    def post(self, node: str, message: Any) -> None:
        """Queue ``message`` for ``node``; raises ``OutboxFull``."""
        batch = self._pending.setdefault(node, [])
        if len(batch) >= self.limit:
            raise OutboxFull(node)
        batch.append(message)
        self._wake.set()

    def deliver(self, node: str, conn: str, frame: Frame) -> bool:
        """Queue ``frame`` for ``node``'s connection ``conn``; False if the backlog is full."""
        batch = self._pending.setdefault(node, [])
        if batch:
            last = batch[-1]
            if type(last) is _Delivery and last.frame is frame:
                last.conns.append(conn)
                return True
        if len(batch) >= self.limit:
            return False
        batch.append(_Delivery(frame, [conn]))
        self._wake.set()
        return True

    async def run(self) -> None:
        """Publish what is posted, batch by batch, until cancelled."""
        while True:
            await self._wake.wait()
            await self.flush()

    async def flush(self) -> None:
        """Publish what is pending now."""
        self._wake = trio.Event()
        pending, self._pending = self._pending, {}
        for node, batch in pending.items():
            messages = [m.message() if type(m) is _Delivery else m for m in batch]
            try:
                data = encode(self.origin, messages)
            except Exception:
                # A bug (an attrs value that does not pickle): logged, and the node carries on.
                log.exception(
                    "cluster: %d messages for node %s cannot be encoded", len(batch), node
                )
                continue
            try:
                await self.redis.publish(inbox_channel(node), data)
            except (coredis.exceptions.RedisError, OSError):
                # Lost with the link: the connections concerned notice (their owner or their
                # node looks dead) and reconnect; resumes fill what they missed.
                log.exception("cluster: %d messages for node %s were lost", len(batch), node)
            else:
                self.published += 1
