"""The coordinator's request bodies and query strings, validated as they are built.

Bodies: ``RegisterHostRequest`` (with ``IceServer``), ``HeartbeatRequest``,
``CreateZoneRequest``, ``UpdateZoneRequest``, ``CreateSessionRequest``,
``UpdateSessionMetricsRequest``, ``AddPlayerRequest``, ``SignalRequest`` (offers and answers),
``IceCandidateRequest``, ``TokenRequest``. A bad value raises ``ValueError`` naming the field
(``fields``); ``wire.WIRE`` turns JSON into these, strictly.

Query strings: ``parse_host_query``, ``parse_zone_query``, ``parse_best_host_query`` and
``parse_signaling_query`` (the WebSocket's) give ``HostQuery``, ``ZoneQuery``, a zone id and
``SignalingQuery``, or raise ``InvalidInput`` naming the parameter.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Mapping
from typing import Any, TypeVar

import attrs

from engine.errors import InvalidInput

from .fields import (
    CANDIDATE_MAX_LENGTH,
    ICE_CREDENTIAL_MAX_LENGTH,
    ID_MAX_LENGTH,
    MAX_BANDWIDTH_MBPS,
    MAX_ICE_SERVERS,
    MAX_LATENCY_MS,
    SDP_MAX_LENGTH,
    between,
    check_id,
    id_field,
    ip_field,
    name_field,
    text_field,
)
from .statuses import HostStatus, ZoneStatus

__all__ = [
    "RESERVED_HOST_IDS",
    "AddPlayerRequest",
    "CreateSessionRequest",
    "CreateZoneRequest",
    "HeartbeatRequest",
    "HostQuery",
    "IceCandidateRequest",
    "IceServer",
    "RegisterHostRequest",
    "SignalRequest",
    "SignalingQuery",
    "TokenRequest",
    "UpdateSessionMetricsRequest",
    "UpdateZoneRequest",
    "ZoneQuery",
    "parse_best_host_query",
    "parse_host_query",
    "parse_signaling_query",
    "parse_zone_query",
]

E = TypeVar("E", bound=enum.Enum)


_LATENCY = between(0, MAX_LATENCY_MS)
_BANDWIDTH = between(0, MAX_BANDWIDTH_MBPS)

#: Path segments under ``/api/hosts/`` that are routes, not host ids.
RESERVED_HOST_IDS = frozenset({"best"})


def _not_reserved(instance: Any, attribute: attrs.Attribute[str], value: str) -> None:
    if value in RESERVED_HOST_IDS:
        raise ValueError(f"{value!r} is reserved")


@attrs.frozen
class IceServer:
    """One ``RTCIceServer``: a STUN or TURN URL (or several); TURN servers carry credentials."""

    urls: str | tuple[str, ...] = attrs.field()
    username: str | None = attrs.field(
        default=None, validator=name_field(ICE_CREDENTIAL_MAX_LENGTH)
    )
    credential: str | None = attrs.field(
        default=None, repr=False, validator=name_field(ICE_CREDENTIAL_MAX_LENGTH)
    )

    @urls.validator
    def _check_urls(self, attribute: attrs.Attribute[Any], value: str | tuple[str, ...]) -> None:
        urls = (value,) if isinstance(value, str) else value
        if not urls or not all(re.match(r"(stun|stuns|turn|turns):\S+$", url) for url in urls):
            raise ValueError("must be one or more stun:, stuns:, turn: or turns: URLs")


@attrs.frozen
class RegisterHostRequest:
    """``POST /api/hosts/``. The hardware fields feed the quality score; ``max_players`` and
    ``max_zones`` default to 50 and 5. ``host_id`` may not be ``best``, which
    ``GET /api/hosts/best`` takes."""

    host_id: str = attrs.field(validator=[id_field, _not_reserved])
    player_id: str = attrs.field(validator=id_field)
    player_name: str = attrs.field(validator=name_field())
    ip_address: str = attrs.field(validator=ip_field)
    port: int = attrs.field(validator=between(1, 65_535))
    cpu_cores: int = attrs.field(validator=between(1, 1_024))
    cpu_frequency_mhz: int = attrs.field(validator=between(1, 100_000))
    memory_mb: int = attrs.field(validator=between(1, 2**31 - 1))
    network_speed_mbps: float = attrs.field(validator=_BANDWIDTH)
    public_ip: str | None = attrs.field(default=None, validator=ip_field)
    max_players: int = attrs.field(default=50, validator=between(1, 10_000))
    max_zones: int = attrs.field(default=5, validator=between(1, 1_000))
    ice_servers: tuple[IceServer, ...] = attrs.field(default=())

    @ice_servers.validator
    def _check_ice_servers(self, attribute: attrs.Attribute[Any], value: tuple[Any, ...]) -> None:
        if len(value) > MAX_ICE_SERVERS:
            raise ValueError(f"at most {MAX_ICE_SERVERS}")


@attrs.frozen
class HeartbeatRequest:
    """``POST /api/hosts/{host_id}/heartbeat``: every field optional; those given replace the
    host's last reported values (an empty body only says "still here")."""

    latency_ms: float | None = attrs.field(default=None, validator=_LATENCY)
    packet_loss_percent: float | None = attrs.field(default=None, validator=between(0, 100))
    bandwidth_usage_mbps: float | None = attrs.field(default=None, validator=_BANDWIDTH)
    current_players: int | None = attrs.field(default=None, validator=between(0))


