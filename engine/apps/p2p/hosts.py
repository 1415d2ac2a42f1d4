"""A host's state as one frozen value, and the host rules as pure functions over it.

A host is a player's machine that serves P2P sessions. It registers (status ONLINE), sends
heartbeats (each one refreshes ``last_heartbeat``, its metrics and its quality score), and goes
OFFLINE by itself once ``heartbeat_timeout`` seconds pass without one; a later heartbeat or
re-registration brings it back ONLINE. It serves the open sessions in ``sessions``; the zones
among them count against ``max_zones``.

Nothing here reads a clock: ``now`` is wall-clock epoch seconds, passed in. A rule returns a new
``Host`` (the same object when nothing changes) or raises an ``engine.errors`` kind and changes
nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from .errors import (
    HostAtZoneLimit,
    HostOwnedByAnother,
    HostUnavailable,
    NoAvailableHost,
    TooManyPlayers,
)
from .quality import QualityInputs, quality_score
from .requests import HeartbeatRequest, HostQuery, RegisterHostRequest
from .statuses import HostStatus
from .zones import Zone, require_accepting

__all__ = [
    "Host",
    "HostMetrics",
    "HostSession",
    "attach_session",
    "best_host",
    "can_serve",
    "detach_session",
    "filter_hosts",
    "heartbeat",
    "is_available",
    "is_stale",
    "mark_offline",
    "new_host",
    "offline_deadline",
    "reregister_host",
]


@attrs.frozen
class HostSession:
    """An open session the host serves, and its zone."""

    session_id: str
    zone_id: str


@attrs.frozen
class HostMetrics:
    """What the host's last heartbeat reported (all 0 before the first)."""

    latency_ms: float = 0.0
    packet_loss_percent: float = 0.0
    bandwidth_usage_mbps: float = 0.0
    current_players: int = 0


@attrs.frozen
class Host:
    """Everything known about a host: its last ``registration`` (address and hardware), its
    number ``id`` (the spec's ``"id": 1``), its last heartbeat's ``metrics`` and time, and the
    open ``sessions`` it serves. Times are epoch seconds."""

    id: int
    registration: RegisterHostRequest
    created_at: float
    last_heartbeat: float
    status: HostStatus = HostStatus.ONLINE
    metrics: HostMetrics = HostMetrics()
    sessions: tuple[HostSession, ...] = ()
    quality_score: float = 0.0

    @property
    def host_id(self) -> str:
        return self.registration.host_id

    @property
    def player_id(self) -> str:
        return self.registration.player_id

    @property
    def max_players(self) -> int:
        return self.registration.max_players

    @property
    def max_zones(self) -> int:
        return self.registration.max_zones

    @property
    def zone_ids(self) -> frozenset[str]:
        return frozenset(session.zone_id for session in self.sessions)

    @property
    def current_zones(self) -> int:
        """How many distinct zones the host's open sessions are in."""
        return len(self.zone_ids)

    @property
    def spare_bandwidth_mbps(self) -> float:
        """The link speed less the last reported usage."""
        return max(0.0, self.registration.network_speed_mbps - self.metrics.bandwidth_usage_mbps)


def _scored(host: Host) -> Host:
    inputs = QualityInputs(
        latency_ms=host.metrics.latency_ms,
        packet_loss_percent=host.metrics.packet_loss_percent,
        current_players=host.metrics.current_players,
        max_players=host.max_players,
        cpu_cores=host.registration.cpu_cores,
        memory_mb=host.registration.memory_mb,
        network_speed_mbps=host.registration.network_speed_mbps,
    )
    return attrs.evolve(host, quality_score=quality_score(inputs))


def new_host(request: RegisterHostRequest, *, number: int, now: float) -> Host:
    """A newly registered host: ONLINE, no players, scored."""
    return _scored(Host(id=number, registration=request, created_at=now, last_heartbeat=now))


def reregister_host(host: Host, request: RegisterHostRequest, *, now: float) -> Host:
    """``host`` registered again: its registration replaced, ONLINE, rescored; its number,
    creation time, metrics and sessions kept.

    Raises ``HostOwnedByAnother`` if another player holds ``host_id``, ``TooManyPlayers`` if
    the new ``max_players`` is under the players it last reported.
    """
    if request.player_id != host.player_id:
        raise HostOwnedByAnother(host.host_id)
    if request.max_players < host.metrics.current_players:
        raise TooManyPlayers(host.host_id, host.metrics.current_players, request.max_players)
    updated = attrs.evolve(host, registration=request, status=HostStatus.ONLINE, last_heartbeat=now)
    return _scored(updated)


