"""What a node answers about a party: the control plane's record seen from this node.

The record (``party.Party``) is the same on every node; what differs is how this node reaches
each peer. ``Link`` holds what this node measured about one peer (UDP probe reachability and
latency); ``party_view`` combines both with the NAT matrix into each peer's
``connection_type``. A peer with no ``Link`` yet is untested, with no latency.

This node's own entry says ``host`` if it hosts the party, ``direct`` otherwise (it is no
peer of itself to probe), with no latency.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import attrs

from .models import LatencySource, NatInfo, PartyStatus, PartyView, PeerView, StatusResponse
from .nat import ConnectionType, Reachability, connection_type
from .party import Member, Party

__all__ = ["Link", "party_view", "rfc3339", "status_view"]


@attrs.frozen
class Link:
    """What this node knows about its path to one peer."""

    reachability: Reachability = Reachability.UNTESTED
    latency_ms: float | None = None
    latency_source: LatencySource | None = None


_UNTESTED = Link()


def rfc3339(epoch: float) -> str:
    """``2026-12-02T05:36:03.120Z``: UTC, milliseconds."""
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _peer_view(party: Party, member: Member, me: str, nat: NatInfo | None, link: Link) -> PeerView:
    is_host = member.peer_id == party.host_id
    if member.peer_id == me:
        kind = ConnectionType.HOST if is_host else ConnectionType.DIRECT
        link = _UNTESTED
    else:
        kind = connection_type(
            is_host=is_host,
            mine=nat.nat_type if nat is not None else None,
            theirs=member.peer.nat_type,
            reachability=link.reachability,
        )
    return PeerView(
        id=member.peer_id,
        name=member.peer.name,
        public_key=member.peer.public_key,
        virtual_ip=member.virtual_ip,
        endpoint=member.peer.endpoint,
        latency_ms=link.latency_ms,
        latency_source=link.latency_source,
        connection_type=kind,
        nat_type=member.peer.nat_type,
        joined_at=rfc3339(member.joined_at),
    )


def party_view(party: Party, me: str, nat: NatInfo | None, links: Mapping[str, Link]) -> PartyView:
    """``party`` as node ``me`` sees it; ``nat`` is None while its NAT detection runs."""
    peers = {
        member.peer_id: _peer_view(party, member, me, nat, links.get(member.peer_id, _UNTESTED))
        for member in party.members
    }
    return PartyView(party.id, party.name, party.host_id, peers, rfc3339(party.created_at))


def status_view(
    party: Party | None, me: str, nat: NatInfo | None, links: Mapping[str, Link]
) -> StatusResponse:
    """``GET /status``: ``no_party`` with a peer count of 0, or ``in_party`` with the party and
    its peer count (this node included); ``nat_info`` in both once NAT detection is done."""
    if party is None:
        return StatusResponse(PartyStatus.NO_PARTY, 0, nat_info=nat)
    view = party_view(party, me, nat, links)
    return StatusResponse(PartyStatus.IN_PARTY, len(view.peers), party=view, nat_info=nat)
