"""engine.collector: what survives any collection is frozen; newer cycles are still freed;
`collect_young` collects on time; the threshold is raised inside the block only."""

from __future__ import annotations

import gc
import weakref

import trio
import trio.testing

from engine.collector import COLLECTION_INTERVAL, YOUNG_THRESHOLD, collect_young, freeze_survivors


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def cycle() -> weakref.ref[Node]:
    first, second = Node(), Node()
    first.other, second.other = second, first
    return weakref.ref(first)


def young(obj: object) -> bool:
    return any(o is obj for o in gc.get_objects(generation=0))


def test_survivors_of_any_collection_are_frozen_and_newer_cycles_collected() -> None:
    gc.unfreeze()
    thresholds = gc.get_threshold()
    try:
        with freeze_survivors():
            frozen_at_start = gc.get_freeze_count()
            assert frozen_at_start > 0  # what was alive on entry
            assert gc.get_threshold()[0] == YOUNG_THRESHOLD
            kept = [Node() for _ in range(1000)]
            assert young(kept[0])
            gc.collect(0)
            # The survivors of a young collection are out of the collector's sight now, not
            # in the middle generation...
            assert gc.get_freeze_count() >= frozen_at_start + len(kept)
            assert not young(kept[0]) and not gc.get_objects(generation=1)
            # ...and a cycle made afterwards is collected as before.
            garbage = cycle()
            gc.collect(0)
            assert garbage() is None
        # Off once the block is left: a collection freezes nothing more.
        assert gc.get_threshold() == thresholds
        frozen = gc.get_freeze_count()
        kept.extend(Node() for _ in range(1000))
        gc.collect()
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()


def test_collect_young_collects_every_interval() -> None:
    clock = trio.testing.MockClock(autojump_threshold=0)
    collections: list[float] = []

    def count(phase: str, info: dict[str, int]) -> None:
        if phase == "stop" and info["generation"] == 0:
            collections.append(clock.current_time())

    async def main() -> None:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(collect_young)
            await trio.sleep(COLLECTION_INTERVAL * 3.5)
            nursery.cancel_scope.cancel()

    gc.callbacks.append(count)
    try:
        trio.run(main, clock=clock)
    finally:
        gc.callbacks.remove(count)
    # Automatic collections may come too; the timed ones are there, on time.
    timed = {round(t / COLLECTION_INTERVAL, 6) for t in collections}
    assert {1.0, 2.0, 3.0} <= timed
