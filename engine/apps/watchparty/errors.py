"""WatchParty's errors: each is one of the spec's error responses.

::

    WatchPartyError           (base; never raised itself)           status  error
    ├── BadRequest            the body is not a JSON object            400  Bad Request
    │   └── InvalidMessage    a WebSocket message the server refuses   400  Invalid message
    ├── ValidationFailed      fields are wrong (named in ``details``)  400  Validation failed
    ├── Unauthorized          missing, invalid or expired token        401  Unauthorized
    ├── WrongPassword         the password does not match              401  Authentication failed
    ├── Forbidden             a token of another session               403  Forbidden
    │   ├── NotAParticipant   the user holds no seat in the session    403  Forbidden
    │   └── NotHost           playback control by someone else         403  Forbidden
    ├── SessionFull           every seat is taken                      403  Session full
    ├── SessionNotFound       unknown or expired session               404  Session not found
    ├── TargetNotConnected    a signal for someone not connected       404  Participant not found
    └── RateLimited           over a rate limit                        429  Rate limit exceeded

Every one is a ``Rejection``: raised in a session actor it travels back to the asker as itself and
the actor's state is unchanged. ``error_body`` gives the spec's JSON body for any of them; over a
WebSocket the same body is the ``payload`` of an ``error`` message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from engine.actors import Rejection

__all__ = [
    "BadRequest",
    "Forbidden",
    "InvalidMessage",
    "NotAParticipant",
    "NotHost",
    "RateLimited",
    "SessionFull",
    "ServerError",
    "SessionNotFound",
    "TargetNotConnected",
    "Unauthorized",
    "ValidationFailed",
    "WatchPartyError",
    "WrongPassword",
    "error_body",
]


class WatchPartyError(Rejection):
    """A refused request: ``status`` (HTTP), ``error_type`` (the body's ``error``), ``message``
    and ``details`` (field name to what is wrong with it; empty for most errors)."""

    status: ClassVar[int]
    error_type: ClassVar[str]
    default_message: ClassVar[str]

    def __init__(
        self, message: str | None = None, details: Mapping[str, str] | None = None
    ) -> None:
        self.message = message or self.default_message
        self.details: dict[str, str] = dict(details or {})
        super().__init__(self.message)

    @property
    def code(self) -> str:
        """``error_type`` under the name the HTTP edge reads off a ``Rejection``."""
        return self.error_type


class BadRequest(WatchPartyError):
    status = 400
    error_type = "Bad Request"
    default_message = "Invalid request body"


class InvalidMessage(BadRequest):
    error_type = "Invalid message"
    default_message = "The message could not be understood"


class ValidationFailed(WatchPartyError):
    """``details`` names every offending field, e.g. ``{"name": "Name must be between 3 and 50
    characters"}``, as in the spec's create example."""

    status = 400
    error_type = "Validation failed"
    default_message = "Invalid input"

    def __init__(self, details: Mapping[str, str], message: str | None = None) -> None:
        if not details:
            raise ValueError("a validation error names at least one field")
        super().__init__(message, details)


class Unauthorized(WatchPartyError):
    status = 401
    error_type = "Unauthorized"
    default_message = "Missing or invalid token"


class WrongPassword(WatchPartyError):
    status = 401
    error_type = "Authentication failed"
    default_message = "Invalid password"


class Forbidden(WatchPartyError):
    status = 403
    error_type = "Forbidden"
    default_message = "You don't have access to this session"


class NotAParticipant(Forbidden):
    default_message = "You are not a participant of this session"


class NotHost(Forbidden):
    default_message = "Only the host can control playback"


class SessionFull(WatchPartyError):
    status = 403
    error_type = "Session full"
    default_message = "This session has reached the maximum number of participants"


class SessionNotFound(WatchPartyError):
    status = 404
    error_type = "Session not found"
    default_message = "The session you're trying to join doesn't exist or has expired"


class TargetNotConnected(WatchPartyError):
    status = 404
    error_type = "Participant not found"
    default_message = "The participant you are signaling is not connected"


class RateLimited(WatchPartyError):
    """``message`` says which limit (the spec's: "Maximum 5 session creations per hour");
    ``retry_after`` is the seconds until a retry can pass, for a ``Retry-After`` header."""

    status = 429
    error_type = "Rate limit exceeded"
    default_message = "Too many requests"

    def __init__(self, message: str | None = None, *, retry_after: float = 0.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ServerError(WatchPartyError):
    """A bug of the server (logged where it happened); the client can only try again."""

    status = 500
    error_type = "Internal Server Error"
    default_message = "The server could not answer this request"


def error_body(error: WatchPartyError) -> dict[str, Any]:
    """The spec's standard error body: ``{"error", "message"}``, plus ``"details"`` when the
    error names fields (``details`` is optional in the spec and omitted when empty)."""
    body: dict[str, Any] = {"error": error.error_type, "message": error.message}
    if error.details:
        body["details"] = dict(error.details)
    return body
