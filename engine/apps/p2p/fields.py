"""The rules every field of a request obeys: id form, name and text lengths, number ranges,
IP addresses; the limits are the module's constants.

Each ``*_field``/``between`` value is an attrs validator that raises ``ValueError`` with what a
client is told about the field (``"must be between 1 and 65535"``); the wire converter says
which field. ``None`` passes every one of them: optional fields are checked only when given.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Any

import attrs

__all__ = [
    "CANDIDATE_MAX_LENGTH",
    "ICE_CREDENTIAL_MAX_LENGTH",
    "ID_MAX_LENGTH",
    "MAX_BANDWIDTH_MBPS",
    "MAX_ICE_SERVERS",
    "MAX_LATENCY_MS",
    "NAME_MAX_LENGTH",
    "SDP_MAX_LENGTH",
    "between",
    "check_id",
    "id_field",
    "ip_field",
    "name_field",
    "text_field",
]

#: Ids (host, zone, player, peer) appear in URL paths: letters, digits and ``._:-``, starting
#: with a letter or digit, at most this long.
ID_MAX_LENGTH = 64
#: Display names: any text but control characters, not blank, at most this long.
NAME_MAX_LENGTH = 100
#: Latency in milliseconds (a minute: far beyond any link worth playing on) and bandwidth in
#: Mbps (a terabit): bounded so that sums and averages of them stay finite numbers.
MAX_LATENCY_MS = 60_000
MAX_BANDWIDTH_MBPS = 1_000_000
#: A session description is a few kilobytes; this leaves room for many media sections.
SDP_MAX_LENGTH = 65_536
#: A TURN username or credential.
ICE_CREDENTIAL_MAX_LENGTH = 256
#: ICE servers a host may list.
MAX_ICE_SERVERS = 16
#: An ICE candidate line (RFC 8839) is well under this; an empty one ends the candidates.
CANDIDATE_MAX_LENGTH = 2_048

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]


def check_id(value: str) -> str:
    """``value`` if it is a valid id; raises ``ValueError`` saying what an id is."""
    if not 1 <= len(value) <= ID_MAX_LENGTH or _ID.fullmatch(value) is None:
        raise ValueError(
            f"must be 1 to {ID_MAX_LENGTH} letters, digits or ._:- starting with a letter or digit"
        )
    return value


def id_field(instance: Any, attribute: attrs.Attribute[Any], value: str | None) -> None:
    """An id: 1 to ``ID_MAX_LENGTH`` letters, digits or ``._:-``, starting with a letter or a
    digit."""
    if value is not None:
        check_id(value)


def name_field(max_length: int = NAME_MAX_LENGTH) -> _Validator:
    """Display text: not blank, at most ``max_length`` characters, no control characters."""

    def check(instance: Any, attribute: attrs.Attribute[Any], value: str | None) -> None:
        if value is None:
            return
        if not value.strip() or len(value) > max_length or _CONTROL.search(value):
            raise ValueError(
                f"must be 1 to {max_length} characters, not blank, without control characters"
            )

    return check


def text_field(max_length: int, *, allow_empty: bool = False) -> _Validator:
    """Any text of at most ``max_length`` characters (and at least one unless ``allow_empty``)."""

    def check(instance: Any, attribute: attrs.Attribute[Any], value: str | None) -> None:
        if value is None:
            return
        if len(value) > max_length or (not allow_empty and not value):
            low = 0 if allow_empty else 1
            raise ValueError(f"must be {low} to {max_length} characters")

    return check


def between(low: float, high: float | None = None) -> _Validator:
    """``low <= value <= high`` (no upper bound when ``high`` is None); None passes."""

    def check(instance: Any, attribute: attrs.Attribute[Any], value: float | None) -> None:
        if value is None:
            return
        if value < low or (high is not None and value > high):
            bound = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise ValueError(f"must be {bound}")

    return check


def ip_field(instance: Any, attribute: attrs.Attribute[Any], value: str | None) -> None:
    """An IPv4 or IPv6 address."""
    if value is None:
        return
    try:
        ipaddress.ip_address(value)
    except ValueError:
        raise ValueError("must be an IPv4 or IPv6 address") from None
