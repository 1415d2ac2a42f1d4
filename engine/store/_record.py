"""The values the store hands out: a record and the writer's statistics."""

from __future__ import annotations

from typing import Any

import attrs

from ._latency import LatencyHistogram


@attrs.frozen
class Record:
    """One saved state: ``version`` counts saves since the key was created (the first is 1).

    ``data`` is a fresh dict decoded from the stored JSON: the caller may keep or change it.
    """

    version: int
    data: dict[str, Any]


@attrs.frozen
class StoreStatistics:
    """A snapshot of the writer's counters since the store was opened.

    ``commits`` counts committed transactions and ``saves`` the saves they made durable (a
    conflicting save is not counted). The writer commits in batches: ``mean_batch_size`` is
    writes (saves, deletes, trims, conflicting or not) per batch, and the latencies are the
    wall-clock seconds from the start of a batch to durable, the last and the mean. A batch is
    one transaction unless one of its writes failed and it was replayed write by write.
    ``queue_depth`` is the writes waiting for the next batch (not those in the one under way).
    ``commit_latency`` counts every batch's latency in buckets.
    """

    commits: int
    saves: int
    mean_batch_size: float
    last_commit_latency: float
    mean_commit_latency: float
    queue_depth: int
    commit_latency: LatencyHistogram = attrs.field(factory=LatencyHistogram)
