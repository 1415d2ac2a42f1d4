"""Liap Tui's error format: how a refusal reaches a client, stamped with the engine's clock.

`LiaptuiErrors` is what the rooms and the peer layer answer in (`engine.parties.PartyErrors`):
a refused request (``event``), a frame that does not decode (3001), one over the size limit
(3004), a message over the rate limit (4001) and a reply the server could not encode (4002),
each as the spec's ``error`` / ``validation_error`` event.
"""

from __future__ import annotations

from typing import Any

import attrs

from engine import clock
from engine.errors import AppError

from .errors import (
    InvalidMessageFormat,
    LiaptuiError,
    OutOfRange,
    RateLimited,
    ServerError,
)
from .protocol import error_event

__all__ = ["ERRORS", "LiaptuiErrors"]


@attrs.frozen
class LiaptuiErrors:
    """The spec's error events, timestamped with `engine.clock.now`."""

    def event(self, error: AppError) -> dict[str, Any]:
        """The error event for ``error``; an engine error that is not Liap Tui's own (none is
        raised today) is answered as a server error, without its internals."""
        if not isinstance(error, LiaptuiError):
            error = ServerError()
        return error_event(error, now=clock.now())

    def malformed(self, reason: str) -> dict[str, Any]:
        return self.event(InvalidMessageFormat(reason.capitalize()))

    def too_big(self, limit: int) -> dict[str, Any]:
        return self.event(
            OutOfRange(f"Messages are limited to {limit} bytes", {"max_bytes": limit})
        )

    def rate_limited(self, retry_after: float) -> dict[str, Any]:
        return self.event(RateLimited(details={"retry_after": round(retry_after, 3)}))

    def internal_error(self) -> dict[str, Any]:
        return self.event(ServerError())


#: The app's one error format.
ERRORS = LiaptuiErrors()
