"""The spec's JSON shapes and the wire converter."""

from __future__ import annotations

import cattrs
import pytest

from engine.apps.watchparty.models import (
    CreateSessionResponse,
    Envelope,
    HealthResponse,
    IceCandidate,
    IceServer,
    JoinSessionResponse,
    PlaybackPayload,
    SessionDetails,
)
from engine.apps.watchparty.wire import WIRE


def test_http_bodies_have_the_spec_keys():
    assert WIRE.unstructure(HealthResponse()) == {"status": "ok"}
    created = CreateSessionResponse(
        id="i",
        name="Movie Night",
        share_url="https://w.example/join/i",
        token="t",
        ice_servers=(
            IceServer("stun:stun.l.google.com:19302"),
            IceServer(("turn:a:3478", "turns:a:5349"), username="user", credential="pass"),
        ),
    )
    assert WIRE.unstructure(created) == {
        "id": "i",
        "name": "Movie Night",
        "share_url": "https://w.example/join/i",
        "token": "t",
        "ice_servers": [
            {"urls": "stun:stun.l.google.com:19302"},
            {"urls": ["turn:a:3478", "turns:a:5349"], "username": "user", "credential": "pass"},
        ],
    }
    assert WIRE.unstructure(JoinSessionResponse("i", "n", "t")) == {
        "id": "i",
        "name": "n",
        "token": "t",
    }
    details = SessionDetails("i", "n", "u1", ("u1", "u2"), 10, "2026-02-02T10:30:00Z", "x")
    assert list(WIRE.unstructure(details)) == [
        "id", "name", "host_id", "participants", "max_participants", "created_at", "expires_at",
    ]  # fmt: skip


def test_secrets_stay_out_of_reprs():
    assert "pass" not in repr(IceServer("turn:x", "user", "pass"))
    assert "tok" not in repr(JoinSessionResponse("i", "n", "tok"))


def test_camel_case_fields_are_renamed_both_ways_and_none_is_left_out():
    playback = Envelope("playback_state", PlaybackPayload(True, 125.5), "s", "u", 1)
    assert WIRE.unstructure(playback) == {
        "type": "playback_state",
        "payload": {"playing": True, "currentTime": 125.5},
        "session_id": "s",
        "user_id": "u",
        "timestamp": 1,
    }
    candidate: dict[str, object] = {
        "candidate": "candidate:1 1 UDP 1 1.2.3.4 5 typ host",
        "sdpMid": "0",
    }
    candidate["sdpMLineIndex"] = 0
    structured = WIRE.structure(candidate, IceCandidate)
    assert structured.sdp_m_line_index == 0
    assert WIRE.unstructure(structured) == candidate


@pytest.mark.parametrize(
    "payload",
    [
        {"playing": 1, "currentTime": 1.0},  # JSON's 1 is not true
        {"playing": True, "currentTime": True},  # nor is true a number
        {"playing": True, "currentTime": "1"},
        {"playing": True, "currentTime": float("inf")},
        {"playing": True},
        {"playing": True, "currentTime": -1},
        {"playing": True, "currentTime": 1, "volume": 1.5},
    ],
)
def test_structuring_is_strict(payload):
    with pytest.raises(cattrs.ClassValidationError):
        WIRE.structure(payload, PlaybackPayload)


def test_numbers_may_be_ints_and_extra_keys_are_ignored():
    payload = {"playing": False, "currentTime": 3, "volume": 1, "extra": "x"}
    assert WIRE.structure(payload, PlaybackPayload) == PlaybackPayload(False, 3.0, 1.0)
