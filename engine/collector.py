"""The garbage collector's policy for a process holding many long-lived objects: a server's
connections and games, a load generator's players.

CPython's collector walks a generation's objects whenever it runs, and an object that lives
through a collection moves to an older generation, walked again by the next collection of
that one. A server's heap is mostly objects that live for seconds or for ever: connections
(some fifty objects each), games' states, the awaits of tasks waiting for their next
message. Left to CPython:

- Full collections walked every connection: with 10,000 of them, 530,000 objects and 0.9 to
  1.3 s every 3 to 4 s while they arrived (``party-engine loadtest idle --players 10000``,
  ping p99 7.0 s).
- The young generation is collected when container allocations net of frees pass a
  threshold. A busy server whose heap has stopped growing replaces objects as fast as it
  makes them (each move a new game state, each wake of a task a new chain of awaits), so the
  count barely moves while the young generation fills with the replacements: at 1,000 Liap
  Tui games (`party-engine loadtest liaptui`, SQLite) a young collection came every 12 s and
  walked 60,000 to 140,000 objects in 60 to 90 ms, a middle one 100 ms; each such pause was a
  spike of every player's latency (play p99 116 to 136 ms, p50 14 ms).

``freeze_survivors`` freezes what survives every collection (``gc.freeze``: moved out of the
collector's sight, in constant time), so an object is walked at most once in its life, by the
first collection after its birth; the older generations stay empty. ``collect_young``
collects the young generation every `COLLECTION_INTERVAL` seconds, so that what one
collection walks is what the process made in that time and still holds: at 1,000 games,
6.5 ms on average (p90 9 ms, at most 16 ms) four times a second, 2.6% of a core; play p99
36 to 41 ms in three runs. Every half second, a collection walked about 28,000 objects in 11
to 25 ms (p99 41 to 54 ms in four runs).

The price: a reference cycle that becomes garbage after its objects lived through a
collection is never freed (objects freed by their reference count, almost all, still are;
so are cycles made and dropped between two collections). The engine keeps cycles out of its
paths: at 1,000 games no collection found any garbage cycle in 90 s, and see
docs/architecture.md for what a run of every scenario left. An app that builds cycles in
long-lived state should break them itself.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import trio

__all__ = ["COLLECTION_INTERVAL", "YOUNG_THRESHOLD", "collect_young", "freeze_survivors"]

#: Seconds between two young collections of `collect_young`.
COLLECTION_INTERVAL = 0.25
#: Container allocations (net of frees) that trigger a young collection inside
#: `freeze_survivors` before `collect_young` would: a burst of allocations is still bounded.
YOUNG_THRESHOLD = 10_000


def _after_collection(phase: str, info: dict[str, Any]) -> None:
    if phase == "stop":
        gc.freeze()


@contextmanager
def freeze_survivors(young_threshold: int = YOUNG_THRESHOLD) -> Iterator[None]:
    """While inside: what is alive now, and what survives each collection, is frozen, and the
    young generation is collected every `young_threshold` container allocations (net of
    frees) at the latest. Run `collect_young` alongside to collect it on time rather than on
    allocations."""
    thresholds = gc.get_threshold()
    gc.set_threshold(young_threshold, *thresholds[1:])
    gc.freeze()
    gc.callbacks.append(_after_collection)
    try:
        yield
    finally:
        gc.callbacks.remove(_after_collection)
        gc.set_threshold(*thresholds)


async def collect_young(interval: float = COLLECTION_INTERVAL) -> NoReturn:
    """Collect the young generation every `interval` seconds, for ever (cancel to stop).

    Inside `freeze_survivors`, each collection then walks only what was made since the last
    one and is still alive, and freezes it."""
    while True:
        await trio.sleep(interval)
        gc.collect(0)
