"""The monitoring figures, computed from the current host, zone and session values.

``dashboard`` and ``host_stats`` are pure: the caller gathers the values from the live
actors (and the health of the services it uses) and passes them in. Averages are rounded to 2
decimals and are 0.0 over nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable

from .hosts import Host
from .quality import QualityTier, quality_tier
from .responses import (
    Dashboard,
    HostCounts,
    HostStats,
    QualityDistribution,
    SessionCounts,
    SystemHealth,
    ZoneCounts,
)
from .sessions import Session
from .statuses import HostStatus, SessionStatus, ZoneStatus
from .zones import Zone

__all__ = ["dashboard", "host_counts", "host_stats", "session_counts", "zone_counts"]


def _average(values: Collection[float]) -> float:
    return round(sum(values) / len(values), 2) if values else 0.0


def host_counts(hosts: Collection[Host]) -> HostCounts:
    """Every registered host; ``average_quality_score`` over the ONLINE ones (an OFFLINE
    host's score describes a machine that stopped answering)."""
    online = [host for host in hosts if host.status is HostStatus.ONLINE]
    return HostCounts(
        total=len(hosts),
        online=len(online),
        offline=sum(host.status is HostStatus.OFFLINE for host in hosts),
        average_quality_score=_average([host.quality_score for host in online]),
    )


def zone_counts(zones: Collection[Zone]) -> ZoneCounts:
    """``enabled`` and ``disabled`` by status; MAINTENANCE zones count in ``total`` only."""
    return ZoneCounts(
        total=len(zones),
        enabled=sum(zone.status is ZoneStatus.ENABLED for zone in zones),
        disabled=sum(zone.status is ZoneStatus.DISABLED for zone in zones),
    )


def session_counts(sessions: Collection[Session]) -> SessionCounts:
    """``active`` are ACTIVE sessions, ``inactive`` all the others (PENDING and closed);
    ``total_players`` are the players in open sessions; ``average_latency_ms`` is over ACTIVE
    sessions."""
    active = [session for session in sessions if session.status is SessionStatus.ACTIVE]
    return SessionCounts(
        total=len(sessions),
        active=len(active),
        inactive=len(sessions) - len(active),
        total_players=sum(s.current_players for s in sessions if s.status.is_open),
        average_latency_ms=_average([s.metrics.average_latency_ms for s in active]),
    )


def dashboard(
    hosts: Collection[Host],
    zones: Collection[Zone],
    sessions: Collection[Session],
    system: SystemHealth,
) -> Dashboard:
    """``GET /api/monitoring/dashboard``."""
    return Dashboard(host_counts(hosts), zone_counts(zones), session_counts(sessions), system)


def host_stats(hosts: Iterable[Host]) -> HostStats:
    """``GET /api/monitoring/hosts/stats``: the ONLINE hosts by quality tier."""
    tiers = Counter(
        quality_tier(host.quality_score) for host in hosts if host.status is HostStatus.ONLINE
    )
    distribution = QualityDistribution(
        excellent=tiers[QualityTier.EXCELLENT],
        good=tiers[QualityTier.GOOD],
        fair=tiers[QualityTier.FAIR],
        poor=tiers[QualityTier.POOR],
    )
    return HostStats(total_online=tiers.total(), quality_distribution=distribution)
