"""A host's quality score (0 to 100, higher is better) and the tiers monitoring counts.

The score adds six parts, each capped, then clamps the sum to 0..100 and rounds to 2 decimals:

======================  ==========================================  ======
part                    value                                       range
======================  ==========================================  ======
latency                 30 - latency_ms / 10, at least 0            0..30
packet loss             20 - packet_loss_percent * 2, at least 0    0..20
free capacity           (1 - current_players / max_players) * 25    0..25
CPU                     min(10, cpu_cores / 4 * 10)                 0..10
memory                  min(10, memory_mb / 8192 * 10)              0..10
network                 min(5, network_speed_mbps / 100 * 5)        0..5
======================  ==========================================  ======

So an idle host with 4 cores, 8 GB, 100 Mbps and no measured latency or loss scores 100.
"""

from __future__ import annotations

import enum

import attrs

__all__ = ["QualityInputs", "QualityTier", "quality_score", "quality_tier"]


@attrs.frozen
class QualityInputs:
    """What the score is computed from: the host's hardware and its last heartbeat."""

    latency_ms: float
    packet_loss_percent: float
    current_players: int
    max_players: int
    cpu_cores: int
    memory_mb: int
    network_speed_mbps: float


def quality_score(inputs: QualityInputs) -> float:
    """The score of ``inputs``, in 0..100, rounded to 2 decimals."""
    latency = max(0.0, 30 - inputs.latency_ms / 10)
    loss = max(0.0, 20 - inputs.packet_loss_percent * 2)
    # Registration refuses max_players < 1 and heartbeats refuse more players than that, so
    # this part stays in 0..25.
    capacity = (1 - inputs.current_players / inputs.max_players) * 25
    cpu = min(10.0, inputs.cpu_cores / 4 * 10)
    memory = min(10.0, inputs.memory_mb / 8192 * 10)
    network = min(5.0, inputs.network_speed_mbps / 100 * 5)
    total = latency + loss + capacity + cpu + memory + network
    return round(min(100.0, max(0.0, total)), 2)


class QualityTier(enum.StrEnum):
    """The buckets of ``GET /api/monitoring/hosts/stats``'s ``quality_distribution``."""

    EXCELLENT = "excellent"  # 90 and above
    GOOD = "good"  # 75 to under 90
    FAIR = "fair"  # 50 to under 75
    POOR = "poor"  # under 50


def quality_tier(score: float) -> QualityTier:
    if score >= 90:
        return QualityTier.EXCELLENT
    if score >= 75:
        return QualityTier.GOOD
    if score >= 50:
        return QualityTier.FAIR
    return QualityTier.POOR
