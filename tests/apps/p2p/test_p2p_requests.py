"""The request bodies and query strings: the spec's examples parse, bad ones are refused naming
the field, as the HTTP edge reports them."""

from __future__ import annotations

import pytest

from engine.apps.p2p.errors import InvalidInput
from engine.apps.p2p.requests import (
    AddPlayerRequest,
    CreateSessionRequest,
    CreateZoneRequest,
    HeartbeatRequest,
    HostQuery,
    IceCandidateRequest,
    IceServer,
    RegisterHostRequest,
    SignalingQuery,
    SignalRequest,
    TokenRequest,
    UpdateSessionMetricsRequest,
    UpdateZoneRequest,
    ZoneQuery,
    parse_best_host_query,
    parse_host_query,
    parse_signaling_query,
    parse_zone_query,
)
from engine.apps.p2p.statuses import HostStatus, ZoneStatus
from engine.apps.p2p.wire import WIRE
from engine.web import ValidationFailed, structure_body

from p2p_values import REGISTER_BODY, ZONE_BODY


def problems(body, cls) -> list[str]:
    """What the HTTP edge (``engine.web.structure_body``) reports for ``body``, one line per
    problem: ``field: message``."""
    with pytest.raises(ValidationFailed) as refused:
        structure_body(WIRE, body, cls)
    return [f"{'.'.join(map(str, p.loc[1:]))}: {p.message}" for p in refused.value.problems]


def test_the_spec_register_example_parses():
    request = WIRE.structure(REGISTER_BODY, RegisterHostRequest)
    assert (request.host_id, request.port, request.network_speed_mbps) == (
        "host-12345",
        8080,
        1000.0,
    )
    assert request.ice_servers == (IceServer("stun:stun.l.google.com:19302"),)


def test_register_defaults_max_players_50_and_max_zones_5():
    body = {
        k: v
        for k, v in REGISTER_BODY.items()
        if k not in ("max_players", "max_zones", "public_ip", "ice_servers")
    }
    request = WIRE.structure(body, RegisterHostRequest)
    assert (request.max_players, request.max_zones, request.public_ip, request.ice_servers) == (
        50,
        5,
        None,
        (),
    )


def test_ice_servers_take_one_url_or_several_with_credentials():
    body = {
        **REGISTER_BODY,
        "ice_servers": [
            {
                "urls": ["turn:t.example:3478", "turns:t.example:5349"],
                "username": "u",
                "credential": "c",
            }
        ],
    }
    (server,) = WIRE.structure(body, RegisterHostRequest).ice_servers
    assert server == IceServer(("turn:t.example:3478", "turns:t.example:5349"), "u", "c")


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"port": 0}, "port: must be between 1 and 65535"),
        ({"port": "8080"}, "port: expected an integer, got string"),
        ({"port": 8080.0}, "port: expected an integer, got number"),
        ({"cpu_cores": True}, "cpu_cores: expected an integer, got boolean"),
        ({"ip_address": "999.1.1.1"}, "ip_address: must be an IPv4 or IPv6 address"),
        ({"public_ip": "example.com"}, "public_ip: must be an IPv4 or IPv6 address"),
        ({"host_id": ""}, "host_id: must be 1 to 64 letters"),
        ({"host_id": "host/1"}, "host_id: must be 1 to 64 letters"),
        ({"host_id": "best"}, "host_id: 'best' is reserved"),
        ({"player_name": "   "}, "player_name: must be 1 to 100 characters"),
        ({"player_name": "a\nb"}, "player_name: must be 1 to 100 characters"),
        ({"max_players": 0}, "max_players: must be between 1 and 10000"),
        ({"network_speed_mbps": -1}, "network_speed_mbps: must be between 0 and 1000000"),
        ({"ice_servers": [{"urls": "http://x"}]}, "urls: must be one or more stun:"),
        ({"ice_servers": [{"urls": "stun:a"}] * 17}, "ice_servers: at most 16"),
        ({"surprise": 1}, "unknown fields: surprise"),
    ],
)
def test_bad_register_bodies_name_the_field(changes, problem):
    found = problems({**REGISTER_BODY, **changes}, RegisterHostRequest)
    assert any(problem in line for line in found), found


