"""LANrage's settings: the control plane, STUN, and the timings of heartbeats and probes.

``read_settings(LanrageSettings, environ, app="lanrage")`` reads each field from
``PARTY_ENGINE_LANRAGE_<FIELD>``; each field's ``parse`` turns the variable's text into its
value and raises ``ValueError`` with what is wrong, which ``read_settings`` reports naming the
variable. In code the fields take their values (``stun=(("10.0.0.2", 3478),)``).

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
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import attrs

from engine.settings import read_settings, setting

__all__ = ["LanrageSettings", "parse_address", "read_lanrage_settings"]

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


def _address(text: str) -> tuple[str, int] | None:
    return parse_address(text) if text.strip() else None


def _addresses(text: str) -> tuple[tuple[str, int], ...]:
    return tuple(parse_address(part) for part in text.split(",") if part.strip())


def _url(text: str) -> str | None:
    url = text.strip().rstrip("/")
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"must be an http(s) URL, not {url!r}")
    return url


def _token(text: str) -> str | None:
    return text.strip() or None


def _positive(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not (0 < value < math.inf):
        raise ValueError(f"{attribute.name} must be a positive, finite number of seconds")


def _two_servers_at_most(
    instance: object, attribute: attrs.Attribute[Any], value: tuple[tuple[str, int], ...]
) -> None:
    if len(value) > 2:
        raise ValueError("one or two servers")
    if len(set(value)) != len(value):
        raise ValueError("two different servers")


def _read(default: Any, parse: Any, **options: Any) -> Any:
    # ``setting`` gives the reader its parser; the field itself keeps attrs' options.
    return attrs.field(default=default, metadata=setting(default, parse=parse).metadata, **options)


@attrs.frozen
class LanrageSettings:
    """Everything configurable about a LANrage node; times in seconds."""

    control_url: str | None = _read(None, _url)
    control_token: str | None = _read(None, _token, repr=False)
    stun: tuple[tuple[str, int], ...] = _read((), _addresses, validator=_two_servers_at_most)
    stun_listen: tuple[str, int] | None = _read(None, _address)
    heartbeat_interval: float = attrs.field(default=5.0, validator=_positive)
    peer_timeout: float = attrs.field(default=300.0, validator=_positive)
    cleanup_interval: float = attrs.field(default=60.0, validator=_positive)
    probe_interval: float = attrs.field(default=10.0, validator=_positive)

    def __attrs_post_init__(self) -> None:
        # A peer that heartbeats on time must never look silent: allow two missed beats.
        if self.peer_timeout < 3 * self.heartbeat_interval:
            raise ValueError(
                "peer_timeout must be at least 3 heartbeat intervals "
                f"({3 * self.heartbeat_interval:g} s), not {self.peer_timeout:g} s"
            )

    @property
    def remote_control(self) -> bool:
        """Whether the node uses another node's control plane."""
        return self.control_url is not None


def read_lanrage_settings(environ: Mapping[str, str]) -> LanrageSettings:
    """The settings from ``PARTY_ENGINE_LANRAGE_*``; ``SettingsError`` names a bad variable."""
    return read_settings(LanrageSettings, environ, app="lanrage")
