"""Supervision errors."""

from __future__ import annotations

from engine.actors import ActorError


class SupervisorFailed(ActorError):
    """Restart intensity was exceeded (or the supervisor is not running)."""


class ChildStartFailed(ActorError):
    """A child raised before it was ready; its cause is the original exception."""