def test_every_refused_value_is_named_in_its_place():
    body = {**REGISTER_BODY, "port": 0, "ip_address": "nowhere", "max_zones": 0}
    with pytest.raises(ValidationFailed) as refused:
        structure_body(WIRE, body, RegisterHostRequest)
    assert {(p.loc, p.message) for p in refused.value.problems} == {
        (("body", "port"), "must be between 1 and 65535"),
        (("body", "ip_address"), "must be an IPv4 or IPv6 address"),
        (("body", "max_zones"), "must be between 1 and 1000"),
    }


def test_a_refused_value_inside_a_list_is_placed_by_index():
    body = {**REGISTER_BODY, "ice_servers": [{"urls": "stun:a"}, {"urls": "http://b"}]}
    assert problems(body, RegisterHostRequest) == [
        "ice_servers.1.urls: must be one or more stun:, stuns:, turn: or turns: URLs"
    ]


def test_missing_register_fields_are_each_named():
    found = problems({"host_id": "h"}, RegisterHostRequest)
    for field in ("player_id", "player_name", "ip_address", "port", "cpu_cores", "memory_mb"):
        assert f"{field}: field required" in found


def test_heartbeat_fields_are_all_optional_and_ranged():
    assert WIRE.structure({}, HeartbeatRequest) == HeartbeatRequest()
    spec = {
        "latency_ms": 25.5,
        "packet_loss_percent": 0.1,
        "bandwidth_usage_mbps": 50.0,
        "current_players": 10,
    }
    assert WIRE.structure(spec, HeartbeatRequest) == HeartbeatRequest(25.5, 0.1, 50.0, 10)
    assert any(
        "between 0 and 100" in p for p in problems({"packet_loss_percent": 101}, HeartbeatRequest)
    )
    latency = "latency_ms: must be between 0 and 60000"
    assert problems({"latency_ms": -1}, HeartbeatRequest) == [latency]
    # Bounded above too, so that sums and averages over many hosts stay finite.
    assert problems({"latency_ms": 1e308}, HeartbeatRequest) == [latency]
    assert problems({"bandwidth_usage_mbps": 1e308}, HeartbeatRequest) == [
        "bandwidth_usage_mbps: must be between 0 and 1000000"
    ]
    assert any("finite" in p for p in problems({"latency_ms": float("inf")}, HeartbeatRequest))


def test_the_spec_zone_example_parses_and_checks_recommended_players():
    zone = WIRE.structure(ZONE_BODY, CreateZoneRequest)
    assert (zone.zone_id, zone.p2p_priority, zone.max_latency_ms) == ("prontera", 8, 50.0)
    found = problems({**ZONE_BODY, "recommended_players": 101}, CreateZoneRequest)
    assert any("recommended_players must not exceed max_players" in p for p in found)
    assert any(
        "p2p_priority" in p for p in problems({**ZONE_BODY, "p2p_priority": 11}, CreateZoneRequest)
    )


def test_zone_updates_take_exact_statuses():
    update = WIRE.structure({"p2p_enabled": False, "status": "MAINTENANCE"}, UpdateZoneRequest)
    assert update == UpdateZoneRequest(False, ZoneStatus.MAINTENANCE)
    assert update.status is ZoneStatus.MAINTENANCE
    found = problems({"status": "maintenance"}, UpdateZoneRequest)
    assert found == ["status: expected one of ENABLED, DISABLED, MAINTENANCE"]
    assert problems({"p2p_enabled": "false"}, UpdateZoneRequest) == [
        "p2p_enabled: expected true or false, got string"
    ]


