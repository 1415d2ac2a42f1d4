"""Response bodies built from state: exactly the spec's keys, in the spec's shapes."""

from __future__ import annotations

from engine.apps.p2p.hosts import attach_session, heartbeat
from engine.apps.p2p.requests import HeartbeatRequest, UpdateSessionMetricsRequest
from engine.apps.p2p.sessions import activate, add_player, update_metrics
from engine.apps.p2p.views import (
    host_details,
    host_registered,
    host_summary,
    session_created,
    session_details,
    zone_created,
    zone_details,
    zone_summary,
    zone_updated,
)
from engine.apps.p2p.wire import WIRE

from p2p_values import T0, host, session, zone


def test_host_bodies():
    registered = host()
    assert WIRE.unstructure(host_registered(registered)) == {
        "id": 1,
        "host_id": "host-12345",
        "player_id": "player-67890",
        "status": "ONLINE",
        "quality_score": 100.0,
        "created_at": "2025-11-07T10:00:00Z",
    }
    busy = heartbeat(
        attach_session(registered, "session-a", "prontera"),
        HeartbeatRequest(latency_ms=25.5, packet_loss_percent=0.1, current_players=10),
        now=T0 + 1,
    )
    assert WIRE.unstructure(host_details(busy)) == {
        "id": 1,
        "host_id": "host-12345",
        "player_id": "player-67890",
        "player_name": "PlayerOne",
        "status": "ONLINE",
        "quality_score": 92.25,
        "current_players": 10,
        "current_zones": 1,
        "latency_ms": 25.5,
        "packet_loss_percent": 0.1,
    }
    assert WIRE.unstructure(host_summary(busy)) == {
        "id": 1,
        "host_id": "host-12345",
        "status": "ONLINE",
        "quality_score": 92.25,
    }


def test_zone_bodies():
    prontera = zone()
    assert WIRE.unstructure(zone_created(prontera)) == {
        "id": 1,
        "zone_id": "prontera",
        "zone_name": "Prontera",
        "status": "ENABLED",
        "p2p_enabled": True,
        "created_at": "2025-11-07T10:00:00Z",
    }
    assert WIRE.unstructure(zone_details(prontera, active_sessions=5)) == {
        "id": 1,
        "zone_id": "prontera",
        "zone_name": "Prontera",
        "status": "ENABLED",
        "p2p_enabled": True,
        "active_sessions": 5,
        "total_players_served": 0,
    }
    assert WIRE.unstructure(zone_summary(prontera)) == {
        "id": 1,
        "zone_id": "prontera",
        "zone_name": "Prontera",
        "status": "ENABLED",
        "p2p_enabled": True,
    }
    assert WIRE.unstructure(zone_updated(prontera)) == {
        "id": 1,
        "zone_id": "prontera",
        "status": "ENABLED",
        "p2p_enabled": True,
    }


def test_session_bodies_name_host_and_zone_by_number():
    opened = session(1, on=host(3), into=zone(4), max_players=50)
    assert WIRE.unstructure(session_created(opened)) == {
        "id": 1,
        "session_id": "session-0123456789abcdef",
        "host_id": 3,
        "zone_id": 4,
        "status": "PENDING",
        "max_players": 50,
        "current_players": 0,
        "created_at": "2025-11-07T10:00:00Z",
    }
    playing = update_metrics(
        add_player(add_player(activate(opened), "player-1"), "player-2"),
        UpdateSessionMetricsRequest(average_latency_ms=45.5),
    )
    assert WIRE.unstructure(session_details(playing)) == {
        "id": 1,
        "session_id": "session-0123456789abcdef",
        "host_id": 3,
        "zone_id": 4,
        "status": "ACTIVE",
        "current_players": 2,
        "connected_players": ["player-1", "player-2"],
        "average_latency_ms": 45.5,
    }
