"""The single writer: batching, the baseline, flushing on close, cancellation; every backend."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

import pytest
import trio

from engine.store import Record, Store, StoreClosed, open_store


async def _save_repeatedly(store: Store, key: str, times: int) -> None:
    version = 0
    for n in range(times):
        version = await store.save("party", key, {"n": n}, expected_version=version)


async def test_concurrent_saves_share_commits(store_url: str) -> None:
    async with open_store(store_url) as store:
        async with trio.open_nursery() as nursery:
            for n in range(100):
                nursery.start_soon(_save_repeatedly, store, str(n), 3)
        stats = store.statistics()
        assert stats.saves == 300
        assert stats.commits < stats.saves / 10
        assert stats.mean_batch_size > 10
        assert stats.queue_depth == 0
        assert stats.mean_commit_latency >= 0 and stats.last_commit_latency >= 0
        assert await store.load("party", "99") == Record(3, {"n": 2})


async def test_without_group_commit_every_save_commits_alone(store_url: str) -> None:
    async with open_store(store_url, group_commit=False) as store:
        async with trio.open_nursery() as nursery:
            for n in range(20):
                nursery.start_soon(_save_repeatedly, store, str(n), 2)
        stats = store.statistics()
        assert (stats.saves, stats.commits, stats.mean_batch_size) == (40, 40, 1.0)
        assert len(await store.load_all("party")) == 20


async def test_writes_are_committed_in_call_order(store_url: str) -> None:
    async with open_store(store_url) as store:
        writes: list[Callable[[], Awaitable[object]]] = [
            functools.partial(store.save, "party", "p1", {}, expected_version=0),
            functools.partial(store.delete, "party", "p1"),
            functools.partial(store.save, "party", "p2", {}, expected_version=0),
        ]
        async with trio.open_nursery() as nursery:
            for write in writes:
                nursery.start_soon(write)
                await trio.testing.wait_all_tasks_blocked()  # queued before the next is called
        assert await store.keys("party") == ["p2"]


async def test_close_commits_the_queued_saves(store_url: str) -> None:
    results: list[int] = []

    async def save(store: Store, key: str) -> None:
        results.append(await store.save("party", key, {}, expected_version=0))

    async with trio.open_nursery() as savers:
        async with open_store(store_url) as store:
            for n in range(50):
                savers.start_soon(save, store, str(n))
            await trio.testing.wait_all_tasks_blocked()
        # The block has exited: every queued save was committed before the store closed.
        assert results == [1] * 50
        assert store.statistics().saves == 50
    with pytest.raises(StoreClosed):
        await store.save("party", "late", {}, expected_version=0)
    with pytest.raises(StoreClosed):
        await store.load("party", "0")


async def test_an_error_in_the_block_propagates_as_itself_after_the_flush(store_url: str) -> None:
    saved: list[int] = []

    async def save(store: Store) -> None:
        saved.append(await store.save("party", "p1", {}, expected_version=0))

    async with trio.open_nursery() as savers:
        with pytest.raises(KeyError):  # not an ExceptionGroup from the store's own nursery
            async with open_store(store_url) as store:
                savers.start_soon(save, store)
                await trio.testing.wait_all_tasks_blocked()
                raise KeyError("boom")
        assert saved == [1]


async def test_a_cancelled_block_fails_queued_saves_with_store_closed(store_url: str) -> None:
    failures: list[StoreClosed] = []

    async def save(store: Store, key: str) -> None:
        try:
            await store.save("party", key, {}, expected_version=0)
        except StoreClosed as exc:
            failures.append(exc)

    async with trio.open_nursery() as savers:
        with trio.CancelScope() as scope:
            # One save per commit, so that the others are still queued when the block is cancelled.
            async with open_store(store_url, group_commit=False) as store:
                for n in range(5):
                    savers.start_soon(save, store, str(n))
                await trio.testing.wait_all_tasks_blocked()
                scope.cancel()
                await trio.lowlevel.checkpoint()
    # Each save either made it into the commit under way or failed; none was left hanging.
    assert len(failures) + store.statistics().saves == 5
    if not store_url.startswith("memory"):
        assert failures  # memory commits without blocking: nothing is left queued to fail
    assert scope.cancelled_caught


async def test_a_cancelled_save_may_still_commit(store_url: str) -> None:
    async with open_store(store_url) as store:
        with trio.CancelScope() as scope:
            scope.cancel()
            await store.save("party", "p1", {"cancelled": True}, expected_version=0)
        assert scope.cancelled_caught
        # Writes are ordered: once a later one has committed, so has the cancelled one.
        await store.save("party", "later", {}, expected_version=0)
        assert await store.load("party", "p1") == Record(1, {"cancelled": True})
