"""What a party needs of its app's error format: the net layer's ``ErrorEncoder`` (malformed,
too big and rate-limited messages) plus the in-socket event for an ``AppError``.

The formats themselves (``DetailErrors``, ``CodedErrors``) live in ``engine.web``, which also
turns the same errors into HTTP bodies and refused upgrades; this layer only calls them.
"""

from __future__ import annotations

from typing import Any, Protocol

from engine.errors import AppError
from engine.net import ErrorEncoder

__all__ = ["PartyErrors", "refusal_close_code"]


class PartyErrors(ErrorEncoder, Protocol):
    def event(self, error: AppError) -> Any:
        """The in-socket message telling a client its request was refused."""
        ...


def refusal_close_code(error: AppError) -> int:
    """The close code for a connection refused with ``error``: 4000 + its HTTP status (4403,
    4404, 4409), so a client tells a refusal it must not retry from a failure."""
    return 4000 + error.status if 400 <= error.status <= 999 else 4400
