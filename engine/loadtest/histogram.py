"""Latencies as a mergeable histogram with logarithmic buckets.

A load test times hundreds of thousands of actions in several processes; keeping every sample
would grow without bound and ship megabytes between processes. Buckets grow by 2 % from one
microsecond, so any percentile read from a histogram is within 2 % of the true sample, the
maximum is exact, and histograms from several processes or seconds add up exactly.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

__all__ = ["Histogram"]

_GROWTH = 1.02
_LOG_GROWTH = math.log(_GROWTH)
_SMALLEST = 1e-6  # seconds: everything faster lands in bucket 0


def _bucket(seconds: float) -> int:
    if seconds <= _SMALLEST:
        return 0
    return 1 + int(math.log(seconds / _SMALLEST) / _LOG_GROWTH)


def _upper_bound(bucket: int) -> float:
    return float(_SMALLEST * _GROWTH**bucket)


@attrs.define
class Histogram:
    """Counts of latencies (seconds) by bucket, with their exact count, sum and maximum."""

    buckets: Counter[int] = attrs.field(factory=Counter)
    count: int = 0
    total: float = 0.0
    maximum: float = 0.0

    def record(self, seconds: float) -> None:
        self.buckets[_bucket(seconds)] += 1
        self.count += 1
        self.total += seconds
        self.maximum = max(self.maximum, seconds)

    def merge(self, other: Histogram) -> None:
        """Add ``other``'s samples to this histogram."""
        self.buckets.update(other.buckets)
        self.count += other.count
        self.total += other.total
        self.maximum = max(self.maximum, other.maximum)

    @classmethod
    def of(cls, histograms: Iterable[Histogram]) -> Histogram:
        merged = cls()
        for histogram in histograms:
            merged.merge(histogram)
        return merged

    @property
    def mean(self) -> float:
        return self.total / self.count if self.count else 0.0

    def percentile(self, fraction: float) -> float:
        """The latency at or below which ``fraction`` (0 to 1) of the samples lie: the upper
        bound of that sample's bucket, capped at the exact maximum. 0 when empty."""
        if not 0 <= fraction <= 1:
            raise ValueError(f"a percentile is a fraction from 0 to 1, not {fraction!r}")
        if not self.count:
            return 0.0
        rank = max(1, math.ceil(fraction * self.count))
        seen = 0
        for bucket in sorted(self.buckets):
            seen += self.buckets[bucket]
            if seen >= rank:
                return min(_upper_bound(bucket), self.maximum)
        return self.maximum

    def bins(self) -> list[tuple[float, int]]:
        """(upper bound in seconds, count) of every non-empty bucket, fastest first."""
        return [(_upper_bound(bucket), self.buckets[bucket]) for bucket in sorted(self.buckets)]

    def to_json(self) -> dict[str, Any]:
        return {
            "buckets": {str(bucket): count for bucket, count in sorted(self.buckets.items())},
            "count": self.count,
            "total": self.total,
            "maximum": self.maximum,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Histogram:
        buckets = Counter({int(bucket): int(count) for bucket, count in data["buckets"].items()})
        return cls(buckets, int(data["count"]), float(data["total"]), float(data["maximum"]))
