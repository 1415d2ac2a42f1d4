"""Where signaling messages go: joining, leaving, relaying to one peer, closing a session."""

from __future__ import annotations

import pytest

from engine.apps.p2p.errors import SignalingError
from engine.apps.p2p.protocol import (
    Answer,
    IceCandidate,
    Join,
    Offer,
    PeerJoined,
    PeerLeft,
    RelayedAnswer,
    RelayedIceCandidate,
    RelayedOffer,
    SessionEnded,
    SessionJoined,
    SessionLeft,
)
from engine.apps.p2p.signaling import (
    Delivery,
    SignalingRoom,
    close_room,
    disconnect,
    join,
    leave,
    relay,
)
from engine.apps.p2p.statuses import SessionStatus

S = "session-0123456789abcdef"


def room_with(*peers: str) -> SignalingRoom:
    room = SignalingRoom(S)
    for peer in peers:
        room, _ = join(room, peer, Join())
    return room


def test_the_first_peer_joins_an_empty_room():
    room, deliveries = join(SignalingRoom(S), "peer-1", Join())
    assert room.peers == ("peer-1",)
    assert deliveries == [Delivery("peer-1", SessionJoined(S, "peer-1", ()))]


def test_a_joining_peer_learns_who_is_there_and_they_learn_about_it():
    room, deliveries = join(room_with("peer-1", "peer-2"), "peer-3", Join(S))
    assert room.peers == ("peer-1", "peer-2", "peer-3")
    assert deliveries == [
        Delivery("peer-3", SessionJoined(S, "peer-3", ("peer-1", "peer-2"))),
        Delivery("peer-1", PeerJoined(S, "peer-3")),
        Delivery("peer-2", PeerJoined(S, "peer-3")),
    ]


def test_joining_again_only_welcomes_again():
    before = room_with("peer-1", "peer-2")
    room, deliveries = join(before, "peer-1", Join())
    assert room is before
    assert deliveries == [Delivery("peer-1", SessionJoined(S, "peer-1", ("peer-2",)))]


def test_joining_another_session_on_this_connection_is_refused():
    with pytest.raises(SignalingError, match=f"This connection is for session {S}"):
        join(SignalingRoom(S), "peer-1", Join("session-other"))


def test_leaving_tells_the_leaver_and_the_others():
    room, deliveries = leave(room_with("peer-1", "peer-2", "peer-3"), "peer-2")
    assert room.peers == ("peer-1", "peer-3")
    assert deliveries == [
        Delivery("peer-2", SessionLeft(S)),
        Delivery("peer-1", PeerLeft(S, "peer-2")),
        Delivery("peer-3", PeerLeft(S, "peer-2")),
    ]


def test_leaving_without_joining_is_refused():
    with pytest.raises(SignalingError, match=f"Join session {S} first"):
        leave(room_with("peer-1"), "peer-2")


def test_a_dropped_connection_tells_the_others_only_if_it_had_joined():
    room, deliveries = disconnect(room_with("peer-1", "peer-2"), "peer-1")
    assert (room.peers, deliveries) == (("peer-2",), [Delivery("peer-2", PeerLeft(S, "peer-1"))])
    untouched = room_with("peer-1")
    assert disconnect(untouched, "peer-9") == (untouched, [])


@pytest.mark.parametrize(
    ("sent", "relayed"),
    [
        (Offer("peer-2", "v=0 offer"), RelayedOffer("peer-1", "v=0 offer")),
        (Answer("peer-2", "v=0 answer"), RelayedAnswer("peer-1", "v=0 answer")),
        (IceCandidate("peer-2", "candidate:1"), RelayedIceCandidate("peer-1", "candidate:1")),
    ],
)
def test_signals_go_to_their_target_from_their_sender(sent, relayed):
    assert relay(room_with("peer-1", "peer-2", "peer-3"), "peer-1", sent) == Delivery(
        "peer-2", relayed
    )


@pytest.mark.parametrize(
    ("sender", "to", "error"),
    [
        ("peer-9", "peer-2", f"Join session {S} first"),
        ("peer-1", "peer-1", "A peer cannot signal itself"),
        ("peer-1", "peer-7", "Peer not in session: peer-7"),
    ],
)
def test_misdirected_signals_are_refused(sender, to, error):
    with pytest.raises(SignalingError) as refused:
        relay(room_with("peer-1", "peer-2"), sender, Offer(to, "v=0"))
    assert refused.value.message == error


def test_closing_the_session_tells_every_peer_and_empties_the_room():
    room, deliveries = close_room(room_with("peer-1", "peer-2"), SessionStatus.FAILED)
    assert room.peers == ()
    assert deliveries == [
        Delivery("peer-1", SessionEnded(S, SessionStatus.FAILED)),
        Delivery("peer-2", SessionEnded(S, SessionStatus.FAILED)),
    ]
