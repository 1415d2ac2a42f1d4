"""Builders of P2P coordinator values for the p2p tests: valid by default, any field
overridable."""

from __future__ import annotations

from typing import Any

from engine.apps.p2p.hosts import Host, new_host
from engine.apps.p2p.requests import (
    CreateSessionRequest,
    CreateZoneRequest,
    RegisterHostRequest,
)
from engine.apps.p2p.sessions import Session, open_session
from engine.apps.p2p.zones import Zone, new_zone

#: The spec's register example, as JSON.
REGISTER_BODY: dict[str, Any] = {
    "host_id": "host-12345",
    "player_id": "player-67890",
    "player_name": "PlayerOne",
    "ip_address": "192.168.1.100",
    "port": 8080,
    "public_ip": "203.0.113.1",
    "cpu_cores": 8,
    "cpu_frequency_mhz": 3600,
    "memory_mb": 16384,
    "network_speed_mbps": 1000,
    "max_players": 50,
    "max_zones": 5,
    "ice_servers": [{"urls": "stun:stun.l.google.com:19302"}],
}

#: The spec's create-zone example, as JSON.
ZONE_BODY: dict[str, Any] = {
    "zone_id": "prontera",
    "zone_name": "Prontera",
    "zone_display_name": "Prontera City",
    "map_name": "prontera",
    "max_players": 100,
    "recommended_players": 50,
    "p2p_enabled": True,
    "p2p_priority": 8,
    "min_host_quality_score": 80.0,
    "min_bandwidth_mbps": 100,
    "max_latency_ms": 50,
}

T0 = 1_762_509_600.0  # 2025-11-07T10:00:00Z


def register_request(**overrides: Any) -> RegisterHostRequest:
    fields = {key: value for key, value in REGISTER_BODY.items() if key != "ice_servers"}
    return RegisterHostRequest(**{**fields, **overrides})


def host(number: int = 1, *, now: float = T0, **overrides: Any) -> Host:
    return new_host(register_request(**overrides), number=number, now=now)


def zone_request(**overrides: Any) -> CreateZoneRequest:
    return CreateZoneRequest(**{**ZONE_BODY, **overrides})


def zone(number: int = 1, *, now: float = T0, **overrides: Any) -> Zone:
    return new_zone(zone_request(**overrides), number=number, now=now)


def session(
    number: int = 1,
    *,
    on: Host | None = None,
    into: Zone | None = None,
    max_players: int | None = None,
    now: float = T0,
    session_id: str = "session-0123456789abcdef",
) -> Session:
    request = CreateSessionRequest("host-12345", "prontera", max_players)
    return open_session(
        request, on or host(), into or zone(), number=number, session_id=session_id, now=now
    )
