# mypy: disable-error-code="arg-type"
# These tests hand the rules raw strings where the types say checked names, ids and keys:
# the checks are what they test.
"""engine.apps.lanrage.views: the status a node shows of the control plane's party."""

from collections.abc import Callable

import pytest

from engine.apps.lanrage.models import WIRE, LatencySource, NatInfo, PartyStatus
from engine.apps.lanrage.nat import ConnectionType, NatType, Reachability
from engine.apps.lanrage.party import Party, PeerInfo, create_party, join_party
from engine.apps.lanrage.views import Link, party_view, rfc3339, status_view

MakePeer = Callable[..., PeerInfo]
OPEN = NatInfo(NatType.OPEN, "203.0.113.9", 40000)
#: A party, its host and two joiners.
ThreePeers = tuple[Party, PeerInfo, PeerInfo, PeerInfo]


@pytest.fixture
def three_peers(make_peer: MakePeer) -> ThreePeers:
    host = make_peer("Host", nat_type=NatType.FULL_CONE, endpoint="203.0.113.1:3478")
    alice = make_peer("Alice", nat_type=NatType.PORT_RESTRICTED_CONE)
    bob = make_peer("Bob", nat_type=NatType.SYMMETRIC)
    party = create_party("00aa11bb22cc", "LAN", host, 1764653763.0)
    party = join_party(join_party(party, alice, 1764653764.5), bob, 1764653765.0)
    return party, host, alice, bob


def test_times_are_rfc_3339_utc_with_milliseconds() -> None:
    assert rfc3339(1764653763.12) == "2025-12-02T05:36:03.120Z"


def test_no_party(make_peer: MakePeer) -> None:
    status = status_view(None, make_peer().peer_id, None, {})
    assert (status.status, status.peer_count, status.party, status.nat_info) == (
        PartyStatus.NO_PARTY,
        0,
        None,
        None,
    )
    assert status_view(None, "0" * 16, OPEN, {}).nat_info == OPEN


def test_in_party_lists_every_peer_in_join_order(three_peers: ThreePeers) -> None:
    party, host, alice, bob = three_peers
    status = status_view(party, alice.peer_id, OPEN, {})
    assert status.status is PartyStatus.IN_PARTY
    assert status.peer_count == 3
    assert status.party is not None
    assert list(status.party.peers) == [host.peer_id, alice.peer_id, bob.peer_id]
    assert status.party.host_id == host.peer_id
    assert status.party.created_at == "2025-12-02T05:36:03.000Z"
    view = status.party.peers[alice.peer_id]
    assert (view.name, view.virtual_ip, view.public_key, view.nat_type, view.joined_at) == (
        "Alice",
        "10.66.0.2",
        alice.public_key,
        NatType.PORT_RESTRICTED_CONE,
        "2025-12-02T05:36:04.500Z",
    )


def test_connection_types_as_seen_by_a_joiner(three_peers: ThreePeers) -> None:
    party, host, alice, bob = three_peers
    links = {
        host.peer_id: Link(Reachability.ANSWERED, 12.5, LatencySource.UDP_PROBE),
        bob.peer_id: Link(Reachability.UNANSWERED, 80.0, LatencySource.CONTROL_PLANE),
    }
    peers = party_view(party, alice.peer_id, OPEN, links).peers
    assert peers[host.peer_id].connection_type is ConnectionType.HOST
    assert (peers[host.peer_id].latency_ms, peers[host.peer_id].latency_source) == (
        12.5,
        LatencySource.UDP_PROBE,
    )
    # This node's own entry: not a peer of itself, no latency.
    assert peers[alice.peer_id].connection_type is ConnectionType.DIRECT
    assert peers[alice.peer_id].latency_ms is None
    # OPEN reaches SYMMETRIC directly, but Bob did not answer the probe.
    assert peers[bob.peer_id].connection_type is ConnectionType.FAILED
    assert peers[bob.peer_id].latency_source is LatencySource.CONTROL_PLANE


def test_the_matrix_decides_from_this_nodes_nat(three_peers: ThreePeers) -> None:
    party, host, alice, bob = three_peers
    behind = NatInfo(NatType.PORT_RESTRICTED_CONE, "203.0.113.9", 51000)
    peers = party_view(party, host.peer_id, behind, {}).peers
    assert peers[host.peer_id].connection_type is ConnectionType.HOST
    assert peers[alice.peer_id].connection_type is ConnectionType.RELAYED
    assert peers[bob.peer_id].connection_type is ConnectionType.RELAYED


def test_peers_are_connecting_while_detection_runs(three_peers: ThreePeers) -> None:
    party, host, alice, bob = three_peers
    links = {bob.peer_id: Link(Reachability.ANSWERED, 3.0, LatencySource.UDP_PROBE)}
    peers = party_view(party, host.peer_id, None, links).peers
    assert peers[alice.peer_id].connection_type is ConnectionType.CONNECTING
    assert peers[bob.peer_id].connection_type is ConnectionType.CONNECTING


def test_the_status_json(three_peers: ThreePeers) -> None:
    party, host, _alice, bob = three_peers
    data = WIRE.unstructure(status_view(party, host.peer_id, OPEN, {}))
    assert set(data) == {"status", "peer_count", "party", "nat_info"}
    assert set(data["party"]) == {"id", "name", "host_id", "peers", "created_at"}
    assert data["party"]["peers"][bob.peer_id] == {
        "id": bob.peer_id,
        "name": "Bob",
        "public_key": bob.public_key,
        "virtual_ip": "10.66.0.3",
        "endpoint": None,
        "latency_ms": None,
        "latency_source": None,
        "connection_type": "connecting",
        "nat_type": "symmetric",
        "joined_at": "2025-12-02T05:36:05.000Z",
    }
