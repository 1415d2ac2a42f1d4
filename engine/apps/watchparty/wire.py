"""The WebSocket protocol of a session, both ways, and the JSON views of a session.

Client to server: ``parse_client_message`` turns a decoded message into a session command, or
raises ``InvalidMessage`` naming what is wrong. Only ``type``, ``payload`` and ``target_id`` are
read: ``session_id``, ``user_id`` and ``timestamp`` are the server's to say, so a client cannot
speak for someone else.

Server to client: ``envelope`` and the builders below give ``Envelope`` values, ``to_json``
their JSON (which a session's peer group encodes once for every recipient). ``SocketErrors``
addresses one connection's ``error`` messages.
"""

from __future__ import annotations

import re
import types
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import attrs
import cattrs
from cattrs.errors import AttributeValidationNote
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from engine import clock
from engine.errors import AppError
from engine.net import RateLimitKind, RateLimitRule
from engine.parties import PartyErrors
from engine.wire import make_strict_converter

from .errors import InvalidMessage, RateLimited, ServerError
from .messages import ChatMessage, Playback, Relay, Signal
from .models import (
    ChatInput,
    ChatPayload,
    Envelope,
    IceCandidate,
    MessageType,
    PlaybackPayload,
    SessionDescription,
    SessionDetails,
    UserEvent,
    json_name,
)
from .session import ChatEntry, Participant, PlaybackSnapshot, SessionState, millis, seat_holders
from .validation import normalise_chat

__all__ = [
    "CLIENT_PAYLOADS",
    "MESSAGE_RATE_LIMIT",
    "SERVER_PAYLOADS",
    "WIRE",
    "SocketErrors",
    "chat_envelope",
    "details_view",
    "envelope",
    "limit_text",
    "make_wire_converter",
    "parse_client_message",
    "playback_envelope",
    "rfc3339",
    "to_json",
    "user_event_envelope",
]


# -- the converter ---------------------------------------------------------------------------


def _overrides(cls: type, *, unstructure: bool) -> dict[str, Any]:
    found = {}
    for field in attrs.fields(cls):
        rename = json_name(field) if json_name(field) != field.name else None
        omit = unstructure and field.default is None
        if rename is not None or omit:
            found[field.name] = override(rename=rename, omit_if_default=omit or None)
    return found


def make_wire_converter() -> cattrs.Converter:
    """A converter for the spec's JSON: renames, strict primitives, optional fields omitted."""
    converter = make_strict_converter()
    converter.register_unstructure_hook_factory(
        attrs.has,
        lambda cls: make_dict_unstructure_fn(cls, converter, **_overrides(cls, unstructure=True)),
    )
    converter.register_structure_hook_factory(
        attrs.has,
        lambda cls: make_dict_structure_fn(cls, converter, **_overrides(cls, unstructure=False)),
    )
    return converter


#: The WatchParty wire format (STYLE.md, 9: one converter per wire format, built once).
WIRE = make_wire_converter()

#: The spec's "100 messages per minute", per user rather than per connection (a reconnect must
#: not reset it): the rule of the limiter whose ``keyed(user_id)`` goes to ``serve_member``.
MESSAGE_RATE_LIMIT = RateLimitRule(100, 60.0, RateLimitKind.FIXED_WINDOW)

_WINDOWS = {1.0: "per second", 60.0: "per minute", 3600.0: "per hour", 86400.0: "per day"}


def limit_text(rule: RateLimitRule, what: str) -> str:
    """The spec's wording of the allowance in force, e.g. ``limit_text(rule, "session
    creations")`` is "Maximum 5 session creations per hour" under the spec's rule."""
    window = _WINDOWS.get(rule.window) or f"per {rule.window:g} seconds"
    return f"Maximum {rule.limit} {what} {window}"


