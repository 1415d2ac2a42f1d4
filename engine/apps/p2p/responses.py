"""The coordinator's response bodies, with exactly the spec's keys.

Hosts: ``HostRegistered``, ``HostDetails``, ``HostSummary``, ``HeartbeatResponse``. Zones:
``ZoneCreated``, ``ZoneDetails``, ``ZoneSummary``, ``ZoneUpdated``. Sessions:
``SessionCreated``, ``SessionDetails``. Signaling: ``SignalView``, ``IceCandidateView``.
Monitoring: ``Dashboard`` (``HostCounts``, ``ZoneCounts``, ``SessionCounts``,
``SystemHealth``), ``HostStats`` (``QualityDistribution``). Auth: ``TokenResponse``. Any other
success: ``MessageResponse``. Times are RFC 3339 strings in UTC (``engine.clock.rfc3339``).
"""

from __future__ import annotations

import enum

import attrs

from .statuses import HostStatus, SessionStatus, ZoneStatus

__all__ = [
    "Dashboard",
    "HeartbeatResponse",
    "HostCounts",
    "HostDetails",
    "HostRegistered",
    "HostStats",
    "HostSummary",
    "IceCandidateView",
    "MessageResponse",
    "QualityDistribution",
    "ServiceHealth",
    "SessionCounts",
    "SessionCreated",
    "SessionDetails",
    "SignalView",
    "SystemHealth",
    "TokenResponse",
    "ZoneCounts",
    "ZoneCreated",
    "ZoneDetails",
    "ZoneSummary",
    "ZoneUpdated",
]


@attrs.frozen
class HostRegistered:
    id: int
    host_id: str
    player_id: str
    status: HostStatus
    quality_score: float
    created_at: str


@attrs.frozen
class HostDetails:
    id: int
    host_id: str
    player_id: str
    player_name: str
    status: HostStatus
    quality_score: float
    current_players: int
    current_zones: int
    latency_ms: float
    packet_loss_percent: float


@attrs.frozen
class HostSummary:
    id: int
    host_id: str
    status: HostStatus
    quality_score: float


@attrs.frozen
class HeartbeatResponse:
    quality_score: float
    message: str = "Heartbeat updated"


@attrs.frozen
class MessageResponse:
    message: str


@attrs.frozen
class ZoneCreated:
    id: int
    zone_id: str
    zone_name: str
    status: ZoneStatus
    p2p_enabled: bool
    created_at: str


@attrs.frozen
class ZoneDetails:
    id: int
    zone_id: str
    zone_name: str
    status: ZoneStatus
    p2p_enabled: bool
    active_sessions: int
    total_players_served: int


@attrs.frozen
class ZoneSummary:
    id: int
    zone_id: str
    zone_name: str
    status: ZoneStatus
    p2p_enabled: bool


@attrs.frozen
class ZoneUpdated:
    id: int
    zone_id: str
    status: ZoneStatus
    p2p_enabled: bool


@attrs.frozen
class SessionCreated:
    """``host_id`` and ``zone_id`` are the numeric ``id`` of the host and the zone, as in the
    spec's example (the request names them by their string ids)."""

    id: int
    session_id: str
    host_id: int
    zone_id: int
    status: SessionStatus
    max_players: int
    current_players: int
    created_at: str


@attrs.frozen
class SessionDetails:
    id: int
    session_id: str
    host_id: int
    zone_id: int
    status: SessionStatus
    current_players: int
    connected_players: tuple[str, ...]
    average_latency_ms: float


@attrs.frozen
class SignalView:
    """``GET /api/signaling/offer/{session_id}`` and ``/answer/...``: the latest one posted."""

    peer_id: str
    sdp: str


@attrs.frozen
class IceCandidateView:
    peer_id: str
    candidate: str


@attrs.frozen
class HostCounts:
    total: int
    online: int
    offline: int
    average_quality_score: float


@attrs.frozen
class ZoneCounts:
    total: int
    enabled: int
    disabled: int


@attrs.frozen
class SessionCounts:
    total: int
    active: int
    inactive: int
    total_players: int
    average_latency_ms: float


class ServiceHealth(enum.StrEnum):
    HEALTHY = "healthy"
    UNHEALTHY = "unhealthy"
    #: The deployment does not use this service (SQLite instead of PostgreSQL, no Redis).
    NOT_CONFIGURED = "not_configured"


@attrs.frozen
class SystemHealth:
    """The dashboard's ``system``: ``store`` is the durable store in use, whatever its kind;
    ``postgres`` and ``redis`` are those services, when the deployment uses them."""

    store: ServiceHealth
    postgres: ServiceHealth
    redis: ServiceHealth


@attrs.frozen
class Dashboard:
    hosts: HostCounts
    zones: ZoneCounts
    sessions: SessionCounts
    system: SystemHealth


@attrs.frozen
class QualityDistribution:
    excellent: int
    good: int
    fair: int
    poor: int


@attrs.frozen
class HostStats:
    total_online: int
    quality_distribution: QualityDistribution


@attrs.frozen
class TokenResponse:
    """A bearer token for ``Authorization: Bearer <access_token>`` (and the WebSocket's
    ``token``); ``expires_in`` is in seconds."""

    access_token: str = attrs.field(repr=False)
    expires_in: int
    token_type: str = "bearer"
