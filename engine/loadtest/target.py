"""The server under load: a loopback one unless the user says otherwise, and the source
addresses its simulated players come from."""

from __future__ import annotations

import ipaddress

import httpx

__all__ = ["RemoteTargetRefused", "check_target", "is_loopback", "source_address"]

# 127.1.0.1 and up: clear of 127.0.0.1, which the user's own tools use.
_FIRST_SOURCE = int(ipaddress.IPv4Address("127.1.0.0"))
_SOURCES = 254 * 256 * 254  # 127.1.0.1 to 127.254.255.254, skipping .0 and .255


class RemoteTargetRefused(ValueError):
    """The target is not on this machine and ``allow_remote`` was not given."""


def is_loopback(url: str) -> bool:
    """Whether ``url``'s host is this machine: ``localhost`` or a loopback address."""
    host = httpx.URL(url).host
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name: it could resolve anywhere
        return False


def check_target(url: str, *, allow_remote: bool) -> None:
    """Refuse a non-loopback ``url`` unless ``allow_remote``: loading someone else's server by
    a typo in the URL is the mistake this guards against."""
    scheme = httpx.URL(url).scheme
    if scheme not in ("http", "https"):
        raise ValueError(f"the URL must be http:// or https://, not {url!r}")
    if not allow_remote and not is_loopback(url):
        raise RemoteTargetRefused(
            f"{httpx.URL(url).host} is not this machine: give --allow-remote to load it"
        )


def source_address(url: str, group: int) -> str | None:
    """The loopback address group ``group``'s players connect from when ``url`` is on an IPv4
    loopback address (None otherwise): one per group, so that the server's per-address limits
    see each group as its own machine, as real players are."""
    try:
        if not ipaddress.IPv4Address(httpx.URL(url).host).is_loopback:
            return None
    except ValueError:
        return None
    offset = group % _SOURCES
    high, rest = divmod(offset, 256 * 254)
    middle, low = divmod(rest, 254)
    return str(ipaddress.IPv4Address(_FIRST_SOURCE + high * 65536 + middle * 256 + low + 1))
