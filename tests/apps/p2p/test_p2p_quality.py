"""The host quality score for given inputs, its bounds, and the monitoring tiers."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.apps.p2p.quality import (
    QualityInputs,
    QualityTier,
    quality_score,
    quality_tier,
)

# The spec's register example: an idle 8-core, 16 GB, 1 Gbps host before any heartbeat.
SPEC_HOST = QualityInputs(
    latency_ms=0.0,
    packet_loss_percent=0.0,
    current_players=0,
    max_players=50,
    cpu_cores=8,
    memory_mb=16384,
    network_speed_mbps=1000.0,
)


def test_the_spec_register_example_scores_100():
    assert quality_score(SPEC_HOST) == 100.0


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        # The spec's heartbeat example: 30-2.55 + 20-0.2 + 0.8*25 + 10 + 10 + 5.
        ({"latency_ms": 25.5, "packet_loss_percent": 0.1, "current_players": 10}, 92.25),
        # Every capped part at its cap exactly: 4 cores, 8 GB, 100 Mbps.
        ({"cpu_cores": 4, "memory_mb": 8192, "network_speed_mbps": 100.0}, 100.0),
        # Small machine: 20 + 15 + 18.75 + 2.5 + 2.5 + 0.5.
        (
            {
                "latency_ms": 100.0,
                "packet_loss_percent": 2.5,
                "current_players": 5,
                "max_players": 20,
                "cpu_cores": 1,
                "memory_mb": 2048,
                "network_speed_mbps": 10.0,
            },
            59.25,
        ),
        # Latency and loss parts floor at 0; a full host has no capacity part: 5 + 5 + 2.5.
        (
            {
                "latency_ms": 400.0,
                "packet_loss_percent": 15.0,
                "current_players": 50,
                "cpu_cores": 2,
                "memory_mb": 4096,
                "network_speed_mbps": 50.0,
            },
            12.5,
        ),
        # Rounded to 2 decimals: 30 - 3.3333 + 70.
        ({"latency_ms": 33.333}, 96.67),
    ],
)
def test_scores_for_given_inputs(changes, expected):
    assert quality_score(attrs.evolve(SPEC_HOST, **changes)) == expected


inputs = st.builds(
    QualityInputs,
    latency_ms=st.floats(0, 10_000),
    packet_loss_percent=st.floats(0, 100),
    current_players=st.integers(0, 50),
    max_players=st.just(50),
    cpu_cores=st.integers(1, 1024),
    memory_mb=st.integers(1, 2**31 - 1),
    network_speed_mbps=st.floats(0, 1_000_000),
)


@given(inputs)
def test_a_score_is_between_0_and_100_with_2_decimals(values):
    score = quality_score(values)
    assert 0.0 <= score <= 100.0
    assert score == round(score, 2)


@given(inputs, st.floats(0, 1000))
def test_more_latency_never_raises_the_score(values, extra):
    worse = attrs.evolve(values, latency_ms=values.latency_ms + extra)
    assert quality_score(worse) <= quality_score(values)


@given(inputs)
def test_another_player_never_raises_the_score(values):
    if values.current_players < values.max_players:
        busier = attrs.evolve(values, current_players=values.current_players + 1)
        assert quality_score(busier) <= quality_score(values)


@pytest.mark.parametrize(
    ("score", "tier"),
    [
        (100.0, QualityTier.EXCELLENT),
        (90.0, QualityTier.EXCELLENT),
        (89.99, QualityTier.GOOD),
        (75.0, QualityTier.GOOD),
        (74.99, QualityTier.FAIR),
        (50.0, QualityTier.FAIR),
        (49.99, QualityTier.POOR),
        (0.0, QualityTier.POOR),
    ],
)
def test_tiers_split_at_90_75_and_50(score, tier):
    assert quality_tier(score) is tier
