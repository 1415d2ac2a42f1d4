"""WatchParty's settings, read once from the environment of ``party-engine serve``.

- ``PARTY_ENGINE_WATCHPARTY_SESSION_TTL`` (default 86400): seconds a session lives.
- ``PARTY_ENGINE_WATCHPARTY_MAX_PARTICIPANTS`` (default 10): seats per session.
- ``PARTY_ENGINE_WATCHPARTY_BCRYPT_COST`` (default 12): the cost of new password hashes, 4 to 31.
- ``PARTY_ENGINE_WATCHPARTY_PUBLIC_URL`` (default ``http://localhost:5173``): where the web
  client is served; ``share_url`` is ``<PUBLIC_URL>/join/<session id>``.
- ``PARTY_ENGINE_WATCHPARTY_CORS_ORIGINS`` (comma-separated): the origins allowed to call the
  API from a browser; by default the spec's development origin ``http://localhost:5173`` and the
  origin of ``PUBLIC_URL``.
- ``PARTY_ENGINE_WATCHPARTY_ICE_SERVERS`` (a JSON array of ``{"urls", "username",
  "credential"}``): the ICE servers given to clients with a new session; by default Google's two
  public STUN servers, as in the spec.
- ``PARTY_ENGINE_WATCHPARTY_CREATE_RATE_LIMIT`` (default ``5/3600``), ``..._JOIN_RATE_LIMIT``
  (``10/60``), ``..._MESSAGE_RATE_LIMIT`` (``100/60``): sessions an address may create, join
  attempts per session and address, and WebSocket messages per user, as ``COUNT/SECONDS``
  (fixed windows); a hundred times as many in development mode (``PARTY_ENGINE_DEV=1``).

``from_environ`` raises ``engine.settings.SettingsError`` (a ``ValueError``) naming the variable
whose value it cannot use.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import attrs
import cattrs

from engine.net import JsonRejected, RateLimitRule, json_loads
from engine.settings import Rate, environment_variables, rate_limit, read_settings, setting

from .models import IceServer
from .session import SessionSettings
from .wire import MESSAGE_RATE_LIMIT, WIRE

__all__ = ["DEFAULT_ICE_SERVERS", "DEV_ORIGIN", "ENVIRONMENT", "WatchPartySettings"]

#: The spec's development origin: the web client's dev server.
DEV_ORIGIN = "http://localhost:5173"
DEFAULT_ICE_SERVERS = (
    IceServer("stun:stun.l.google.com:19302"),
    IceServer("stun:stun1.l.google.com:19302"),
)


def _check_url(instance: object, attribute: attrs.Attribute[str], url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{attribute.name} must be an http(s) URL, not {url!r}")


def _without_trailing_slash(url: str) -> str:
    return url.rstrip("/")


def _origins(raw: str) -> tuple[str, ...]:
    return tuple(origin.strip().rstrip("/") for origin in raw.split(",") if origin.strip())


def _default_origins(settings: WatchPartySettings) -> tuple[str, ...]:
    parts = urlsplit(settings.public_url)
    return tuple(dict.fromkeys((DEV_ORIGIN, f"{parts.scheme}://{parts.netloc}")))


def _ice_servers(raw: str) -> tuple[IceServer, ...]:
    try:
        entries = json_loads(raw)
    except JsonRejected as exc:
        raise ValueError(f"not JSON: {exc.reason}") from None
    if not isinstance(entries, list):
        raise TypeError("must be a JSON array of ICE servers")
    try:
        servers: tuple[IceServer, ...] = WIRE.structure(entries, tuple[IceServer, ...])
    except cattrs.BaseValidationError as exc:
        problems = "; ".join(cattrs.transform_error(exc))
        raise ValueError(f"not an array of ICE servers: {problems}") from None
    return servers


@attrs.frozen
class WatchPartySettings:
    """Everything configurable about the app. ``public_url`` has no trailing slash."""

    session_ttl: float = setting(24 * 3600.0, min=1, help="seconds a session lives")
    max_participants: int = setting(10, min=1, help="seats per session")
    bcrypt_cost: int = setting(12, min=4, max=31, help="the cost of new password hashes")
    public_url: str = attrs.field(
        default=DEV_ORIGIN,
        converter=_without_trailing_slash,
        validator=_check_url,
    )
    cors_origins: tuple[str, ...] = setting(
        attrs.Factory(_default_origins, takes_self=True),
        parse=_origins,
        help="origins allowed to call the API from a browser (comma-separated)",
    )
    ice_servers: tuple[IceServer, ...] = setting(
        DEFAULT_ICE_SERVERS, parse=_ice_servers, help="ICE servers for clients (a JSON array)"
    )

    create_rate_limit: Rate = rate_limit(5, 3600, help="sessions an address may create")
    join_rate_limit: Rate = rate_limit(10, 60, help="join attempts per session and address")
    message_rate_limit: Rate = rate_limit(
        MESSAGE_RATE_LIMIT.limit, MESSAGE_RATE_LIMIT.window, help="WebSocket messages per user"
    )

    @property
    def create_rule(self) -> RateLimitRule:
        """The spec's "5 requests, 1 hour per IP" unless configured otherwise."""
        return _fixed_window(self.create_rate_limit)

    @property
    def join_rule(self) -> RateLimitRule:
        """The spec's "10 requests, 1 minute per session" (and per IP) unless configured."""
        return _fixed_window(self.join_rate_limit)

    @property
    def message_rule(self) -> RateLimitRule:
        """The spec's "100 messages per minute" per user unless configured otherwise."""
        return _fixed_window(self.message_rate_limit)

    @property
    def session(self) -> SessionSettings:
        """The limits of new sessions."""
        return SessionSettings(max_participants=self.max_participants, ttl=self.session_ttl)

    def share_url(self, session_id: str) -> str:
        return f"{self.public_url}/join/{session_id}"

    @classmethod
    def from_environ(cls, environ: Mapping[str, str], **overrides: Any) -> WatchPartySettings:
        """Defaults, overridden by the ``PARTY_ENGINE_WATCHPARTY_*`` variables that are set and
        not blank, then by ``overrides`` (tests, embedders)."""
        return read_settings(cls, environ, app="watchparty", **overrides)


def _fixed_window(rate: Rate) -> RateLimitRule:
    return RateLimitRule(rate.count, rate.seconds)


#: Every variable read, for documentation and tests.
ENVIRONMENT = tuple(environment_variables(WatchPartySettings, "watchparty"))
