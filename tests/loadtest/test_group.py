"""A group's timing, failures and pacing, on a mock clock."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator

import pytest
import trio
import trio.testing

from engine.loadtest import ActionFailed, Group
from engine.loadtest.group import Pace
from engine.loadtest.metrics import Recorder
from engine.net.client import Client, ReceiveTimeout, open_client


@pytest.fixture
async def client() -> AsyncIterator[Client]:
    async with open_client("http://127.0.0.1:9") as opened:  # never connected to
        yield opened


def make_group(client: Client, recorder: Recorder, stopping: trio.Event) -> Group:
    return Group(0, 2, 0, 2.0, random.Random(1), recorder, client, stopping, None)


async def test_timed_counts_failures_by_kind_and_cancellations_not_at_all(
    client: Client, autojump_clock: trio.testing.MockClock
) -> None:
    recorder = Recorder()
    group = make_group(client, recorder, trio.Event())
    with group.timed("chat"):
        await trio.sleep(0.01)
    with pytest.raises(ActionFailed) as failed, group.timed("chat"):
        raise ReceiveTimeout("nothing")
    assert failed.value.kind == "ReceiveTimeout" and failed.value.recorded
    with trio.move_on_after(1), group.timed("chat"):
        await trio.sleep_forever()
    window = recorder.take(0, 0.0)
    assert window.actions["chat"].count == 1
    assert window.errors == {"chat: ReceiveTimeout": 1}
    assert window.examples["chat: ReceiveTimeout"] == "ReceiveTimeout('nothing')"


async def test_pace_ticks_at_the_rate_skips_missed_ticks_and_ends_with_the_run(
    autojump_clock: trio.testing.MockClock,
) -> None:
    stopping = trio.Event()
    start = trio.current_time()
    pace = Pace(0.5, stopping, start)
    ticks = []
    while await pace.next():
        ticks.append(trio.current_time() - start)
        if len(ticks) == 2:
            await trio.sleep(1.2)  # busy past the ticks at 1.0 and 1.5: one late, one skipped
        if trio.current_time() - start > 3:
            stopping.set()
    assert ticks == pytest.approx([0.0, 0.5, 1.7, 2.2, 2.7, 3.2])


async def test_think_waits_up_to_one_over_the_rate(
    client: Client, autojump_clock: trio.testing.MockClock
) -> None:
    group = make_group(client, Recorder(), trio.Event())
    for _ in range(20):
        started = trio.current_time()
        await group.think()
        assert 0 <= trio.current_time() - started <= 1 / group.rate
