"""One node's own state: who it is, which party it is in, and what it knows of its NAT.

This is what a node keeps in its store besides its identity: the id of its current party (a
node is in at most one) and the name it uses there, so that after a restart it can rejoin the
same party under the same name. The transitions refuse what the local API refuses and change
nothing when they do.
"""

from __future__ import annotations

import attrs

from .errors import AlreadyInParty, NotInParty
from .fields import Endpoint, Name, PeerId, PublicKey, checked
from .identity import NodeIdentity, generate_identity
from .models import NatInfo
from .nat import NatType
from .party import PeerInfo

__all__ = [
    "HOST_PEER_NAME",
    "Membership",
    "NodeState",
    "enter_party",
    "leave_current_party",
    "new_node_state",
]

#: The name of the host's own peer entry (creating a party names the party, not the peer).
HOST_PEER_NAME = "Host"


@attrs.frozen
class Membership:
    """The node's current party and its name in it."""

    party_id: str
    peer_name: str = attrs.field(validator=checked(Name))


@attrs.frozen
class NodeState:
    """``nat`` is None until NAT detection finishes; ``endpoint`` is where this node answers
    UDP probes (``ip:port``), None when it runs no STUN responder."""

    identity: NodeIdentity
    membership: Membership | None = None
    nat: NatInfo | None = None
    endpoint: str | None = None

    def peer_info(self, name: str) -> PeerInfo:
        """What this node tells the control plane about itself, named ``name``."""
        nat_type = self.nat.nat_type if self.nat is not None else NatType.UNKNOWN
        endpoint = None if self.endpoint is None else Endpoint(self.endpoint)
        identity = self.identity
        return PeerInfo(
            PeerId(identity.peer_id), Name(name), PublicKey(identity.public_key), nat_type, endpoint
        )


def new_node_state() -> NodeState:
    """A new node's state: a fresh identity, in no party, its NAT not yet detected."""
    return NodeState(generate_identity())


def enter_party(state: NodeState, party_id: str, peer_name: str) -> NodeState:
    """``state`` in party ``party_id`` as ``peer_name``; raises ``AlreadyInParty`` if the node
    is in a party already."""
    if state.membership is not None:
        raise AlreadyInParty()
    return attrs.evolve(state, membership=Membership(party_id, peer_name))


def leave_current_party(state: NodeState) -> tuple[NodeState, Membership]:
    """``state`` with no party, and the membership it left; raises ``NotInParty`` if the node
    is in none."""
    if state.membership is None:
        raise NotInParty()
    return attrs.evolve(state, membership=None), state.membership
