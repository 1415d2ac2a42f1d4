"""What is configurable about the coordinator, with its defaults and ranges.

=========================  =======  ======================================================
field                      default  meaning
=========================  =======  ======================================================
``heartbeat_timeout``      60       seconds without a heartbeat before a host goes OFFLINE
``empty_session_timeout``  600      seconds a session may stay without players before it ends
``rate_limit``             100      requests per IP per ``rate_limit_window`` (None: none)
``rate_limit_window``      60       seconds
``api_key``                None     when set, every route needs it (``X-API-Key``) or a
                                    bearer token from ``POST /api/auth/token``
``token_ttl``              3600     seconds a bearer token is valid
=========================  =======  ======================================================

The environment variables that set them are ``PARTY_ENGINE_P2P_<FIELD>`` (the engine's
settings helper reads them), e.g. ``PARTY_ENGINE_P2P_API_KEY``.
"""

from __future__ import annotations

import math
from typing import Any

import attrs

__all__ = ["P2PSettings"]


def _seconds(instance: Any, attribute: attrs.Attribute[float], value: float) -> None:
    if not 0 < value < math.inf:
        raise ValueError(f"{attribute.name} must be a positive number of seconds, not {value!r}")


def _api_key(instance: Any, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None and not value.strip():
        raise ValueError("api_key must not be blank (leave it unset to open the API)")


@attrs.frozen
class P2PSettings:
    """The coordinator's settings (see the module's table)."""

    heartbeat_timeout: float = attrs.field(default=60.0, converter=float, validator=_seconds)
    empty_session_timeout: float = attrs.field(default=600.0, converter=float, validator=_seconds)
    # The spec's planned limit: 100 requests per minute per IP.
    rate_limit: int | None = attrs.field(
        default=100, validator=attrs.validators.optional(attrs.validators.ge(1))
    )
    rate_limit_window: float = attrs.field(default=60.0, converter=float, validator=_seconds)
    api_key: str | None = attrs.field(default=None, repr=False, validator=_api_key)
    token_ttl: float = attrs.field(default=3600.0, converter=float, validator=_seconds)

    @property
    def auth_enabled(self) -> bool:
        """Whether callers must authenticate (an API key is set)."""
        return self.api_key is not None
