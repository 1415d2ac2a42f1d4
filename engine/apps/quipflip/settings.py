"""Quipflip's settings: phase timers, AI think time, token lifetime and housekeeping.

Each field is read by ``engine.settings.read_settings(QuipflipSettings, environ,
app="quipflip")`` from ``PARTY_ENGINE_QUIPFLIP_<FIELD>``, all in seconds:

- ``PARTY_ENGINE_QUIPFLIP_PROMPT_SECONDS`` (180), ``..._COPY_SECONDS`` (180),
  ``..._VOTE_SECONDS`` (60): how long each phase may last before it ends on its own.
- ``PARTY_ENGINE_QUIPFLIP_AI_DELAY`` (2): how long AI players think after a phase starts
  before they play their part; 0 lets a scripted game run through in moments.
- ``PARTY_ENGINE_QUIPFLIP_TOKEN_TTL`` (86400): how long a guest's access token is valid.
- ``PARTY_ENGINE_QUIPFLIP_SESSION_MAX_AGE`` (86400): a session older than this is abandoned
  and deleted.
- ``PARTY_ENGINE_QUIPFLIP_IDLE_TIMEOUT`` (1800): a lobby participant with no activity for this
  long is removed.
- ``PARTY_ENGINE_QUIPFLIP_MESSAGE_RATE_LIMIT`` (``60/60``): messages a player may send over
  their party sockets, as ``COUNT/SECONDS``; a hundred times as many in development mode.

A value out of its range is refused when the settings are made, naming its variable.
"""

from __future__ import annotations

import attrs

from engine.settings import Rate, rate_limit, setting

from .party import PhaseTimers

__all__ = ["QuipflipSettings"]

_DAY = 86400.0


@attrs.frozen
class QuipflipSettings:
    """Everything configurable about the app, with the defaults above."""

    prompt_seconds: float = setting(180.0, min=1, max=_DAY, help="PROMPT phase timer (s)")
    copy_seconds: float = setting(180.0, min=1, max=_DAY, help="COPY phase timer (s)")
    vote_seconds: float = setting(60.0, min=1, max=_DAY, help="VOTE phase timer (s)")
    ai_delay: float = setting(2.0, min=0, max=600, help="AI players' think time (s); 0: at once")
    token_ttl: float = setting(_DAY, min=60, max=30 * _DAY, help="guest token lifetime (s)")
    session_max_age: float = setting(
        _DAY, min=60, max=30 * _DAY, help="age at which a session is abandoned (s)"
    )
    idle_timeout: float = setting(
        1800.0, min=60, max=_DAY, help="idle time before a lobby participant is removed (s)"
    )
    message_rate_limit: Rate = rate_limit(60, 60, help="messages per player on party sockets")

    @property
    def timers(self) -> PhaseTimers:
        return PhaseTimers(self.prompt_seconds, self.copy_seconds, self.vote_seconds)
