"""Errors at the HTTP edge and the per-app error body formats.

Handlers and rules raise ``AppError`` (``engine.errors``) or ``HttpError``; the app's format
(``DetailErrors``, ``CodedErrors``) turns it into its HTTP body, its refused WebSocket upgrade
(``refusal``) and its in-socket error event (``event``, also what a party answers a refused
message with). The edge's own errors (validation, 404, 405, 413, 429, 503) go through the same
format. Validation failures name every offending field. A bug
becomes a 500 with a request id and no traceback; the traceback goes to the log.
"""

from __future__ import annotations

import abc
import json
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import attrs

from engine.errors import AppError
from engine.net import Reject


@attrs.frozen
class Problem:
    """One thing wrong with a request: where (``("body", "name")``), what, and a short kind."""

    loc: tuple[str | int, ...]
    message: str
    kind: str = "value_error"


class HttpError(Exception):
    """Answer the request with ``status`` and the app's error body.

    ``code`` is the app's machine-readable error code where its format has one.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        details: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.details = details
        self.headers = dict(headers or {})


class ValidationFailed(HttpError):
    """The request did not match its schema; ``problems`` lists every field at fault."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        summary = "; ".join(f"{'.'.join(map(str, p.loc))}: {p.message}" for p in problems)
        super().__init__(422, summary or "invalid request", code="VALIDATION_ERROR")
        self.problems = tuple(problems)


class ErrorFormat(Protocol):
    """How one app spells its errors over HTTP (what the edge needs)."""

    def body(self, error: HttpError) -> Any:
        """The JSON body for ``error``."""

    def status(self, error: HttpError) -> int:
        """The status for ``error`` (apps differ on validation: 400 vs 422)."""

    def schema(self) -> dict[str, Any]:
        """The JSON schema of every body ``body`` makes (for the app's OpenAPI document)."""


class _Format(abc.ABC):
    """What every format derives from its ``body``, ``status`` and ``event``: the refusal of
    a WebSocket upgrade, and the answers to messages the peer reader refuses itself (so a
    format is also the ``PartyErrors`` and the ``ErrorEncoder`` of its app's sockets)."""

    @abc.abstractmethod
    def body(self, error: HttpError) -> Any:
        """Defined by each format."""

    @abc.abstractmethod
    def status(self, error: HttpError) -> int:
        """Defined by each format."""

    @abc.abstractmethod
    def _event(self, error: HttpError) -> Any:
        """Defined by each format."""

    def event(self, error: AppError | HttpError) -> Any:
        """The in-socket message refusing a client's request with ``error``."""
        return self._event(_http(error))

    def refusal(self, error: AppError | HttpError) -> Reject:
        """A refused WebSocket upgrade: ``error``'s status and body, as over HTTP."""
        http = _http(error)
        return Reject(self.status(http), body=json.dumps(self.body(http)).encode())

    def malformed(self, reason: str) -> Any:
        return self._event(HttpError(400, reason, code="malformed"))

    def too_big(self, limit: int) -> Any:
        return self._event(HttpError(413, f"messages are limited to {limit} bytes", code="too_big"))

    def internal_error(self) -> Any:
        # Sent in place of a message that could not be encoded (a bug, logged where it happened).
        return self._event(HttpError(500, "The server could not send a message"))

    def rate_limited(self, retry_after: float) -> Any:
        return self._event(
            HttpError(
                429,
                "Too many messages, slow down",
                code="rate_limited",
                details={"retry_after": retry_after},
            )
        )


@attrs.frozen
class DetailErrors(_Format):
    """FastAPI's format: ``{"detail": "..."}``; validation errors (status
    ``validation_status``: FastAPI's 422 by default, 400 where a spec says so) with a list of
    ``{"loc", "msg", "type"}`` (lanrage, quipflip, p2p). In a socket an error is
    ``{"type": event_type, "code", "detail"}``."""

    validation_status: int = 422
    event_type: str = "error"

    def body(self, error: HttpError) -> Any:
        if isinstance(error, ValidationFailed):
            return {
                "detail": [
                    {"loc": list(p.loc), "msg": p.message, "type": p.kind} for p in error.problems
                ]
            }
        return {"detail": error.message}

    def status(self, error: HttpError) -> int:
        return self.validation_status if isinstance(error, ValidationFailed) else error.status

    def schema(self) -> dict[str, Any]:
        problem = {
            "type": "object",
            "properties": {
                "loc": {"type": "array", "items": {"type": ["string", "integer"]}},
                "msg": {"type": "string"},
                "type": {"type": "string"},
            },
            "required": ["loc", "msg", "type"],
        }
        detail = {"anyOf": [{"type": "string"}, {"type": "array", "items": problem}]}
        return {"type": "object", "properties": {"detail": detail}, "required": ["detail"]}

    def _event(self, error: HttpError) -> Any:
        code = error.code or _default_code(error.status).lower()
        return {"type": self.event_type, "code": code, "detail": error.message}

    def event_schema(self) -> dict[str, Any]:
        """The JSON schema of ``event``'s messages (for the app's AsyncAPI document)."""
        return {
            "type": "object",
            "properties": {
                "type": {"type": "string", "const": self.event_type},
                "code": {"type": "string", "description": "a stable code to branch on"},
                "detail": {"type": "string", "description": "for people"},
            },
            "required": ["type", "code", "detail"],
        }


