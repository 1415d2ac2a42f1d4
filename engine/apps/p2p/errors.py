"""Everything the P2P coordinator refuses, each with the text its ``{"detail": ...}`` body carries.

::

    AppError (engine.errors)                                               status
    ├── InvalidInput
    │   ├── HostUnavailable      a session on a host that is not ONLINE       400
    │   ├── HostAtZoneLimit      a zone beyond the host's max_zones           400
    │   ├── ZoneNotAccepting     a session in a zone without P2P or disabled  400
    │   ├── SessionFull          "Failed to add player ... to session ..."    400
    │   ├── SessionClosed        a change to an ENDED or FAILED session       400
    │   ├── SessionNotPending    activating a session that is not PENDING     400
    │   ├── TooManyPlayers       more players than the host's max_players     400
    │   └── SignalingError       a WebSocket message refused (an ``error``)  400
    ├── Unauthorized             (only while an API key is set)
    │   ├── MissingCredentials   neither X-API-Key nor a bearer token         401
    │   ├── InvalidApiKey        an X-API-Key that is not the key             401
    │   ├── InvalidToken         a forged or malformed bearer token           401
    │   └── TokenExpired         a bearer token past its expiry               401
    ├── NotFound
    │   ├── HostNotFound         "Host not found: host-12345"                 404
    │   ├── ZoneNotFound         "Zone not found: prontera"                   404
    │   ├── SessionNotFound      "Session not found: session-..."             404
    │   ├── PlayerNotInSession   removing a player the session does not have  404
    │   ├── NoAvailableHost      no host meets a zone's requirements          404
    │   └── NoSignal             no offer (or answer) posted for a session    404
    └── Conflict
        ├── HostOwnedByAnother   a host_id registered by another player       409
        └── ZoneExists           creating a zone_id that exists               409

The spec lists 200, 201, 400, 404 and 500; rule refusals it has no word for use 400, except the
two conflicts over an id someone else holds (409). Every one is raised before anything changes.
"""

from __future__ import annotations

from engine.errors import Conflict, InvalidInput, NotFound, Unauthorized

__all__ = [
    "HostAtZoneLimit",
    "HostNotFound",
    "HostOwnedByAnother",
    "HostUnavailable",
    "InvalidApiKey",
    "InvalidToken",
    "MissingCredentials",
    "NoAvailableHost",
    "NoSignal",
    "PlayerNotInSession",
    "SessionClosed",
    "SessionFull",
    "SessionNotFound",
    "SessionNotPending",
    "SignalingError",
    "TokenExpired",
    "TooManyPlayers",
    "ZoneExists",
    "ZoneNotAccepting",
    "ZoneNotFound",
]


class HostNotFound(NotFound):
    code = "host_not_found"

    def __init__(self, host_id: str) -> None:
        super().__init__(f"Host not found: {host_id}")


class ZoneNotFound(NotFound):
    code = "zone_not_found"

    def __init__(self, zone_id: str) -> None:
        super().__init__(f"Zone not found: {zone_id}")


class SessionNotFound(NotFound):
    code = "session_not_found"

    def __init__(self, session_id: str) -> None:
        super().__init__(f"Session not found: {session_id}")


class PlayerNotInSession(NotFound):
    code = "player_not_in_session"

    def __init__(self, player_id: str, session_number: int) -> None:
        super().__init__(f"Player {player_id} not found in session {session_number}")


class NoAvailableHost(NotFound):
    code = "no_available_host"

    def __init__(self, zone_id: str) -> None:
        super().__init__(f"No available host for zone: {zone_id}")


class NoSignal(NotFound):
    """``kind`` is ``offer`` or ``answer``."""

    code = "no_signal"

    def __init__(self, kind: str, session_id: str) -> None:
        super().__init__(f"No {kind} for session: {session_id}")


class HostUnavailable(InvalidInput):
    code = "host_unavailable"

    def __init__(self, host_id: str, status: str) -> None:
        super().__init__(f"Host {host_id} is {status}, not ONLINE")


class HostAtZoneLimit(InvalidInput):
    code = "host_at_zone_limit"

    def __init__(self, host_id: str, max_zones: int) -> None:
        super().__init__(f"Host {host_id} already serves its maximum of {max_zones} zones")


class ZoneNotAccepting(InvalidInput):
    code = "zone_not_accepting"

    def __init__(self, zone_id: str, reason: str) -> None:
        super().__init__(f"Zone {zone_id} does not accept P2P sessions: {reason}")


class SessionFull(InvalidInput):
    """The spec's "Session Full" error: ``session_number`` is the session's numeric ``id``."""

    code = "session_full"

    def __init__(self, player_id: str, session_number: int) -> None:
        super().__init__(f"Failed to add player {player_id} to session {session_number}")


class SessionClosed(InvalidInput):
    code = "session_closed"

    def __init__(self, session_id: str, status: str) -> None:
        super().__init__(f"Session {session_id} is {status}")


class SessionNotPending(InvalidInput):
    code = "session_not_pending"

    def __init__(self, session_id: str, status: str) -> None:
        super().__init__(
            f"Session {session_id} is {status}: only a PENDING session can be activated"
        )


class TooManyPlayers(InvalidInput):
    code = "too_many_players"

    def __init__(self, host_id: str, reported: int, max_players: int) -> None:
        super().__init__(
            f"Host {host_id} reports {reported} players but allows at most {max_players}"
        )


class HostOwnedByAnother(Conflict):
    code = "host_owned_by_another"

    def __init__(self, host_id: str) -> None:
        super().__init__(f"Host {host_id} is registered by another player")


class ZoneExists(Conflict):
    code = "zone_exists"

    def __init__(self, zone_id: str) -> None:
        super().__init__(f"Zone already exists: {zone_id}")


class MissingCredentials(Unauthorized):
    """Neither ``X-API-Key`` nor a bearer token, while the API key is set."""

    code = "not_authenticated"
    default_message = "Not authenticated: send X-API-Key or a bearer token"


class InvalidApiKey(Unauthorized):
    code = "invalid_api_key"
    default_message = "Invalid API key"


class InvalidToken(Unauthorized):
    code = "invalid_token"
    default_message = "Invalid token"


class TokenExpired(Unauthorized):
    code = "token_expired"
    default_message = "Token expired"


class SignalingError(InvalidInput):
    """A WebSocket message the server refuses; it answers with an ``error`` message."""

    code = "signaling_error"
