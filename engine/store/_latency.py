"""Commit latency as a histogram: fixed buckets, counted as commits happen.

Buckets rather than a mean: a mean hides the slow commits that players feel, and Prometheus
(``histogram_quantile``) and the dashboard both read quantiles from cumulative buckets. The
bounds span a memory commit (tens of microseconds) to a stalled disk or database (seconds).
"""

from __future__ import annotations

import bisect

import attrs

#: Upper bounds of the buckets, in seconds; a last, unbounded bucket takes the rest.
LATENCY_BOUNDS: tuple[float, ...] = (
    0.0001,
    0.00025,
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
)


@attrs.frozen
class LatencyHistogram:
    """Observations counted per bucket: ``counts[i]`` is how many fell in
    ``(bounds[i-1], bounds[i]]``, and ``counts[-1]`` how many were above ``bounds[-1]``;
    ``total`` is their sum in seconds."""

    bounds: tuple[float, ...] = LATENCY_BOUNDS
    counts: tuple[int, ...] = (0,) * (len(LATENCY_BOUNDS) + 1)
    total: float = 0.0

    @property
    def count(self) -> int:
        return sum(self.counts)

    def cumulative(self) -> list[tuple[float, int]]:
        """``(upper bound, observations at or below it)`` per bucket, the last bound ``inf``:
        Prometheus' ``le`` buckets."""
        running = 0
        buckets = []
        for bound, count in zip((*self.bounds, float("inf")), self.counts, strict=True):
            running += count
            buckets.append((bound, running))
        return buckets

    def quantile(self, q: float) -> float | None:
        """An upper estimate of the ``q`` quantile (0 < q <= 1): the bound of the bucket it
        falls in (the last finite bound if it is above them all); None before any observation."""
        if not 0 < q <= 1:
            raise ValueError(f"a quantile is in (0, 1], got {q}")
        count = self.count
        if count == 0:
            return None
        rank = q * count
        for bound, seen in self.cumulative()[:-1]:
            if seen >= rank:
                return bound
        return self.bounds[-1]


@attrs.define(eq=False)
class LatencyRecorder:
    """The writer's running histogram: ``observe`` per commit, ``histogram()`` to read it."""

    bounds: tuple[float, ...] = LATENCY_BOUNDS
    _counts: list[int] = attrs.field(init=False)
    _total: float = attrs.field(default=0.0, init=False)

    def __attrs_post_init__(self) -> None:
        self._counts = [0] * (len(self.bounds) + 1)

    def observe(self, seconds: float) -> None:
        self._counts[bisect.bisect_left(self.bounds, seconds)] += 1
        self._total += seconds

    def histogram(self) -> LatencyHistogram:
        return LatencyHistogram(self.bounds, tuple(self._counts), self._total)
