"""WatchParty's errors: each is one of the spec's error responses, as an engine error kind.

::

    engine kind   WatchParty error     when                              HTTP  error
    InvalidInput  BadRequest           the body is not a JSON object      400  Bad Request
                  └── InvalidMessage   a WebSocket message it refuses     400  Invalid message
                  ValidationFailed     bad fields (in ``details``)        400  Validation failed
    Unauthorized  Unauthorized         missing, bad or expired token      401  Unauthorized
                  WrongPassword        the password does not match        401  Authentication failed
    Forbidden     Forbidden            a token of another session         403  Forbidden
                  ├── NotAParticipant  the user holds no seat             403  Forbidden
                  └── NotHost          playback control by someone else   403  Forbidden
                  SessionFull          every seat is taken                403  Session full
    NotFound      SessionNotFound      unknown or expired session         404  Session not found
                  TargetNotConnected   a signal to someone offline        404  Participant not found
    RateLimited   RateLimited          over a rate limit                  429  Rate limit exceeded
    AppError      ServerError          a bug of the server                500  Internal Server Error

Each error's ``code`` is the spec's ``error`` string. Raised in a session actor, one travels
back to the asker as itself and the actor's state is unchanged (engine errors are rejections).
The app's error format (``routes.ERRORS``) spells every one as the spec's body ``{"error",
"message"}`` plus ``"details"`` when it names fields: over HTTP, in a refused upgrade, and as
the ``payload`` of an in-socket ``error`` message. This module imports only ``engine.errors``.
"""

from __future__ import annotations

from collections.abc import Mapping

from engine import errors

__all__ = [
    "BadRequest",
    "Forbidden",
    "InvalidMessage",
    "NotAParticipant",
    "NotHost",
    "RateLimited",
    "ServerError",
    "SessionFull",
    "SessionNotFound",
    "TargetNotConnected",
    "Unauthorized",
    "ValidationFailed",
    "WrongPassword",
]


class BadRequest(errors.InvalidInput):
    code = "Bad Request"
    default_message = "Invalid request body"


class InvalidMessage(BadRequest):
    code = "Invalid message"
    default_message = "The message could not be understood"


class ValidationFailed(errors.InvalidInput):
    """``details`` names every offending field, e.g. ``{"name": "Name must be between 3 and 50
    characters"}``, as in the spec's create example."""

    code = "Validation failed"
    default_message = "Invalid input"

    def __init__(self, details: Mapping[str, str], message: str | None = None) -> None:
        if not details:
            raise ValueError("a validation error names at least one field")
        super().__init__(message, details=details)


class Unauthorized(errors.Unauthorized):
    code = "Unauthorized"
    default_message = "Missing or invalid token"


class WrongPassword(errors.Unauthorized):
    code = "Authentication failed"
    default_message = "Invalid password"


class Forbidden(errors.Forbidden):
    code = "Forbidden"
    default_message = "You don't have access to this session"


class NotAParticipant(Forbidden):
    default_message = "You are not a participant of this session"


class NotHost(Forbidden):
    default_message = "Only the host can control playback"


class SessionFull(errors.Forbidden):
    code = "Session full"
    default_message = "This session has reached the maximum number of participants"


class SessionNotFound(errors.NotFound):
    code = "Session not found"
    default_message = "The session you're trying to join doesn't exist or has expired"


class TargetNotConnected(errors.NotFound):
    code = "Participant not found"
    default_message = "The participant you are signaling is not connected"


class RateLimited(errors.RateLimited):
    """``message`` says which limit (the spec's: "Maximum 5 session creations per hour");
    ``retry_after`` is the seconds until a retry can pass."""

    code = "Rate limit exceeded"


class ServerError(errors.AppError):
    """A bug of the server (logged where it happened); the client can only try again."""

    status = 500
    code = "Internal Server Error"
    default_message = "The server could not answer this request"
