"""Quipflip's settings: phase timers, AI think time, token lifetime and housekeeping.

Each field can be set by an environment variable of ``party-engine serve`` (``ENVIRONMENT``
maps them), all in seconds:

- ``PARTY_ENGINE_QUIPFLIP_PROMPT_SECONDS`` (180), ``..._COPY_SECONDS`` (180),
  ``..._VOTE_SECONDS`` (60): how long each phase may last before it ends on its own.
- ``PARTY_ENGINE_QUIPFLIP_AI_DELAY`` (2): how long AI players think after a phase starts
  before they play their part; 0 lets a scripted game run through in moments.
- ``PARTY_ENGINE_QUIPFLIP_TOKEN_TTL`` (86400): how long a guest's access token is valid.
- ``PARTY_ENGINE_QUIPFLIP_SESSION_MAX_AGE`` (86400): a session older than this is abandoned
  and deleted.
- ``PARTY_ENGINE_QUIPFLIP_IDLE_TIMEOUT`` (1800): a lobby participant with no activity for this
  long is removed.

Every value is checked when the settings are made: ``ValueError`` names the field at fault.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import attrs

from .party import PhaseTimers

__all__ = ["ENVIRONMENT", "QuipflipSettings"]

#: Environment variable -> field of ``QuipflipSettings``.
ENVIRONMENT: Mapping[str, str] = {
    "PARTY_ENGINE_QUIPFLIP_PROMPT_SECONDS": "prompt_seconds",
    "PARTY_ENGINE_QUIPFLIP_COPY_SECONDS": "copy_seconds",
    "PARTY_ENGINE_QUIPFLIP_VOTE_SECONDS": "vote_seconds",
    "PARTY_ENGINE_QUIPFLIP_AI_DELAY": "ai_delay",
    "PARTY_ENGINE_QUIPFLIP_TOKEN_TTL": "token_ttl",
    "PARTY_ENGINE_QUIPFLIP_SESSION_MAX_AGE": "session_max_age",
    "PARTY_ENGINE_QUIPFLIP_IDLE_TIMEOUT": "idle_timeout",
}


def _seconds(*, positive: bool):  # type: ignore[no-untyped-def]
    def check(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if not number or not math.isfinite(value) or value < 0 or (positive and value == 0):
            kind = "a positive" if positive else "a non-negative"
            raise ValueError(f"{attribute.name} must be {kind} number of seconds, not {value!r}")

    return check


@attrs.frozen
class QuipflipSettings:
    """Everything configurable about the app, with the defaults above."""

    prompt_seconds: float = attrs.field(default=180.0, validator=_seconds(positive=True))
    copy_seconds: float = attrs.field(default=180.0, validator=_seconds(positive=True))
    vote_seconds: float = attrs.field(default=60.0, validator=_seconds(positive=True))
    ai_delay: float = attrs.field(default=2.0, validator=_seconds(positive=False))
    token_ttl: float = attrs.field(default=86400.0, validator=_seconds(positive=True))
    session_max_age: float = attrs.field(default=86400.0, validator=_seconds(positive=True))
    idle_timeout: float = attrs.field(default=1800.0, validator=_seconds(positive=True))

    @property
    def timers(self) -> PhaseTimers:
        return PhaseTimers(self.prompt_seconds, self.copy_seconds, self.vote_seconds)
