"""The WebSocket protocol: parsing client messages, building server messages, JSON views."""

from __future__ import annotations

import pytest
import trio

from engine import clock
from engine.apps.watchparty.errors import InvalidMessage, NotHost, Unauthorized
from engine.apps.watchparty.messages import ChatMessage, Identity, Playback, Relay, Signal, Ticket
from engine.apps.watchparty.models import (
    IceCandidate,
    MessageType,
    PlaybackPayload,
    SessionDescription,
)
from engine.apps.watchparty.routes import ERRORS
from engine.apps.watchparty.session import SessionSettings, add_participant, admit_host, new_session
from engine.apps.watchparty.wire import (
    SocketErrors,
    details_view,
    parse_client_message,
    rfc3339,
)
from engine.net import RateLimitRule

T0 = 1_770_000_000.0
OFFER = {"type": "offer", "sdp": "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n"}
CANDIDATE = "candidate:1 1 UDP 2130706431 192.168.1.100 54321 typ host"


def parse(message):
    return parse_client_message(message)


def test_chat():
    command = parse({"type": "chat", "payload": {"message": " Hello everyone!\x00 "}})
    assert isinstance(command, ChatMessage)
    assert command.text == "Hello everyone!"


def test_the_envelope_fields_a_client_sends_are_ignored():
    message = {
        "type": "chat",
        "payload": {"message": "hi"},
        "session_id": "another",
        "user_id": "someone-else",
        "timestamp": 1,
    }
    command = parse(message)
    assert isinstance(command, ChatMessage) and command.text == "hi"


def test_signals_keep_their_target():
    offer = parse({"type": "webrtc_offer", "payload": OFFER, "target_id": "u2"})
    assert isinstance(offer, Signal)
    assert (offer.kind, offer.payload, offer.target_id) == (
        MessageType.WEBRTC_OFFER, SessionDescription(**OFFER), "u2",
    )  # fmt: skip
    candidate = {"candidate": CANDIDATE, "sdpMid": "0", "sdpMLineIndex": 0}
    ice = parse({"type": "ice_candidate", "payload": candidate, "target_id": ""})
    assert ice.payload == IceCandidate(CANDIDATE, "0", 0)
    assert ice.target_id is None


def test_playback_and_custom_types():
    state = {"playing": True, "currentTime": 125.5, "volume": 0.8}
    playback = parse({"type": "playback_state", "payload": state})
    assert isinstance(playback, Playback)
    assert playback.payload == PlaybackPayload(True, 125.5, 0.8)
    relay = parse({"type": "reaction", "payload": {"emoji": "🎉"}})
    assert isinstance(relay, Relay) and (relay.type, relay.payload) == ("reaction", {"emoji": "🎉"})


def chat(payload):
    return {"type": "chat", "payload": payload}


def playback(payload):
    return {"type": "playback_state", "payload": payload}


@pytest.mark.parametrize(
    ("message", "details"),
    [
        ({"payload": {}}, {"type": "must be a string"}),
        ({"type": 7}, {"type": "must be a string"}),
        (chat("hi"), {"payload": "must be an object"}),
        (chat({}), {"payload.message": "is required"}),
        (chat({"message": 5}), {"payload.message": "expected string, got integer"}),
        (chat({"message": " \x00 "}), {"payload.message": "Message must not be empty"}),
        (
            {"type": "webrtc_offer", "payload": {**OFFER, "type": "answer"}},
            {"payload.type": "must be 'offer'"},
        ),
        ({"type": "webrtc_answer", "payload": {"type": "answer"}}, {"payload.sdp": "is required"}),
        (
            {"type": "ice_candidate", "payload": {"candidate": "c", "sdpMLineIndex": "0"}},
            {"payload.sdpMLineIndex": "expected integer, got string"},
        ),
        (
            {"type": "webrtc_offer", "payload": OFFER, "target_id": 5},
            {"target_id": "must be a string"},
        ),
        (
            playback({"playing": True, "currentTime": -3}),
            {"payload": "currentTime must not be negative"},
        ),
        (
            playback({"playing": "yes", "currentTime": 1}),
            {"payload.playing": "expected boolean, got string"},
        ),
        ({"type": "user_joined", "payload": {}}, {"type": "server only"}),
        ({"type": "error", "payload": {}}, {"type": "server only"}),
        ({"type": "Bad Type!", "payload": {}}, {"type": "unknown"}),
    ],
)
def test_refusals_name_what_is_wrong(message, details):
    with pytest.raises(InvalidMessage) as caught:
        parse(message)
    assert caught.value.details == details
    assert caught.value.status == 400


def test_identity_claims_round_trip():
    ticket = Ticket("s", "u9", "SwiftLynx", True, name="Movie Night")
    claims = ticket.claims()
    assert claims == {"session_id": "s", "user_id": "u9", "username": "SwiftLynx", "is_host": True}
    identity = Identity.from_claims({**claims, "iss": "watchparty", "exp": 1})
    assert identity == Identity("s", "u9", "SwiftLynx", True)
    for broken in ({"user_id": "u"}, {**claims, "is_host": "yes"}, {**claims, "user_id": 1}):
        with pytest.raises(Unauthorized):
            Identity.from_claims(broken)


async def test_error_envelope(mock_clock):
    # A MockClock stands still: on the real clock a busy machine moved the timestamp by 1 ms.
    clock.set_wall_source(lambda: T0)
    message = SocketErrors(ERRORS, "s", "u1").event(NotHost())
    assert message == {
        "type": "error",
        "payload": {"error": "Forbidden", "message": "Only the host can control playback"},
        "session_id": "s",
        "user_id": "u1",
        "timestamp": int(T0 * 1000),
    }


def test_details_view():
    state = new_session("s1", "Movie Night", "h", "host", T0, SessionSettings())
    state = add_participant(admit_host(state, "A", T0, 3600), "u1", "B", T0 + 10, 3600)
    view = details_view(state, T0 + 3605, 3600)
    assert view.participants == ("u1",)  # the host's seat lapsed: not connected, token expired
    assert (view.host_id, view.max_participants) == ("host", 10)
    assert view.created_at == rfc3339(T0) == "2026-02-02T02:40:00Z"
    assert view.expires_at == "2026-02-03T02:40:00Z"


async def test_socket_errors_answer_what_the_reader_refuses(autojump_clock):
    clock.set_wall_source(lambda: T0)
    errors = SocketErrors(ERRORS, "s1", "u1")
    with pytest.raises(InvalidMessage) as refused:
        parse({"type": "chat", "payload": {}})
    refusal = errors.event(refused.value)
    assert refusal["type"] == "error" and refusal["user_id"] == "u1"
    assert refusal["payload"]["details"] == {"payload.message": "is required"}
    await trio.sleep(2)
    assert errors.rate_limited(1.5)["payload"] == {
        "error": "Rate limit exceeded",
        "message": "Maximum 100 messages per minute",
    }
    slower = SocketErrors(ERRORS, "s1", "u1", RateLimitRule(30, 90.0))
    assert slower.rate_limited(1.5)["payload"]["message"] == "Maximum 30 messages per 90 seconds"
    assert errors.malformed("not JSON")["payload"]["message"] == "Malformed message: not JSON"
    assert errors.too_big(65536)["timestamp"] == int((T0 + 2) * 1000)