@attrs.frozen
class CodedErrors(_Format):
    """``{"error": CODE, "message": ..., "details": ...}`` (watchparty); validation is
    ``validation_status`` (400) with the offending fields in ``details``. In a socket an error
    is the same object under ``{"type": event_type, ...}``, or the object alone with
    ``event_type`` None (an app that wraps it in an envelope of its own).

    ``titles`` gives the code of an error that has none (the edge's 404, 429, 500) by its
    status, falling back to ``NOT_FOUND``-style codes; ``empty_details`` False leaves
    ``details`` out when there are none."""

    validation_status: int = 400
    validation_code: str = "VALIDATION_ERROR"
    event_type: str | None = "error"
    titles: Mapping[int, str] = attrs.field(factory=dict)
    empty_details: bool = True

    def body(self, error: HttpError) -> Any:
        if isinstance(error, ValidationFailed):
            details = {".".join(map(str, p.loc[1:] or p.loc)): p.message for p in error.problems}
            return {"error": self.validation_code, "message": error.message, "details": details}
        body = {
            "error": error.code or self.titles.get(error.status) or _default_code(error.status),
            "message": error.message,
        }
        if error.details or self.empty_details:
            body["details"] = error.details if error.details is not None else {}
        return body

    def status(self, error: HttpError) -> int:
        return self.validation_status if isinstance(error, ValidationFailed) else error.status

    def schema(self) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": {
                "error": {"type": "string", "description": "a stable code to branch on"},
                "message": {"type": "string", "description": "for people"},
                "details": {"description": "the offending fields, or more about the error"},
            },
            "required": ["error", "message", *(["details"] if self.empty_details else [])],
        }

    def _event(self, error: HttpError) -> Any:
        body = self.body(error)
        return body if self.event_type is None else {"type": self.event_type, **body}

    def event_schema(self) -> dict[str, Any]:
        """The JSON schema of ``event``'s messages (for the app's AsyncAPI document)."""
        schema = self.schema()
        if self.event_type is not None:
            schema["properties"] = {
                "type": {"type": "string", "const": self.event_type},
                **schema["properties"],
            }
            schema["required"] = ["type", *schema["required"]]
        return schema


def _http(error: AppError | HttpError) -> HttpError:
    converted = as_http_error(error)
    assert converted is not None, "an AppError always converts"
    return converted


def _default_code(status: int) -> str:
    return {
        400: "BAD_REQUEST",
        401: "UNAUTHORIZED",
        403: "FORBIDDEN",
        404: "NOT_FOUND",
        405: "METHOD_NOT_ALLOWED",
        409: "CONFLICT",
        413: "PAYLOAD_TOO_LARGE",
        426: "UPGRADE_REQUIRED",
        429: "RATE_LIMIT_EXCEEDED",
        503: "SERVICE_UNAVAILABLE",
    }.get(status, "INTERNAL_ERROR")


def app_unavailable(app_name: str) -> HttpError:
    """What an app's routes answer while the app is being set up again after a failure."""
    return HttpError(
        503,
        f"{app_name} is restarting after a failure, try again shortly",
        code="SERVICE_UNAVAILABLE",
    )


def as_http_error(exc: BaseException) -> HttpError | None:
    """An ``HttpError`` for an expected error: itself, or a domain ``Rejection`` that carries
    ``status`` (and optionally ``code``, ``details``); None for anything else."""
    if isinstance(exc, HttpError):
        return exc
    status = getattr(exc, "status", None)
    if isinstance(status, int):
        retry_after = getattr(exc, "retry_after", None)
        headers = {} if retry_after is None else {"Retry-After": str(max(1, round(retry_after)))}
        return HttpError(
            status,
            getattr(exc, "message", None) or str(exc),
            code=getattr(exc, "code", None),
            details=getattr(exc, "details", None),
            headers=headers,
        )
    return None
