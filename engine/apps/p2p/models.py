"""The coordinator's HTTP bodies as frozen attrs classes, and the one converter for them.

Requests (validated as they are built; a bad value raises ``ValueError`` naming the field):
``RegisterHostRequest``, ``HeartbeatRequest``, ``CreateZoneRequest``, ``UpdateZoneRequest``,
``CreateSessionRequest``, ``UpdateSessionMetricsRequest``, ``AddPlayerRequest``,
``SignalRequest`` (offers and answers), ``IceCandidateRequest``, ``TokenRequest``; the query
strings ``HostQuery`` and ``ZoneQuery`` (``parse_host_query``, ``parse_zone_query``).

Responses, with exactly the spec's keys: ``HostRegistered``, ``HostDetails``, ``HostSummary``,
``HeartbeatResponse``, ``MessageResponse``, ``ZoneCreated``, ``ZoneDetails``, ``ZoneSummary``,
``ZoneUpdated``, ``SessionCreated``, ``SessionDetails``, ``SignalView``, ``IceCandidateView``,
``Dashboard`` (with ``HostCounts``, ``ZoneCounts``, ``SessionCounts``, ``SystemHealth``),
``HostStats`` (with ``QualityDistribution``), ``TokenResponse``.

``WIRE`` structures strictly: a string field takes only a string, an integer only an integer
(never ``true``), a number only a finite int or float, an enum only one of its exact values;
unknown keys are refused. Times on the wire are RFC 3339 in UTC (``2025-11-07T10:00:00Z``).
"""

from __future__ import annotations

import enum
import ipaddress
import math
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.preconf.json import make_converter

from .errors import InvalidInput
from .statuses import HostStatus, SessionStatus, ZoneStatus

__all__ = [
    "CANDIDATE_MAX_LENGTH",
    "ICE_CREDENTIAL_MAX_LENGTH",
    "ID_MAX_LENGTH",
    "MAX_ICE_SERVERS",
    "NAME_MAX_LENGTH",
    "SDP_MAX_LENGTH",
    "WIRE",
    "AddPlayerRequest",
    "CreateSessionRequest",
    "CreateZoneRequest",
    "Dashboard",
    "HeartbeatRequest",
    "HeartbeatResponse",
    "HostCounts",
    "HostDetails",
    "HostQuery",
    "HostRegistered",
    "HostStats",
    "HostSummary",
    "IceCandidateRequest",
    "IceCandidateView",
    "IceServer",
    "MessageResponse",
    "QualityDistribution",
    "RegisterHostRequest",
    "ServiceHealth",
    "SessionCounts",
    "SessionCreated",
    "SessionDetails",
    "SignalRequest",
    "SignalView",
    "SystemHealth",
    "TokenRequest",
    "TokenResponse",
    "UpdateSessionMetricsRequest",
    "UpdateZoneRequest",
    "ZoneCounts",
    "ZoneCreated",
    "ZoneDetails",
    "ZoneQuery",
    "ZoneSummary",
    "ZoneUpdated",
    "check_id",
    "make_wire_converter",
    "parse_host_query",
    "parse_zone_query",
]

#: Ids (host, zone, player, peer) appear in URL paths: letters, digits and ``._:-``, starting
#: with a letter or digit, at most this long.
ID_MAX_LENGTH = 64
#: Display names: any text but control characters, not blank, at most this long.
NAME_MAX_LENGTH = 100
#: A session description is a few kilobytes; this leaves room for many media sections.
SDP_MAX_LENGTH = 65_536
#: A TURN username or credential.
ICE_CREDENTIAL_MAX_LENGTH = 256
#: An ICE candidate line (RFC 8839) is well under this; an empty one ends the candidates.
CANDIDATE_MAX_LENGTH = 2_048

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]
T = TypeVar("T")
E = TypeVar("E", bound=enum.Enum)


# -- field checks ----------------------------------------------------------------------------


def check_id(value: str, name: str) -> str:
    """``value`` if it is a valid id; raises ``ValueError`` naming ``name``."""
    if not 1 <= len(value) <= ID_MAX_LENGTH or _ID.fullmatch(value) is None:
        raise ValueError(
            f"{name}: must be 1 to {ID_MAX_LENGTH} letters, digits or ._:- "
            "starting with a letter or digit"
        )
    return value