_SIGNAL_PAYLOADS: dict[MessageType, type[SessionDescription | IceCandidate]] = {
    MessageType.WEBRTC_OFFER: SessionDescription,
    MessageType.WEBRTC_ANSWER: SessionDescription,
    MessageType.ICE_CANDIDATE: IceCandidate,
}
#: What a client may send: each type and its payload's class (``parse_client_message``).
CLIENT_PAYLOADS: Mapping[MessageType, type] = types.MappingProxyType(
    {MessageType.CHAT: ChatInput, **_SIGNAL_PAYLOADS, MessageType.PLAYBACK_STATE: PlaybackPayload}
)
#: What the server sends: each type and its payload's class (None: the error format's body).
SERVER_PAYLOADS: Mapping[MessageType, type | None] = types.MappingProxyType(
    {
        MessageType.CHAT: ChatPayload,
        **_SIGNAL_PAYLOADS,
        MessageType.PLAYBACK_STATE: PlaybackPayload,
        MessageType.USER_JOINED: UserEvent,
        MessageType.USER_LEFT: UserEvent,
        MessageType.ERROR: None,
    }
)
_SDP_TYPES: dict[str, str] = {
    MessageType.WEBRTC_OFFER: "offer",
    MessageType.WEBRTC_ANSWER: "answer",
}
_SERVER_ONLY = frozenset({MessageType.USER_JOINED, MessageType.USER_LEFT, MessageType.ERROR})
# Types the spec does not define are relayed (as the original did) if they look like its own.
_CUSTOM_TYPE = re.compile(r"[a-z][a-z0-9_]{0,63}")


# -- client to server ------------------------------------------------------------------------


def parse_client_message(message: Mapping[str, Any]) -> ChatMessage | Signal | Playback | Relay:
    """The session command a client's decoded message asks for.

    Raises ``InvalidMessage`` (its ``details`` name the offending fields, with the payload's as
    ``payload.<field>``) for a missing or server-only type, a payload of the wrong shape, chat
    text that is empty or too long, or an SDP type that does not match the message type.
    """
    kind = message.get("type")
    if not isinstance(kind, str):
        raise InvalidMessage("A message needs a type", details={"type": "must be a string"})
    payload = message.get("payload")
    if kind == MessageType.CHAT:
        text = _structure(kind, payload, CLIENT_PAYLOADS[MessageType.CHAT]).message
        try:
            return ChatMessage(normalise_chat(text))
        except ValueError as exc:
            raise InvalidMessage(
                "Invalid chat message", details={"payload.message": str(exc)}
            ) from None
    if kind in _SIGNAL_PAYLOADS:
        signal = _structure(kind, payload, CLIENT_PAYLOADS[MessageType(kind)])
        expected = _SDP_TYPES.get(kind)
        if expected is not None and signal.type != expected:
            raise InvalidMessage(
                f"Invalid {kind} payload", details={"payload.type": f"must be {expected!r}"}
            )
        return Signal(MessageType(kind), signal, _target(message.get("target_id")))
    if kind == MessageType.PLAYBACK_STATE:
        return Playback(_structure(kind, payload, CLIENT_PAYLOADS[MessageType.PLAYBACK_STATE]))
    if kind in _SERVER_ONLY:
        raise InvalidMessage(
            f"Only the server sends {kind} messages", details={"type": "server only"}
        )
    if _CUSTOM_TYPE.fullmatch(kind) is None:
        raise InvalidMessage("Unknown message type", details={"type": "unknown"})
    return Relay(kind, payload)


def _target(value: Any) -> str | None:
    # The original omitted an empty target_id; both mean "everyone else".
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidMessage("Invalid target", details={"target_id": "must be a string"})
    return value


def _structure(kind: str, payload: Any, cls: type[Any]) -> Any:
    if not isinstance(payload, Mapping):
        raise InvalidMessage(f"Invalid {kind} payload", details={"payload": "must be an object"})
    try:
        return WIRE.structure(payload, cls)
    except cattrs.ClassValidationError as exc:
        raise InvalidMessage(f"Invalid {kind} payload", details=_problems(exc, cls)) from None


