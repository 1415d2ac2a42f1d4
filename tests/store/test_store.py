"""The Store interface's behaviour, the same on every backend."""

from __future__ import annotations

import contextlib
import functools
from typing import Any

import pytest
import trio

from engine.net import json_dumps
from engine.store import JsonText, Record, StoreError, VersionConflict, open_store


async def test_save_then_load(store_url: str) -> None:
    async with open_store(store_url) as store:
        assert await store.load("party", "p1") is None
        assert await store.save("party", "p1", {"host": "ann"}, expected_version=0) == 1
        assert await store.save("party", "p1", {"host": "bob"}, expected_version=1) == 2
        assert await store.load("party", "p1") == Record(2, {"host": "bob"})
        assert await store.load("room", "p1") is None


async def test_data_round_trips_as_json(store_url: str) -> None:
    data = {"n": 1, "f": 0.5, "s": "é\x00\ud800", "l": [1, None, True], "d": {"k": []}}
    async with open_store(store_url) as store:
        await store.save("party", "p1", data, expected_version=0, events=[(1, data)])
        assert (await store.load("party", "p1")) == Record(1, data)
        assert await store.read_events("party", "p1", 0) == [(1, data)]
        # JSON's rules on every backend, memory included: keys become strings, tuples lists.
        await store.save("party", "p1", {"t": (1, 2), "i": {3: 4}}, expected_version=1)
        assert (await store.load("party", "p1")) == Record(2, {"t": [1, 2], "i": {"3": 4}})


async def test_events_given_as_json_text_read_back_as_the_same_values(store_url: str) -> None:
    # What a party's event stream hands the store: the wire's text (UTF-8, not ASCII-escaped).
    events: list[dict[str, Any]] = [
        {"text": 'é\x00\x1f\u2028 😀 \\ "', "n": [1, 2.5, -(2**70), None, True], "d": {}},
        {"big": 1e300, "tiny": 5e-324, "nested": {"k": [[{}]]}},
    ]
    async with open_store(store_url) as store:
        texted = [(n, JsonText(json_dumps(event))) for n, event in enumerate(events, 1)]
        await store.save("party", "texts", {}, expected_version=0, events=texted)
        await store.save(
            "party", "dicts", {}, expected_version=0, events=list(enumerate(events, 1))
        )
        from_text = await store.read_events("party", "texts", 0)
        assert from_text == await store.read_events("party", "dicts", 0)
        assert from_text == list(enumerate(events, 1))


async def test_stale_version_conflicts_and_writes_nothing(store_url: str) -> None:
    async with open_store(store_url) as store:
        await store.save("party", "p1", {"v": 1}, expected_version=0)
        await store.save("party", "p1", {"v": 2}, expected_version=1)
        with pytest.raises(VersionConflict) as caught:
            await store.save("party", "p1", {"v": 3}, expected_version=1, events=[(1, {})])
        assert (caught.value.expected_version, caught.value.actual_version) == (1, 2)
        with pytest.raises(VersionConflict) as caught:
            await store.save("party", "nobody", {}, expected_version=4)
        assert caught.value.actual_version == 0
        assert await store.load("party", "p1") == Record(2, {"v": 2})
        assert await store.read_events("party", "p1", 0) == []


async def test_expected_version_zero_on_an_existing_key_conflicts(store_url: str) -> None:
    async with open_store(store_url) as store:
        await store.save("party", "p1", {"first": True}, expected_version=0)
        with pytest.raises(VersionConflict):
            await store.save("party", "p1", {"first": False}, expected_version=0)
        assert await store.load("party", "p1") == Record(1, {"first": True})


