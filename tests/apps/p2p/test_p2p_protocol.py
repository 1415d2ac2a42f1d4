"""The signaling WebSocket's messages: strict parsing of client messages, server JSON."""

from __future__ import annotations

import pytest

from engine.apps.p2p.errors import SignalingError
from engine.apps.p2p.fields import SDP_MAX_LENGTH
from engine.apps.p2p.protocol import (
    Answer,
    ErrorMessage,
    IceCandidate,
    Join,
    Leave,
    Offer,
    PeerJoined,
    PeerLeft,
    RelayedAnswer,
    RelayedIceCandidate,
    RelayedOffer,
    SessionEnded,
    SessionJoined,
    SessionLeft,
    parse_client_message,
    to_json,
)
from engine.apps.p2p.statuses import SessionStatus


@pytest.mark.parametrize(
    ("message", "parsed"),
    [
        ({"type": "join"}, Join()),
        ({"type": "join", "session_id": "session-1"}, Join("session-1")),
        ({"type": "leave"}, Leave()),
        ({"type": "offer", "to": "peer-2", "sdp": "v=0\r\n"}, Offer("peer-2", "v=0\r\n")),
        ({"type": "answer", "to": "peer-1", "sdp": "v=0\r\n"}, Answer("peer-1", "v=0\r\n")),
        (
            {
                "type": "ice-candidate",
                "to": "peer-2",
                "candidate": "candidate:1 1 UDP 1 a 1 typ host",
            },
            IceCandidate("peer-2", "candidate:1 1 UDP 1 a 1 typ host"),
        ),
        ({"type": "ice-candidate", "to": "peer-2", "candidate": ""}, IceCandidate("peer-2", "")),
    ],
)
def test_client_messages_parse(message, parsed):
    assert parse_client_message(message) == parsed


@pytest.mark.parametrize(
    ("message", "error"),
    [
        (["join"], "A message must be a JSON object"),
        ({"to": "peer-2"}, "A message needs a string type"),
        ({"type": 3}, "A message needs a string type"),
        (
            {"type": "hello"},
            (
                "Unknown message type 'hello': expected one of join, leave, offer, answer, "
                "ice-candidate"
            ),
        ),
        ({"type": "peer-joined", "peer_id": "p"}, "Unknown message type 'peer-joined'"),
        ({"type": "offer", "to": "peer-2"}, "Invalid offer message: sdp: required"),
        ({"type": "offer", "to": "peer-2", "sdp": ""}, "Invalid offer message: sdp: must be 1 to"),
        (
            {"type": "offer", "to": "peer-2", "sdp": "x" * (SDP_MAX_LENGTH + 1)},
            "Invalid offer message: sdp: must be 1 to 65536 characters",
        ),
        (
            {"type": "answer", "to": 7, "sdp": "v"},
            "Invalid answer message: to: expected a string, got integer",
        ),
        (
            {"type": "answer", "to": "a b", "sdp": "v"},
            "Invalid answer message: to: must be 1 to 64",
        ),
        ({"type": "leave", "now": True}, "Invalid leave message: unknown fields now"),
        (
            {"type": "ice-candidate", "to": "p", "candidate": None},
            "Invalid ice-candidate message: candidate: expected a string, got null",
        ),
        ({"type": "offer", "from": "peer-1", "to": "p", "sdp": "v"}, "unknown fields from"),
    ],
)
def test_bad_client_messages_are_refused_saying_why(message, error):
    with pytest.raises(SignalingError) as refused:
        parse_client_message(message)
    assert error in refused.value.message
    assert refused.value.status == 400


@pytest.mark.parametrize(
    ("message", "json"),
    [
        (
            SessionJoined("session-1", "peer-3", ("peer-1", "peer-2")),
            {
                "type": "session-joined",
                "session_id": "session-1",
                "peer_id": "peer-3",
                "peers": ["peer-1", "peer-2"],
            },
        ),
        (
            PeerJoined("session-1", "peer-3"),
            {"type": "peer-joined", "session_id": "session-1", "peer_id": "peer-3"},
        ),
        (
            PeerLeft("session-1", "peer-3"),
            {"type": "peer-left", "session_id": "session-1", "peer_id": "peer-3"},
        ),
        (SessionLeft("session-1"), {"type": "session-left", "session_id": "session-1"}),
        (
            SessionEnded("session-1", SessionStatus.FAILED),
            {"type": "session-ended", "session_id": "session-1", "status": "FAILED"},
        ),
        (RelayedOffer("peer-1", "v=0"), {"type": "offer", "from": "peer-1", "sdp": "v=0"}),
        (RelayedAnswer("peer-2", "v=0"), {"type": "answer", "from": "peer-2", "sdp": "v=0"}),
        (
            RelayedIceCandidate("peer-1", "candidate:1"),
            {"type": "ice-candidate", "from": "peer-1", "candidate": "candidate:1"},
        ),
        (
            ErrorMessage("Peer not in session: peer-9"),
            {"type": "error", "message": "Peer not in session: peer-9"},
        ),
    ],
)
def test_server_messages_have_their_type_and_wire_keys(message, json):
    encoded = to_json(message)
    assert encoded == json
    assert next(iter(encoded)) == "type"
