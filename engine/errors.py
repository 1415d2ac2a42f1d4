"""The errors an app's rules raise: what was refused, in terms every edge can answer.

::

    AppError                  a refused request; nothing changed          status
    ├── InvalidInput          a value the rules do not accept               400
    ├── Unauthorized          no valid credentials                          401
    ├── Forbidden             credentials, but not allowed (not the host)   403
    ├── NotFound              no such party, player, record                 404
    ├── Conflict              the state forbids it now (wrong phase, full)  409
    └── RateLimited           over a limit; ``retry_after`` seconds         429

This module imports nothing but the standard library, so pure rule modules raise these without
importing Trio or the runtime. The runtime treats every ``AppError`` as a ``Rejection``: raised
in an actor's handler it goes back to the asker as itself and the actor carries on. Each app's
error format (``engine.web``) turns one into its HTTP body, its WebSocket refusal and its
in-socket error event.

An app subclasses these for its own cases and may override ``status`` and ``code`` per class
(``class RoomFull(Conflict): code = "room_full"``) or per instance.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

__all__ = [
    "AppError",
    "Conflict",
    "Forbidden",
    "InvalidInput",
    "NotFound",
    "RateLimited",
    "Unauthorized",
]


class AppError(Exception):
    """A refused request: ``status`` (HTTP), ``code`` (machine-readable), ``message`` (for
    people) and ``details`` (JSON-encodable; field name to problem, say)."""

    status: ClassVar[int] = 400
    code: str = "bad_request"
    default_message: ClassVar[str] = "The request was refused"

    def __init__(
        self,
        message: str | None = None,
        *,
        details: Mapping[str, Any] | None = None,
        code: str | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.details: dict[str, Any] = dict(details or {})
        if code is not None:
            self.code = code
        super().__init__(self.message)

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt from its attributes, not by calling ``__init__`` again (a subclass's arguments
        # are not its ``args``): a refusal crosses to another process (a cluster's node) as is.
        return (_rebuild, (type(self), self.args), self.__dict__)


def _rebuild(cls: type[AppError], args: tuple[Any, ...]) -> AppError:
    return cls.__new__(cls, *args)


class InvalidInput(AppError):
    status = 400
    code = "invalid_input"
    default_message = "Invalid input"


class Unauthorized(AppError):
    status = 401
    code = "unauthorized"
    default_message = "Not authenticated"


class Forbidden(AppError):
    status = 403
    code = "forbidden"
    default_message = "Not allowed"


class NotFound(AppError):
    status = 404
    code = "not_found"
    default_message = "Not found"


class Conflict(AppError):
    status = 409
    code = "conflict"
    default_message = "Not possible in the current state"


class RateLimited(AppError):
    status = 429
    code = "rate_limited"
    default_message = "Too many requests"

    def __init__(self, message: str | None = None, *, retry_after: float = 0.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after
