"""Liap Tui's WebSocket routes: ``/ws/lobby`` and ``/ws/{room_id}`` (WebSocket only, no HTTP).

The lobby's connections are served by the engine's peer layer (`serve_peer`), a room's by the
party layer (`serve_member`, as a visitor until it joins a seat): their frames go to the lobby
or to the room as messages, and what the reader answers itself (malformed or oversized frames,
rate limiting) is answered in the spec's error format. A room id that names no room gets an
``error`` 1003 event, then the connection is closed (1008).

Rate limits: lobby clients are anonymous, so the lobby's limit is per client address, across its
connections (reconnecting does not reset it). A room's connections are limited one by one until
they hold a seat (a client has no identity before it joins, and the four seats of a table may
well share an address), then per seat (``PeerGroup.reassign`` re-keys the limit).

Each socket's messages are declared (``LOBBY_PROTOCOL``, ``ROOM_PROTOCOL``) from ``protocol``'s
registries, for the app's AsyncAPI document.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

from engine.net import (
    JSON_CODEC,
    Accept,
    CloseReason,
    KeyedLimit,
    WebSocket,
    WebSocketOptions,
    WebSocketRequest,
    serve_peer,
)
from engine.parties import serve_member
from engine.web import Envelope, Message, Routes, WebSocketProtocol

from . import protocol
from .directory import RoomDirectory
from .errors import RoomNotFound
from .refusals import ERRORS
from .table import VISITOR, Connection

__all__ = ["routes"]

routes = Routes()


def _limit(directory: RoomDirectory, key: Hashable) -> KeyedLimit | None:
    return None if directory.messages is None else directory.messages.keyed(key)


def _address(request: WebSocketRequest) -> str | None:
    return None if request.remote_addr is None else request.remote_addr[0]


def _options(directory: RoomDirectory) -> WebSocketOptions:
    # Oversized messages are answered with an error event rather than by closing the socket.
    return WebSocketOptions(
        max_message_size=directory.settings.max_message_size, close_on_oversize=False
    )


_CLIENT = Envelope("event", "data", data_optional=True)
_SERVER = Envelope("event", "data", fields=protocol.ServerEvent, numbered=True)
_ERRORS = tuple(
    Message(name, protocol.ErrorBody, error=True, envelope=Envelope("event", "error"))
    for name in protocol.ERROR_EVENTS
)
_CLOSE_CODES = {
    1001: "the server is shutting down",
    1008: "too many messages over the rate limit, or a slow consumer (it did not read)",
}


def _protocol(
    receives: Mapping[str, type], sends: Mapping[str, protocol.Sent], **options: Any
) -> WebSocketProtocol:
    """A socket's protocol from ``protocol``'s registries (what it parses and may send)."""
    return WebSocketProtocol(
        receives=tuple(Message(name, cls) for name, cls in receives.items()),
        sends=(
            *(Message(name, sent.data, sent.summary) for name, sent in sends.items()),
            *_ERRORS,
        ),
        client_envelope=_CLIENT,
        server_envelope=_SERVER,
        **options,
    )


LOBBY_PROTOCOL = _protocol(
    protocol.LOBBY_EVENTS,
    protocol.LOBBY_SENDS,
    close_codes=_CLOSE_CODES,
    description="The lobby: create rooms, and follow the public rooms with a free seat.",
)
ROOM_PROTOCOL = _protocol(
    protocol.ROOM_EVENTS,
    protocol.ROOM_SENDS,
    close_codes={
        1000: "the seat was taken over by a newer connection, or the room was closed",
        **_CLOSE_CODES,
        1008: "room not found; too many messages over the rate limit; or a slow consumer",
        1011: "the room failed on the server: reconnect and join again with the player_token",
    },
    description=(
        "One room: join it (join_room, with player_token to take a seat back), play, leave."
        " A room's broadcasts are numbered; sync_request or last_sequence fills a gap."
    ),
)


@routes.websocket("/ws/lobby", protocol=LOBBY_PROTOCOL)
async def lobby_socket(
    directory: RoomDirectory, request: WebSocketRequest, params: Mapping[str, str]
) -> Accept:
    """The lobby: create rooms and follow the list of public rooms with a free seat."""

    async def serve(ws: WebSocket, params: Mapping[str, str]) -> None:
        limit = _limit(directory, _address(request))
        await serve_peer(ws, directory.lobby, errors=ERRORS, rate_limit=limit)

    return Accept(serve, options=_options(directory))


@routes.websocket("/ws/{room_id}", protocol=ROOM_PROTOCOL)
async def room_socket(
    directory: RoomDirectory, request: WebSocketRequest, params: Mapping[str, str]
) -> Accept:
    """One room: join it, play, leave, or come back to one's seat with a player token."""

    async def serve(ws: WebSocket, params: Mapping[str, str]) -> None:
        room_id = params["room_id"]
        room = await directory.rooms.get(room_id)  # in a cluster: wherever it runs
        if room is None:
            ws.send(JSON_CODEC.encode(ERRORS.event(RoomNotFound(details={"room_id": room_id}))))
            await ws.close(CloseReason.POLICY_VIOLATION, "room not found")
            return
        await serve_member(
            ws,
            room,
            user_id=VISITOR,
            state=Connection(),
            errors=ERRORS,
            rate_limit=_limit(directory, ws),
        )

    return Accept(serve, params, options=_options(directory))