def test_session_player_metric_signal_and_token_bodies():
    assert WIRE.structure(
        {"host_id": "host-12345", "zone_id": "prontera", "max_players": 50}, CreateSessionRequest
    ) == CreateSessionRequest("host-12345", "prontera", 50)
    assert (
        WIRE.structure({"host_id": "h", "zone_id": "z"}, CreateSessionRequest).max_players is None
    )
    assert WIRE.structure({"player_id": "player-12345"}, AddPlayerRequest) == AddPlayerRequest(
        "player-12345"
    )
    metrics = {
        "average_latency_ms": 45.5,
        "average_packet_loss_percent": 0.2,
        "bandwidth_usage_mbps": 75.0,
        "quality_score": 95.0,
    }
    assert WIRE.structure(metrics, UpdateSessionMetricsRequest) == UpdateSessionMetricsRequest(
        45.5, 0.2, 75.0, 95.0
    )
    assert any(
        "quality_score" in p for p in problems({"quality_score": 101}, UpdateSessionMetricsRequest)
    )
    offer = {
        "session_id": "session-abc123",
        "peer_id": "peer-12345",
        "sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n",
    }
    assert WIRE.structure(offer, SignalRequest).peer_id == "peer-12345"
    assert any("sdp" in p for p in problems({**offer, "sdp": ""}, SignalRequest))
    candidate = {"session_id": "session-abc123", "peer_id": "peer-12345", "candidate": ""}
    assert WIRE.structure(candidate, IceCandidateRequest).candidate == ""
    assert WIRE.structure({"player_id": "player-1"}, TokenRequest) == TokenRequest("player-1")


def test_host_queries():
    assert parse_host_query({}) == HostQuery()
    assert parse_host_query({"status": "OFFLINE", "min_quality_score": "80.5"}) == HostQuery(
        HostStatus.OFFLINE, 80.5
    )
    for args, message in (
        ({"status": "online"}, "status must be one of ONLINE, OFFLINE, BUSY, MAINTENANCE"),
        ({"min_quality_score": "high"}, "min_quality_score must be a number between 0 and 100"),
        ({"min_quality_score": "101"}, "min_quality_score must be a number between 0 and 100"),
        ({"min_quality_score": "nan"}, "min_quality_score must be a number between 0 and 100"),
        ({"limit": "5"}, "Unknown query parameters: limit"),
    ):
        with pytest.raises(InvalidInput) as refused:
            parse_host_query(args)
        assert refused.value.message == message


def test_zone_queries():
    assert parse_zone_query({"p2p_enabled": "True", "status": "ENABLED"}) == ZoneQuery(
        True, ZoneStatus.ENABLED
    )
    assert parse_zone_query({"p2p_enabled": "0"}) == ZoneQuery(False, None)
    with pytest.raises(InvalidInput, match="p2p_enabled must be true or false"):
        parse_zone_query({"p2p_enabled": "maybe"})
    with pytest.raises(InvalidInput, match="status must be one of ENABLED, DISABLED, MAINTENANCE"):
        parse_zone_query({"status": "OFF"})


def test_the_best_host_query_needs_a_zone_id():
    assert parse_best_host_query({"zone_id": "prontera"}) == "prontera"
    for args, message in (
        ({}, "zone_id is required"),
        ({"zone_id": ""}, "zone_id is required"),
        ({"zone_id": "pron tera"}, "zone_id must be 1 to 64 letters"),
        ({"zone_id": "prontera", "limit": "1"}, "Unknown query parameters: limit"),
    ):
        with pytest.raises(InvalidInput) as refused:
            parse_best_host_query(args)
        assert refused.value.message.startswith(message)


def test_the_signaling_query():
    args = {"peer_id": "peer-1", "session_id": "session-0123456789abcdef"}
    assert parse_signaling_query(args) == SignalingQuery("peer-1", "session-0123456789abcdef")
    assert parse_signaling_query({**args, "token": "t"}).token == "t"
    assert parse_signaling_query({**args, "token": ""}).token is None
    for bad, message in (
        ({"session_id": "s"}, "peer_id is required"),
        ({"peer_id": "peer-1"}, "session_id is required"),
        ({**args, "peer_id": "a/b"}, "peer_id must be 1 to 64 letters"),
        ({**args, "session_id": "s" * 65}, "session_id must be at most 64 characters"),
        ({**args, "room": "x"}, "Unknown query parameters: room"),
    ):
        with pytest.raises(InvalidInput) as refused:
            parse_signaling_query(bad)
        assert refused.value.message.startswith(message)
