"""The outbox: a broadcast crosses to each node once, messages keep their order, backlogs are
bounded."""

from __future__ import annotations

from typing import Any

import pytest

from engine.cluster._outbox import Outbox, OutboxFull
from engine.cluster._wire import Close, Deliver, Message, decode
from engine.net import text_frame


class Published:
    """What the outbox gives Redis: (channel, decoded batch) in order."""

    def __init__(self) -> None:
        self.batches: list[tuple[str, str, list[Any]]] = []

    async def publish(self, channel: str, data: bytes) -> int:
        origin, messages = decode(data)
        self.batches.append((channel, origin, messages))
        return 1


def outbox(limit: int = 65536) -> tuple[Outbox, Published]:
    redis = Published()
    return Outbox(redis, "me", limit=limit), redis  # type: ignore[arg-type]


async def test_a_broadcast_crosses_to_each_node_once_in_posting_order() -> None:
    box, redis = outbox()
    first, second = text_frame('{"n": 1}'), text_frame('{"n": 2}')
    for conn in ("a", "b", "c"):
        assert box.deliver("n1", conn, first)
    assert box.deliver("n2", "d", first)
    box.post("n1", Close("b", 1000, "bye"))
    for conn in ("a", "c"):
        assert box.deliver("n1", conn, second)
    await box.flush()
    assert redis.batches == [
        (
            "pe:to:n1",
            "me",
            [
                Deliver(("a", "b", "c"), True, '{"n": 1}'),
                Close("b", 1000, "bye"),
                Deliver(("a", "c"), True, '{"n": 2}'),
            ],
        ),
        ("pe:to:n2", "me", [Deliver(("d",), True, '{"n": 1}')]),
    ]


async def test_a_full_backlog_refuses_rather_than_grows() -> None:
    box, redis = outbox(limit=2)
    box.post("n1", Message("a", {}))
    assert box.deliver("n1", "a", text_frame("x"))
    assert box.deliver("n1", "b", text_frame("x")) is False  # a new frame: no room
    with pytest.raises(OutboxFull):
        box.post("n1", Message("a", {}))
    await box.flush()
    assert len(redis.batches[0][2]) == 2
    box.post("n1", Message("a", {}))  # room again once published
