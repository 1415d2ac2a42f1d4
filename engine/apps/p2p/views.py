"""The response bodies, built from the state values: what each route answers."""

from __future__ import annotations

from engine.clock import rfc3339

from .hosts import Host
from .responses import (
    HostDetails,
    HostRegistered,
    HostSummary,
    SessionCreated,
    SessionDetails,
    ZoneCreated,
    ZoneDetails,
    ZoneSummary,
    ZoneUpdated,
)
from .sessions import Session
from .zones import Zone

__all__ = [
    "host_details",
    "host_registered",
    "host_summary",
    "session_created",
    "session_details",
    "zone_created",
    "zone_details",
    "zone_summary",
    "zone_updated",
]


def host_registered(host: Host) -> HostRegistered:
    return HostRegistered(
        host.id, host.host_id, host.player_id, host.status, host.quality_score,
        rfc3339(host.created_at),
    )  # fmt: skip


def host_details(host: Host) -> HostDetails:
    return HostDetails(
        id=host.id,
        host_id=host.host_id,
        player_id=host.player_id,
        player_name=host.registration.player_name,
        status=host.status,
        quality_score=host.quality_score,
        current_players=host.metrics.current_players,
        current_zones=host.current_zones,
        latency_ms=host.metrics.latency_ms,
        packet_loss_percent=host.metrics.packet_loss_percent,
    )


def host_summary(host: Host) -> HostSummary:
    return HostSummary(host.id, host.host_id, host.status, host.quality_score)


def zone_created(zone: Zone) -> ZoneCreated:
    return ZoneCreated(
        zone.id, zone.zone_id, zone.zone_name, zone.status, zone.p2p_enabled,
        rfc3339(zone.created_at),
    )  # fmt: skip


def zone_details(zone: Zone, active_sessions: int) -> ZoneDetails:
    """``active_sessions``: the zone's ACTIVE sessions, counted by the caller."""
    return ZoneDetails(
        id=zone.id,
        zone_id=zone.zone_id,
        zone_name=zone.zone_name,
        status=zone.status,
        p2p_enabled=zone.p2p_enabled,
        active_sessions=active_sessions,
        total_players_served=zone.total_players_served,
    )


def zone_summary(zone: Zone) -> ZoneSummary:
    return ZoneSummary(zone.id, zone.zone_id, zone.zone_name, zone.status, zone.p2p_enabled)


def zone_updated(zone: Zone) -> ZoneUpdated:
    return ZoneUpdated(zone.id, zone.zone_id, zone.status, zone.p2p_enabled)


def session_created(session: Session) -> SessionCreated:
    return SessionCreated(
        id=session.id,
        session_id=session.session_id,
        host_id=session.host_number,
        zone_id=session.zone_number,
        status=session.status,
        max_players=session.max_players,
        current_players=session.current_players,
        created_at=rfc3339(session.created_at),
    )


def session_details(session: Session) -> SessionDetails:
    return SessionDetails(
        id=session.id,
        session_id=session.session_id,
        host_id=session.host_number,
        zone_id=session.zone_number,
        status=session.status,
        current_players=session.current_players,
        connected_players=session.players,
        average_latency_ms=session.metrics.average_latency_ms,
    )
