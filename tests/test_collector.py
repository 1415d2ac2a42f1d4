"""engine.collector: what survives a full collection is frozen; newer cycles are still freed;
the young generation's threshold is raised inside the block only."""

from __future__ import annotations

import gc
import weakref

from engine.collector import YOUNG_THRESHOLD, freeze_survivors


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def cycle() -> weakref.ref[Node]:
    first, second = Node(), Node()
    first.other, second.other = second, first
    return weakref.ref(first)


def test_survivors_of_a_full_collection_are_frozen_and_newer_cycles_collected() -> None:
    gc.unfreeze()
    thresholds = gc.get_threshold()
    try:
        with freeze_survivors():
            frozen_at_start = gc.get_freeze_count()
            assert frozen_at_start > 0  # what was alive on entry
            assert gc.get_threshold()[0] == YOUNG_THRESHOLD
            kept = [Node() for _ in range(1000)]
            gc.collect()
            # The survivors (these among them) are out of the collector's sight now...
            assert gc.get_freeze_count() >= frozen_at_start + len(kept)
            # ...and a cycle made afterwards is collected as before.
            garbage = cycle()
            gc.collect()
            assert garbage() is None
        # Off once the block is left: a full collection freezes nothing more.
        assert gc.get_threshold() == thresholds
        frozen = gc.get_freeze_count()
        kept.extend(Node() for _ in range(1000))
        gc.collect()
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