async def test_concurrent_conflicting_saves_exactly_one_wins(store_url: str) -> None:
    outcomes: dict[int, object] = {}

    async def contender(store, n: int) -> None:
        try:
            outcomes[n] = await store.save(
                "party", "p1", {"winner": n}, expected_version=1, events=[(2, {"by": n})]
            )
        except VersionConflict as exc:
            outcomes[n] = exc

    async with open_store(store_url) as store:
        await store.save("party", "p1", {}, expected_version=0, events=[(1, {})])
        async with trio.open_nursery() as nursery:
            for n in range(20):
                nursery.start_soon(contender, store, n)
        winners = [n for n, result in outcomes.items() if result == 2]
        assert len(winners) == 1
        assert all(isinstance(outcomes[n], VersionConflict) for n in outcomes if n != winners[0])
        assert await store.load("party", "p1") == Record(2, {"winner": winners[0]})
        assert await store.read_events("party", "p1", 1) == [(2, {"by": winners[0]})]


async def test_concurrent_creations_exactly_one_wins(store_url: str) -> None:
    async with open_store(store_url) as store:
        async with trio.open_nursery() as nursery:
            for n in range(10):
                nursery.start_soon(_save_or_conflict, store, n)
        record = await store.load("party", "new")
        assert record is not None and record.version == 1


async def _save_or_conflict(store, n: int) -> None:
    with contextlib.suppress(VersionConflict):
        await store.save("party", "new", {"n": n}, expected_version=0)


async def test_delete_removes_the_state_and_its_events(store_url: str) -> None:
    async with open_store(store_url) as store:
        await store.save("party", "p1", {}, expected_version=0, events=[(1, {}), (2, {})])
        await store.save("party", "p2", {}, expected_version=0, events=[(1, {})])
        await store.delete("party", "p1")
        await store.delete("party", "never-saved")
        assert await store.load("party", "p1") is None
        assert await store.read_events("party", "p1", 0) == []
        assert await store.read_events("party", "p2", 0) == [(1, {})]
        # The key can be created again, with a fresh log.
        assert await store.save("party", "p1", {}, expected_version=0, events=[(1, {})]) == 1


async def test_a_delete_expecting_a_version_deletes_only_that_version(store_url: str) -> None:
    async with open_store(store_url) as store:
        await store.save("party", "p1", {}, expected_version=0, events=[(1, {})])
        await store.save("party", "p1", {"v": 2}, expected_version=1)
        with pytest.raises(VersionConflict) as caught:
            await store.delete("party", "p1", expected_version=1)
        assert (caught.value.expected_version, caught.value.actual_version) == (1, 2)
        assert await store.load("party", "p1") == Record(2, {"v": 2})
        assert await store.read_events("party", "p1", 0) == [(1, {})]
        # A key gone already is no conflict: there is nothing left to delete.
        await store.delete("party", "never-saved", expected_version=3)
        await store.delete("party", "p1", expected_version=2)
        assert await store.load("party", "p1") is None
        assert await store.read_events("party", "p1", 0) == []
        with pytest.raises(ValueError, match="expected_version"):
            await store.delete("party", "p1", expected_version=-1)


async def test_keys_and_load_all_are_per_kind_and_sorted(store_url: str) -> None:
    async with open_store(store_url) as store:
        for key in ["b", "a", "c"]:
            await store.save("party", key, {"key": key}, expected_version=0)
        await store.save("room", "z", {}, expected_version=0)
        await store.save("party", "a", {"key": "a2"}, expected_version=1)
        assert await store.keys("party") == ["a", "b", "c"]
        assert await store.load_all("party") == [
            ("a", Record(2, {"key": "a2"})),
            ("b", Record(1, {"key": "b"})),
            ("c", Record(1, {"key": "c"})),
        ]
        assert await store.keys("nothing") == []
        assert await store.load_all("nothing") == []


