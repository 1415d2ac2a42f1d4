"""The signaling WebSocket's messages as frozen attrs classes, each with its ``type`` tag.

Every message is a JSON object with a ``type``. Client to server: ``join`` (``Join``),
``leave`` (``Leave``), ``offer`` / ``answer`` (``Offer``, ``Answer``: ``to``, ``sdp``) and
``ice-candidate`` (``IceCandidate``: ``to``, ``candidate``). Server to client:
``session-joined`` (``SessionJoined``: the peers already there), ``peer-joined``,
``peer-left``, ``session-left``, ``session-ended`` (the session closed: ENDED or FAILED), the
relayed ``offer`` / ``answer`` / ``ice-candidate`` with ``from`` instead of ``to``
(``RelayedOffer``, ``RelayedAnswer``, ``RelayedIceCandidate``) and ``error``.

``parse_client_message`` reads a decoded client message strictly (exact types, no unknown
keys) and raises ``SignalingError`` saying what is wrong; ``to_json`` gives a server message's
JSON object, ``type`` first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import attrs
import cattrs
from cattrs.gen import make_dict_unstructure_fn, override

from .errors import SignalingError
from .fields import CANDIDATE_MAX_LENGTH, SDP_MAX_LENGTH, id_field, text_field
from .statuses import SessionStatus
from .wire import make_wire_converter

__all__ = [
    "PROTOCOL",
    "Answer",
    "ClientMessage",
    "ErrorMessage",
    "IceCandidate",
    "Join",
    "Leave",
    "Offer",
    "PeerJoined",
    "PeerLeft",
    "RelayedAnswer",
    "RelayedIceCandidate",
    "RelayedOffer",
    "ServerMessage",
    "SessionEnded",
    "SessionJoined",
    "SessionLeft",
    "parse_client_message",
    "to_json",
]


_sdp = text_field(SDP_MAX_LENGTH)
_candidate = text_field(CANDIDATE_MAX_LENGTH, allow_empty=True)


# -- client to server ------------------------------------------------------------------------


@attrs.frozen
class Join:
    """Join the connection's session; ``session_id``, if given, must be that session."""

    type: ClassVar[str] = "join"
    session_id: str | None = None


@attrs.frozen
class Leave:
    type: ClassVar[str] = "leave"


@attrs.frozen
class Offer:
    type: ClassVar[str] = "offer"
    to: str = attrs.field(validator=id_field)
    sdp: str = attrs.field(validator=_sdp)


@attrs.frozen
class Answer:
    type: ClassVar[str] = "answer"
    to: str = attrs.field(validator=id_field)
    sdp: str = attrs.field(validator=_sdp)


@attrs.frozen
class IceCandidate:
    """An empty ``candidate`` tells the peer there are no more."""

    type: ClassVar[str] = "ice-candidate"
    to: str = attrs.field(validator=id_field)
    candidate: str = attrs.field(validator=_candidate)


ClientMessage = Join | Leave | Offer | Answer | IceCandidate
_CLIENT_TYPES: dict[str, type[ClientMessage]] = {
    cls.type: cls for cls in (Join, Leave, Offer, Answer, IceCandidate)
}


# -- server to client ------------------------------------------------------------------------


@attrs.frozen
class SessionJoined:
    """To the joining peer: the ids of the peers already in the session, in joining order."""

    type: ClassVar[str] = "session-joined"
    session_id: str
    peer_id: str
    peers: tuple[str, ...]


@attrs.frozen
class PeerJoined:
    type: ClassVar[str] = "peer-joined"
    session_id: str
    peer_id: str


@attrs.frozen
class PeerLeft:
    type: ClassVar[str] = "peer-left"
    session_id: str
    peer_id: str


@attrs.frozen
class SessionLeft:
    """To the leaving peer: it is out of the session (the connection stays open)."""

    type: ClassVar[str] = "session-left"
    session_id: str


@attrs.frozen
class SessionEnded:
    """To every peer of a session that closed: ``status`` ENDED or FAILED (its host went
    OFFLINE). The server then closes their connections."""

    type: ClassVar[str] = "session-ended"
    session_id: str
    status: SessionStatus


@attrs.frozen
class RelayedOffer:
    type: ClassVar[str] = "offer"
    from_: str
    sdp: str


@attrs.frozen
class RelayedAnswer:
    type: ClassVar[str] = "answer"
    from_: str
    sdp: str


@attrs.frozen
class RelayedIceCandidate:
    type: ClassVar[str] = "ice-candidate"
    from_: str
    candidate: str


@attrs.frozen
class ErrorMessage:
    """The answer to a message the server refused; nothing else happened."""

    type: ClassVar[str] = "error"
    message: str


ServerMessage = (
    SessionJoined
    | PeerJoined
    | PeerLeft
    | SessionLeft
    | SessionEnded
    | RelayedOffer
    | RelayedAnswer
    | RelayedIceCandidate
    | ErrorMessage
)


def _make_protocol_converter() -> cattrs.Converter:
    converter = make_wire_converter()
    for relayed in (RelayedOffer, RelayedAnswer, RelayedIceCandidate):
        # ``from`` is a Python keyword: the field is ``from_``, the wire's key ``from``.
        converter.register_unstructure_hook(
            relayed, make_dict_unstructure_fn(relayed, converter, from_=override(rename="from"))
        )
    return converter


#: The signaling WebSocket's wire format (one converter, built once).
PROTOCOL = _make_protocol_converter()


def parse_client_message(message: Any) -> ClientMessage:
    """The client message ``message`` (a decoded JSON value) stands for.

    Raises ``SignalingError`` for a value that is not an object, a missing or unknown
    ``type``, a server-only type, a missing, extra or mistyped field, or a bad value (a peer id
    of the wrong form, an empty or oversized ``sdp``).
    """
    if not isinstance(message, Mapping):
        raise SignalingError("A message must be a JSON object")
    kind = message.get("type")
    if not isinstance(kind, str):
        raise SignalingError("A message needs a string type")
    cls = _CLIENT_TYPES.get(kind)
    if cls is None:
        known = ", ".join(_CLIENT_TYPES)
        raise SignalingError(f"Unknown message type {kind!r}: expected one of {known}")
    fields = {key: value for key, value in message.items() if key != "type"}
    try:
        return PROTOCOL.structure(fields, cls)
    except cattrs.ClassValidationError as exc:
        raise SignalingError(f"Invalid {kind} message: {_describe(exc)}") from None


def _describe(error: cattrs.ClassValidationError) -> str:
    problems = []
    for line in cattrs.transform_error(error, format_exception=_problem):
        problem, _, path = line.partition(" @ $")
        problems.append(f"{path.lstrip('.')}: {problem}" if path else problem)
    return "; ".join(problems)


def _problem(exc: BaseException, type_: Any) -> str:
    if isinstance(exc, KeyError):
        return "required"
    if isinstance(exc, cattrs.ForbiddenExtraKeysError):
        return f"unknown fields {', '.join(sorted(exc.extra_fields))}"
    return str(exc)


def to_json(message: ServerMessage) -> dict[str, Any]:
    """``message`` as its JSON object, ``type`` first."""
    return {"type": message.type, **PROTOCOL.unstructure(message)}
