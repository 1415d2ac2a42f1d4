"""What is configurable about the coordinator, with its defaults and ranges.

``read_settings(P2PSettings, environ, app="p2p")`` (``engine.settings``) fills each field from
``PARTY_ENGINE_P2P_<FIELD>``: ``PARTY_ENGINE_P2P_API_KEY``, ``..._HEARTBEAT_TIMEOUT`` and so on.
In development mode (``PARTY_ENGINE_DEV=1``) both rate limits allow a hundred times as much.
"""

from __future__ import annotations

from typing import Any

import attrs

from engine.settings import relax_count, setting

__all__ = ["P2PSettings"]

_DAY = 86_400.0


def _api_key(instance: Any, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None and not value.strip():
        raise ValueError("api_key must not be blank (leave it unset to open the API)")


@attrs.frozen
class P2PSettings:
    """The coordinator's settings. With ``api_key`` unset the API is open, as in the spec."""

    heartbeat_timeout: float = setting(
        60.0, min=1, max=_DAY, help="seconds without a heartbeat before a host goes OFFLINE"
    )
    empty_session_timeout: float = setting(
        600.0, min=1, max=7 * _DAY, help="seconds a session may stay without players"
    )
    closed_session_retention: float = setting(
        _DAY, min=1, max=365 * _DAY, help="seconds an ENDED or FAILED session stays readable"
    )
    # The spec's planned limit: 100 requests per minute per IP.
    rate_limit: int = setting(
        100,
        min=0,
        max=1_000_000,
        help="requests per IP per rate_limit_window; 0: no limit",
        dev=relax_count,
    )
    rate_limit_window: float = setting(60.0, min=1, max=_DAY, help="seconds")
    # ICE trickling sends a few dozen candidates at once; a peer sending more than this every
    # second, for long, is not negotiating.
    signaling_rate_limit: int = setting(
        50,
        min=0,
        max=100_000,
        help="signaling messages a peer may send per second (a burst of that many); 0: no limit",
        dev=relax_count,
    )
    #: When set, every route needs it (``X-API-Key``) or a bearer token from
    #: ``POST /api/auth/token``.
    api_key: str | None = attrs.field(default=None, repr=False, validator=_api_key)
    token_ttl: float = setting(3600.0, min=60, max=30 * _DAY, help="seconds a token is valid")

    @property
    def auth_enabled(self) -> bool:
        """Whether callers must authenticate (an API key is set)."""
        return self.api_key is not None
