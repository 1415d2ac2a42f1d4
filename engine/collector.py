"""The garbage collector's policy for a process holding many long-lived objects: a server's
connections, a load generator's players.

CPython's full collection walks every tracked object, and it runs whenever the objects that
survived into the oldest generation since the last one reach a quarter of those there. Every
open connection is some fifty objects (socket, stream, protocol state, task, peer), none of
them garbage, so with 10,000 of them a full collection walked 530,000 objects and stopped
the process for 0.9 to 1.3 s, every 3 to 4 s while connections arrived and every 10 s or so
after (bench: ``party-engine loadtest idle --players 10000``, ping p99 7.0 s, p50 3.6 ms).

``freeze_survivors`` freezes what survives each full collection (``gc.freeze``: moved out of
the collector's sight), so each object is walked by at most one full collection after it
has aged, and later ones walk only what is newer. Measured on the same run: no pause over
100 ms once the connections were open, ping p99 156 ms and p50 1.4 ms.

The price: a reference cycle among frozen objects is never collected (objects freed by their
reference count, almost all of them, still are). The engine keeps cycles out of its
per-request and per-connection paths (see docs/architecture.md); an app that builds cycles
in long-lived state should break them itself.

It also raises the youngest generation's threshold from CPython's 700 to `YOUNG_THRESHOLD`.
The threshold counts container allocations not yet freed, and building one game move's
events holds several hundred at once, so at 700 a busy server collected the young generation
about once a move, and every tenth of those walked the middle one, promoting whatever was in
flight to the oldest. At 300 Liap Tui games (`party-engine loadtest liaptui`, 75 s) that was
868 young, 78 middle and 7 full collections, 1.5 s of the server's time, the full ones 40 ms
each; at 10,000: 15, 1 and 0, 0.26 s. Memory between collections grows by at most that many
objects.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["YOUNG_THRESHOLD", "freeze_survivors"]

_OLDEST = 2
#: Container allocations (net of frees) that trigger a young collection inside the block.
YOUNG_THRESHOLD = 10_000


def _after_collection(phase: str, info: dict[str, Any]) -> None:
    if phase == "stop" and info["generation"] == _OLDEST:
        gc.freeze()


@contextmanager
def freeze_survivors() -> Iterator[None]:
    """While inside: what is alive now, and what survives each full collection, is frozen, and
    the young generation is collected every `YOUNG_THRESHOLD` allocations."""
    thresholds = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, *thresholds[1:])
    gc.freeze()
    gc.callbacks.append(_after_collection)
    try:
        yield
    finally:
        gc.callbacks.remove(_after_collection)
        gc.set_threshold(*thresholds)
