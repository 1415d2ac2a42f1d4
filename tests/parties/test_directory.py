"""PartyDirectory: ids without collisions, create, get-or-restore, restore-all, listing, finish."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any, cast

import attrs
import pytest
import trio
import trio.testing

from engine.actors import NameTaken
from engine.net import PeerConnected
from engine.parties import PartyDirectory, PartyDirectoryStatistics, start_party_directory
from engine.parties.testing import memory_member
from engine.store import STATE_CONVERTER, Store
from engine.supervisors import ChildStartFailed, open_actor_system

from .conftest import ERRORS, Counter, Hide, Hooks, Listing, Tally


@attrs.define
class Scripted:
    """Ids drawn from a script, to make collisions happen on purpose."""

    script: Iterator[str]
    may_collide: bool = True

    def new(self) -> str:
        return next(self.script)

    def parse(self, text: str) -> str | None:
        return text


async def save(store: Store, party_id: str, tally: Tally) -> None:
    data = STATE_CONVERTER.unstructure(tally, Tally)
    await store.save(Counter.kind, party_id, data, expected_version=0)


async def test_a_code_that_is_live_or_saved_is_drawn_again(store: Store) -> None:
    await save(store, "SAVED", Tally())
    ids = Scripted(iter(["AAAAA", "AAAAA", "SAVED", "BBBBB"]))
    async with open_actor_system() as system:
        directory = await start_party_directory(system, store, Counter, errors=ERRORS, ids=ids)
        first, _ = await directory.create(Tally())
        second, _ = await directory.create(Tally())
        assert (first, second) == ("AAAAA", "BBBBB")
        # The saved party was not overwritten by the new one.
        record = await store.load(Counter.kind, "SAVED")
        assert record is not None and record.version == 1


async def test_create_gives_up_when_no_free_code_turns_up(store: Store) -> None:
    async with open_actor_system() as system:
        ids = Scripted(iter(["AAAAA"] * 11))
        directory = await start_party_directory(system, store, Counter, errors=ERRORS, ids=ids)
        await directory.create(Tally())
        with pytest.raises(RuntimeError, match=r"no free test\.counter id"):
            await directory.create(Tally())


async def test_create_with_a_chosen_id_refuses_one_that_is_live_or_saved(store: Store) -> None:
    await save(store, "SAVED", Tally())
    async with open_actor_system() as system:
        directory = await start_party_directory(system, store, Counter, errors=ERRORS)
        party_id, ref = await directory.create(Tally(), party_id="CHOSEN")
        assert party_id == "CHOSEN" and directory.find("CHOSEN") is ref
        for taken in ("CHOSEN", "SAVED"):
            with pytest.raises(NameTaken):
                await directory.create(Tally(), party_id=taken)
        # The saved party was not overwritten, nor started.
        record = await store.load(Counter.kind, "SAVED")
        assert record is not None and record.version == 1
        assert directory.find("SAVED") is None


async def test_create_returns_once_the_party_is_durable(
    directory: PartyDirectory[Counter], store: Store
) -> None:
    party_id, ref = await directory.create(Tally(count=3))
    assert len(party_id) == 6 and directory.find(party_id) is ref
    record = await store.load(Counter.kind, party_id)
    assert record is not None and record.data["count"] == 3
    assert await ref.ask(Hooks()) == [("ready", False)]


async def test_get_or_create_makes_one_party_for_concurrent_callers(store: Store) -> None:
    await save(store, "SAVED", Tally(count=7))
    async with open_actor_system() as system:
        directory = await start_party_directory(system, store, Counter, errors=ERRORS)
        refs: list[Any] = []

        async def get_or_create() -> None:
            refs.append(await directory.get_or_create("ONE", Tally(count=2)))

        async with trio.open_nursery() as nursery:
            for _ in range(5):
                nursery.start_soon(get_or_create)
        assert len(refs) == 5 and all(ref == directory.find("ONE") for ref in refs)
        record = await store.load(Counter.kind, "ONE")
        assert record is not None and record.version == 1 and record.data["count"] == 2
        # A saved party is restored, not created anew from the seed.
        saved = await directory.get_or_create("SAVED", Tally(count=0))
        assert saved == directory.find("SAVED")
        record = await store.load(Counter.kind, "SAVED")
        assert record is not None and record.data["count"] == 7


@attrs.define
class HeldLoads:
    """``store``, with its loads of ``held`` waiting for ``go``."""

    store: Store
    held: str
    go: trio.Event = attrs.field(factory=trio.Event)

    async def load(self, kind: str, key: str) -> Any:
        if key == self.held:
            await self.go.wait()
        return await self.store.load(kind, key)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.store, name)


async def test_a_get_while_the_party_is_being_created_answers_the_new_party(
    store: Store,
) -> None:
    held = HeldLoads(store, "NEW")
    async with open_actor_system() as system:
        directory = await start_party_directory(system, cast(Store, held), Counter, errors=ERRORS)
        found: list[Any] = []

        async def get() -> None:
            found.append(await directory.get("NEW"))

        async with trio.open_nursery() as nursery:
            # The create checks that no party "NEW" is saved: the get comes meanwhile.
            nursery.start_soon(partial(directory.create, Tally(count=4), party_id="NEW"))
            await trio.testing.wait_all_tasks_blocked()
            nursery.start_soon(get)
            await trio.testing.wait_all_tasks_blocked()
            held.go.set()
        assert found == [directory.find("NEW")] and found[0] is not None
        assert await found[0].ask(Hooks()) == [("ready", False)]


async def test_get_restores_a_saved_party_and_answers_none_for_an_unknown_one(
    store: Store,
) -> None:
    await save(store, "SAVED", Tally(count=7))
    await save(store, "OVER", Tally(over=True))
    await save(store, "BROKEN", Tally(broken=True))
    async with open_actor_system() as system:
        directory = await start_party_directory(system, store, Counter, errors=ERRORS)
        assert directory.find("SAVED") is None  # not restored at start without restore_all
        ref = await directory.get("SAVED")
        assert ref is not None and await ref.ask(Hooks()) == [("ready", True)]
        assert directory.listing() == [Listing("SAVED", 7)]
        assert await directory.get("NEVER") is None
        # Found over while loading: deleted, and "not found".
        assert await directory.get("OVER") is None
        assert await store.load(Counter.kind, "OVER") is None
        # Any other failure to start is a failure, not "not found".
        with pytest.raises(ChildStartFailed):
            await directory.get("BROKEN")
        # Parties that did not start leave nothing behind.
        assert directory.statistics() == PartyDirectoryStatistics(parties=1, listed=1)


async def test_restore_all_starts_every_saved_party_and_skips_bad_records(
    store: Store,
) -> None:
    for party_id in ("ONE", "TWO"):
        await save(store, party_id, Tally(count=len(party_id)))
    await save(store, "BROKEN", Tally(broken=True))
    async with open_actor_system() as system:
        directory = await start_party_directory(
            system, store, Counter, errors=ERRORS, restore_all=True
        )
        assert directory.find("ONE") is not None and directory.find("TWO") is not None
        assert directory.find("BROKEN") is None
        assert await store.load(Counter.kind, "BROKEN") is not None  # left for a person to see
        assert await directory.restore_all() == 2


async def test_the_listing_follows_the_parties_without_asking_them(
    directory: PartyDirectory[Counter],
) -> None:
    changes: list[tuple[str, Any]] = []
    stop = directory.listen(lambda party_id, summary: changes.append((party_id, summary)))
    small, small_ref = await directory.create(Tally(count=1))
    big, _ = await directory.create(Tally(count=10))
    assert directory.listing() == [Listing(small, 1), Listing(big, 10)]
    assert directory.listing(lambda listing: listing.count > 5) == [Listing(big, 10)]
    await small_ref.ask(Hide())
    assert directory.listing() == [Listing(big, 10)]
    assert changes == [
        (small, Listing(small, 1)),
        (big, Listing(big, 10)),
        (small, None),
    ]
    stop()
    await directory.finish(big)
    assert directory.listing() == [] and len(changes) == 3


async def test_finish_deletes_the_party_and_closes_its_connections(
    directory: PartyDirectory[Counter], store: Store
) -> None:
    party_id, ref = await directory.create(Tally())
    peer, inbox = memory_member("ann")
    ref.tell(PeerConnected(peer))
    assert await directory.finish(party_id) is True
    assert inbox.take_all() == [{"type": "bye", "sequence_number": 1}]
    assert (inbox.close_code, inbox.close_reason) == (1000, "party over")
    assert await store.load(Counter.kind, party_id) is None
    assert directory.statistics() == PartyDirectoryStatistics(parties=0, listed=0)
    assert await directory.get(party_id) is None
    assert await directory.finish(party_id) is False
