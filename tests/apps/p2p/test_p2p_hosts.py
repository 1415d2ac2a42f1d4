"""Host registration, heartbeats, staleness, availability, filtering and best-host choice."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.apps.p2p.errors import (
    HostAtZoneLimit,
    HostOwnedByAnother,
    HostUnavailable,
    NoAvailableHost,
    TooManyPlayers,
    ZoneNotAccepting,
)
from engine.apps.p2p.hosts import (
    HostMetrics,
    HostSession,
    attach_session,
    best_host,
    can_serve,
    detach_session,
    filter_hosts,
    heartbeat,
    is_available,
    is_stale,
    mark_offline,
    offline_deadline,
    reregister_host,
)
from engine.apps.p2p.requests import HeartbeatRequest, HostQuery
from engine.apps.p2p.statuses import HostStatus, ZoneStatus

from p2p_values import T0, host, register_request, zone

TIMEOUT = 60.0


def test_a_new_host_is_online_idle_and_scored():
    registered = host(7)
    assert (registered.id, registered.host_id, registered.status) == (7, "host-12345", "ONLINE")
    assert (registered.created_at, registered.last_heartbeat) == (T0, T0)
    assert (registered.metrics.current_players, registered.current_zones) == (0, 0)
    assert registered.quality_score == 100.0


def test_a_heartbeat_updates_the_metrics_given_and_rescores():
    beat = HeartbeatRequest(
        latency_ms=25.5, packet_loss_percent=0.1, bandwidth_usage_mbps=50.0, current_players=10
    )
    updated = heartbeat(host(), beat, now=T0 + 30)
    assert updated.metrics == HostMetrics(25.5, 0.1, 50.0, 10)
    assert updated.last_heartbeat == T0 + 30
    assert updated.quality_score == 92.25


def test_an_empty_heartbeat_keeps_the_metrics_and_refreshes_the_time():
    busy = heartbeat(host(), HeartbeatRequest(latency_ms=100.0, current_players=5), now=T0 + 1)
    again = heartbeat(busy, HeartbeatRequest(), now=T0 + 50)
    assert (again.metrics.latency_ms, again.metrics.current_players) == (100.0, 5)
    assert again.quality_score == busy.quality_score
    assert again.last_heartbeat == T0 + 50


def test_a_heartbeat_reporting_more_players_than_allowed_is_refused():
    with pytest.raises(TooManyPlayers) as refused:
        heartbeat(host(max_players=10), HeartbeatRequest(current_players=11), now=T0)
    assert refused.value.status == 400
    assert refused.value.message == "Host host-12345 reports 11 players but allows at most 10"


def test_a_host_silent_for_the_timeout_is_stale():
    registered = host()
    assert offline_deadline(registered, TIMEOUT) == T0 + TIMEOUT
    assert not is_stale(registered, T0 + TIMEOUT - 0.001, TIMEOUT)
    assert is_stale(registered, T0 + TIMEOUT, TIMEOUT)
    beat = heartbeat(registered, HeartbeatRequest(), now=T0 + 59)
    assert not is_stale(beat, T0 + TIMEOUT, TIMEOUT)
    assert is_stale(beat, T0 + 59 + TIMEOUT, TIMEOUT)


def test_going_offline_fails_the_host_sessions_once():
    serving = attach_session(attach_session(host(), "session-a", "prontera"), "session-b", "geffen")
    offline, failed = mark_offline(serving)
    assert offline.status is HostStatus.OFFLINE
    assert failed == ("session-a", "session-b")
    assert offline.sessions == ()
    assert not is_stale(offline, T0 + 10 * TIMEOUT, TIMEOUT)
    assert mark_offline(offline) == (offline, ())


def test_a_heartbeat_brings_an_offline_host_back():
    offline, _ = mark_offline(host())
    back = heartbeat(offline, HeartbeatRequest(), now=T0 + 120)
    assert back.status is HostStatus.ONLINE


def test_reregistering_replaces_hardware_and_keeps_identity_metrics_and_sessions():
    serving = attach_session(host(3), "session-a", "prontera")
    beat = heartbeat(serving, HeartbeatRequest(latency_ms=10.0, current_players=4), now=T0 + 5)
    offline, _ = mark_offline(beat)
    again = reregister_host(
        attrs.evolve(offline, sessions=serving.sessions),
        register_request(cpu_cores=2, port=9000),
        now=T0 + 100,
    )
    assert (again.id, again.created_at, again.status) == (3, T0, HostStatus.ONLINE)
    assert again.registration == register_request(cpu_cores=2, port=9000)
    assert again.last_heartbeat == T0 + 100
    assert (again.metrics.latency_ms, again.metrics.current_players) == (10.0, 4)
    assert again.sessions == (HostSession("session-a", "prontera"),)
    # 29 + 20 + 23 + 5 + 10 + 5
    assert again.quality_score == 92.0


def test_reregistering_by_another_player_is_a_conflict():
    with pytest.raises(HostOwnedByAnother) as refused:
        reregister_host(host(), register_request(player_id="player-other"), now=T0)
    assert (refused.value.status, refused.value.message) == (
        409,
        "Host host-12345 is registered by another player",
    )


def test_reregistering_below_the_reported_players_is_refused():
    busy = heartbeat(host(), HeartbeatRequest(current_players=20), now=T0)
    with pytest.raises(TooManyPlayers):
        reregister_host(busy, register_request(max_players=10), now=T0)


def test_availability_needs_online_room_for_a_player_and_a_zone():
    assert is_available(host())
    assert not is_available(mark_offline(host())[0])
    assert not is_available(attrs.evolve(host(), status=HostStatus.MAINTENANCE))
    full = heartbeat(host(max_players=3), HeartbeatRequest(current_players=3), now=T0)
    assert not is_available(full)
    one_zone = attach_session(host(max_zones=1), "session-a", "prontera")
    assert not is_available(one_zone)


def test_sessions_in_a_served_zone_do_not_count_against_max_zones():
    one_zone = attach_session(host(max_zones=1), "session-a", "prontera")
    two = attach_session(one_zone, "session-b", "prontera")
    assert (two.current_zones, len(two.sessions)) == (1, 2)
    with pytest.raises(HostAtZoneLimit) as refused:
        attach_session(two, "session-c", "geffen")
    assert refused.value.message == "Host host-12345 already serves its maximum of 1 zones"


def test_only_an_online_host_takes_a_session():
    with pytest.raises(HostUnavailable) as refused:
        attach_session(mark_offline(host())[0], "session-a", "prontera")
    assert refused.value.message == "Host host-12345 is OFFLINE, not ONLINE"


def test_detaching_a_session_frees_its_zone():
    serving = attach_session(host(), "session-a", "prontera")
    assert detach_session(serving, "session-a").current_zones == 0
    assert detach_session(serving, "session-x") is serving


def test_filters_match_status_and_minimum_score_and_order_best_first():
    strong = host(1, host_id="h-strong")
    weak = heartbeat(host(2, host_id="h-weak"), HeartbeatRequest(latency_ms=300.0), now=T0)
    tie_later = host(3, host_id="h-tie")
    gone, _ = mark_offline(host(4, host_id="h-gone"))
    hosts = [weak, gone, tie_later, strong]

    def ids(found):
        return [h.host_id for h in found]

    assert ids(filter_hosts(hosts, HostQuery())) == ["h-strong", "h-tie", "h-gone", "h-weak"]
    online = filter_hosts(hosts, HostQuery(status=HostStatus.ONLINE))
    assert ids(online) == ["h-strong", "h-tie", "h-weak"]
    assert ids(filter_hosts(hosts, HostQuery(min_quality_score=90.0))) == [
        "h-strong",
        "h-tie",
        "h-gone",
    ]
    assert filter_hosts(hosts, HostQuery(status=HostStatus.BUSY)) == []


@given(st.lists(st.tuples(st.floats(0, 500), st.integers(0, 50)), max_size=8))
def test_a_filtered_list_is_ordered_by_score(metrics):
    hosts = [
        heartbeat(
            host(n, host_id=f"h-{n}"),
            HeartbeatRequest(latency_ms=latency, current_players=players),
            now=T0,
        )
        for n, (latency, players) in enumerate(metrics)
    ]
    scores = [h.quality_score for h in filter_hosts(hosts, HostQuery())]
    assert scores == sorted(scores, reverse=True)


def test_a_zone_requirements_decide_who_can_serve_it():
    prontera = zone(min_host_quality_score=80.0, min_bandwidth_mbps=100, max_latency_ms=50)
    assert can_serve(host(), prontera)
    laggy = heartbeat(host(), HeartbeatRequest(latency_ms=51.0), now=T0)
    assert not can_serve(laggy, prontera)
    saturated = heartbeat(host(), HeartbeatRequest(bandwidth_usage_mbps=901.0), now=T0)
    assert not can_serve(saturated, prontera)
    small = host(cpu_cores=1, memory_mb=1024, network_speed_mbps=200)
    lossy = heartbeat(small, HeartbeatRequest(packet_loss_percent=5.0), now=T0)
    assert lossy.quality_score == 73.75  # 30 + 10 + 25 + 2.5 + 1.25 + 5
    assert not can_serve(lossy, prontera)
    assert can_serve(laggy, attrs.evolve(prontera, max_latency_ms=None))


def test_the_best_host_for_a_zone_is_the_best_that_qualifies():
    prontera = zone(min_host_quality_score=80.0, max_latency_ms=50)
    best = host(1, host_id="h-best")
    good = heartbeat(host(2, host_id="h-good"), HeartbeatRequest(latency_ms=40.0), now=T0)
    laggy = heartbeat(host(3, host_id="h-laggy"), HeartbeatRequest(latency_ms=60.0), now=T0)
    assert best_host([laggy, good, best], prontera).host_id == "h-best"
    assert best_host([laggy, good, mark_offline(best)[0]], prontera).host_id == "h-good"


def test_no_qualifying_host_is_not_found():
    with pytest.raises(NoAvailableHost) as refused:
        best_host([mark_offline(host())[0]], zone())
    assert (refused.value.status, refused.value.message) == (
        404,
        "No available host for zone: prontera",
    )


def test_a_zone_without_p2p_has_no_best_host():
    with pytest.raises(ZoneNotAccepting):
        best_host([host()], zone(p2p_enabled=False))
    with pytest.raises(ZoneNotAccepting):
        best_host([host()], attrs.evolve(zone(), status=ZoneStatus.MAINTENANCE))
