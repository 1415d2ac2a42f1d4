"""Who is on a session's signaling WebSocket, and where each client message goes.

A ``SignalingRoom`` is the set of peers that joined one session over the WebSocket, in joining
order. Each rule takes the room and a peer's message and returns the new room and the
``Delivery`` values to send (to whom, what); a message the rules refuse raises
``SignalingError``, which the connection answers with an ``error`` message, and nothing else
happens. Connections are not part of the room: after a restart peers join again.
"""

from __future__ import annotations

import attrs

from .errors import SignalingError
from .protocol import (
    Answer,
    IceCandidate,
    Join,
    Offer,
    PeerJoined,
    PeerLeft,
    RelayedAnswer,
    RelayedIceCandidate,
    RelayedOffer,
    ServerMessage,
    SessionEnded,
    SessionJoined,
    SessionLeft,
)
from .statuses import SessionStatus

__all__ = ["Delivery", "SignalingRoom", "close_room", "disconnect", "join", "leave", "relay"]


@attrs.frozen
class Delivery:
    """Send ``message`` to the peer ``to``."""

    to: str
    message: ServerMessage


@attrs.frozen
class SignalingRoom:
    session_id: str
    peers: tuple[str, ...] = ()


def join(room: SignalingRoom, peer_id: str, message: Join) -> tuple[SignalingRoom, list[Delivery]]:
    """``peer_id`` in the room: it gets ``session-joined`` with the peers already there, and
    they get ``peer-joined``. A peer joining again (a new connection with the same id) only
    gets ``session-joined``.

    Raises ``SignalingError`` if ``message`` names another session than the room's.
    """
    if message.session_id is not None and message.session_id != room.session_id:
        raise SignalingError(f"This connection is for session {room.session_id}")
    others = tuple(peer for peer in room.peers if peer != peer_id)
    welcome = Delivery(peer_id, SessionJoined(room.session_id, peer_id, others))
    if peer_id in room.peers:
        return room, [welcome]
    announced = [Delivery(peer, PeerJoined(room.session_id, peer_id)) for peer in others]
    return attrs.evolve(room, peers=(*room.peers, peer_id)), [welcome, *announced]


def leave(room: SignalingRoom, peer_id: str) -> tuple[SignalingRoom, list[Delivery]]:
    """``peer_id`` out of the room: it gets ``session-left``, the others ``peer-left``.

    Raises ``SignalingError`` if it had not joined.
    """
    _require_joined(room, peer_id)
    remaining = tuple(peer for peer in room.peers if peer != peer_id)
    goodbye = Delivery(peer_id, SessionLeft(room.session_id))
    announced = [Delivery(peer, PeerLeft(room.session_id, peer_id)) for peer in remaining]
    return attrs.evolve(room, peers=remaining), [goodbye, *announced]


def disconnect(room: SignalingRoom, peer_id: str) -> tuple[SignalingRoom, list[Delivery]]:
    """``peer_id``'s connection closed: the others get ``peer-left`` if it had joined (and
    nothing happens otherwise)."""
    if peer_id not in room.peers:
        return room, []
    remaining = tuple(peer for peer in room.peers if peer != peer_id)
    announced = [Delivery(peer, PeerLeft(room.session_id, peer_id)) for peer in remaining]
    return attrs.evolve(room, peers=remaining), announced


def relay(room: SignalingRoom, sender: str, message: Offer | Answer | IceCandidate) -> Delivery:
    """The ``offer``, ``answer`` or ``ice-candidate`` ``sender`` sends, for its ``to``, with
    ``from`` set to the sender (never taken from the client).

    Raises ``SignalingError`` if the sender has not joined, signals itself, or ``to`` is not
    in the room.
    """
    _require_joined(room, sender)
    if message.to == sender:
        raise SignalingError("A peer cannot signal itself")
    if message.to not in room.peers:
        raise SignalingError(f"Peer not in session: {message.to}")
    relayed: ServerMessage
    if isinstance(message, Offer):
        relayed = RelayedOffer(sender, message.sdp)
    elif isinstance(message, Answer):
        relayed = RelayedAnswer(sender, message.sdp)
    else:
        relayed = RelayedIceCandidate(sender, message.candidate)
    return Delivery(message.to, relayed)


def close_room(room: SignalingRoom, status: SessionStatus) -> tuple[SignalingRoom, list[Delivery]]:
    """The session closed with ``status``: every peer gets ``session-ended``; the room empties."""
    ended = SessionEnded(room.session_id, status)
    return attrs.evolve(room, peers=()), [Delivery(peer, ended) for peer in room.peers]


def _require_joined(room: SignalingRoom, peer_id: str) -> None:
    if peer_id not in room.peers:
        raise SignalingError(f"Join session {room.session_id} first")
