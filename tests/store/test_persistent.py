"""Persistent actors on every backend: commit before reply, rollback on rejection, reload."""

from __future__ import annotations

import functools

import pytest
import trio
import trio.testing

from engine.actors import ActorCrashed
from engine.store import Superseded, get_or_restore, open_store
from engine.supervisors import SupervisorSpec, open_actor_system

from persistent_tally import Add, Close, Duplicate, Explode, Seen, TallyActor


async def test_acknowledged_means_committed(store_url):
    async with open_store(store_url) as store, open_actor_system() as system:
        ref = await system.spawn(lambda: TallyActor(store, "a"))
        assert await ref.ask(Add(1)) == 1
        record = await store.load("test.tally", "a")
        assert record is not None and record.data == {"seen": [1]}
        assert await store.read_events("test.tally", "a", after=0) == [(1, {"n": 1})]


async def test_rejection_changes_nothing(store_url):
    async with open_store(store_url) as store, open_actor_system() as system:
        ref = await system.spawn(lambda: TallyActor(store, "a"))
        await ref.ask(Add(1))
        before = await store.load("test.tally", "a")
        with pytest.raises(Duplicate):
            await ref.ask(Add(1))
        after = await store.load("test.tally", "a")
        assert before is not None and after is not None and after.version == before.version
        assert await ref.ask(Seen()) == [1]


async def test_crash_mid_message_restarts_with_last_committed_state(store_url):
    async with open_store(store_url) as store, open_actor_system() as system:
        ref = await system.spawn(lambda: TallyActor(store, "a"))
        await ref.ask(Add(1))
        with pytest.raises(ActorCrashed):
            await ref.ask(Explode(99))
        assert await ref.ask(Seen()) == [1]
        assert await ref.ask(Add(2)) == 2


async def test_state_survives_a_restart_of_everything(durable_url):
    async with open_store(durable_url) as store, open_actor_system() as system:
        ref = await system.spawn(lambda: TallyActor(store, "a"))
        for n in range(5):
            await ref.ask(Add(n))
    async with open_store(durable_url) as store, open_actor_system() as system:
        sup = await system.start_supervisor(SupervisorSpec(id="tallies"))
        ref = await get_or_restore(sup, ("tally", "a"), lambda: TallyActor(store, "a"))
        assert await ref.ask(Seen()) == [0, 1, 2, 3, 4]


async def test_unknown_key_is_not_restored(store_url):
    class Strict(TallyActor):
        def initial_state(self):
            return None

    async with open_store(store_url) as store, open_actor_system() as system:
        sup = await system.start_supervisor(SupervisorSpec(id="tallies"))
        assert await get_or_restore(sup, ("tally", "zz"), lambda: Strict(store, "zz")) is None
        assert system.lookup(("tally", "zz")) is None


async def test_finish_deletes_state_and_events_and_stops(store_url):
    async with open_store(store_url) as store, open_actor_system() as system:
        ref = await system.spawn(lambda: TallyActor(store, "a"))
        await ref.ask(Add(1))
        await ref.ask(Close())
        assert await ref.wait_stopped() == "normal"
        assert await store.load("test.tally", "a") is None
        assert await store.read_events("test.tally", "a", after=0) == []


async def test_many_actors_share_commits(store_url):
    async with open_store(store_url) as store, open_actor_system() as system:
        refs = [
            await system.spawn(functools.partial(TallyActor, store, f"k{k}")) for k in range(50)
        ]
        async with trio.open_nursery() as nursery:
            for ref in refs:
                nursery.start_soon(ref.ask, Add(1))
        stats = store.statistics()
        assert stats.saves >= 50
        if not store_url.startswith("memory"):
            assert stats.commits < stats.saves


async def test_a_crash_looping_party_is_marked_failed_and_restored_from_its_last_commit(store_url):
    async with open_store(store_url) as store, open_actor_system() as system:
        sup = await system.start_supervisor(SupervisorSpec(id="tallies"))

        def restore():
            return get_or_restore(sup, ("tally", "a"), lambda: TallyActor(store, "a"))

        ref = await restore()
        await ref.ask(Add(1))
        for n in range(4):  # the same poison input, past the party's 3 restarts
            with pytest.raises(ActorCrashed):
                await ref.ask(Explode(n))
        await trio.testing.wait_all_tasks_blocked()
        assert not ref.alive and system.lookup(("tally", "a")) is None
        assert (sup.restarts, sup.failed_children) == (3, 1)
        again = await restore()
        assert again is not ref and await again.ask(Seen()) == [1]


async def test_a_copy_whose_key_another_wrote_since_is_superseded_and_stops(store_url):
    # Two copies of one key, as on two nodes of a cluster when one was paused past its lease
    # and the other took the party over: each saves from the version it loaded.
    async with open_store(store_url) as store, open_actor_system() as system:
        sup = await system.start_supervisor(SupervisorSpec(id="tallies"))

        def copy(name: str):
            return get_or_restore(sup, (name, "a"), lambda: TallyActor(store, "a"))

        stale = await copy("stale")
        await stale.ask(Add(1))
        fresh = await copy("fresh")
        assert await fresh.ask(Add(2)) == 2  # the new owner writes first
        with pytest.raises(Superseded):
            await stale.ask(Add(3))
        assert await stale.wait_stopped() == "shutdown"  # not restarted to run beside it
        assert sup.restarts == 0 and system.lookup(("stale", "a")) is None
        # Nor can a stale copy delete what the other wrote since it loaded.
        late = await copy("late")
        await fresh.ask(Add(4))
        with pytest.raises(Superseded):
            await late.ask(Close())
        assert await late.wait_stopped() == "shutdown"
        record = await store.load("test.tally", "a")
        assert record is not None and record.data == {"seen": [1, 2, 4]}
        events = await store.read_events("test.tally", "a", after=0)
        assert events == [(1, {"n": 1}), (2, {"n": 2}), (3, {"n": 4})]
