"""The wire format of Liap Tui: client JSON to request values, and the server's envelopes.

A client message is ``{"event": NAME, "data": {...}}`` (``data`` may be left out when the
event needs no field). `parse` checks it strictly and in this order, so a client hears about the
first kind of problem only: the envelope and the event name (3001), missing fields, all of them
(3002), JSON types, all of them (3003, no coercion: ``"3"`` is not a declaration), then ranges
and lengths (3004). Unknown extra fields are ignored, as the spec's clients send some. A few
lines over the requests' attrs fields do this rather than a cattrs converter: the order of the
checks and the code each failure gets are the spec's, not those of cattrs' error tree; the type
check itself is the engine's (`engine.wire.conforms`), as in every other wire format.

Server messages are `ServerEvent` values, ``{"event", "data", "room_id", "server_time"}`` on
the wire (plus ``sequence_number`` for a room's sequenced events, and ``private`` on a hand),
their ``data`` the `events` value `LOBBY_SENDS` / `ROOM_SENDS` register for the event;
errors are `ErrorEvent` values, ``{"event": "error" | "validation_error", "error": {"code",
"message", "details", "timestamp", "recoverable"}}`` as in the spec's error format. Both reach
the wire through `WIRE`, the app's converter (`server_event`, `error_event`).

Everything here is a pure function of its arguments (times are passed in).
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping
from typing import Any

import attrs
from cattrs.gen import make_dict_unstructure_fn, override
from cattrs.preconf.json import make_converter

from engine.wire import conforms, describe, json_type

from . import events as e
from . import messages as m
from .errors import (
    InvalidFieldType,
    InvalidMessageFormat,
    LiaptuiError,
    MissingRequiredField,
    VersionMismatch,
)
from .state import add_shortcuts
from .views import error_data

__all__ = [
    "ERROR_EVENTS",
    "LOBBY_EVENTS",
    "LOBBY_SENDS",
    "ROOM_EVENTS",
    "ROOM_SENDS",
    "SERVER_VERSION",
    "SUPPORTED_VERSIONS",
    "WIRE",
    "ErrorBody",
    "ErrorEvent",
    "Sent",
    "ServerEvent",
    "error_event",
    "negotiate_version",
    "parse",
    "pong",
    "server_event",
]

LOBBY_EVENTS: Mapping[str, type] = types.MappingProxyType(
    {
        "create_room": m.CreateRoom,
        "room_list": m.ListRooms,
        "ping": m.Ping,
        "version_info": m.VersionInfo,
    }
)

ROOM_EVENTS: Mapping[str, type] = types.MappingProxyType(
    {
        "join_room": m.JoinRoom,
        "leave_room": m.LeaveRoom,
        "start_game": m.StartGame,
        "declare": m.MakeDeclaration,
        "play": m.PlayPieces,
        "accept_redeal": m.AcceptRedeal,
        "decline_redeal": m.DeclineRedeal,
        "ping": m.Ping,
        "sync_request": m.SyncRequest,
        "version_info": m.VersionInfo,
    }
)


@attrs.frozen
class Sent:
    """What one server event carries (its ``data``, an `events` class) and what it is."""

    data: type
    summary: str


_PONG = Sent(e.Pong, "the answer to ping: both clocks in milliseconds, and the latency")
_VERSION_ACCEPTED = Sent(e.VersionAccepted, "the API version agreed on, and the server's features")
_DEPRECATION = Sent(e.DeprecationNotice, "the agreed version is deprecated: what replaces it")

#: What the server sends on the lobby socket (besides error events): each event, its data.
LOBBY_SENDS: Mapping[str, Sent] = types.MappingProxyType(
    {
        "room_created": Sent(
            e.RoomCreated, "the room is made: its id, and the creator's player_token for its seat"
        ),
        "room_list": Sent(
            e.RoomList, "the public rooms with a free seat (asked for, and whenever it changes)"
        ),
        "pong": _PONG,
        "version_accepted": _VERSION_ACCEPTED,
        "deprecation_warning": _DEPRECATION,
    }
)

#: What the server sends on a room's socket (besides error events): each event, its data.
ROOM_SENDS: Mapping[str, Sent] = types.MappingProxyType(
    {
        "connected": Sent(e.Connected, "to the joining connection: its id, seat and player_token"),
        "room_joined": Sent(
            e.RoomJoined, "to the joining connection, the first time: the room and its seats"
        ),
        "reconnected": Sent(
            e.Reconnected, "to a seat taken back: how many events were missed (and replayed)"
        ),
        "player_joined": Sent(e.PlayerJoined, "someone took a seat"),
        "player_left": Sent(
            e.PlayerLeft, "someone left (a bot may take the seat), or the host changed"
        ),
        "room_left": Sent(e.RoomLeft, "to the leaving connection: it is out of the room"),
        "game_started": Sent(e.GameStarted, "the creator started: bots fill the empty seats"),
        "hand_updated": Sent(e.HandUpdated, "private, to one seat: its pieces"),
        "phase_change": Sent(
            e.PhaseChange, "the game moved on: the phase, what it needs, the game's state"
        ),
        "declaration_accepted": Sent(e.DeclarationAccepted, "a player declared"),
        "play_accepted": Sent(e.PlayAccepted, "a player played pieces"),
        "redeal_decision_accepted": Sent(
            e.RedealDecisionAccepted, "a player accepted or declined a redeal"
        ),
        "special_bonus": Sent(e.SpecialBonus, "a player earned a bonus"),
        "player_timeout": Sent(
            e.PlayerTimeout, "a human's time ran out: the server moved for them"
        ),
        "bot_activated": Sent(e.BotActivated, "a bot plays this seat from now on"),
        "game_over": Sent(e.GameOver, "the winners, final scores and statistics"),
        "sync_response": Sent(
            e.SyncResponse, "the answer to sync_request: the events after last_sequence"
        ),
        "pong": _PONG,
        "version_accepted": _VERSION_ACCEPTED,
        "deprecation_warning": _DEPRECATION,
    }
)

#: The error events, on both sockets: ``validation_error`` for a message that does not parse
#: (3xxx), ``error`` for a refusal.
ERROR_EVENTS = ("error", "validation_error")

_SERVER_EVENTS: Mapping[str, type] = {
    event: sent.data for sends in (LOBBY_SENDS, ROOM_SENDS) for event, sent in sends.items()
}

SERVER_VERSION = "1.0.1"
#: API versions the server speaks, newest first; the deprecated ones still work, with a warning.
SUPPORTED_VERSIONS = ("1.0.0", "0.9.0")
DEPRECATED_VERSIONS = frozenset({"0.9.0"})
FEATURES = {"weak_hand_redeal": True, "bot_players": True, "replay_system": False}

# Field types resolved once: the requests' annotations are strings (postponed evaluation).
_FIELDS = {
    cls: attrs.fields(attrs.resolve_types(cls))
    for cls in {*LOBBY_EVENTS.values(), *ROOM_EVENTS.values()}
}

Json = dict[str, Any]


# -- client -> server -----------------------------------------------------------------------


def parse(message: Any, events: Mapping[str, type]) -> Any:
    """The request value `message` carries, for a socket that accepts `events`.

    Raises a `MessageInvalid` (see the module docstring); the details name the fields at fault.
    """
    if not isinstance(message, dict):
        raise InvalidMessageFormat("A message must be a JSON object", {"received": _kind(message)})
    event = message.get("event")
    if event is None:
        raise MissingRequiredField(details={"missing_fields": ["event"]})
    if not isinstance(event, str):
        raise InvalidFieldType(details={"invalid_fields": {"event": _expected("string", event)}})
    cls = events.get(event)
    if cls is None:
        raise InvalidMessageFormat(
            f"Unknown event {event[:40]!r}", {"event": event[:40], "known_events": sorted(events)}
        )
    data = message.get("data", {})
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InvalidFieldType(details={"invalid_fields": {"data": _expected("object", data)}})
    return _structure(cls, data)


def _structure(cls: type, data: Json) -> Any:
    fields = _FIELDS[cls]
    missing = [f.name for f in fields if f.default is attrs.NOTHING and f.name not in data]
    if missing:
        raise MissingRequiredField(details={"missing_fields": missing, "received_data": data})
    invalid = {
        f.name: _expected(describe(f.type), data[f.name])
        for f in fields
        if f.name in data and not conforms(data[f.name], f.type)
    }
    if invalid:
        raise InvalidFieldType(details={"invalid_fields": invalid, "received_data": data})
    return cls(**{f.name: data[f.name] for f in fields if f.name in data})


def _expected(kind: str, value: Any) -> str:
    return f"expected {kind}, got {_kind(value)}"


def _kind(value: Any) -> str:
    """`json_type`, and what a non-empty array holds (the spec's ``array of integer``)."""
    if isinstance(value, list) and value:
        items = {_kind(item) for item in value}
        return f"array of {items.pop()}" if len(items) == 1 else "array of mixed values"
    return json_type(value)


# -- server -> client -----------------------------------------------------------------------


@attrs.frozen
class ServerEvent:
    """A server event; a room's `EventStream` adds ``sequence_number`` to its wire form.
    ``data`` is the event's `events` value; ``room_id`` is left out of the lobby's events,
    ``private`` is set on a player's hand."""

    event: str
    data: Any
    server_time: float
    room_id: str | None = None
    private: bool = False


@attrs.frozen
class ErrorBody:
    """The spec's error object; ``code`` is the error's number as a string."""

    code: str
    message: str
    details: Json
    timestamp: float
    recoverable: bool


@attrs.frozen
class ErrorEvent:
    event: str
    error: ErrorBody


def _as_is(data: Json) -> Json:
    # An error's details are plain JSON values already: copying them again is wasted work.
    return data


def _unstructure_event(cls: type) -> Callable[[Any], Json]:
    """The unstructure hook of an `events` class: a field whose default is None is left out
    while None, in its place (cattrs' ``omit_if_default`` would move it to the end, and a
    field's order is part of the wire)."""
    unstructure: Callable[[Any], Json] = make_dict_unstructure_fn(cls, WIRE)
    omitted = tuple(field.name for field in attrs.fields(cls) if field.default is None)
    if not omitted:
        return unstructure

    def without_nones(value: Any) -> Json:
        unstructured = unstructure(value)
        for name in omitted:
            if unstructured[name] is None:
                del unstructured[name]
        return unstructured

    return without_nones


#: The app's converter for what the server sends.
WIRE = make_converter()
add_shortcuts(WIRE)
WIRE.register_unstructure_hook_factory(attrs.has, _unstructure_event)
WIRE.register_unstructure_hook(
    ServerEvent,
    make_dict_unstructure_fn(
        ServerEvent,
        WIRE,
        room_id=override(omit_if_default=True),
        private=override(omit_if_default=True),
    ),
)
WIRE.register_unstructure_hook(
    ErrorBody, make_dict_unstructure_fn(ErrorBody, WIRE, details=override(unstruct_hook=_as_is))
)


def server_event(
    event: str, data: Any, *, now: float, room_id: str | None = None, private: bool = False
) -> Json:
    """The wire form of a `ServerEvent` (a dict: a room's stream numbers it). Raises
    `ValueError` for an event that is not in `LOBBY_SENDS` or `ROOM_SENDS` (the registry the
    app's AsyncAPI document is made from), `TypeError` for data of another class than the one
    they register for it."""
    expected = _SERVER_EVENTS.get(event)
    if expected is None:
        raise ValueError(f"{event!r} is not a registered server event")
    if type(data) is not expected:
        raise TypeError(f"{event!r} carries {expected.__name__}, not {type(data).__name__}")
    unstructured: Json = WIRE.unstructure(ServerEvent(event, data, now, room_id, private))
    return unstructured


def error_event(error: LiaptuiError, *, now: float) -> Json:
    """``error`` or ``validation_error``, as the spec's standard error response."""
    body = ErrorBody(**error_data(error), timestamp=now)
    unstructured: Json = WIRE.unstructure(ErrorEvent(error.event, body))
    return unstructured


def pong(ping: m.Ping, *, now: float) -> e.Pong:
    """``pong`` data. As in the spec's heartbeat example, times are in milliseconds and
    ``latency`` is the server's clock minus the client's (so it includes any clock offset)."""
    server_ms = round(now * 1000)
    latency = max(0, round(server_ms - ping.client_time))
    return e.Pong(ping.client_time, server_ms, latency, ping.sequence)


def negotiate_version(info: m.VersionInfo) -> list[tuple[str, Any]]:
    """``version_accepted`` (and ``deprecation_warning`` for an old version) as (event, data).

    The client's own version wins if the server speaks it, else the first of the client's
    ``supported_versions`` that the server speaks.
    Raises `VersionMismatch` when there is none.
    """
    offered = (info.client_version, *info.supported_versions)
    agreed = next((v for v in offered if v in SUPPORTED_VERSIONS), None)
    if agreed is None:
        raise VersionMismatch(
            f"Server speaks API versions {', '.join(SUPPORTED_VERSIONS)}",
            {
                "client_version": info.client_version,
                "supported_versions": list(SUPPORTED_VERSIONS),
                "server_version": SERVER_VERSION,
            },
        )
    replies: list[tuple[str, Any]] = [
        ("version_accepted", e.VersionAccepted(SERVER_VERSION, agreed, dict(FEATURES)))
    ]
    if agreed in DEPRECATED_VERSIONS:
        notice = e.DeprecationNotice(
            deprecated_feature=f"api_version_{agreed}",
            removal_version="2.0.0",
            alternative=f"Use API version {SUPPORTED_VERSIONS[0]}",
            documentation="https://docs.liaptui.com/migration/v2",
        )
        replies.append(("deprecation_warning", notice))
    return replies
