"""The node actor: this node's identity, its one current party, and what it knows of both.

One ``NodeActor`` per node: the one party of its own directory, under the well-known key
``KEY`` (``service.open_node`` gets or creates it), so that the processes of a cluster, which
share one store, are one node with one identity: it runs in one of them at a time and is asked
through any (docs/lanrage.md, "Several processes"). Its persistent state is a
``node.NodeState``: the identity (made on first start and kept for good), the current party's
id and this node's name in it, and the last NAT detection. Every local API call is one
message, so create, join and leave never interleave; each answers once its effect is durable
here *and* acknowledged by the control plane (a control plane that refuses or does not answer
changes nothing here).

What the node knows of its party is the control plane's record as of the last answer: each
heartbeat (every ``heartbeat_interval``) answers the party, so ``/status`` follows peers that
join or leave through other nodes within one interval (polling: the control plane pushes
nothing). A heartbeat answered 404 means the node was dropped (silent too long) or the party is
gone: its membership is cleared. After a restart (of the actor or of the process, or its
adoption by another process of a cluster) the first heartbeat is a join, which keeps the
node's virtual IP in a party that still exists.

Latency: the probe task (``network.probe_peers``) reports UDP probe results per peer
(``Probed``); a peer without a UDP answer shows the round trip of this node's last heartbeat,
labelled ``control_plane``.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

import attrs
import trio

from engine.actors import on
from engine.parties import Birth
from engine.parties import Party as PartyBase

from .control import ControlPlane
from .errors import AlreadyInParty, ControlPlaneUnavailable, NotAMember, PartyFull, PartyNotFound
from .models import (
    CreatePartyResponse,
    JoinPartyResponse,
    LatencySource,
    LeavePartyResponse,
    NatInfo,
    PartyView,
    StatusResponse,
)
from .node import HOST_PEER_NAME, NodeState, enter_party, leave_current_party
from .party import Party, PeerInfo
from .settings import LanrageSettings
from .views import Link, party_view, status_view

__all__ = [
    "CreateParty",
    "GetStatus",
    "JoinParty",
    "LeaveParty",
    "NatDetected",
    "NodeActor",
    "NodeContext",
    "ProbeTargets",
    "Probed",
    "SyncDue",
]

log = logging.getLogger("engine.apps.lanrage")


@attrs.frozen
class CreateParty:
    """Ask: create a party hosted here; answers ``CreatePartyResponse``."""

    name: str


@attrs.frozen
class JoinParty:
    """Ask: join ``party_id`` as ``peer_name``; answers ``JoinPartyResponse``."""

    party_id: str
    peer_name: str


@attrs.frozen
class LeaveParty:
    """Ask: leave the current party; answers ``LeavePartyResponse``."""


@attrs.frozen
class GetStatus:
    """Ask: ``StatusResponse``."""


@attrs.frozen
class SyncDue:
    """Timer: heartbeat (or, first after a start, rejoin) the current party."""


@attrs.frozen
class NatDetected:
    """Tell: NAT detection finished; ``endpoint`` is where this node answers UDP probes."""

    nat: NatInfo
    endpoint: str | None


@attrs.frozen
class ProbeTargets:
    """Ask: the peers to probe, as ``(peer_id, endpoint or None)``."""


@attrs.frozen
class Probed:
    """Tell: what the last round of UDP probes found, per peer id."""

    links: dict[str, Link]


@attrs.frozen
class NodeContext:
    """What the node actor works with, from the process it runs on: the settings and the
    control plane that process uses."""

    settings: LanrageSettings
    control: ControlPlane


class NodeActor(PartyBase[NodeState, None]):
    """Created with a ``node.new_node_state()`` seed (see ``service``); it has no connections."""

    kind = "lanrage.node"
    state_type = NodeState
    context: NodeContext

    #: The one key: a store holds one node.
    KEY = "self"

    def __init__(self, birth: Birth) -> None:
        super().__init__(birth)
        self.settings = self.context.settings
        self.control = self.context.control
        self.party: Party | None = None
        self.synced = False
        self.links: dict[str, Link] = {}
        self.control_rtt: float | None = None

    async def on_ready(self, restored: bool) -> None:
        self.start_timer("sync", self.settings.heartbeat_interval, SyncDue(), repeat=True)
        if self.state.membership is not None:
            self.ref.tell(SyncDue())

    # -- the local API ------------------------------------------------------------------------

    @on(CreateParty)
    async def _create(self, message: CreateParty) -> CreatePartyResponse:
        if self.state.membership is not None:
            raise AlreadyInParty()  # before the control plane registers anything
        party = await self._timed(self.control.register(message.name, self._me(HOST_PEER_NAME)))
        self._entered(party, HOST_PEER_NAME)
        return CreatePartyResponse(party.id, self._view(party))

    @on(JoinParty)
    async def _join(self, message: JoinParty) -> JoinPartyResponse:
        if self.state.membership is not None:
            raise AlreadyInParty()
        me = self._me(message.peer_name)
        party = await self._timed(self.control.join(message.party_id, me))
        self._entered(party, message.peer_name)
        return JoinPartyResponse(self._view(party))

    @on(LeaveParty)
    async def _leave(self, _: LeaveParty) -> LeavePartyResponse:
        state, left = leave_current_party(self.state)
        # Gone already (disbanded, or dropped as silent): leaving is done either way.
        with contextlib.suppress(PartyNotFound, NotAMember):
            await self._timed(self.control.leave(left.party_id, self.state.identity.peer_id))
        self.state = state
        self._forget_party()
        return LeavePartyResponse()

    @on(GetStatus)
    def _status(self, _: GetStatus) -> StatusResponse:
        return status_view(self.party, self.state.identity.peer_id, self.state.nat, self._links())

    # -- keeping current ----------------------------------------------------------------------

    @on(SyncDue)
    async def _sync(self, _: SyncDue) -> None:
        membership = self.state.membership
        if membership is None:
            return
        me = self._me(membership.peer_name)
        try:
            if self.synced:
                party = await self._timed(self.control.heartbeat(membership.party_id, me))
            else:
                party = await self._timed(self.control.join(membership.party_id, me))
        except (PartyNotFound, NotAMember, PartyFull):
            log.info("node %s: dropped from party %s", me.peer_id, membership.party_id)
            self.state = attrs.evolve(self.state, membership=None)
            self._forget_party()
            return
        except ControlPlaneUnavailable:
            return  # logged by the client; the next heartbeat tries again
        self.party, self.synced = party, True

    @on(NatDetected)
    def _nat_detected(self, message: NatDetected) -> None:
        self.state = attrs.evolve(self.state, nat=message.nat, endpoint=message.endpoint)

    @on(ProbeTargets)
    def _probe_targets(self, _: ProbeTargets) -> list[tuple[str, str | None]]:
        if self.party is None:
            return []
        me = self.state.identity.peer_id
        return [(m.peer_id, m.peer.endpoint) for m in self.party.members if m.peer_id != me]

    @on(Probed)
    def _probed(self, message: Probed) -> None:
        if self.party is not None:
            current = {m.peer_id for m in self.party.members}
            self.links = {pid: link for pid, link in message.links.items() if pid in current}

    # -- helpers ------------------------------------------------------------------------------

    def _me(self, name: str) -> PeerInfo:
        return self.state.peer_info(name)

    def _entered(self, party: Party, peer_name: str) -> None:
        self.state = enter_party(self.state, party.id, peer_name)
        self.party, self.synced, self.links = party, True, {}

    def _forget_party(self) -> None:
        self.party, self.synced, self.links = None, False, {}

    def _view(self, party: Party) -> PartyView:
        return party_view(party, self.state.identity.peer_id, self.state.nat, self._links())

    def _links(self) -> dict[str, Link]:
        """Each peer's link, the control plane's round trip standing in for a latency no UDP
        probe measured."""
        if self.party is None:
            return {}
        links = {}
        for member in self.party.members:
            link = self.links.get(member.peer_id, Link())
            if link.latency_ms is None and self.control_rtt is not None:
                link = attrs.evolve(
                    link,
                    latency_ms=round(self.control_rtt * 1000, 3),
                    latency_source=LatencySource.CONTROL_PLANE,
                )
            links[member.peer_id] = link
        return links

    async def _timed(self, call: Any) -> Any:
        started = trio.current_time()
        answer = await call
        self.control_rtt = trio.current_time() - started
        return answer
