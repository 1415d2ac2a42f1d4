"""The spec's JSON shapes as frozen attrs classes, and the one converter for them.

HTTP bodies: ``CreateSessionRequest`` / ``CreateSessionResponse``, ``JoinSessionRequest`` /
``JoinSessionResponse``, ``SessionDetails``, ``HealthResponse``. WebSocket: every message is an
``Envelope`` whose ``payload`` is one of ``ChatInput`` (client to server) or ``ChatPayload``
(server to client), ``SessionDescription``, ``IceCandidate``, ``PlaybackPayload``, ``UserEvent``
or the spec's error body (``routes.ERRORS``).

Field names are Python's; where the spec's JSON name differs (``currentTime``, ``sdpMid``) the
field says so in its metadata and ``WIRE`` renames it both ways. ``WIRE`` leaves out optional
fields that are None (``target_id``, ``volume``), and structures strictly: a string field takes
only a string, a number only a finite int or float, never a bool. Extra keys are ignored, as the
original server's JSON decoder did.
"""

from __future__ import annotations

import enum
from typing import Any

import attrs

__all__ = [
    "ChatInput",
    "ChatPayload",
    "ClientEnvelope",
    "CreateSessionRequest",
    "CreateSessionResponse",
    "Envelope",
    "HealthResponse",
    "IceCandidate",
    "IceServer",
    "JoinSessionRequest",
    "JoinSessionResponse",
    "MessageType",
    "PlaybackPayload",
    "SessionDescription",
    "SessionDetails",
    "UserEvent",
    "json_name",
]

_JSON_NAME = "watchparty.json_name"


def _json(name: str) -> dict[str, str]:
    return {_JSON_NAME: name}


# -- HTTP ------------------------------------------------------------------------------------


@attrs.frozen
class HealthResponse:
    status: str = "ok"


@attrs.frozen
class CreateSessionRequest:
    """A validated create request: ``name`` already normalised (see ``validation``)."""

    name: str
    password: str = attrs.field(repr=False)


@attrs.frozen
class JoinSessionRequest:
    """A validated join request: ``session_id`` in canonical lower-case form."""

    session_id: str
    password: str = attrs.field(repr=False)


@attrs.frozen
class IceServer:
    """One entry of ``RTCConfiguration.iceServers``; TURN servers carry credentials."""

    urls: str | tuple[str, ...] = attrs.field(validator=attrs.validators.min_len(1))
    username: str | None = None
    credential: str | None = attrs.field(default=None, repr=False)


@attrs.frozen
class CreateSessionResponse:
    id: str
    name: str
    share_url: str
    token: str = attrs.field(repr=False)
    ice_servers: tuple[IceServer, ...] = ()


@attrs.frozen
class JoinSessionResponse:
    id: str
    name: str
    token: str = attrs.field(repr=False)


@attrs.frozen
class SessionDetails:
    """``GET /api/sessions/{id}``; times are RFC 3339 in UTC (``2026-02-02T10:30:00Z``)."""

    id: str
    name: str
    host_id: str
    participants: tuple[str, ...]
    max_participants: int
    created_at: str
    expires_at: str


# -- WebSocket -------------------------------------------------------------------------------


class MessageType(enum.StrEnum):
    CHAT = "chat"
    WEBRTC_OFFER = "webrtc_offer"
    WEBRTC_ANSWER = "webrtc_answer"
    ICE_CANDIDATE = "ice_candidate"
    PLAYBACK_STATE = "playback_state"
    USER_JOINED = "user_joined"
    USER_LEFT = "user_left"
    #: Not in the spec's list: the server's answer to a message it refused (its payload is the
    #: spec's standard error body).
    ERROR = "error"


@attrs.frozen
class Envelope:
    """Every WebSocket message, both ways. ``timestamp`` is epoch milliseconds.

    On messages the server sends, ``session_id``, ``user_id`` (the sender, or the subject of a
    ``user_joined``/``user_left``) and ``timestamp`` are the server's, never copied from a
    client. ``target_id`` appears only on a signal sent to one participant.
    """

    type: str
    payload: Any
    session_id: str
    user_id: str
    timestamp: int
    target_id: str | None = None


@attrs.frozen
class ClientEnvelope:
    """A message as a client sends it: the server reads ``type``, ``payload`` and, on a
    signal for one participant, ``target_id``; it ignores the rest (it stamps its own)."""

    type: str
    payload: Any
    target_id: str | None = None


@attrs.frozen
class ChatInput:
    """A chat message as a client sends it."""

    message: str


@attrs.frozen
class ChatPayload:
    """A chat message as the server broadcasts (and replays) it; ``timestamp`` in epoch ms."""

    id: str
    user_id: str
    username: str
    message: str
    timestamp: int


@attrs.frozen
class SessionDescription:
    """The payload of ``webrtc_offer`` (``type`` "offer") and ``webrtc_answer`` ("answer")."""

    type: str
    sdp: str


@attrs.frozen
class IceCandidate:
    """The payload of ``ice_candidate``: an ``RTCIceCandidateInit`` (an empty ``candidate``
    marks the end of candidates)."""

    candidate: str
    sdp_mid: str | None = attrs.field(default=None, metadata=_json("sdpMid"))
    sdp_m_line_index: int | None = attrs.field(default=None, metadata=_json("sdpMLineIndex"))
    username_fragment: str | None = attrs.field(default=None, metadata=_json("usernameFragment"))


def _check_position(instance: Any, attribute: attrs.Attribute[float], value: float) -> None:
    if value < 0:
        raise ValueError("currentTime must not be negative")


def _check_volume(instance: Any, attribute: attrs.Attribute[Any], value: float | None) -> None:
    if value is not None and not 0.0 <= value <= 1.0:
        raise ValueError("volume must be between 0 and 1")


@attrs.frozen
class PlaybackPayload:
    """The payload of ``playback_state``: seconds into the media, and the host's volume.

    ``volume`` may be left out by a client that does not share it; it is then left out when
    relayed too.
    """

    playing: bool
    current_time: float = attrs.field(metadata=_json("currentTime"), validator=_check_position)
    volume: float | None = attrs.field(default=None, validator=_check_volume)


@attrs.frozen
class UserEvent:
    """The payload of ``user_joined`` and ``user_left``."""

    user_id: str
    username: str


# -- the converter ---------------------------------------------------------------------------


def json_name(field: attrs.Attribute[Any]) -> str:
    """The spec's JSON name of an attrs field of these models."""
    return field.metadata.get(_JSON_NAME, field.name)