def _id(instance: Any, attribute: attrs.Attribute[str], value: str) -> None:
    check_id(value, attribute.name)


def _name(max_length: int = NAME_MAX_LENGTH) -> _Validator:
    def check(instance: Any, attribute: attrs.Attribute[Any], value: str | None) -> None:
        if value is None:
            return
        if not value.strip() or len(value) > max_length or _CONTROL.search(value):
            raise ValueError(
                f"{attribute.name}: must be 1 to {max_length} characters, not blank, "
                "without control characters"
            )

    return check


def _text(max_length: int, *, allow_empty: bool = False) -> _Validator:
    def check(instance: Any, attribute: attrs.Attribute[str], value: str) -> None:
        if len(value) > max_length or (not allow_empty and not value):
            low = 0 if allow_empty else 1
            raise ValueError(f"{attribute.name}: must be {low} to {max_length} characters")

    return check


def _between(low: float, high: float | None = None) -> _Validator:
    """``low <= value <= high`` (no upper bound when ``high`` is None); None passes."""

    def check(instance: Any, attribute: attrs.Attribute[Any], value: float | None) -> None:
        if value is None:
            return
        if value < low or (high is not None and value > high):
            bound = f"between {low} and {high}" if high is not None else f"at least {low}"
            raise ValueError(f"{attribute.name}: must be {bound}")

    return check


