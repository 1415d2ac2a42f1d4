"""Errors at the HTTP edge and the per-app error body formats.

Handlers raise ``HttpError`` (or a ``Rejection`` carrying ``status``/``code``/``details``); the
edge turns it into the app's own body. Validation failures name every offending field. A bug
becomes a 500 with a request id and no traceback; the traceback goes to the log.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import attrs


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
    """How one app spells its error bodies."""

    def body(self, error: HttpError) -> Any:
        """The JSON body for ``error``."""

    def status(self, error: HttpError) -> int:
        """The status for ``error`` (apps differ on validation: 400 vs 422)."""


@attrs.frozen
class DetailErrors:
    """FastAPI's format: ``{"detail": "..."}``; validation errors as 422 with a list of
    ``{"loc", "msg", "type"}`` (lanrage, quipflip, p2p)."""

    def body(self, error: HttpError) -> Any:
        if isinstance(error, ValidationFailed):
            return {
                "detail": [
                    {"loc": list(p.loc), "msg": p.message, "type": p.kind} for p in error.problems
                ]
            }
        return {"detail": error.message}

    def status(self, error: HttpError) -> int:
        return error.status


@attrs.frozen
class CodedErrors:
    """``{"error": CODE, "message": ..., "details": ...}`` (watchparty); validation is 400
    with the offending fields in ``details``."""

    validation_status: int = 400
    validation_code: str = "VALIDATION_ERROR"

    def body(self, error: HttpError) -> Any:
        if isinstance(error, ValidationFailed):
            details = {".".join(map(str, p.loc[1:] or p.loc)): p.message for p in error.problems}
            return {"error": self.validation_code, "message": error.message, "details": details}
        return {
            "error": error.code or _default_code(error.status),
            "message": error.message,
            "details": error.details if error.details is not None else {},
        }

    def status(self, error: HttpError) -> int:
        return self.validation_status if isinstance(error, ValidationFailed) else error.status


def _default_code(status: int) -> str:
    return {
        400: "BAD_REQUEST",
        401: "UNAUTHORIZED",
        403: "FORBIDDEN",
        404: "NOT_FOUND",
        405: "METHOD_NOT_ALLOWED",
        409: "CONFLICT",
        413: "PAYLOAD_TOO_LARGE",
        429: "RATE_LIMIT_EXCEEDED",
        503: "SERVICE_UNAVAILABLE",
    }.get(status, "INTERNAL_ERROR")


def app_unavailable(app_name: str) -> HttpError:
    """What an app's routes answer while the app is being set up again after a failure."""
    return HttpError(
        503, f"{app_name} is restarting after a failure, try again shortly", code="SERVICE_UNAVAILABLE"
    )


def as_http_error(exc: BaseException) -> HttpError | None:
    """An ``HttpError`` for an expected error: itself, or a domain ``Rejection`` that carries
    ``status`` (and optionally ``code``, ``details``); None for anything else."""
    if isinstance(exc, HttpError):
        return exc
    status = getattr(exc, "status", None)
    if isinstance(status, int):
        return HttpError(
            status,
            getattr(exc, "message", None) or str(exc),
            code=getattr(exc, "code", None),
            details=getattr(exc, "details", None),
        )
    return None
