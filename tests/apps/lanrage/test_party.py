# mypy: disable-error-code="arg-type"
# These tests hand the rules raw strings where the types say checked names, ids and keys:
# the checks are what they test.
"""engine.apps.lanrage.party: creating, joining, leaving, heartbeats and silence."""

import random
from collections.abc import Callable

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.apps.lanrage.addresses import HOST_IP
from engine.apps.lanrage.errors import NotAMember, PartyFull
from engine.apps.lanrage.identity import generate_identity
from engine.apps.lanrage.nat import NatType
from engine.apps.lanrage.party import (
    Party,
    PeerInfo,
    create_party,
    drop_stale,
    heartbeat,
    is_stale,
    join_party,
    leave_party,
    new_party_id,
)

TIMEOUT = 300.0
MakePeer = Callable[..., PeerInfo]


@pytest.fixture
def party(make_peer: MakePeer) -> Party:
    return create_party("00aa11bb22cc", "Gaming Night", make_peer("Host"), now=1000.0)


def test_party_ids_are_twelve_hex_characters_from_the_given_random() -> None:
    ids = [new_party_id(random.Random(seed)) for seed in range(200)]
    assert all(len(i) == 12 and int(i, 16) >= 0 and i == i.lower() for i in ids)
    assert new_party_id(random.Random(7)) == new_party_id(random.Random(7))
    assert len(set(ids)) == 200


def test_a_party_id_keeps_its_leading_zeros() -> None:
    class Zeros(random.Random):
        def getrandbits(self, k: int) -> int:
            return 5

    assert new_party_id(Zeros()) == "000000000005"


def test_the_host_is_the_first_member_at_dot_one(party: Party) -> None:
    (host,) = party.members
    assert party.host_id == host.peer_id
    assert host.virtual_ip == HOST_IP
    assert host.joined_at == host.last_seen == party.created_at == 1000.0
    assert party.member(host.peer_id) is host


def test_joiners_get_addresses_in_join_order(party: Party, make_peer: MakePeer) -> None:
    alice, bob = make_peer("Alice"), make_peer("Bob")
    party = join_party(join_party(party, alice, 1001.0), bob, 1002.0)
    assert [m.virtual_ip for m in party.members] == [HOST_IP, "10.66.0.2", "10.66.0.3"]
    assert [m.peer.name for m in party.members] == ["Host", "Alice", "Bob"]
    assert party.member(bob.peer_id).joined_at == 1002.0  # type: ignore[union-attr]


def test_rejoining_keeps_the_address_and_join_time_and_takes_the_new_info(
    party: Party, make_peer: MakePeer
) -> None:
    alice = make_peer("Alice")
    party = join_party(party, alice, 1001.0)
    again = attrs.evolve(alice, name="Alice 2", nat_type=NatType.FULL_CONE)
    party = join_party(party, again, 1050.0)
    member = party.member(alice.peer_id)
    assert member is not None
    assert (member.virtual_ip, member.joined_at, member.last_seen) == ("10.66.0.2", 1001.0, 1050.0)
    assert member.peer == again
    assert len(party.members) == 2


def test_a_full_party_refuses_one_more_joiner(party: Party, make_peer: MakePeer) -> None:
    for n in range(253):
        party = join_party(party, make_peer(f"p{n}"), 1001.0)
    assert party.members[-1].virtual_ip == "10.66.0.254"
    with pytest.raises(PartyFull):
        join_party(party, make_peer("one too many"), 1002.0)


def test_leaving_frees_the_address_for_the_next_joiner(party: Party, make_peer: MakePeer) -> None:
    alice, bob, carol = make_peer("Alice"), make_peer("Bob"), make_peer("Carol")
    party = join_party(join_party(party, alice, 1001.0), bob, 1002.0)
    party = leave_party(party, alice.peer_id)  # type: ignore[assignment]
    assert [m.peer.name for m in party.members] == ["Host", "Bob"]
    party = join_party(party, carol, 1003.0)
    assert party.member(carol.peer_id).virtual_ip == "10.66.0.2"  # type: ignore[union-attr]


