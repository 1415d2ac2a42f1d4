"""The constrained strings of LANrage's bodies, and their checks.

Each constrained field has a ``NewType`` over ``str`` (its annotation, so the wire converter
checks it while structuring and names every failing field at once) and a check (its attrs
validator, so a value built in code is checked too). A check raises ``ValueError`` with the
text a client sees for that field.

Lengths are the spec's, in characters, with no trimming: a party or peer name is 1 to 50
characters, a party id given to join 1 to 20.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from typing import Any, NewType

import attrs

from .errors import InvalidKey
from .identity import check_key, check_peer_id

__all__ = [
    "CHECKS",
    "NAME_MAX",
    "PARTY_ID_INPUT_MAX",
    "Endpoint",
    "Name",
    "PartyIdInput",
    "PeerId",
    "PublicKey",
    "check_endpoint",
    "check_name",
    "check_party_id_input",
    "check_public_key",
    "checked",
    "parse_endpoint",
]

NAME_MAX = 50
PARTY_ID_INPUT_MAX = 20

#: A party or peer name: 1 to 50 characters.
Name = NewType("Name", str)
#: A party id as a client types it to join: 1 to 20 characters (ids issued are 12 hex).
PartyIdInput = NewType("PartyIdInput", str)
#: A peer id: 16 lower-case hex characters.
PeerId = NewType("PeerId", str)
#: A WireGuard public key: 44 characters of base64.
PublicKey = NewType("PublicKey", str)
#: A UDP endpoint, ``ip:port`` (``[ipv6]:port``).
Endpoint = NewType("Endpoint", str)


def _length(value: str, low: int, high: int) -> str:
    if not low <= len(value) <= high:
        raise ValueError(f"must be {low} to {high} characters")
    return value


def check_name(value: str) -> str:
    return _length(value, 1, NAME_MAX)


def check_party_id_input(value: str) -> str:
    return _length(value, 1, PARTY_ID_INPUT_MAX)


def _key_error_as_value(check: Callable[[str], Any]) -> Callable[[str], str]:
    def run(value: str) -> str:
        try:
            check(value)
        except InvalidKey as exc:
            raise ValueError(exc.message) from None
        return value

    return run


check_public_key = _key_error_as_value(check_key)
_check_peer_id = _key_error_as_value(check_peer_id)

_ENDPOINT = re.compile(r"(?:\[(?P<v6>[0-9A-Fa-f:.]+)\]|(?P<v4>[0-9.]+)):(?P<port>[0-9]{1,5})")


def parse_endpoint(value: str) -> tuple[str, int]:
    """``ip:port`` or ``[ipv6]:port`` as ``(ip, port)``; raises ``ValueError``."""
    match = _ENDPOINT.fullmatch(value)
    if match is None:
        raise ValueError("must be ip:port or [ipv6]:port")
    host = match["v6"] or match["v4"]
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError("must be ip:port or [ipv6]:port") from None
    if (ip.version == 6) != (match["v6"] is not None):
        raise ValueError("must be ip:port or [ipv6]:port")
    port = int(match["port"])
    if not 1 <= port <= 65535:
        raise ValueError("port must be 1 to 65535")
    return str(ip), port


def check_endpoint(value: str) -> str:
    parse_endpoint(value)
    return value


#: Each constrained type's check, for the wire converter.
CHECKS: dict[Any, Callable[[str], str]] = {
    Name: check_name,
    PartyIdInput: check_party_id_input,
    PeerId: _check_peer_id,
    PublicKey: check_public_key,
    Endpoint: check_endpoint,
}


def checked(kind: Any) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    """An attrs validator running ``kind``'s check (None passes, for optional fields)."""
    check = CHECKS[kind]

    def validate(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
        if value is not None:
            try:
                check(value)
            except ValueError as exc:
                raise ValueError(f"{attribute.name}: {exc}") from None

    return validate
