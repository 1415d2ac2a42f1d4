"""Zones (the game's maps that P2P hosts may serve) as frozen values, and their rules.

All zones live in one ``ZoneBook``: creating, finding, updating and filtering them are pure
functions over it, and the zone registry keeps the current book. A zone takes new P2P sessions
only while it is ENABLED with ``p2p_enabled`` true (``require_accepting``).
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from .errors import ZoneExists, ZoneNotAccepting, ZoneNotFound
from .requests import CreateZoneRequest, UpdateZoneRequest, ZoneQuery
from .statuses import ZoneStatus

__all__ = [
    "Zone",
    "ZoneBook",
    "add_zone",
    "count_player_served",
    "filter_zones",
    "get_zone",
    "new_zone",
    "replace_zone",
    "require_accepting",
    "update_zone",
]

#: ``recommended_players`` when a create request leaves it out (at most ``max_players``).
DEFAULT_RECOMMENDED_PLAYERS = 50


@attrs.frozen
class Zone:
    """One zone. ``id`` is its number; ``created_at`` epoch seconds; ``total_players_served``
    counts every player ever added to a session in it."""

    id: int
    zone_id: str
    zone_name: str
    zone_display_name: str
    map_name: str
    max_players: int
    recommended_players: int
    p2p_enabled: bool
    p2p_priority: int
    min_host_quality_score: float
    min_bandwidth_mbps: float
    max_latency_ms: float | None
    created_at: float
    status: ZoneStatus = ZoneStatus.ENABLED
    total_players_served: int = 0


def new_zone(request: CreateZoneRequest, *, number: int, now: float) -> Zone:
    """An ENABLED zone from a create request, its defaults filled in."""
    recommended = request.recommended_players
    if recommended is None:
        recommended = min(DEFAULT_RECOMMENDED_PLAYERS, request.max_players)
    return Zone(
        id=number,
        zone_id=request.zone_id,
        zone_name=request.zone_name,
        zone_display_name=request.zone_display_name or request.zone_name,
        map_name=request.map_name or request.zone_id,
        max_players=request.max_players,
        recommended_players=recommended,
        p2p_enabled=request.p2p_enabled,
        p2p_priority=request.p2p_priority,
        min_host_quality_score=request.min_host_quality_score,
        min_bandwidth_mbps=request.min_bandwidth_mbps,
        max_latency_ms=request.max_latency_ms,
        created_at=now,
    )


def update_zone(zone: Zone, request: UpdateZoneRequest) -> Zone:
    """``zone`` with the fields ``request`` gives (``zone`` itself if it gives none)."""
    changes = {
        name: value
        for name, value in attrs.asdict(request, recurse=False).items()
        if value is not None
    }
    return attrs.evolve(zone, **changes) if changes else zone


def require_accepting(zone: Zone) -> Zone:
    """``zone`` if it takes new P2P sessions; raises ``ZoneNotAccepting`` saying why not."""
    if not zone.p2p_enabled:
        raise ZoneNotAccepting(zone.zone_id, "P2P is disabled")
    if zone.status is not ZoneStatus.ENABLED:
        raise ZoneNotAccepting(zone.zone_id, f"it is {zone.status}")
    return zone


def count_player_served(zone: Zone) -> Zone:
    """``zone`` having served one more player."""
    return attrs.evolve(zone, total_players_served=zone.total_players_served + 1)


@attrs.frozen
class ZoneBook:
    """Every zone by ``zone_id``, and the number the next one gets (numbers are never
    reused)."""

    zones: Mapping[str, Zone] = attrs.field(factory=dict)
    next_number: int = 1


def add_zone(book: ZoneBook, request: CreateZoneRequest, *, now: float) -> tuple[ZoneBook, Zone]:
    """The book with a new zone, and the zone. Raises ``ZoneExists`` if ``zone_id`` is taken."""
    if request.zone_id in book.zones:
        raise ZoneExists(request.zone_id)
    zone = new_zone(request, number=book.next_number, now=now)
    zones = {**book.zones, zone.zone_id: zone}
    return ZoneBook(zones, book.next_number + 1), zone


def get_zone(book: ZoneBook, zone_id: str) -> Zone:
    """The zone ``zone_id``; raises ``ZoneNotFound``."""
    try:
        return book.zones[zone_id]
    except KeyError:
        raise ZoneNotFound(zone_id) from None


def replace_zone(book: ZoneBook, zone: Zone) -> ZoneBook:
    """The book with ``zone`` (an updated version of one it holds) in place of the old one.
    Raises ``ZoneNotFound`` if the book has no zone of that id."""
    get_zone(book, zone.zone_id)
    return attrs.evolve(book, zones={**book.zones, zone.zone_id: zone})


def filter_zones(book: ZoneBook, query: ZoneQuery) -> list[Zone]:
    """The zones matching ``query``, in creation order."""
    return sorted(
        (
            zone
            for zone in book.zones.values()
            if (query.p2p_enabled is None or zone.p2p_enabled is query.p2p_enabled)
            and (query.status is None or zone.status is query.status)
        ),
        key=lambda zone: zone.id,
    )