async def test_event_ranges(store_url: str) -> None:
    async with open_store(store_url) as store:
        await store.save(
            "party", "p1", {}, expected_version=0, events=[(3, {"n": 3}), (1, {"n": 1})]
        )
        await store.save(
            "party", "p1", {}, expected_version=1, events=[(2, {"n": 2}), (5, {"n": 5})]
        )
        seqs = [1, 2, 3, 5]
        assert [seq for seq, _ in await store.read_events("party", "p1", 0)] == seqs
        assert await store.read_events("party", "p1", 2) == [(3, {"n": 3}), (5, {"n": 5})]
        assert await store.read_events("party", "p1", 1, upto=3) == [(2, {"n": 2}), (3, {"n": 3})]
        assert await store.read_events("party", "p1", 5) == []
        assert await store.read_events("party", "p1", 3, upto=3) == []
        assert len(await store.read_events("party", "p1", -(2**70), upto=2**70)) == 4
        assert await store.read_events("party", "other", 0) == []


async def test_trim_drops_events_up_to_seq_and_keeps_the_state(store_url: str) -> None:
    async with open_store(store_url) as store:
        events = [(seq, {"n": seq}) for seq in range(1, 6)]
        await store.save("party", "p1", {"kept": True}, expected_version=0, events=events)
        await store.trim_events("party", "p1", 3)
        assert await store.read_events("party", "p1", 0) == [(4, {"n": 4}), (5, {"n": 5})]
        await store.trim_events("party", "p1", 2**70)
        assert await store.read_events("party", "p1", 0) == []
        assert await store.load("party", "p1") == Record(1, {"kept": True})
        await store.trim_events("party", "never-saved", 10)


async def test_a_save_with_a_logged_seq_fails_whole_and_alone(store_url: str) -> None:
    """State and events commit together; the failing save's batch-mates still commit."""
    async with open_store(store_url) as store:
        await store.save("party", "p1", {"v": 1}, expected_version=0, events=[(1, {})])
        failed = trio.Event()

        async def bad() -> None:
            with pytest.raises(StoreError) as caught:
                await store.save(
                    "party", "p1", {"v": 2}, expected_version=1, events=[(2, {}), (1, {})]
                )
            assert not isinstance(caught.value, VersionConflict)
            failed.set()

        async with trio.open_nursery() as nursery:
            for n in range(5):
                nursery.start_soon(
                    functools.partial(store.save, "other", str(n), {}, expected_version=0)
                )
            nursery.start_soon(bad)
        assert failed.is_set()
        assert await store.load("party", "p1") == Record(1, {"v": 1})
        assert await store.read_events("party", "p1", 0) == [(1, {})]
        assert await store.keys("other") == ["0", "1", "2", "3", "4"]
        assert await store.save("party", "p1", {"v": 2}, expected_version=1, events=[(2, {})]) == 2


@pytest.mark.parametrize(
    ("data", "kwargs", "error"),
    [
        ({"x": {1, 2}}, {}, TypeError),
        ({"x": float("nan")}, {}, ValueError),
        (["not", "a", "dict"], {}, TypeError),
        ({}, {"events": [(1, {}), (1, {})]}, ValueError),
        ({}, {"events": [(2**63, {})]}, ValueError),
        ({}, {"events": [(1, {"x": object()})]}, TypeError),
        ({}, {"expected_version": -1}, ValueError),
        ({}, {"expected_version": 2**63}, ValueError),
        ({}, {"key": 1}, TypeError),
    ],
)
async def test_bad_arguments_raise_before_anything_is_queued(
    store_url: str, data: object, kwargs: dict, error: type[Exception]
) -> None:
    async with open_store(store_url) as store:
        with pytest.raises(error):
            await store.save(
                **{"kind": "party", "key": "p1", "data": data, "expected_version": 0, **kwargs}
            )
        assert await store.load("party", "p1") is None
        assert store.statistics().commits == 0


async def test_writes_refuse_keys_that_are_not_str(store_url: str) -> None:
    async with open_store(store_url) as store:
        with pytest.raises(TypeError):
            await store.delete("party", 1)  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            await store.trim_events(b"party", "p1", 3)  # type: ignore[arg-type]
