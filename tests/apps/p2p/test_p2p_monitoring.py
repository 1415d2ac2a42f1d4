"""Dashboard figures and host statistics, computed from host, zone and session values."""

from __future__ import annotations

import attrs

from engine.apps.p2p.hosts import heartbeat, mark_offline
from engine.apps.p2p.monitoring import dashboard, host_stats
from engine.apps.p2p.requests import HeartbeatRequest, UpdateSessionMetricsRequest
from engine.apps.p2p.responses import ServiceHealth, SystemHealth
from engine.apps.p2p.sessions import activate, add_player, close, update_metrics
from engine.apps.p2p.statuses import HostStatus, SessionStatus, ZoneStatus
from engine.apps.p2p.wire import WIRE

from p2p_values import T0, host, session, zone

HEALTHY = SystemHealth(
    ServiceHealth.HEALTHY, ServiceHealth.NOT_CONFIGURED, ServiceHealth.NOT_CONFIGURED
)


def scored(number: int, latency: float):
    return heartbeat(
        host(number, host_id=f"h-{number}"), HeartbeatRequest(latency_ms=latency), now=T0
    )


def test_nothing_registered_gives_zeros():
    assert WIRE.unstructure(dashboard([], [], [], HEALTHY)) == {
        "hosts": {"total": 0, "online": 0, "offline": 0, "average_quality_score": 0.0},
        "zones": {"total": 0, "enabled": 0, "disabled": 0},
        "sessions": {
            "total": 0,
            "active": 0,
            "inactive": 0,
            "total_players": 0,
            "average_latency_ms": 0.0,
        },
        "system": {"store": "healthy", "postgres": "not_configured", "redis": "not_configured"},
    }
    assert WIRE.unstructure(host_stats([])) == {
        "total_online": 0,
        "quality_distribution": {"excellent": 0, "good": 0, "fair": 0, "poor": 0},
    }


def test_the_dashboard_counts_and_averages():
    hosts = [
        scored(1, 0.0),  # 100
        scored(2, 100.0),  # 90
        mark_offline(scored(3, 300.0))[0],  # 70, offline: not in the average
        attrs.evolve(scored(4, 0.0), status=HostStatus.MAINTENANCE),
    ]
    zones = [
        zone(1),
        attrs.evolve(zone(2, zone_id="geffen"), status=ZoneStatus.DISABLED),
        attrs.evolve(zone(3, zone_id="payon"), status=ZoneStatus.MAINTENANCE),
    ]

    def metrics(ms):
        return UpdateSessionMetricsRequest(average_latency_ms=ms)

    sessions = [
        update_metrics(add_player(activate(session(1)), "p1"), metrics(40.0)),
        update_metrics(add_player(add_player(activate(session(2)), "p2"), "p3"), metrics(51.0)),
        add_player(session(3), "p4"),  # PENDING: counts its player, not in the latency average
        close(add_player(activate(session(4)), "p5"), SessionStatus.ENDED, now=T0),
    ]
    board = WIRE.unstructure(dashboard(hosts, zones, sessions, HEALTHY))
    assert board["hosts"] == {"total": 4, "online": 2, "offline": 1, "average_quality_score": 95.0}
    assert board["zones"] == {"total": 3, "enabled": 1, "disabled": 1}
    assert board["sessions"] == {
        "total": 4,
        "active": 2,
        "inactive": 2,
        "total_players": 4,
        "average_latency_ms": 45.5,
    }


def test_host_stats_put_online_hosts_in_tiers():
    hosts = [
        scored(1, 0.0),  # 100 excellent
        scored(2, 100.0),  # 90 excellent
        scored(3, 200.0),  # 80 good
        scored(4, 300.0),  # 70 fair
        heartbeat(scored(5, 300.0), HeartbeatRequest(packet_loss_percent=10.0), now=T0),  # 50 fair
        heartbeat(
            scored(6, 300.0), HeartbeatRequest(packet_loss_percent=10.0, current_players=10), now=T0
        ),  # 45 poor
        mark_offline(scored(7, 0.0))[0],
    ]
    assert [h.quality_score for h in hosts[:6]] == [100.0, 90.0, 80.0, 70.0, 50.0, 45.0]
    assert WIRE.unstructure(host_stats(hosts)) == {
        "total_online": 6,
        "quality_distribution": {"excellent": 2, "good": 1, "fair": 2, "poor": 1},
    }
