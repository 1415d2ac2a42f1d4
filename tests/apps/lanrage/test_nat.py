"""engine.apps.lanrage.nat: classification from STUN answers, the matrix, connection types."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.apps.lanrage.nat import (
    DIRECT_PEERS,
    ConnectionType,
    NatType,
    Reachability,
    can_connect_directly,
    classify_nat,
    connection_type,
)

LOCAL = ("192.168.1.20", 40000)

nat_types = st.sampled_from(NatType)


@pytest.mark.parametrize(
    ("mapped", "expected"),
    [
        ([], NatType.UNKNOWN),
        ([LOCAL], NatType.OPEN),
        ([LOCAL, LOCAL], NatType.OPEN),
        ([("203.0.113.5", 40000)], NatType.FULL_CONE),
        ([("203.0.113.5", 40000), ("203.0.113.5", 40000)], NatType.FULL_CONE),
        ([("203.0.113.5", 51234)], NatType.PORT_RESTRICTED_CONE),
        ([("203.0.113.5", 51234), ("203.0.113.5", 51234)], NatType.PORT_RESTRICTED_CONE),
        ([("203.0.113.5", 51234), ("203.0.113.5", 51235)], NatType.SYMMETRIC),
        ([("203.0.113.5", 40000), ("203.0.113.6", 40000)], NatType.SYMMETRIC),
        # The same IP with another port is translation all the same.
        ([("192.168.1.20", 40001)], NatType.PORT_RESTRICTED_CONE),
    ],
)
def test_classification(mapped: list[tuple[str, int]], expected: NatType) -> None:
    assert classify_nat(LOCAL, mapped) is expected


@given(st.lists(st.tuples(st.ip_addresses(v=4).map(str), st.integers(1, 65535)), max_size=2))
def test_classification_never_claims_a_filtering_it_cannot_see(
    mapped: list[tuple[str, int]],
) -> None:
    assert classify_nat(LOCAL, mapped) is not NatType.RESTRICTED_CONE


def test_the_matrix_has_the_original_rows() -> None:
    assert DIRECT_PEERS[NatType.OPEN] == set(NatType)
    assert DIRECT_PEERS[NatType.FULL_CONE] == {
        NatType.OPEN,
        NatType.FULL_CONE,
        NatType.RESTRICTED_CONE,
        NatType.PORT_RESTRICTED_CONE,
    }
    assert DIRECT_PEERS[NatType.RESTRICTED_CONE] == {
        NatType.OPEN,
        NatType.FULL_CONE,
        NatType.RESTRICTED_CONE,
    }
    assert DIRECT_PEERS[NatType.PORT_RESTRICTED_CONE] == {NatType.OPEN, NatType.FULL_CONE}
    assert DIRECT_PEERS[NatType.SYMMETRIC] == {NatType.OPEN}
    assert DIRECT_PEERS[NatType.UNKNOWN] == set()


@given(nat_types, nat_types)
def test_direct_connection_is_symmetric(a: NatType, b: NatType) -> None:
    assert can_connect_directly(a, b) == can_connect_directly(b, a)


@given(nat_types, nat_types)
def test_the_matrix_rows_agree_with_each_other_for_known_types(a: NatType, b: NatType) -> None:
    # Only "unknown" is listed by one side (open) and not the other: both must agree.
    if NatType.UNKNOWN not in (a, b):
        assert (b in DIRECT_PEERS[a]) == (a in DIRECT_PEERS[b]) == can_connect_directly(a, b)


@given(nat_types)
def test_unknown_is_always_relayed_and_open_reaches_every_known_type(other: NatType) -> None:
    assert not can_connect_directly(NatType.UNKNOWN, other)
    assert can_connect_directly(NatType.OPEN, other) == (other is not NatType.UNKNOWN)


@pytest.mark.parametrize(
    ("a", "b", "direct"),
    [
        (NatType.SYMMETRIC, NatType.SYMMETRIC, False),
        (NatType.SYMMETRIC, NatType.OPEN, True),
        (NatType.SYMMETRIC, NatType.FULL_CONE, False),
        (NatType.PORT_RESTRICTED_CONE, NatType.PORT_RESTRICTED_CONE, False),
        (NatType.PORT_RESTRICTED_CONE, NatType.RESTRICTED_CONE, False),
        (NatType.PORT_RESTRICTED_CONE, NatType.FULL_CONE, True),
        (NatType.RESTRICTED_CONE, NatType.RESTRICTED_CONE, True),
        (NatType.FULL_CONE, NatType.FULL_CONE, True),
    ],
)
def test_pairs(a: NatType, b: NatType, direct: bool) -> None:
    assert can_connect_directly(a, b) is direct


@given(st.one_of(st.none(), nat_types), nat_types, st.sampled_from(Reachability))
def test_the_host_is_always_host(mine: NatType | None, theirs: NatType, seen: Reachability) -> None:
    kind = connection_type(is_host=True, mine=mine, theirs=theirs, reachability=seen)
    assert kind is ConnectionType.HOST


@given(nat_types, st.sampled_from(Reachability))
def test_connecting_until_this_nodes_type_is_known(theirs: NatType, seen: Reachability) -> None:
    kind = connection_type(is_host=False, mine=None, theirs=theirs, reachability=seen)
    assert kind is ConnectionType.CONNECTING


@given(st.sampled_from(Reachability))
def test_incompatible_types_are_relayed_whatever_the_probes_say(seen: Reachability) -> None:
    kind = connection_type(
        is_host=False, mine=NatType.SYMMETRIC, theirs=NatType.SYMMETRIC, reachability=seen
    )
    assert kind is ConnectionType.RELAYED


@pytest.mark.parametrize(
    ("seen", "expected"),
    [
        (Reachability.UNTESTED, ConnectionType.CONNECTING),
        (Reachability.ANSWERED, ConnectionType.DIRECT),
        (Reachability.UNANSWERED, ConnectionType.FAILED),
    ],
)
def test_compatible_types_follow_the_probes(seen: Reachability, expected: ConnectionType) -> None:
    kind = connection_type(
        is_host=False, mine=NatType.OPEN, theirs=NatType.FULL_CONE, reachability=seen
    )
    assert kind is expected