def heartbeat(host: Host, request: HeartbeatRequest, *, now: float) -> Host:
    """``host`` after a heartbeat at ``now``: the metrics given replace the last ones, the
    host is ONLINE (again, if it had gone OFFLINE) and rescored.

    Raises ``TooManyPlayers`` if ``current_players`` exceeds the host's ``max_players``.
    """
    reported = {
        name: value
        for name, value in attrs.asdict(request, recurse=False).items()
        if value is not None
    }
    metrics = attrs.evolve(host.metrics, **reported)
    if metrics.current_players > host.max_players:
        raise TooManyPlayers(host.host_id, metrics.current_players, host.max_players)
    updated = attrs.evolve(host, status=HostStatus.ONLINE, last_heartbeat=now, metrics=metrics)
    return _scored(updated)


def offline_deadline(host: Host, timeout: float) -> float:
    """When ``host`` goes OFFLINE if no heartbeat comes: ``timeout`` after the last one."""
    return host.last_heartbeat + timeout


def is_stale(host: Host, now: float, timeout: float) -> bool:
    """Whether ``host`` is not OFFLINE yet but has been silent for ``timeout`` seconds."""
    return host.status is not HostStatus.OFFLINE and now >= offline_deadline(host, timeout)


def mark_offline(host: Host) -> tuple[Host, tuple[str, ...]]:
    """``host`` OFFLINE, and the ids of the sessions it served, which fail with it (they are
    no longer the host's). ``host`` itself and no ids if it was OFFLINE already."""
    if host.status is HostStatus.OFFLINE:
        return host, ()
    failed = tuple(session.session_id for session in host.sessions)
    return attrs.evolve(host, status=HostStatus.OFFLINE, sessions=()), failed


def is_available(host: Host) -> bool:
    """ONLINE, with room for another player and another zone."""
    return (
        host.status is HostStatus.ONLINE
        and host.metrics.current_players < host.max_players
        and host.current_zones < host.max_zones
    )


def can_serve(host: Host, zone: Zone) -> bool:
    """Available, and meeting the zone's minimum quality score, minimum spare bandwidth
    (``network_speed_mbps`` less the last reported usage) and latency ceiling."""
    return (
        is_available(host)
        and host.quality_score >= zone.min_host_quality_score
        and host.spare_bandwidth_mbps >= zone.min_bandwidth_mbps
        and (zone.max_latency_ms is None or host.metrics.latency_ms <= zone.max_latency_ms)
    )


def _rank(host: Host) -> tuple[float, float, int]:
    # Best first: higher score, then lower latency, then the earlier registration.
    return (-host.quality_score, host.metrics.latency_ms, host.id)


def filter_hosts(hosts: Iterable[Host], query: HostQuery) -> list[Host]:
    """The hosts matching ``query``, best quality first (ties: lower latency, then earlier
    registration)."""
    matching = (
        host
        for host in hosts
        if (query.status is None or host.status is query.status)
        and (query.min_quality_score is None or host.quality_score >= query.min_quality_score)
    )
    return sorted(matching, key=_rank)


def best_host(hosts: Iterable[Host], zone: Zone) -> Host:
    """The best host that ``can_serve`` ``zone``.

    Raises ``ZoneNotAccepting`` if the zone takes no P2P sessions, ``NoAvailableHost`` if no
    host qualifies.
    """
    require_accepting(zone)
    candidates = sorted((host for host in hosts if can_serve(host, zone)), key=_rank)
    if not candidates:
        raise NoAvailableHost(zone.zone_id)
    return candidates[0]


def attach_session(host: Host, session_id: str, zone_id: str) -> Host:
    """``host`` serving one more open session, in ``zone_id``.

    Raises ``HostUnavailable`` unless the host is ONLINE, and ``HostAtZoneLimit`` if the zone
    would be one more than ``max_zones``.
    """
    if host.status is not HostStatus.ONLINE:
        raise HostUnavailable(host.host_id, host.status)
    if zone_id not in host.zone_ids and host.current_zones >= host.max_zones:
        raise HostAtZoneLimit(host.host_id, host.max_zones)
    return attrs.evolve(host, sessions=(*host.sessions, HostSession(session_id, zone_id)))


def detach_session(host: Host, session_id: str) -> Host:
    """``host`` without the session ``session_id`` (itself if it does not serve it)."""
    kept = tuple(session for session in host.sessions if session.session_id != session_id)
    if len(kept) == len(host.sessions):
        return host
    return attrs.evolve(host, sessions=kept)
