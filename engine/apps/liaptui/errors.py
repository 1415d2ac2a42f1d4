"""Everything Liap Tui refuses, each error carrying the spec's code.

::

    LiaptuiError                  (base; an engine AppError: the actor refuses and carries on)
    ├── SessionError              1xxx: who the connection is and where it may go
    │   ├── ConnectionReplaced    1001  a newer connection took this seat over
    │   ├── AuthenticationFailed  1002  wrong or missing player token; not allowed
    │   ├── RoomNotFound          1003
    │   ├── RoomFull              1004
    │   └── AlreadyInRoom         1005  this connection already has a seat
    ├── LiaptuiRuleError          2xxx: a move the rules refuse
    │   ├── GameNotStarted        2001  no game is running in the room
    │   ├── NotYourTurn           2002  the game is not waiting for this move
    │   ├── InvalidPlay           2003
    │   │   ├── WrongPieceCount   2003  not the turn's required count
    │   │   ├── PiecesNotInHand   2003  an id not in the player's hand, or repeated
    │   │   └── NotAPlayType      2003  a lead that forms no play type
    │   ├── InvalidDeclaration    2004  outside 0..8, or breaks a declaration rule
    │   ├── AlreadyDeclared       2005
    │   └── NoPiecesSelected      2006
    ├── MessageInvalid            3xxx: sent as ``validation_error`` events
    │   ├── InvalidMessageFormat  3001  not JSON, not an object, unknown event
    │   ├── MissingRequiredField  3002
    │   ├── InvalidFieldType      3003
    │   └── OutOfRange            3004  a value (or the message) too long or big
    └── ServiceError              4xxx
        ├── RateLimited           4001
        ├── ServerError           4002  a bug on our side; nothing the client did
        ├── MaintenanceMode       4003  the server is shutting down; reconnect later
        └── VersionMismatch       4004

An error means the request was refused and nothing changed: transitions and the room raise
before building a new state. ``code`` is the spec's int; the wire sends it as a string
(``"2002"``). ``status`` (the engine's kind of refusal) is what an HTTP edge would answer.
"""

# mypy: disable-error-code="assignment"
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from engine.errors import AppError

__all__ = [
    "AlreadyDeclared",
    "AlreadyInRoom",
    "AuthenticationFailed",
    "ConnectionReplaced",
    "GameNotStarted",
    "InvalidDeclaration",
    "InvalidFieldType",
    "InvalidMessageFormat",
    "InvalidPlay",
    "LiaptuiError",
    "LiaptuiRuleError",
    "MaintenanceMode",
    "MessageInvalid",
    "MissingRequiredField",
    "NoPiecesSelected",
    "NotAPlayType",
    "NotYourTurn",
    "OutOfRange",
    "PiecesNotInHand",
    "RateLimited",
    "RoomFull",
    "RoomNotFound",
    "ServerError",
    "ServiceError",
    "SessionError",
    "VersionMismatch",
    "WrongPieceCount",
]


class LiaptuiError(AppError):
    """A refused request, with the spec's ``code``. ``recoverable`` says whether retrying
    differently can succeed; ``event`` is the spec event that carries it (``error`` or
    ``validation_error``). ``details`` may be given positionally, as the spec's tables read."""

    # The spec's codes are numbers where the engine's are names (hence the file's mypy
    # pragma: mypy checks every subclass's ``code = 1001`` against AppError's ``str`` too, so
    # an ignore on this line alone would not do): the wire writes them as strings ("2002"),
    # as an HTTP edge would.
    code: int
    recoverable: ClassVar[bool] = True
    event: ClassVar[str] = "error"

    def __init__(
        self, message: str | None = None, details: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(message, details=details)


class SessionError(LiaptuiError):
    """Who a connection is, and which room and seat it may have."""


class ConnectionReplaced(SessionError):
    status = 409
    code = 1001
    default_message = "This seat was taken over by a newer connection"
    recoverable = False


class AuthenticationFailed(SessionError):
    status = 403
    code = 1002
    default_message = "Authentication failed"
    recoverable = False


class RoomNotFound(SessionError):
    status = 404
    code = 1003
    default_message = "Room not found"
    recoverable = False


class RoomFull(SessionError):
    status = 409
    code = 1004
    default_message = "The room is full"
    recoverable = False


class AlreadyInRoom(SessionError):
    status = 409
    code = 1005
    default_message = "You are already in this room"
    recoverable = False


class LiaptuiRuleError(LiaptuiError):
    """A move the rules refuse; the game value is unchanged."""

    status = 409


class GameNotStarted(LiaptuiRuleError):
    code = 2001
    default_message = "The game has not started"
    recoverable = False


class NotYourTurn(LiaptuiRuleError):
    code = 2002
    default_message = "It's not your turn"
    # The spec's own example of this error says it is not recoverable.
    recoverable = False


class InvalidPlay(LiaptuiRuleError):
    code = 2003
    default_message = "Invalid play"


class WrongPieceCount(InvalidPlay):
    default_message = "You must play the required number of pieces"


class PiecesNotInHand(InvalidPlay):
    default_message = "Those pieces are not in your hand"


class NotAPlayType(InvalidPlay):
    default_message = "The pieces you lead must form a valid play"


class InvalidDeclaration(LiaptuiRuleError):
    code = 2004
    default_message = "Invalid declaration"


class AlreadyDeclared(LiaptuiRuleError):
    code = 2005
    default_message = "You have already declared this round"
    recoverable = False


class NoPiecesSelected(LiaptuiRuleError):
    code = 2006
    default_message = "No pieces selected"


class MessageInvalid(LiaptuiError):
    """The message itself is wrong, whatever the game's state; fix it and send it again."""

    status = 400
    event = "validation_error"


class InvalidMessageFormat(MessageInvalid):
    code = 3001
    default_message = "Invalid message format"


class MissingRequiredField(MessageInvalid):
    code = 3002
    default_message = "Missing required fields"


class InvalidFieldType(MessageInvalid):
    code = 3003
    default_message = "Invalid field type"


class OutOfRange(MessageInvalid):
    code = 3004
    default_message = "Value out of range"


class ServiceError(LiaptuiError):
    """The server's side of things: load, bugs, shutdown, versions."""


class RateLimited(ServiceError):
    status = 429
    code = 4001
    default_message = "Too many messages; slow down"


class ServerError(ServiceError):
    status = 500
    code = 4002
    default_message = "Internal server error"


class MaintenanceMode(ServiceError):
    status = 503
    code = 4003
    default_message = "The server is going down for maintenance; reconnect shortly"


class VersionMismatch(ServiceError):
    status = 400
    code = 4004
    default_message = "Unsupported API version"
    recoverable = False
