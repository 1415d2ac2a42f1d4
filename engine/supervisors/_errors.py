"""Supervision errors."""

from __future__ import annotations

from engine.actors import ActorError


class SupervisorFailed(ActorError):
    """Restart intensity was exceeded (or the supervisor is not running)."""


class ChildStartFailed(ActorError):
    """A child raised before it was ready; its cause is the original exception."""


class ChildFailed(ActorError):
    """A child actor started at run time (a party) crashed more often than its supervisor's
    per-child intensity allows, so it was stopped for good. Its pending asks fail with
    ``ActorStopped`` naming this error."""
