from typing import Any

import pytest
import trio

from engine.actors import ActorStopped, Mailbox, MailboxFull, Overflow


def test_fail_policy_refuses_and_keeps_queue():
    box = Mailbox(2, Overflow.FAIL)
    box.put_nowait(1)
    box.put_nowait(2)
    with pytest.raises(MailboxFull):
        box.put_nowait(3)
    assert len(box) == 2


def test_drop_newest_and_oldest():
    newest = Mailbox(2, Overflow.DROP_NEWEST)
    oldest = Mailbox(2, Overflow.DROP_OLDEST)
    for box in (newest, oldest):
        for n in (1, 2, 3):
            box.put_nowait(n)
    assert newest.put_nowait(4) is False
    assert list(newest._queue) == [1, 2]
    assert list(oldest._queue) == [2, 3]
    assert newest.statistics().dropped == 2
    assert oldest.statistics().dropped == 1


async def test_take_batch_returns_everything_queued_in_order():
    box = Mailbox(10)
    for n in range(5):
        box.put_nowait(n)
    assert list(await box.take_batch()) == [0, 1, 2, 3, 4]
    box.put_nowait(5)
    assert list(await box.take_batch()) == [5]


async def test_take_batch_waits_for_a_put():
    box = Mailbox(10)
    got: list[Any] = []

    async def consumer():
        got.extend(await box.take_batch())

    async with trio.open_nursery() as nursery:
        nursery.start_soon(consumer)
        await trio.testing.wait_all_tasks_blocked()
        assert got == []
        box.put_nowait("x")
    assert got == ["x"]


async def test_block_policy_waits_for_room():
    box = Mailbox(1, Overflow.BLOCK)
    await box.put(1)
    with pytest.raises(MailboxFull):
        box.put_nowait(2)
    order = []

    async def producer():
        await box.put(2)
        order.append("put 2")

    async with trio.open_nursery() as nursery:
        nursery.start_soon(producer)
        await trio.testing.wait_all_tasks_blocked()
        assert order == []
        assert list(await box.take_batch()) == [1]
    assert order == ["put 2"]
    assert list(await box.take_batch()) == [2]


async def test_close_refuses_and_returns_leftovers():
    box = Mailbox(10)
    box.put_nowait("a")
    assert box.close() == ["a"]
    with pytest.raises(ActorStopped):
        box.put_nowait("b")
    with pytest.raises(ActorStopped):
        await box.take_batch()


def test_prepend_ignores_bound_and_keeps_order():
    box = Mailbox(2)
    box.put_nowait(3)
    box.prepend([1, 2])
    assert list(box._queue) == [1, 2, 3]


def test_capacity_must_be_positive():
    with pytest.raises(ValueError):
        Mailbox(0)


async def test_one_consumer_at_a_time_and_a_cancelled_take_leaves_no_trace():
    box = Mailbox(10)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(box.take_batch)
        await trio.testing.wait_all_tasks_blocked()
        assert box.statistics().owner_waiting
        with pytest.raises(RuntimeError):
            await box.take_batch()
        nursery.cancel_scope.cancel()
    assert not box.statistics().owner_waiting
    box.put_nowait("x")
    assert list(await box.take_batch()) == ["x"]
