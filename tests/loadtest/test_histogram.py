"""Latency histograms: percentiles within a bucket of the truth, merges exact."""

from __future__ import annotations

import random

import pytest

from engine.loadtest import Histogram


def test_percentiles_are_within_two_percent_of_the_samples() -> None:
    rng = random.Random(7)
    samples = sorted(rng.lognormvariate(-5, 1.5) for _ in range(10_000))
    histogram = Histogram()
    for sample in samples:
        histogram.record(sample)
    for fraction in (0.5, 0.9, 0.99):
        true = samples[int(fraction * len(samples)) - 1]
        assert true <= histogram.percentile(fraction) <= true * 1.02 * 1.0001
    assert histogram.percentile(1.0) == histogram.maximum == samples[-1]
    assert histogram.count == len(samples)


def test_merging_equals_recording_everything_in_one() -> None:
    rng = random.Random(3)
    parts = [[rng.expovariate(100) for _ in range(500)] for _ in range(3)]
    merged = Histogram.of(_of(part) for part in parts)
    whole = _of([sample for part in parts for sample in part])
    assert merged.buckets == whole.buckets and merged.count == whole.count
    assert merged.maximum == whole.maximum
    assert merged.total == pytest.approx(whole.total)


def test_json_round_trip() -> None:
    histogram = _of([0.0, 0.001, 0.25, 3.0])
    assert Histogram.from_json(histogram.to_json()) == histogram


def test_an_empty_histogram_reads_zero_and_fractions_are_checked() -> None:
    assert Histogram().percentile(0.99) == 0.0
    with pytest.raises(ValueError, match="from 0 to 1"):
        Histogram().percentile(99)


def _of(samples: list[float]) -> Histogram:
    histogram = Histogram()
    for sample in samples:
        histogram.record(sample)
    return histogram