@attrs.frozen
class CreateZoneRequest:
    """``POST /api/zones/``. Only ``zone_id`` and ``zone_name`` are required.

    Defaults: ``zone_display_name`` is ``zone_name``, ``map_name`` is ``zone_id``;
    ``max_players`` 100; ``recommended_players`` 50 (at most ``max_players``); ``p2p_enabled``
    true; ``p2p_priority`` 5 (1 to 10); no minimum host quality or bandwidth and no latency
    ceiling (``max_latency_ms`` null).
    """

    zone_id: str = attrs.field(validator=id_field)
    zone_name: str = attrs.field(validator=name_field())
    zone_display_name: str | None = attrs.field(default=None, validator=name_field())
    map_name: str | None = attrs.field(default=None, validator=name_field(ID_MAX_LENGTH))
    max_players: int = attrs.field(default=100, validator=between(1, 10_000))
    recommended_players: int | None = attrs.field(default=None, validator=between(1, 10_000))
    p2p_enabled: bool = True
    p2p_priority: int = attrs.field(default=5, validator=between(1, 10))
    min_host_quality_score: float = attrs.field(default=0.0, validator=between(0, 100))
    min_bandwidth_mbps: float = attrs.field(default=0.0, validator=_BANDWIDTH)
    max_latency_ms: float | None = attrs.field(default=None, validator=_LATENCY)

    def __attrs_post_init__(self) -> None:
        if self.recommended_players is not None and self.recommended_players > self.max_players:
            raise ValueError("recommended_players must not exceed max_players")


@attrs.frozen
class UpdateZoneRequest:
    """``PATCH /api/zones/{zone_id}``: the fields given are changed, the others kept."""

    p2p_enabled: bool | None = None
    status: ZoneStatus | None = None


@attrs.frozen
class CreateSessionRequest:
    """``POST /api/sessions/``; ``max_players`` is capped at the zone's (and is the zone's when
    left out)."""

    host_id: str = attrs.field(validator=id_field)
    zone_id: str = attrs.field(validator=id_field)
    max_players: int | None = attrs.field(default=None, validator=between(1, 10_000))


@attrs.frozen
class UpdateSessionMetricsRequest:
    """``PATCH /api/sessions/{session_id}/metrics``: the fields given replace the last ones."""

    average_latency_ms: float | None = attrs.field(default=None, validator=_LATENCY)
    average_packet_loss_percent: float | None = attrs.field(default=None, validator=between(0, 100))
    bandwidth_usage_mbps: float | None = attrs.field(default=None, validator=_BANDWIDTH)
    quality_score: float | None = attrs.field(default=None, validator=between(0, 100))


@attrs.frozen
class AddPlayerRequest:
    """``POST /api/sessions/{session_id}/players``."""

    player_id: str = attrs.field(validator=id_field)


@attrs.frozen
class SignalRequest:
    """``POST /api/signaling/offer`` and ``/answer``: a peer's session description."""

    session_id: str = attrs.field(validator=text_field(ID_MAX_LENGTH))
    peer_id: str = attrs.field(validator=id_field)
    sdp: str = attrs.field(validator=text_field(SDP_MAX_LENGTH))


@attrs.frozen
class IceCandidateRequest:
    """``POST /api/signaling/ice-candidate``; an empty ``candidate`` ends a peer's candidates."""

    session_id: str = attrs.field(validator=text_field(ID_MAX_LENGTH))
    peer_id: str = attrs.field(validator=id_field)
    candidate: str = attrs.field(validator=text_field(CANDIDATE_MAX_LENGTH, allow_empty=True))


@attrs.frozen
class TokenRequest:
    """``POST /api/auth/token``: the player the token speaks for."""

    player_id: str = attrs.field(validator=id_field)


# -- query strings ---------------------------------------------------------------------------


@attrs.frozen
class SignalingQuery:
    """``WS /ws?peer_id=&session_id=&token=``; ``token`` is None when not given."""

    peer_id: str
    session_id: str
    token: str | None = None


def parse_signaling_query(args: Mapping[str, str]) -> SignalingQuery:
    """The signaling WebSocket's parameters; raises ``InvalidInput`` naming a missing, bad or
    unknown one."""
    _known(args, ("peer_id", "session_id", "token"))
    return SignalingQuery(
        peer_id=_id_arg(args, "peer_id"),
        session_id=_required(args, "session_id", ID_MAX_LENGTH),
        token=args.get("token") or None,
    )


def parse_best_host_query(args: Mapping[str, str]) -> str:
    """``GET /api/hosts/best?zone_id=``'s zone id; raises ``InvalidInput``."""
    _known(args, ("zone_id",))
    return _id_arg(args, "zone_id")


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


def _required(args: Mapping[str, str], name: str, max_length: int) -> str:
    value = args.get(name)
    if not value:
        raise InvalidInput(f"{name} is required")
    if len(value) > max_length:
        raise InvalidInput(f"{name} must be at most {max_length} characters")
    return value


def _id_arg(args: Mapping[str, str], name: str) -> str:
    try:
        return check_id(_required(args, name, ID_MAX_LENGTH))
    except ValueError as exc:
        raise InvalidInput(f"{name} {exc}") from None


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