def _ip(instance: Any, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is None:
        return
    try:
        ipaddress.ip_address(value)
    except ValueError:
        raise ValueError(f"{attribute.name}: must be an IPv4 or IPv6 address") from None


# -- requests --------------------------------------------------------------------------------


@attrs.frozen
class IceServer:
    """One ``RTCIceServer``: a STUN or TURN URL (or several); TURN servers carry credentials."""

    urls: str | tuple[str, ...] = attrs.field()
    username: str | None = attrs.field(default=None, validator=_name(ICE_CREDENTIAL_MAX_LENGTH))
    credential: str | None = attrs.field(
        default=None, repr=False, validator=_name(ICE_CREDENTIAL_MAX_LENGTH)
    )

    @urls.validator
    def _check_urls(self, attribute: attrs.Attribute[Any], value: str | tuple[str, ...]) -> None:
        urls = (value,) if isinstance(value, str) else value
        if not urls or not all(re.match(r"(stun|stuns|turn|turns):\S+$", url) for url in urls):
            raise ValueError("urls: must be one or more stun:, stuns:, turn: or turns: URLs")


#: At most this many ICE servers per host.
MAX_ICE_SERVERS = 16


@attrs.frozen
class RegisterHostRequest:
    """``POST /api/hosts/``. The hardware fields feed the quality score; ``max_players`` and
    ``max_zones`` default to 50 and 5."""

    host_id: str = attrs.field(validator=_id)
    player_id: str = attrs.field(validator=_id)
    player_name: str = attrs.field(validator=_name())
    ip_address: str = attrs.field(validator=_ip)
    port: int = attrs.field(validator=_between(1, 65_535))
    cpu_cores: int = attrs.field(validator=_between(1, 1_024))
    cpu_frequency_mhz: int = attrs.field(validator=_between(1, 100_000))
    memory_mb: int = attrs.field(validator=_between(1, 2**31 - 1))
    network_speed_mbps: float = attrs.field(validator=_between(0, 1_000_000))
    public_ip: str | None = attrs.field(default=None, validator=_ip)
    max_players: int = attrs.field(default=50, validator=_between(1, 10_000))
    max_zones: int = attrs.field(default=5, validator=_between(1, 1_000))
    ice_servers: tuple[IceServer, ...] = attrs.field(default=())

    @ice_servers.validator
    def _check_ice_servers(self, attribute: attrs.Attribute[Any], value: tuple[Any, ...]) -> None:
        if len(value) > MAX_ICE_SERVERS:
            raise ValueError(f"ice_servers: at most {MAX_ICE_SERVERS}")


@attrs.frozen
class HeartbeatRequest:
    """``POST /api/hosts/{host_id}/heartbeat``: every field optional; those given replace the
    host's last reported values (an empty body only says "still here")."""

    latency_ms: float | None = attrs.field(default=None, validator=_between(0))
    packet_loss_percent: float | None = attrs.field(default=None, validator=_between(0, 100))
    bandwidth_usage_mbps: float | None = attrs.field(default=None, validator=_between(0))
    current_players: int | None = attrs.field(default=None, validator=_between(0))


@attrs.frozen
class CreateZoneRequest:
    """``POST /api/zones/``. Only ``zone_id`` and ``zone_name`` are required.

    Defaults: ``zone_display_name`` is ``zone_name``, ``map_name`` is ``zone_id``;
    ``max_players`` 100; ``recommended_players`` 50 (at most ``max_players``); ``p2p_enabled``
    true; ``p2p_priority`` 5 (1 to 10); no minimum host quality or bandwidth and no latency
    ceiling (``max_latency_ms`` null).
    """

    zone_id: str = attrs.field(validator=_id)
    zone_name: str = attrs.field(validator=_name())
    zone_display_name: str | None = attrs.field(default=None, validator=_name())
    map_name: str | None = attrs.field(default=None, validator=_name(ID_MAX_LENGTH))
    max_players: int = attrs.field(default=100, validator=_between(1, 10_000))
    recommended_players: int | None = attrs.field(default=None, validator=_between(1, 10_000))
    p2p_enabled: bool = True
    p2p_priority: int = attrs.field(default=5, validator=_between(1, 10))
    min_host_quality_score: float = attrs.field(default=0.0, validator=_between(0, 100))
    min_bandwidth_mbps: float = attrs.field(default=0.0, validator=_between(0))
    max_latency_ms: float | None = attrs.field(default=None, validator=_between(0))

    def __attrs_post_init__(self) -> None:
        if self.recommended_players is not None and self.recommended_players > self.max_players:
            raise ValueError("recommended_players: must not exceed max_players")


@attrs.frozen
class UpdateZoneRequest:
    """``PATCH /api/zones/{zone_id}``: the fields given are changed, the others kept."""

    p2p_enabled: bool | None = None
    status: ZoneStatus | None = None


@attrs.frozen
class CreateSessionRequest:
    """``POST /api/sessions/``; ``max_players`` is capped at the zone's (and is the zone's when
    left out)."""

    host_id: str = attrs.field(validator=_id)
    zone_id: str = attrs.field(validator=_id)
    max_players: int | None = attrs.field(default=None, validator=_between(1, 10_000))


@attrs.frozen
class UpdateSessionMetricsRequest:
    """``PATCH /api/sessions/{session_id}/metrics``: the fields given replace the last ones."""

    average_latency_ms: float | None = attrs.field(default=None, validator=_between(0))
    average_packet_loss_percent: float | None = attrs.field(
        default=None, validator=_between(0, 100)
    )
    bandwidth_usage_mbps: float | None = attrs.field(default=None, validator=_between(0))
    quality_score: float | None = attrs.field(default=None, validator=_between(0, 100))


@attrs.frozen
class AddPlayerRequest:
    """``POST /api/sessions/{session_id}/players``."""

    player_id: str = attrs.field(validator=_id)


@attrs.frozen
class SignalRequest:
    """``POST /api/signaling/offer`` and ``/answer``: a peer's session description."""

    session_id: str = attrs.field(validator=_text(ID_MAX_LENGTH))
    peer_id: str = attrs.field(validator=_id)
    sdp: str = attrs.field(validator=_text(SDP_MAX_LENGTH))


@attrs.frozen
class IceCandidateRequest:
    """``POST /api/signaling/ice-candidate``; an empty ``candidate`` ends a peer's candidates."""

    session_id: str = attrs.field(validator=_text(ID_MAX_LENGTH))
    peer_id: str = attrs.field(validator=_id)
    candidate: str = attrs.field(validator=_text(CANDIDATE_MAX_LENGTH, allow_empty=True))


@attrs.frozen
class TokenRequest:
    """``POST /api/auth/token``: the player the token speaks for."""

    player_id: str = attrs.field(validator=_id)


# -- query strings ---------------------------------------------------------------------------


@attrs.frozen
class HostQuery:
    """``GET /api/hosts/?status=&min_quality_score=``; None means "any"."""

    status: HostStatus | None = None
    min_quality_score: float | None = None


@attrs.frozen
class ZoneQuery:
    """``GET /api/zones/?p2p_enabled=&status=``; None means "any"."""

    p2p_enabled: bool | None = None
    status: ZoneStatus | None = None


_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


def parse_host_query(args: Mapping[str, str]) -> HostQuery:
    """The host list's filters; raises ``InvalidInput`` naming a bad or unknown parameter."""
    _known(args, ("status", "min_quality_score"))
    status = _enum_arg(args, "status", HostStatus)
    raw = args.get("min_quality_score")
    score = None
    if raw is not None:
        try:
            score = float(raw)
        except ValueError:
            score = math.nan
        if not 0 <= score <= 100:
            raise InvalidInput("min_quality_score must be a number between 0 and 100")
    return HostQuery(status, score)


def parse_zone_query(args: Mapping[str, str]) -> ZoneQuery:
    """The zone list's filters; raises ``InvalidInput`` naming a bad or unknown parameter."""
    _known(args, ("p2p_enabled", "status"))
    raw = args.get("p2p_enabled")
    enabled = None
    if raw is not None:
        lowered = raw.lower()
        if lowered not in _TRUE | _FALSE:
            raise InvalidInput("p2p_enabled must be true or false")
        enabled = lowered in _TRUE
    return ZoneQuery(enabled, _enum_arg(args, "status", ZoneStatus))


def _known(args: Mapping[str, str], names: tuple[str, ...]) -> None:
    unknown = sorted(set(args) - set(names))
    if unknown:
        raise InvalidInput(f"Unknown query parameters: {', '.join(unknown)}")


def _enum_arg(args: Mapping[str, str], name: str, kind: type[E]) -> E | None:
    raw = args.get(name)
    if raw is None:
        return None
    try:
        return kind(raw)
    except ValueError:
        choices = ", ".join(member.value for member in kind)
        raise InvalidInput(f"{name} must be one of {choices}") from None


# -- responses -------------------------------------------------------------------------------


@attrs.frozen
class HostRegistered:
    id: int
    host_id: str
    player_id: str
    status: HostStatus
    quality_score: float
    created_at: str


@attrs.frozen
class HostDetails:
    id: int
    host_id: str
    player_id: str
    player_name: str
    status: HostStatus
    quality_score: float
    current_players: int
    current_zones: int
    latency_ms: float
    packet_loss_percent: float


@attrs.frozen
class HostSummary:
    id: int
    host_id: str
    status: HostStatus
    quality_score: float


@attrs.frozen
class HeartbeatResponse:
    quality_score: float
    message: str = "Heartbeat updated"


@attrs.frozen
class MessageResponse:
    message: str


@attrs.frozen
class ZoneCreated:
    id: int
    zone_id: str
    zone_name: str
    status: ZoneStatus
    p2p_enabled: bool
    created_at: str


@attrs.frozen
class ZoneDetails:
    id: int
    zone_id: str
    zone_name: str
    status: ZoneStatus
    p2p_enabled: bool
    active_sessions: int
    total_players_served: int


@attrs.frozen
class ZoneSummary:
    id: int
    zone_id: str
    zone_name: str
    status: ZoneStatus
    p2p_enabled: bool


@attrs.frozen
class ZoneUpdated:
    id: int
    zone_id: str
    status: ZoneStatus
    p2p_enabled: bool


@attrs.frozen
class SessionCreated:
    """``host_id`` and ``zone_id`` are the numeric ``id`` of the host and the zone, as in the
    spec's example (the request names them by their string ids)."""

    id: int
    session_id: str
    host_id: int
    zone_id: int
    status: SessionStatus
    max_players: int
    current_players: int
    created_at: str


@attrs.frozen
class SessionDetails:
    id: int
    session_id: str
    host_id: int
    zone_id: int
    status: SessionStatus
    current_players: int
    connected_players: tuple[str, ...]
    average_latency_ms: float


@attrs.frozen
class SignalView:
    """``GET /api/signaling/offer/{session_id}`` and ``/answer/...``: the latest one posted."""

    peer_id: str
    sdp: str


@attrs.frozen
class IceCandidateView:
    peer_id: str
    candidate: str


@attrs.frozen
class HostCounts:
    total: int
    online: int
    offline: int
    average_quality_score: float


@attrs.frozen
class ZoneCounts:
    total: int
    enabled: int
    disabled: int


@attrs.frozen
class SessionCounts:
    total: int
    active: int
    inactive: int
    total_players: int
    average_latency_ms: float


class ServiceHealth(enum.StrEnum):
    HEALTHY = "healthy"
    UNHEALTHY = "unhealthy"
    #: The deployment does not use this service (SQLite instead of PostgreSQL, no Redis).
    NOT_CONFIGURED = "not_configured"


@attrs.frozen
class SystemHealth:
    """The dashboard's ``system``: ``store`` is the durable store in use, whatever its kind;
    ``postgres`` and ``redis`` are those services, when the deployment uses them."""

    store: ServiceHealth
    postgres: ServiceHealth
    redis: ServiceHealth


@attrs.frozen
class Dashboard:
    hosts: HostCounts
    zones: ZoneCounts
    sessions: SessionCounts
    system: SystemHealth


@attrs.frozen
class QualityDistribution:
    excellent: int
    good: int
    fair: int
    poor: int


@attrs.frozen
class HostStats:
    total_online: int
    quality_distribution: QualityDistribution


@attrs.frozen
class TokenResponse:
    """A bearer token for ``Authorization: Bearer <access_token>`` (and the WebSocket's
    ``token``); ``expires_in`` is in seconds."""

    access_token: str = attrs.field(repr=False)
    expires_in: int
    token_type: str = "bearer"


# -- the converter ---------------------------------------------------------------------------


def _strict(kind: type[T], label: str) -> Callable[[Any, type], T]:
    def structure(value: Any, _: type) -> T:
        # type(), not isinstance(): JSON true must not pass as the integer 1.
        if type(value) is not kind:
            raise TypeError(f"expected {label}, got {_json_type(value)}")
        return value

    return structure


def _structure_float(value: Any, _: type) -> float:
    if type(value) not in (int, float):
        raise TypeError(f"expected a number, got {_json_type(value)}")
    if not math.isfinite(value):
        raise ValueError("expected a finite number")
    return float(value)


def _structure_enum(value: Any, kind: type[enum.Enum]) -> enum.Enum:
    if type(value) is not str:
        raise TypeError(f"expected a string, got {_json_type(value)}")
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(member.value for member in kind)
        raise ValueError(f"expected one of {choices}") from None


def _structure_urls(value: Any, _: type) -> str | tuple[str, ...]:
    if type(value) is str:
        return value
    if type(value) is list and all(type(url) is str for url in value):
        return tuple(value)
    raise TypeError("expected a string or an array of strings")


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    names = {bool: "boolean", int: "integer", float: "number", str: "string", list: "array"}
    return names.get(type(value), "object")


_ENUMS: tuple[type[enum.Enum], ...] = (HostStatus, ZoneStatus, SessionStatus, ServiceHealth)


def make_wire_converter() -> cattrs.Converter:
    """A converter for the coordinator's JSON: strict primitives and enums, unknown keys
    refused, ``IceServer.urls`` as a string or an array of strings."""
    converter = make_converter(forbid_extra_keys=True)
    converter.register_structure_hook(str, _strict(str, "a string"))
    converter.register_structure_hook(int, _strict(int, "an integer"))
    converter.register_structure_hook(bool, _strict(bool, "true or false"))
    converter.register_structure_hook(float, _structure_float)
    # Each enum by name: a StrEnum is a str, and hooks dispatch on the class's MRO.
    for kind in _ENUMS:
        converter.register_structure_hook(kind, _structure_enum)
        converter.register_unstructure_hook(kind, lambda member: member.value)
    converter.register_structure_hook(str | tuple[str, ...], _structure_urls)
    return converter


#: The coordinator's wire format (one converter, built once).
WIRE = make_wire_converter()