def _problems(error: cattrs.ClassValidationError, cls: type[Any]) -> dict[str, str]:
    names = {field.name: json_name(field) for field in attrs.fields(cls)}
    problems = {}
    for exc in error.exceptions:
        # A field's error carries a note naming it; a validator's (attrs runs them all in
        # __init__, after every field structured) carries none and says which field itself.
        notes = [n for n in getattr(exc, "__notes__", ()) if isinstance(n, AttributeValidationNote)]
        field = f"payload.{names[notes[0].name]}" if notes else "payload"
        problems[field] = "is required" if isinstance(exc, KeyError) else str(exc)
    return problems


@attrs.frozen
class SocketErrors:
    """The ``error`` messages of one member's connection: the app's error format (``errors``,
    whose ``event`` is the spec's error body) as the payload of an envelope from the
    connection's session to its user, stamped now.

    ``serve_member`` answers what it refuses itself with it (``malformed``, ``too_big``,
    ``rate_limited``, ``internal_error``); the session its refusals (``event``).
    """

    errors: PartyErrors
    session_id: str
    user_id: str
    #: The messages' allowance in force, named by ``rate_limited``.
    message_rule: RateLimitRule = MESSAGE_RATE_LIMIT

    def event(self, error: AppError) -> dict[str, Any]:
        payload = self.errors.event(error)
        to = {"session_id": self.session_id, "user_id": self.user_id}
        return to_json(envelope(MessageType.ERROR, payload, **to, now=clock.now()))

    def malformed(self, reason: str) -> dict[str, Any]:
        return self.event(InvalidMessage(f"Malformed message: {reason}"))

    def too_big(self, limit: int) -> dict[str, Any]:
        return self.event(InvalidMessage(f"Messages are limited to {limit} bytes"))

    def rate_limited(self, retry_after: float) -> dict[str, Any]:
        message = limit_text(self.message_rule, "messages")
        return self.event(RateLimited(message, retry_after=retry_after))

    def internal_error(self) -> dict[str, Any]:
        return self.event(ServerError())


# -- server to client ------------------------------------------------------------------------


def envelope(
    kind: str,
    payload: Any,
    *,
    session_id: str,
    user_id: str,
    now: float,
    target_id: str | None = None,
) -> Envelope:
    """A server message; ``now`` in epoch seconds becomes the ``timestamp`` in milliseconds."""
    return Envelope(str(kind), payload, session_id, user_id, millis(now), target_id)


def to_json(message: Envelope) -> dict[str, Any]:
    return WIRE.unstructure(message, Envelope)


def chat_envelope(session_id: str, entry: ChatEntry) -> Envelope:
    """A chat message, live or replayed: stamped with the time it was first sent."""
    payload = ChatPayload(entry.id, entry.user_id, entry.username, entry.message, entry.timestamp)
    return Envelope(MessageType.CHAT, payload, session_id, entry.user_id, entry.timestamp)


def playback_envelope(
    session_id: str, host_id: str, snapshot: PlaybackSnapshot, now: float
) -> Envelope:
    payload = PlaybackPayload(snapshot.playing, snapshot.position, snapshot.volume)
    return envelope(
        MessageType.PLAYBACK_STATE, payload, session_id=session_id, user_id=host_id, now=now
    )


def user_event_envelope(
    kind: MessageType, session_id: str, who: Participant, now: float
) -> Envelope:
    """``user_joined`` or ``user_left`` about ``who``."""
    payload = UserEvent(who.user_id, who.username)
    return envelope(kind, payload, session_id=session_id, user_id=who.user_id, now=now)


def rfc3339(epoch: float) -> str:
    """``2026-02-02T10:30:00Z``: UTC, whole seconds, as the spec's examples."""
    return datetime.fromtimestamp(int(epoch), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def details_view(state: SessionState, now: float, seat_hold: float) -> SessionDetails:
    """``GET /api/sessions/{id}``: the participants are those holding a seat at ``now``."""
    return SessionDetails(
        id=state.id,
        name=state.name,
        host_id=state.host_id,
        participants=tuple(p.user_id for p in seat_holders(state, now, seat_hold)),
        max_participants=state.max_participants,
        created_at=rfc3339(state.created_at),
        expires_at=rfc3339(state.expires_at),
    )