def test_the_host_leaving_disbands_the_party(party: Party, make_peer: MakePeer) -> None:
    party = join_party(party, make_peer(), 1001.0)
    assert leave_party(party, party.host_id) is None


def test_leaving_a_party_one_is_not_in_is_refused(party: Party) -> None:
    with pytest.raises(NotAMember, match="Peer is not in this party"):
        leave_party(party, generate_identity().peer_id)


def test_a_heartbeat_refreshes_last_seen_and_what_the_peer_says(
    party: Party, make_peer: MakePeer
) -> None:
    alice = make_peer()
    party = join_party(party, alice, 1001.0)
    detected = attrs.evolve(alice, nat_type=NatType.SYMMETRIC, endpoint="198.51.100.7:3478")
    party = heartbeat(party, detected, 1100.0)
    member = party.member(alice.peer_id)
    assert member is not None and member.peer == detected and member.last_seen == 1100.0
    # A heartbeat delayed in transit never moves last_seen back.
    late = heartbeat(party, detected, 1050.0).member(alice.peer_id)
    assert late is not None and late.last_seen == 1100.0


def test_a_heartbeat_from_a_stranger_is_refused(party: Party, make_peer: MakePeer) -> None:
    with pytest.raises(NotAMember):
        heartbeat(party, make_peer(), 1001.0)


def test_staleness_starts_after_the_timeout(party: Party) -> None:
    (host,) = party.members
    assert not is_stale(host, 1000.0 + TIMEOUT, TIMEOUT)
    assert is_stale(host, 1000.0 + TIMEOUT + 0.001, TIMEOUT)


def test_silent_peers_are_dropped_and_the_rest_kept(party: Party, make_peer: MakePeer) -> None:
    alice, bob = make_peer("Alice"), make_peer("Bob")
    party = join_party(join_party(party, alice, 1000.0), bob, 1000.0)
    now = 1000.0 + TIMEOUT + 1
    party = heartbeat(heartbeat(party, bob, now - 10), party.members[0].peer, now - 10)
    kept, dropped = drop_stale(party, now, TIMEOUT)
    assert dropped == (alice.peer_id,)
    assert kept is not None and [m.peer.name for m in kept.members] == ["Host", "Bob"]


def test_nothing_to_drop_leaves_the_party_as_it_was(party: Party) -> None:
    assert drop_stale(party, 1001.0, TIMEOUT) == (party, ())


def test_a_silent_host_disbands_the_party(party: Party, make_peer: MakePeer) -> None:
    alice = make_peer()
    party = join_party(party, alice, 1000.0)
    now = 1000.0 + TIMEOUT + 1
    party = heartbeat(party, alice, now)
    remaining, dropped = drop_stale(party, now, TIMEOUT)
    assert remaining is None
    assert set(dropped) == {party.host_id, alice.peer_id}


def _peer(index: int) -> PeerInfo:
    identity = generate_identity()
    return PeerInfo(identity.peer_id, f"peer {index}", identity.public_key)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 30)), max_size=60))
def test_addresses_stay_unique_and_the_host_stays_first(steps: list[tuple[bool, int]]) -> None:
    peers = [_peer(i) for i in range(31)]
    party: Party | None = create_party("00aa11bb22cc", "LAN", peers[0], 0.0)
    for now, (joining, index) in enumerate(steps, start=1):
        assert party is not None
        peer = peers[index]
        if joining:
            party = join_party(party, peer, float(now))
        elif party.member(peer.peer_id) is not None:
            party = leave_party(party, peer.peer_id)
            if party is None:
                assert index == 0  # only the host's leaving ends the party
                return
        ips = [m.virtual_ip for m in party.members]
        assert len(set(ips)) == len(ips)
        assert party.members[0].peer_id == party.host_id and ips[0] == HOST_IP
        assert len({m.peer_id for m in party.members}) == len(party.members)
