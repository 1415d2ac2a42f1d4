"""NAT types, how a node's type is read from STUN answers, and how two nodes can connect.

Classification (``classify_nat``) uses what STUN answers can actually tell: whether the mapped
address is the local one, whether two servers see the same mapping, and whether the port is
kept. It cannot see how the NAT filters inbound traffic, so it never answers
``restricted_cone``, and its ``full_cone`` means "one mapping for every destination, port kept"
(the filtering is assumed, as the original LANrage assumed it). A node whose peers report
``restricted_cone`` (detected by other means) is still placed in the matrix.

The matrix (``DIRECT_PEERS``) says which types can hole-punch to which; ``can_connect_directly``
requires both sides to agree, which makes it symmetric and keeps ``unknown`` always relayed.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence

__all__ = [
    "DIRECT_PEERS",
    "ConnectionType",
    "NatType",
    "Reachability",
    "can_connect_directly",
    "classify_nat",
    "connection_type",
]


class NatType(enum.StrEnum):
    UNKNOWN = "unknown"
    OPEN = "open"
    FULL_CONE = "full_cone"
    RESTRICTED_CONE = "restricted_cone"
    PORT_RESTRICTED_CONE = "port_restricted_cone"
    SYMMETRIC = "symmetric"


class ConnectionType(enum.StrEnum):
    """How this node reaches a peer (the ``connection_type`` of a peer in ``/status``)."""

    #: The peer is the party's host.
    HOST = "host"
    #: Direct traffic is possible and the peer answered a UDP probe.
    DIRECT = "direct"
    #: The NAT types rule out a direct path: traffic goes through a relay.
    RELAYED = "relayed"
    #: Not known yet: this node's NAT type is still being detected, or no probe has been tried.
    CONNECTING = "connecting"
    #: A direct path should work but the peer did not answer its UDP probe.
    FAILED = "failed"


class Reachability(enum.StrEnum):
    """What UDP probes to a peer showed so far."""

    UNTESTED = "untested"
    ANSWERED = "answered"
    UNANSWERED = "unanswered"


_ALL = frozenset(NatType)

#: Which peers' types a node of each type can reach directly.
DIRECT_PEERS: Mapping[NatType, frozenset[NatType]] = {
    NatType.OPEN: _ALL,
    NatType.FULL_CONE: frozenset(
        {NatType.OPEN, NatType.FULL_CONE, NatType.RESTRICTED_CONE, NatType.PORT_RESTRICTED_CONE}
    ),
    NatType.RESTRICTED_CONE: frozenset({NatType.OPEN, NatType.FULL_CONE, NatType.RESTRICTED_CONE}),
    NatType.PORT_RESTRICTED_CONE: frozenset({NatType.OPEN, NatType.FULL_CONE}),
    NatType.SYMMETRIC: frozenset({NatType.OPEN}),
    NatType.UNKNOWN: frozenset(),
}


def can_connect_directly(a: NatType, b: NatType) -> bool:
    """Whether nodes of types ``a`` and ``b`` can reach each other without a relay: each must
    list the other in ``DIRECT_PEERS`` (so ``open`` and ``unknown`` stay relayed)."""
    return b in DIRECT_PEERS[a] and a in DIRECT_PEERS[b]


def classify_nat(local: tuple[str, int], mapped: Sequence[tuple[str, int]]) -> NatType:
    """A node's NAT type from its local address and the mapped addresses STUN servers saw for
    the same socket (one per server that answered, servers at different addresses).

    - no answer: ``unknown``;
    - every server saw the local address itself: ``open`` (no translation);
    - servers saw different mappings: ``symmetric`` (needs two servers to be seen);
    - the port was kept: ``full_cone``;
    - otherwise: ``port_restricted_cone`` (the cautious guess for an unknown filter).
    """
    if not mapped:
        return NatType.UNKNOWN
    if all(address == local for address in mapped):
        return NatType.OPEN
    if len(set(mapped)) > 1:
        return NatType.SYMMETRIC
    if mapped[0][1] == local[1]:
        return NatType.FULL_CONE
    return NatType.PORT_RESTRICTED_CONE


def connection_type(
    *, is_host: bool, mine: NatType | None, theirs: NatType, reachability: Reachability
) -> ConnectionType:
    """How this node (of NAT type ``mine``, None while detection runs) reaches a peer of type
    ``theirs`` that UDP probes found ``reachability``: ``host`` for the party's host, then
    ``connecting`` until this node's type is known, ``relayed`` when the matrix rules a direct
    path out, and otherwise what the probes showed."""
    if is_host:
        return ConnectionType.HOST
    if mine is None:
        return ConnectionType.CONNECTING
    if not can_connect_directly(mine, theirs):
        return ConnectionType.RELAYED
    return {
        Reachability.UNTESTED: ConnectionType.CONNECTING,
        Reachability.ANSWERED: ConnectionType.DIRECT,
        Reachability.UNANSWERED: ConnectionType.FAILED,
    }[reachability]
