"""``StandIn``: on a node that does not own a party, the actor its local connections talk to.

``PartyDirectory.get`` answers a stand-in (a real ``ActorRef``) for a party another node owns,
so a route serves a connection to it exactly as to a local party (``serve_member`` and
``serve_peer`` are unchanged). The stand-in forwards what the reader tells it, in order, to the
owner's inbox: the connection (``Connect``, with the peer's attrs: the route's ``Admission``),
its messages and its end. The owner meets the connection as a peer of its own and answers it
through this node (``Deliver``, ``Close``), which reaches the real connection directly, not
through the stand-in. Any other message is an ask forwarded to the party, its answer returned.

A stand-in lives while it has connections, and an idle lease period after its last one and
its last forwarded ask (one used for asks alone, stopped while they come, would fail those
queued with ``ActorStopped``). When its owner's heartbeat lapses the node closes its
connections with 1012 (service restart): the clients reconnect, to any node, and find the
party where it was adopted, with their last sequence number.

A failure on the owner's side of an ask comes back as ``RemoteError`` (a ``Rejection``: the
stand-in carries on, serving its other connections) unless it was itself a rejection, which
comes back unchanged. An ask waits for its answer in the stand-in's handler, so a connection's
messages queue behind it.
"""

from __future__ import annotations

import contextlib
import math
from typing import TYPE_CHECKING, Any

import attrs
import trio

from engine.actors import Actor, ActorError, ActorStopped, Rejection, on
from engine.net import (
    CloseReason,
    Peer,
    PeerConnected,
    PeerDisconnected,
    PeerMessage,
    RateLimitRule,
)
from engine.parties import Admission

from ._outbox import OutboxFull
from ._wire import Connect, Disconnect, Message

if TYPE_CHECKING:
    from ._node import ClusterNode

__all__ = ["OwnerGone", "OwnerStopped", "RemoteError", "StandIn"]

_IDLE = "idle"
_BUSY = "party busy"


class RemoteError(Rejection):
    """A forwarded ask failed on the owner's node (or got no answer in time)."""


class OwnerStopped(RemoteError, ActorStopped):
    """The party had stopped on its node (finished, or moved on) before it could answer: to
    the asker an ``ActorStopped``, as from a local party, which the apps answer as they do
    one that is gone (404, or asking the directory again); to the stand-in a rejection, so
    it carries on."""


def _portable(value: Any) -> Any:
    """``value`` as the owner gets it: an ``Admission`` without its rate limit, which is this
    node's (the connection's reader, here, applies it; the owner re-keys it with ``Rekey``)."""
    if isinstance(value, Admission):
        return attrs.evolve(value, rate_limit=None)
    return value


def _limit_rule(peer: Peer) -> RateLimitRule | None:
    """The rule of the connection's rate limit (its ``Admission``'s), if it has one."""
    for value in peer.attrs.values():
        if isinstance(value, Admission) and value.rate_limit is not None:
            return value.rate_limit.limiter.rule
    return None


@attrs.frozen
class OwnerGone:
    """The owner's heartbeat lapsed: close every connection (1012) and stop."""


@attrs.frozen
class _Idle:
    pass


class StandIn(Actor):
    """The local face of ``(kind, party_id)``, owned by node ``owner``."""

    def __init__(self, node: ClusterNode, kind: str, party_id: str, owner: str) -> None:
        self.node = node
        self.kind = kind
        self.party_id = party_id
        self.owner = owner
        self.peers: dict[str, Peer] = {}
        self.asked = -math.inf  # when the last forwarded ask was answered

    async def on_start(self) -> None:
        self.start_timer(_IDLE, self.node.settings.lease, _Idle())

    async def on_stop(self, reason: Any) -> None:
        for peer in self.peers.values():
            self.node.local.pop(peer.id, None)
            peer.close(CloseReason.SERVICE_RESTART, "party moving")

    @on(PeerConnected)
    def connected(self, message: PeerConnected) -> None:
        peer = message.peer
        self.peers[peer.id] = peer
        self.node.local[peer.id] = peer
        self.cancel_timer(_IDLE)
        shipped = {key: _portable(value) for key, value in peer.attrs.items()}
        connect = Connect(
            peer.id, self.kind, self.party_id, shipped, peer.ws.request, _limit_rule(peer)
        )
        self._post(peer, connect)

    @on(PeerMessage)
    def received(self, message: PeerMessage) -> None:
        self._post(message.peer, Message(message.peer.id, message.message))

    @on(PeerDisconnected)
    def disconnected(self, message: PeerDisconnected) -> None:
        peer = message.peer
        if self.peers.pop(peer.id, None) is None:
            return
        self.node.local.pop(peer.id, None)
        with contextlib.suppress(OutboxFull):  # the owner learns of it when this node looks dead
            self.node.outbox.post(
                self.owner, Disconnect(peer.id, message.code, message.reason, message.by_peer)
            )
        if not self.peers:
            self.start_timer(_IDLE, self.node.settings.lease, _Idle())

    @on(OwnerGone)
    def owner_gone(self, _: OwnerGone) -> None:
        self.stop()

    @on(_Idle)
    def idle(self, _: _Idle) -> None:
        if self.peers:
            return
        left = self.asked + self.node.settings.lease - trio.current_time()
        if left > 0:
            self.start_timer(_IDLE, left, _Idle())
        else:
            self.stop()

    @on(object)
    async def forward(self, message: Any) -> Any:
        try:
            return await self.node.ask(self.owner, self.kind, self.party_id, message)
        except Rejection:
            raise
        except ActorStopped as exc:
            raise OwnerStopped(f"{self.kind} {self.party_id} stopped on node {self.owner}") from exc
        except (ActorError, OutboxFull) as exc:
            raise RemoteError(f"{self.kind} {self.party_id} on node {self.owner}: {exc!r}") from exc
        finally:
            self.asked = trio.current_time()

    def _post(self, peer: Peer, message: Any) -> None:
        try:
            self.node.outbox.post(self.owner, message)
        except OutboxFull:
            peer.close(CloseReason.TRY_AGAIN_LATER, _BUSY)
