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

Every reader raises ``ValueError`` naming the variable whose value it cannot use.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import attrs

from .models import IceServer
from .session import SessionSettings

__all__ = [
    "DEFAULT_ICE_SERVERS",
    "DEV_ORIGIN",
    "ENVIRONMENT",
    "WatchPartySettings",
    "cors_origins_from",
]

_TTL = "PARTY_ENGINE_WATCHPARTY_SESSION_TTL"
_MAX_PARTICIPANTS = "PARTY_ENGINE_WATCHPARTY_MAX_PARTICIPANTS"
_BCRYPT_COST = "PARTY_ENGINE_WATCHPARTY_BCRYPT_COST"
_PUBLIC_URL = "PARTY_ENGINE_WATCHPARTY_PUBLIC_URL"
_CORS_ORIGINS = "PARTY_ENGINE_WATCHPARTY_CORS_ORIGINS"
_ICE_SERVERS = "PARTY_ENGINE_WATCHPARTY_ICE_SERVERS"

#: Every variable read, for documentation and tests.
ENVIRONMENT = (_TTL, _MAX_PARTICIPANTS, _BCRYPT_COST, _PUBLIC_URL, _CORS_ORIGINS, _ICE_SERVERS)

#: The spec's development origin: the web client's dev server.
DEV_ORIGIN = "http://localhost:5173"
DEFAULT_ICE_SERVERS = (
    IceServer("stun:stun.l.google.com:19302"),
    IceServer("stun:stun1.l.google.com:19302"),
)


def _default_origins(public_url: str) -> tuple[str, ...]:
    parts = urlsplit(public_url)
    return tuple(dict.fromkeys((DEV_ORIGIN, f"{parts.scheme}://{parts.netloc}")))


def _check_url(instance: object, attribute: attrs.Attribute[str], url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{attribute.name} must be an http(s) URL, not {url!r}")


@attrs.frozen
class WatchPartySettings:
    """Everything configurable about the app. ``public_url`` has no trailing slash."""

    session: SessionSettings = attrs.field(factory=SessionSettings)
    bcrypt_cost: int = attrs.field(
        default=12, validator=[attrs.validators.ge(4), attrs.validators.le(31)]
    )
    public_url: str = attrs.field(
        default=DEV_ORIGIN, converter=lambda url: url.rstrip("/"), validator=_check_url
    )
    cors_origins: tuple[str, ...] = attrs.field(converter=tuple)
    ice_servers: tuple[IceServer, ...] = DEFAULT_ICE_SERVERS

    @cors_origins.default
    def _default_origins(self) -> tuple[str, ...]:
        return _default_origins(self.public_url)

    def share_url(self, session_id: str) -> str:
        return f"{self.public_url}/join/{session_id}"

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> WatchPartySettings:
        """Defaults, overridden by the ``PARTY_ENGINE_WATCHPARTY_*`` variables that are set
        and not blank. Raises ``ValueError`` naming a variable it cannot use."""
        session: dict[str, Any] = {}
        values: dict[str, Any] = {}
        for variable, read, key in (
            (_TTL, float, "ttl"),
            (_MAX_PARTICIPANTS, int, "max_participants"),
            (_BCRYPT_COST, int, "bcrypt_cost"),
            (_PUBLIC_URL, str.strip, "public_url"),
            (_CORS_ORIGINS, _origins, "cors_origins"),
            (_ICE_SERVERS, _ice_servers, "ice_servers"),
        ):
            raw = environ.get(variable, "")
            if not raw.strip():
                continue
            target, owner = (session, SessionSettings) if key in _SESSION_FIELDS else (values, cls)
            try:
                target[key] = read(raw)
                owner(**{key: target[key]})  # each value checked alone, to name its variable
            except ValueError as exc:
                raise ValueError(f"{variable}: {exc}") from None
        return cls(session=SessionSettings(**session), **values)


_SESSION_FIELDS = frozenset(("ttl", "max_participants"))


def cors_origins_from(environ: Mapping[str, str]) -> tuple[str, ...]:
    """The CORS origins ``environ`` asks for, as ``from_environ`` reads them, without checking
    anything else: never raises (an unusable ``PUBLIC_URL`` is for ``from_environ`` to report)."""
    origins = _origins(environ.get(_CORS_ORIGINS, ""))
    return origins or _default_origins(environ.get(_PUBLIC_URL, "").strip() or DEV_ORIGIN)


def _origins(raw: str) -> tuple[str, ...]:
    return tuple(origin.strip().rstrip("/") for origin in raw.split(",") if origin.strip())


def _ice_servers(raw: str) -> tuple[IceServer, ...]:
    try:
        entries = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc}") from None
    if not isinstance(entries, list):
        raise ValueError("must be a JSON array of ICE servers")
    return tuple(_ice_server(entry) for entry in entries)


def _ice_server(entry: Any) -> IceServer:
    if not isinstance(entry, dict):
        raise ValueError(f"an ICE server must be an object, not {entry!r}")
    urls = entry.get("urls")
    if isinstance(urls, list) and urls and all(isinstance(url, str) for url in urls):
        urls = tuple(urls)
    elif not isinstance(urls, str):
        raise ValueError(f"an ICE server's urls must be a string or a list of them: {entry!r}")
    optional = {key: entry.get(key) for key in ("username", "credential")}
    if not all(value is None or isinstance(value, str) for value in optional.values()):
        raise ValueError(f"an ICE server's username and credential must be strings: {entry!r}")
    return IceServer(urls, **optional)
