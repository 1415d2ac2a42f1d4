"""The messages of Liap Tui: what clients send (structured by `protocol`) and what the lobby,
the rooms and their timers tell each other.

Client requests are built only by `protocol.parse`, which checks presence and JSON types first;
the validators here check ranges and lengths and raise `OutOfRange` (3004). Fields a spec
client sends that the server does not need (``timestamp``, ``client_state_hash``) are ignored.
``player_name`` on a game action is optional: a seat is known by its connection, and a name
that disagrees with it is refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from .errors import OutOfRange

__all__ = [
    "ACTION_TIMEOUT_RANGE",
    "NAME_MAX",
    "AcceptRedeal",
    "ActionTimeout",
    "BotMove",
    "CreateRoom",
    "DeclineRedeal",
    "GraceExpired",
    "JoinRoom",
    "LeaveRoom",
    "ListRooms",
    "MakeDeclaration",
    "NextRound",
    "Ping",
    "PlayPieces",
    "RoomListing",
    "RoomStatus",
    "StartGame",
    "SyncRequest",
    "VersionInfo",
]

#: Longest room or player name, in characters.
NAME_MAX = 32
#: What a room may ask for as its own action timeout, in seconds.
ACTION_TIMEOUT_RANGE = (5.0, 600.0)


def _strings(values: Iterable[str]) -> tuple[str, ...]:
    # A typed converter: with bare `tuple` mypy cannot solve the field's element type.
    return tuple(values)


def _name(instance: Any, attribute: attrs.Attribute[str], value: str) -> None:
    if not value.strip() or len(value) > NAME_MAX:
        raise OutOfRange(
            f"{attribute.name} must have 1 to {NAME_MAX} characters",
            {"field": attribute.name, "min_length": 1, "max_length": NAME_MAX},
        )


def _optional_name(instance: Any, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None:
        _name(instance, attribute, value)


def _not_negative(instance: Any, attribute: attrs.Attribute[Any], value: int | None) -> None:
    if value is not None and value < 0:
        raise OutOfRange(f"{attribute.name} must be >= 0", {"field": attribute.name, "min": 0})


def _action_timeout(instance: Any, attribute: attrs.Attribute[Any], value: float | None) -> None:
    low, high = ACTION_TIMEOUT_RANGE
    if value is not None and not low <= value <= high:
        raise OutOfRange(
            f"action_timeout must be between {low:g} and {high:g} seconds",
            {"field": attribute.name, "min": low, "max": high},
        )


# -- client requests ------------------------------------------------------------------------


@attrs.frozen
class CreateRoom:
    """Lobby: make a room whose first seat is held for ``player_name``."""

    room_name: str = attrs.field(validator=_name)
    player_name: str = attrs.field(validator=_name)
    is_public: bool = True
    action_timeout: float | None = attrs.field(default=None, validator=_action_timeout)


@attrs.frozen
class ListRooms:
    """Lobby: the public rooms with a free seat."""


@attrs.frozen
class JoinRoom:
    """Take a free seat, the creator's held seat, or (with its token) one's own seat back."""

    player_name: str = attrs.field(validator=_name)
    player_token: str | None = None
    last_sequence: int | None = attrs.field(default=None, validator=_not_negative)


@attrs.frozen
class LeaveRoom:
    player_name: str | None = attrs.field(default=None, validator=_optional_name)


@attrs.frozen
class StartGame:
    player_name: str | None = attrs.field(default=None, validator=_optional_name)


@attrs.frozen
class MakeDeclaration:
    declaration: int
    player_name: str | None = attrs.field(default=None, validator=_optional_name)


@attrs.frozen
class PlayPieces:
    piece_ids: tuple[str, ...] = attrs.field(converter=_strings)
    player_name: str | None = attrs.field(default=None, validator=_optional_name)


@attrs.frozen
class AcceptRedeal:
    player_name: str | None = attrs.field(default=None, validator=_optional_name)


@attrs.frozen
class DeclineRedeal:
    player_name: str | None = attrs.field(default=None, validator=_optional_name)


@attrs.frozen
class Ping:
    client_time: float
    sequence: int | None = None


@attrs.frozen
class SyncRequest:
    last_sequence: int = attrs.field(validator=_not_negative)


@attrs.frozen
class VersionInfo:
    client_version: str
    supported_versions: tuple[str, ...] = attrs.field(default=(), converter=_strings)
    minimum_version: str | None = None


# -- between actors -------------------------------------------------------------------------


@attrs.frozen
class RoomListing:
    """One line of ``room_list``: a room's summary in the rooms' directory."""

    room_id: str
    room_name: str
    host_name: str
    players: tuple[str, ...]
    max_players: int = 4


@attrs.frozen
class RoomStatus:
    """Rooms' directory -> lobby: the room is listed as ``listing`` now, or not listed (None)."""

    room_id: str
    listing: RoomListing | None


@attrs.frozen
class BotMove:
    """Timer: the bot playing ``seat`` moves now; stale unless ``stamp`` is the seat's wait."""

    seat: int
    stamp: int


@attrs.frozen
class ActionTimeout:
    """Timer: the human at ``seat`` let its time run out; stale unless ``stamp`` matches."""

    seat: int
    stamp: int


@attrs.frozen
class NextRound:
    """Timer: the turn pause after scoring is over; deal the next round."""

    stamp: int


@attrs.frozen
class GraceExpired:
    """Timer: no human has been connected for the reconnect grace; close if still so."""
