# mypy: disable-error-code="arg-type"
# These tests hand the rules raw strings where the types say checked names, ids and keys:
# the checks are what they test.
"""engine.apps.lanrage.models: every body parsed strictly, every failing field named."""

import json
from typing import Any

import cattrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.apps.lanrage.errors import InvalidField
from engine.apps.lanrage.identity import generate_identity
from engine.apps.lanrage.models import (
    WIRE,
    CreatePartyRequest,
    HeartbeatRequest,
    JoinControlRequest,
    JoinPartyRequest,
    LatencySource,
    LeaveControlRequest,
    LeaveControlResponse,
    LeavePartyResponse,
    NatInfo,
    PartyStatus,
    RegisterPartyRequest,
    StatusResponse,
    parse_body,
)
from engine.apps.lanrage.nat import NatType
from engine.apps.lanrage.party import Party, PeerInfo, create_party, join_party


def peer_json(**overrides: Any) -> dict[str, Any]:
    identity = generate_identity()
    body = {
        "peer_id": identity.peer_id,
        "name": "Alice",
        "public_key": identity.public_key,
        "nat_type": "full_cone",
        "endpoint": "198.51.100.7:3478",
    }
    body.update(overrides)
    return body


def problems(data: Any, cls: type) -> dict[str, str]:
    with pytest.raises(InvalidField) as raised:
        parse_body(data, cls)
    assert raised.value.status == 400
    return raised.value.details


@given(st.text(min_size=1, max_size=50))
def test_any_name_of_1_to_50_characters_creates(name: str) -> None:
    assert parse_body({"name": name}, CreatePartyRequest) == CreatePartyRequest(name)


@pytest.mark.parametrize("name", ["", "x" * 51])
def test_names_outside_1_to_50_characters_are_refused(name: str) -> None:
    assert problems({"name": name}, CreatePartyRequest) == {"name": "must be 1 to 50 characters"}


def test_join_checks_both_lengths_and_names_both_fields() -> None:
    assert problems({"party_id": "a" * 21, "peer_name": ""}, JoinPartyRequest) == {
        "party_id": "must be 1 to 20 characters",
        "peer_name": "must be 1 to 50 characters",
    }
    body = parse_body({"party_id": "0123456789ab", "peer_name": "Alice"}, JoinPartyRequest)
    assert body == JoinPartyRequest("0123456789ab", "Alice")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({}, {"name": "field required"}),
        ({"name": 5}, {"name": "expected a string"}),
        ({"name": None}, {"name": "expected a string"}),
        ({"name": ["x"]}, {"name": "expected a string"}),
        ({"name": "x", "extra": 1}, {"body": "unknown fields: extra"}),
    ],
)
def test_missing_mistyped_and_extra_fields_are_named(data: Any, expected: dict[str, str]) -> None:
    assert problems(data, CreatePartyRequest) == expected


@pytest.mark.parametrize("data", [[], "name", 3, None, True])
def test_a_body_that_is_not_an_object_is_refused(data: Any) -> None:
    assert problems(data, CreatePartyRequest) == {"body": "expected an object"}


def test_the_message_summarises_the_problems() -> None:
    with pytest.raises(InvalidField, match=r"^Invalid request body: name: field required$"):
        parse_body({}, CreatePartyRequest)


def test_a_control_plane_join_checks_the_nested_peer() -> None:
    bad = peer_json(peer_id="nope", public_key="short", nat_type="cone", endpoint="host:1", name="")
    assert problems({"peer": bad}, JoinControlRequest) == {
        "peer.peer_id": "A peer id is 16 lower-case hex characters",
        "peer.name": "must be 1 to 50 characters",
        "peer.public_key": "A WireGuard key is 44 characters of base64",
        "peer.nat_type": (
            "must be one of unknown, open, full_cone, restricted_cone, port_restricted_cone, "
            "symmetric"
        ),
        "peer.endpoint": "must be ip:port or [ipv6]:port",
    }


def test_a_peer_without_nat_type_or_endpoint_is_unknown_with_none() -> None:
    body = peer_json()
    del body["nat_type"], body["endpoint"]
    peer = parse_body({"peer": body}, HeartbeatRequest).peer
    assert (peer.nat_type, peer.endpoint) == (NatType.UNKNOWN, None)


@pytest.mark.parametrize("endpoint", ["10.0.0.1:1", "[::1]:3478", "[2001:db8::5]:65535"])
def test_endpoints_accepted(endpoint: str) -> None:
    body = parse_body({"peer": peer_json(endpoint=endpoint)}, JoinControlRequest)
    assert body.peer.endpoint == endpoint


