"""The pacing and limits of Liap Tui rooms, read from the environment of ``party-engine serve``
with `engine.settings.read_settings` (``read_settings(Settings, environ, app="liaptui")``).

- ``PARTY_ENGINE_LIAPTUI_BOT_DELAY`` (default 1): seconds a bot thinks before its move.
- ``PARTY_ENGINE_LIAPTUI_TURN_PAUSE`` (default 2): seconds between a won turn and the next lead,
  and between a scored round and the next deal.
- ``PARTY_ENGINE_LIAPTUI_ACTION_TIMEOUT`` (default 30): seconds a human has to act before the
  server acts for them; ``create_room`` may give a room its own.
- ``PARTY_ENGINE_LIAPTUI_RECONNECT_GRACE`` (default 300): seconds a room waits with no human
  connected before it is closed and deleted.

- ``PARTY_ENGINE_LIAPTUI_RATE_LIMIT`` (default ``100/1``): messages a connection may send, as
  ``COUNT/SECONDS`` (a token bucket: a burst of COUNT, then COUNT per SECONDS); a hundred times
  as many in development mode (``PARTY_ENGINE_DEV=1``).

A value that is not a number of seconds is refused with an error naming its variable. The
other fields are read the same way (``PARTY_ENGINE_LIAPTUI_MAX_MESSAGE_SIZE``,
``_EVENT_CAPACITY``, ``_SEED``) but are meant for embedders and tests, as overrides.
With the first two at 0 every bot move follows the previous one at once, which is how tests and
the benchmark play whole games in a fraction of a second.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import attrs

from engine.net import RateLimitKind, RateLimitRule
from engine.settings import Rate, parse_rate, relax_rate, setting, variable_name

__all__ = ["ENVIRONMENT", "Settings"]


def _seconds(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not (isinstance(value, (int, float)) and 0 <= value < math.inf):
        raise ValueError(f"{attribute.name} must be a finite number of seconds >= 0, not {value!r}")


def _positive(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not value > 0:
        raise ValueError(f"{attribute.name} must be positive, not {value!r}")


@attrs.frozen
class Settings:
    """How fast rooms go and what a connection may send.

    ``action_timeout`` is the default for new rooms (``create_room`` may set its own);
    ``event_capacity`` is how many recent events a room keeps for resumes (older resumes get the
    full state); ``seed`` makes deals reproducible per room id (tests), None draws from the OS.
    """

    bot_delay: float = attrs.field(default=1.0, validator=_seconds)
    turn_pause: float = attrs.field(default=2.0, validator=_seconds)
    action_timeout: float = attrs.field(default=30.0, validator=[_seconds, _positive])
    reconnect_grace: float = attrs.field(default=300.0, validator=[_seconds, _positive])
    max_message_size: int = 16 * 1024
    # 100 a second, in bursts of 100: far above a human's pace; a flood is cut. A scripted
    # client answering bots at full speed (pacing at 0) can pass it, and needs it raised.
    rate_limit: RateLimitRule | None = setting(
        RateLimitRule(100, 1.0, RateLimitKind.TOKEN_BUCKET),
        parse=lambda text: _token_bucket(parse_rate(text)),
        dev=lambda rule: None if rule is None else _relaxed(rule),
        help="messages per connection: COUNT/SECONDS",
    )
    # About a round of play. Longer absences get the full state (which `reconnected` always
    # carries) instead of a replay; each kept event costs a few kilobytes per room.
    event_capacity: int = 32
    seed: int | None = None


def _token_bucket(rate: Rate) -> RateLimitRule:
    return RateLimitRule(rate.count, rate.seconds, RateLimitKind.TOKEN_BUCKET)


def _relaxed(rule: RateLimitRule) -> RateLimitRule:
    return _token_bucket(relax_rate(Rate(rule.limit, rule.window)))


#: Environment variable -> Settings field.
ENVIRONMENT: Mapping[str, str] = {
    variable_name("liaptui", field): field
    for field in ("bot_delay", "turn_pause", "action_timeout", "reconnect_grace", "rate_limit")
}
