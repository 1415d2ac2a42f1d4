"""The commit latency histogram: buckets, their cumulative counts and quantile estimates."""

from __future__ import annotations

import pytest

from engine.store import open_store
from engine.store._latency import LATENCY_BOUNDS, LatencyHistogram, LatencyRecorder


def test_an_observation_lands_in_the_first_bucket_whose_bound_it_does_not_exceed() -> None:
    recorder = LatencyRecorder(bounds=(0.001, 0.01))
    for seconds in (0.0005, 0.001, 0.002, 0.01, 3.0):
        recorder.observe(seconds)
    histogram = recorder.histogram()
    assert histogram.counts == (2, 2, 1)
    assert histogram.count == 5
    assert histogram.total == pytest.approx(3.0135)
    assert histogram.cumulative() == [(0.001, 2), (0.01, 4), (float("inf"), 5)]


def test_quantiles_are_the_upper_bound_of_their_bucket() -> None:
    recorder = LatencyRecorder(bounds=(0.001, 0.01, 0.1))
    for _ in range(98):
        recorder.observe(0.0002)
    recorder.observe(0.05)
    recorder.observe(9.0)  # above every bound: the last bound is the best estimate
    histogram = recorder.histogram()
    assert histogram.quantile(0.5) == 0.001
    assert histogram.quantile(0.99) == 0.1
    assert histogram.quantile(1.0) == 0.1


def test_an_empty_histogram_has_no_quantile_and_a_bad_one_is_refused() -> None:
    empty = LatencyHistogram()
    assert empty.bounds == LATENCY_BOUNDS
    assert empty.count == 0
    assert empty.quantile(0.5) is None
    for q in (0.0, 1.5):
        with pytest.raises(ValueError, match="quantile"):
            empty.quantile(q)


async def test_the_store_counts_every_commit_in_its_histogram() -> None:
    async with open_store("memory://") as store:
        for version in range(3):
            await store.save("kind", "key", {"n": version}, expected_version=version)
        statistics = store.statistics()
    assert statistics.commit_latency.count == statistics.commits == 3
    assert statistics.commit_latency.total > 0
