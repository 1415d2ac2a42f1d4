"""engine.apps.lanrage.node: one current party per node."""

import pytest

from engine.apps.lanrage.errors import AlreadyInParty, NotInParty
from engine.apps.lanrage.identity import generate_identity
from engine.apps.lanrage.models import NatInfo
from engine.apps.lanrage.nat import NatType
from engine.apps.lanrage.node import (
    HOST_PEER_NAME,
    Membership,
    NodeState,
    enter_party,
    leave_current_party,
)


@pytest.fixture
def state() -> NodeState:
    return NodeState(generate_identity())


def test_entering_and_leaving(state: NodeState) -> None:
    inside = enter_party(state, "00aa11bb22cc", "Alice")
    assert inside.membership == Membership("00aa11bb22cc", "Alice")
    outside, left = leave_current_party(inside)
    assert outside == state
    assert left == Membership("00aa11bb22cc", "Alice")


def test_a_node_is_in_one_party_at_most(state: NodeState) -> None:
    inside = enter_party(state, "00aa11bb22cc", HOST_PEER_NAME)
    with pytest.raises(AlreadyInParty, match="Already in a party; leave it first"):
        enter_party(inside, "ffffffffffff", "Alice")


def test_leaving_with_no_party_is_a_clear_400(state: NodeState) -> None:
    with pytest.raises(NotInParty, match="Not in a party") as raised:
        leave_current_party(state)
    assert raised.value.status == 400


def test_a_membership_name_follows_the_spec_length(state: NodeState) -> None:
    with pytest.raises(ValueError, match="peer_name"):
        enter_party(state, "00aa11bb22cc", "x" * 51)


def test_peer_info_carries_the_identity_nat_and_endpoint(state: NodeState) -> None:
    undetected = state.peer_info("Alice")
    assert (undetected.peer_id, undetected.public_key) == (
        state.identity.peer_id,
        state.identity.public_key,
    )
    assert (undetected.nat_type, undetected.endpoint) == (NatType.UNKNOWN, None)
    nat = NatInfo(NatType.FULL_CONE, "203.0.113.4", 3478)
    detected = NodeState(state.identity, nat=nat, endpoint="203.0.113.4:3478").peer_info("Alice")
    assert (detected.nat_type, detected.endpoint) == (NatType.FULL_CONE, "203.0.113.4:3478")
