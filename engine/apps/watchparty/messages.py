"""What a session actor is asked and told.

Created from a ``NewSession`` (the directory's seed: the party seats its host as it starts).
Asked by the HTTP handlers (each reply, or an error of ``errors``):

- ``Open()`` -> ``Ticket`` of the host (the create handler asks it right after creating).
- ``PasswordHash()`` -> the bcrypt hash, for the caller to verify a join's password against.
- ``Join(verified_hash)`` -> ``Ticket`` of a new participant; ``SessionFull``.
- ``Details()`` -> ``SessionDetails``.

Sent by a member's connection (``Party.on_message``), parsed by ``wire.parse_client_message``:
``ChatMessage``, ``Signal``, ``Playback`` or ``Relay``. A refused command is answered to that
connection with an ``error`` message. The session's expiry is ``engine.parties.FinishParty``
on a timer.

Every request from a session that has expired is refused with ``SessionNotFound``.

``Identity`` is what a token carries (``claims`` / ``from_claims``); a ``Ticket`` is an identity
plus the session's name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from .errors import Unauthorized
from .models import IceCandidate, MessageType, PlaybackPayload, SessionDescription

__all__ = [
    "ChatMessage",
    "Details",
    "Identity",
    "Join",
    "NewSession",
    "Open",
    "PasswordHash",
    "Playback",
    "Relay",
    "Signal",
    "Ticket",
]


@attrs.frozen
class Identity:
    """Who a participant is: exactly what their token carries (``claims``)."""

    session_id: str
    user_id: str
    username: str
    is_host: bool

    def claims(self) -> dict[str, Any]:
        """The JWT claims of ORIGINS: ``session_id``, ``user_id``, ``username``, ``is_host``."""
        return {
            "session_id": self.session_id,
            "user_id": self.user_id,
            "username": self.username,
            "is_host": self.is_host,
        }

    @staticmethod
    def from_claims(claims: Mapping[str, Any]) -> Identity:
        """The identity a verified token's ``claims`` carry.

        Raises ``Unauthorized`` if a claim is missing or of the wrong type: a token signed with
        our secret for something else.
        """
        session_id, user_id, username, is_host = (
            claims.get(key) for key in ("session_id", "user_id", "username", "is_host")
        )
        if not (
            isinstance(session_id, str)
            and isinstance(user_id, str)
            and isinstance(username, str)
            and type(is_host) is bool
        ):
            raise Unauthorized()
        return Identity(session_id, user_id, username, is_host)


@attrs.frozen
class Ticket(Identity):
    """The answer to ``Open`` and ``Join``: who was seated, and the session's name (which the
    create and join responses show)."""

    name: str


@attrs.frozen
class NewSession:
    """The seed of a session: its name (already valid, ``validation.normalise_name``), the
    hash of its password, and when it was created (epoch seconds)."""

    name: str
    password_hash: str = attrs.field(repr=False)
    created_at: float


@attrs.frozen
class Open:
    """The host's ticket (the host is seated as the session starts, from its seed)."""


@attrs.frozen
class PasswordHash:
    """The session's bcrypt hash: verifying is the caller's job, off the actor's task."""


@attrs.frozen
class Join:
    """Seat a new participant whose password the caller verified against ``verified_hash``.

    The actor checks that the hash is its own (``WrongPassword`` otherwise), so a password
    verified against another session's hash cannot open this one.
    """

    verified_hash: str = attrs.field(repr=False)


@attrs.frozen
class Details:
    """The session's details, as ``GET /api/sessions/{id}`` shows them."""


@attrs.frozen
class ChatMessage:
    """``chat``; ``text`` already normalised."""

    text: str


@attrs.frozen
class Signal:
    """``webrtc_offer``, ``webrtc_answer`` or ``ice_candidate``, for one participant
    (``target_id``) or everyone else."""

    kind: MessageType
    payload: SessionDescription | IceCandidate
    target_id: str | None = None


@attrs.frozen
class Playback:
    """``playback_state``: only the host's is accepted."""

    payload: PlaybackPayload


@attrs.frozen
class Relay:
    """A message of a type the spec does not define, relayed as is to everyone else (the
    original server's behaviour, which lets clients add features)."""

    type: str
    payload: Any
