"""LANrage's settings: the control plane, STUN, and the timings of heartbeats and probes.

``ENVIRONMENT`` maps each ``PARTY_ENGINE_LANRAGE_*`` variable to its field; every field also
takes the variable's text as is (``"10.0.0.2:3478"``, ``"300"``), so a reader can pass the
strings through. Every check raises ``ValueError`` naming the field.

- ``CONTROL_URL``: another node's base URL (``http://host:port``, with its prefix if it serves
  several apps); unset, the node is its own control plane.
- ``CONTROL_TOKEN``: the Bearer token sent to that control plane, and the one this node's
  control plane requires of other nodes. A node without a token serves its control plane to
  nobody but itself.
- ``STUN``: ``host:port`` of the STUN server NAT detection asks, or two of them separated by a
  comma (two servers can tell a symmetric NAT from a cone); unset, no detection is done and
  the NAT type is ``unknown``.
- ``STUN_LISTEN``: ``host:port`` where this node answers STUN Binding requests (other nodes
  detect their NAT against it, and peers probe it to measure latency); unset, none.
- ``HEARTBEAT_INTERVAL`` (default 5 s), ``PEER_TIMEOUT`` (300 s: silent peers are dropped),
  ``CLEANUP_INTERVAL`` (60 s: how often the control plane looks for them), ``PROBE_INTERVAL``
  (10 s: latency probes to each peer).
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlsplit

import attrs

__all__ = ["ENVIRONMENT", "LanrageSettings", "parse_address"]

T = TypeVar("T")

#: Environment variable -> ``LanrageSettings`` field.
ENVIRONMENT: Mapping[str, str] = {
    "PARTY_ENGINE_LANRAGE_CONTROL_URL": "control_url",
    "PARTY_ENGINE_LANRAGE_CONTROL_TOKEN": "control_token",
    "PARTY_ENGINE_LANRAGE_STUN": "stun_servers",
    "PARTY_ENGINE_LANRAGE_STUN_LISTEN": "stun_listen",
    "PARTY_ENGINE_LANRAGE_HEARTBEAT_INTERVAL": "heartbeat_interval",
    "PARTY_ENGINE_LANRAGE_PEER_TIMEOUT": "peer_timeout",
    "PARTY_ENGINE_LANRAGE_CLEANUP_INTERVAL": "cleanup_interval",
    "PARTY_ENGINE_LANRAGE_PROBE_INTERVAL": "probe_interval",
}

_HOST_PORT = re.compile(r"(?:\[(?P<v6>[^\]]+)\]|(?P<host>[^:\[\]]+)):(?P<port>[0-9]{1,5})")
_HOSTNAME = re.compile(r"(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")


def parse_address(value: str) -> tuple[str, int]:
    """``host:port`` (an IPv4 address or a name) or ``[ipv6]:port``, as ``(host, port)``."""
    match = _HOST_PORT.fullmatch(value.strip())
    if match is None:
        raise ValueError(f"{value!r} is not host:port")
    port = int(match["port"])
    if not 1 <= port <= 65535:
        raise ValueError(f"{value!r}: the port must be 1 to 65535")
    if match["v6"] is not None:
        try:
            return str(ipaddress.IPv6Address(match["v6"])), port
        except ValueError:
            raise ValueError(f"{value!r}: {match['v6']!r} is not an IPv6 address") from None
    if not _HOSTNAME.fullmatch(match["host"]):
        raise ValueError(f"{value!r}: {match['host']!r} is not a host name or address")
    return match["host"], port


def _address(value: Any) -> tuple[str, int] | None:
    if value is None or isinstance(value, tuple):
        return value
    text = str(value).strip()
    return parse_address(text) if text else None


def _addresses(value: Any) -> tuple[tuple[str, int], ...]:
    if isinstance(value, tuple):
        return value
    return tuple(parse_address(part) for part in str(value).split(",") if part.strip())


def _url(value: Any) -> str | None:
    if value is None:
        return None
    url = str(value).strip().rstrip("/")
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"must be an http(s) URL, not {url!r}")
    return url


def _token(value: Any) -> str | None:
    if value is None:
        return None
    token = str(value).strip()
    return token or None


def _seconds(value: Any) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{value!r} is not a number of seconds") from None
    if not (0 < seconds < math.inf):
        raise ValueError(f"{value!r} is not a positive, finite number of seconds")
    return seconds


def _named(field: str, convert: Callable[[Any], T]) -> Callable[[Any], T]:
    def run(value: Any) -> T:
        try:
            return convert(value)
        except ValueError as exc:
            raise ValueError(f"{field}: {exc}") from None

    return run


def _two_servers_at_most(
    instance: object, attribute: attrs.Attribute[Any], value: tuple[tuple[str, int], ...]
) -> None:
    if len(value) > 2:
        raise ValueError("stun_servers: one or two servers")
    if len(set(value)) != len(value):
        raise ValueError("stun_servers: two different servers")


@attrs.frozen
class LanrageSettings:
    """Everything configurable about a LANrage node; times in seconds."""

    control_url: str | None = attrs.field(
        default=None, converter=_named("control_url", _url)
    )
    control_token: str | None = attrs.field(
        default=None, converter=_named("control_token", _token), repr=False
    )
    stun_servers: tuple[tuple[str, int], ...] = attrs.field(
        default=(), converter=_named("stun_servers", _addresses), validator=_two_servers_at_most
    )
    stun_listen: tuple[str, int] | None = attrs.field(
        default=None, converter=_named("stun_listen", _address)
    )
    heartbeat_interval: float = attrs.field(
        default=5.0, converter=_named("heartbeat_interval", _seconds)
    )
    peer_timeout: float = attrs.field(default=300.0, converter=_named("peer_timeout", _seconds))
    cleanup_interval: float = attrs.field(
        default=60.0, converter=_named("cleanup_interval", _seconds)
    )
    probe_interval: float = attrs.field(
        default=10.0, converter=_named("probe_interval", _seconds)
    )

    @peer_timeout.validator
    def _outlasts_heartbeats(self, attribute: attrs.Attribute[float], value: float) -> None:
        # A peer that heartbeats on time must never look silent: allow two missed beats.
        if value < 3 * self.heartbeat_interval:
            raise ValueError(
                "peer_timeout must be at least 3 heartbeat intervals "
                f"({3 * self.heartbeat_interval:g} s), not {value:g} s"
            )

    @property
    def remote_control(self) -> bool:
        """Whether the node uses another node's control plane."""
        return self.control_url is not None
