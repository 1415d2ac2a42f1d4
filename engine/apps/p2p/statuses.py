"""The status vocabularies of hosts, zones and sessions, as the wire spells them."""

from __future__ import annotations

import enum

__all__ = ["HostStatus", "SessionStatus", "ZoneStatus"]


class HostStatus(enum.StrEnum):
    """ONLINE on registration and every heartbeat; OFFLINE after a silent ``heartbeat_timeout``.

    BUSY and MAINTENANCE are accepted by the list filter (the spec names them) but no route of
    this server puts a host in them.
    """

    ONLINE = "ONLINE"
    OFFLINE = "OFFLINE"
    BUSY = "BUSY"
    MAINTENANCE = "MAINTENANCE"


class ZoneStatus(enum.StrEnum):
    """Set by ``PATCH /api/zones/{zone_id}``; only an ENABLED zone takes new sessions."""

    ENABLED = "ENABLED"
    DISABLED = "DISABLED"
    MAINTENANCE = "MAINTENANCE"


class SessionStatus(enum.StrEnum):
    """PENDING -> ACTIVE by activation; PENDING or ACTIVE -> ENDED (empty too long, host
    unregistered) or FAILED (host went OFFLINE). ENDED and FAILED are final."""

    PENDING = "PENDING"
    ACTIVE = "ACTIVE"
    ENDED = "ENDED"
    FAILED = "FAILED"

    @property
    def is_open(self) -> bool:
        """Whether the session still takes players, metrics and signals."""
        return self in (SessionStatus.PENDING, SessionStatus.ACTIVE)
