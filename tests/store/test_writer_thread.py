"""The SQL writer's own thread (engine/store/_writer_thread.py)."""

from __future__ import annotations

import sys
import threading

import pytest
import trio
import trio.testing

from engine.store._writer_thread import SWITCH_INTERVAL, WriterThread, prompt_handoffs


def _thread_named(name: str) -> threading.Thread | None:
    return next((thread for thread in threading.enumerate() if thread.name == name), None)


async def test_calls_run_in_order_on_one_thread_and_their_errors_propagate() -> None:
    thread = WriterThread("test writer")
    try:
        ran: list[tuple[int, str]] = []

        def call(n: int) -> int:
            ran.append((n, threading.current_thread().name))
            return n * 10

        async with trio.open_nursery() as nursery:
            for n in range(20):
                nursery.start_soon(thread.run, lambda n=n: call(n))
                await trio.lowlevel.checkpoint()
        assert ran == [(n, "test writer") for n in range(20)]
        assert await thread.run(lambda: call(5)) == 50

        def fail() -> None:
            raise KeyError("in the thread")

        with pytest.raises(KeyError, match="in the thread"):
            await thread.run(fail)
    finally:
        thread.stop()


async def test_a_call_under_way_finishes_and_its_caller_learns_its_result() -> None:
    thread = WriterThread("test writer")
    started, release = threading.Event(), threading.Event()
    results: list[str] = []

    def commit() -> str:
        started.set()
        release.wait()
        return "committed"

    async def caller(scope: trio.CancelScope) -> None:
        with scope:
            results.append(await thread.run(commit))
            await trio.lowlevel.checkpoint()  # where the cancellation is delivered
            results.append("not reached")

    scope = trio.CancelScope()
    try:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(caller, scope)
            await trio.to_thread.run_sync(started.wait)
            scope.cancel()
            # The cancellation has reached the caller: were the call abandoned, it would have left.
            await trio.testing.wait_all_tasks_blocked()
            assert results == []
            release.set()
    finally:
        release.set()
        thread.stop()
    assert results == ["committed"]
    assert scope.cancelled_caught


async def test_a_cancelled_caller_queues_nothing() -> None:
    thread = WriterThread("test writer")
    ran: list[int] = []
    try:
        with trio.CancelScope() as scope:
            scope.cancel()
            await thread.run(lambda: ran.append(1))
        assert scope.cancelled_caught
        await thread.run(lambda: ran.append(2))
        assert ran == [2]
    finally:
        thread.stop()


async def test_stop_ends_the_thread_after_the_calls_given_before() -> None:
    thread = WriterThread("test writer to stop")
    worker = _thread_named("test writer to stop")
    assert worker is not None
    assert await thread.run(lambda: "last") == "last"
    thread.stop()
    await trio.to_thread.run_sync(worker.join, 10)
    assert not worker.is_alive()


def test_prompt_handoffs_shortens_the_switch_interval_while_inside() -> None:
    before = sys.getswitchinterval()
    with prompt_handoffs():
        assert sys.getswitchinterval() == SWITCH_INTERVAL < before
    assert sys.getswitchinterval() == before