@pytest.mark.parametrize(
    "endpoint",
    ["10.0.0.1", "10.0.0.1:0", "10.0.0.1:65536", "::1:80", "[10.0.0.1]:80", "300.1.1.1:5"],
)
def test_endpoints_refused(endpoint: str) -> None:
    refused = problems({"peer": peer_json(endpoint=endpoint)}, JoinControlRequest)
    assert set(refused) == {"peer.endpoint"}


def test_register_and_leave_bodies() -> None:
    host = peer_json()
    register = parse_body({"name": "LAN", "host": host}, RegisterPartyRequest)
    assert register.host.peer_id == host["peer_id"]
    assert problems({"name": "LAN"}, RegisterPartyRequest) == {"host": "field required"}
    leave = parse_body({"peer_id": host["peer_id"]}, LeaveControlRequest)
    assert leave.peer_id == host["peer_id"]
    assert problems({"peer_id": 7}, LeaveControlRequest) == {"peer_id": "expected a string"}


def test_a_party_travels_between_nodes_as_json_and_back() -> None:
    host = parse_body(peer_json(name="Host"), PeerInfo)
    joiner = parse_body(peer_json(), PeerInfo)
    party = join_party(create_party("00aa11bb22cc", "LAN", host, 10.5), joiner, 11)
    data = json.loads(json.dumps(WIRE.unstructure(party)))
    assert data["members"][1]["virtual_ip"] == "10.66.0.2"
    assert data["members"][0]["peer"]["nat_type"] == "full_cone"
    assert WIRE.structure(data, Party) == party


def test_problems_inside_lists_are_named_by_index() -> None:
    party = create_party("00aa11bb22cc", "LAN", parse_body(peer_json(), PeerInfo), 1.0)
    data = json.loads(json.dumps(WIRE.unstructure(party)))
    data["members"][0]["virtual_ip"] = 10
    data["members"][0]["peer"]["name"] = ""
    assert problems(data, Party) == {
        "members.0.peer.name": "must be 1 to 50 characters",
        "members.0.virtual_ip": "expected a string",
    }


def test_status_leaves_out_party_and_nat_info_when_absent() -> None:
    assert WIRE.unstructure(StatusResponse(PartyStatus.NO_PARTY, 0)) == {
        "status": "no_party",
        "peer_count": 0,
    }
    nat = NatInfo(NatType.OPEN, "127.0.0.1", 40000)
    assert WIRE.unstructure(StatusResponse(PartyStatus.NO_PARTY, 0, nat_info=nat)) == {
        "status": "no_party",
        "peer_count": 0,
        "nat_info": {"nat_type": "open", "public_ip": "127.0.0.1", "public_port": 40000},
    }


def test_undetected_public_address_is_null_in_nat_info() -> None:
    assert WIRE.unstructure(NatInfo(NatType.UNKNOWN, None, None)) == {
        "nat_type": "unknown",
        "public_ip": None,
        "public_port": None,
    }


def test_simple_responses() -> None:
    assert WIRE.unstructure(LeavePartyResponse()) == {"status": "left"}
    assert WIRE.unstructure(LeaveControlResponse("disbanded")) == {"status": "disbanded"}
    assert WIRE.structure({"status": "left"}, LeaveControlResponse) == LeaveControlResponse("left")
    assert LatencySource.UDP_PROBE.value == "udp_probe"


@pytest.mark.parametrize("value", [True, 1.5, "1"])
def test_integers_are_strict(value: Any) -> None:
    with pytest.raises(cattrs.ClassValidationError):
        WIRE.structure({"nat_type": "open", "public_ip": "1.2.3.4", "public_port": value}, NatInfo)


@pytest.mark.parametrize("value", [True, float("nan"), float("inf"), "1.0"])
def test_numbers_are_finite_and_not_booleans(value: Any) -> None:
    party = create_party("00aa11bb22cc", "LAN", parse_body(peer_json(), PeerInfo), 1.0)
    data = json.loads(json.dumps(WIRE.unstructure(party)))
    data["created_at"] = value
    with pytest.raises(cattrs.ClassValidationError):
        WIRE.structure(data, Party)


def test_values_built_in_code_are_checked_too() -> None:
    with pytest.raises(ValueError, match="name: must be 1 to 50 characters"):
        CreatePartyRequest("")
    with pytest.raises(ValueError, match="peer_name"):
        JoinPartyRequest("abc", "x" * 51)
