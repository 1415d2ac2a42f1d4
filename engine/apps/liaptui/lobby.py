"""The lobby: creates rooms and keeps every lobby socket's room list current.

One `LobbyActor` per engine, not persistent: what it knows is derived from the rooms. Each room
tells it `RoomStatus` whenever the way it is listed changes (public, no game yet, a free seat,
its creator seated), always after the change is durable; a lobby that restarts asks every live
room again (`ReportStatus`), and at boot the rooms restored from the store report as they start.

Lobby sockets get ``room_list`` when they ask, and again whenever the list changes. The push is
encoded once for all of them; a socket that cannot keep up is closed by its own send.
"""

from __future__ import annotations

import secrets
import string
import time
from typing import TYPE_CHECKING, Any

import attrs

from engine.actors import Actor, on
from engine.net import JSON_CODEC, Peer, PeerConnected, PeerDisconnected, PeerMessage

from . import messages as m
from .errors import LiaptuiError, ServerError
from .protocol import LOBBY_EVENTS, error_event, negotiate_version, parse, pong, server_event

if TYPE_CHECKING:
    from .directory import RoomDirectory

__all__ = ["LobbyActor", "ROOM_ID_ALPHABET", "ROOM_ID_LENGTH"]

ROOM_ID_ALPHABET = string.ascii_uppercase + string.digits
ROOM_ID_LENGTH = 8


class LobbyActor(Actor):
    """The lobby of one engine; ``directory`` starts and finds the rooms."""

    def __init__(self, directory: RoomDirectory) -> None:
        self.directory = directory
        self.rooms: dict[str, m.RoomListing] = {}
        self.peers: dict[Peer, None] = {}

    async def on_start(self) -> None:
        for room in self.directory.live_rooms():
            room.tell(m.ReportStatus())

    # -- sockets -----------------------------------------------------------------------------

    @on(PeerConnected)
    def connected(self, message: PeerConnected) -> None:
        self.peers[message.peer] = None

    @on(PeerDisconnected)
    def disconnected(self, message: PeerDisconnected) -> None:
        self.peers.pop(message.peer, None)

    @on(PeerMessage)
    async def received(self, message: PeerMessage) -> None:
        peer = message.peer
        try:
            request = parse(message.message, LOBBY_EVENTS)
            if isinstance(request, m.CreateRoom):
                created = await self.create_room(request)
                self._send(peer, "room_created", {
                    "room_id": created.room_id, "room_name": request.room_name,
                    "creator": request.player_name, "is_public": request.is_public,
                    "created_at": time.time(), "player_token": created.player_token,
                })
            elif isinstance(request, m.ListRooms):
                self._send(peer, "room_list", self._room_list())
            elif isinstance(request, m.Ping):
                self._send(peer, "pong", pong(request, now=time.time()))
            else:
                for event, data in negotiate_version(request):
                    self._send(peer, event, data)
        except LiaptuiError as error:
            peer.send_json(error_event(error, now=time.time()))
            raise

    # -- rooms -------------------------------------------------------------------------------

    @on(m.CreateRoom)
    async def create_room(self, request: m.CreateRoom) -> m.Created:
        """Start a room and set it up; answer once it is durable.

        Raises `ServerError` if the room could not be started or set up (nothing is left
        behind: a room that failed its set-up is stopped).
        """
        room_id = self._new_room_id()
        timeout = request.action_timeout or self.directory.settings.action_timeout
        set_up = m.SetUp(request.room_name, request.player_name, request.is_public, timeout)
        failed = ServerError("The room could not be created", {"room_name": request.room_name})
        try:
            room = await self.directory.start_room(room_id, fresh=True)
        except Exception as exc:
            raise failed from exc
        try:
            token = await room.ask(set_up)
        except Exception as exc:
            await self.directory.stop_room(room)
            raise failed from exc
        return m.Created(room_id, token)

    @on(m.ListRooms)
    def list_rooms(self, message: m.ListRooms) -> tuple[m.RoomListing, ...]:
        return tuple(self.rooms.values())

    @on(m.RoomStatus)
    def room_status(self, status: m.RoomStatus) -> None:
        if status.listing is None:
            changed = self.rooms.pop(status.room_id, None) is not None
        else:
            changed = self.rooms.get(status.room_id) != status.listing
            self.rooms[status.room_id] = status.listing
        if changed and self.peers:
            frame = JSON_CODEC.encode(server_event("room_list", self._room_list(), now=time.time()))
            for peer in self.peers:
                peer.send(frame)

    # -- helpers -----------------------------------------------------------------------------

    def _room_list(self) -> dict[str, Any]:
        rooms = [
            {**attrs.asdict(room), "players": list(room.players), "player_count": len(room.players)}
            for room in self.rooms.values()
        ]
        return {"rooms": rooms}

    def _send(self, peer: Peer, event: str, data: dict[str, Any]) -> None:
        peer.send_json(server_event(event, data, now=time.time()))

    def _new_room_id(self) -> str:
        # Unguessable: knowing a private room's id is what lets one in.
        while True:
            room_id = "".join(secrets.choice(ROOM_ID_ALPHABET) for _ in range(ROOM_ID_LENGTH))
            if self.directory.find(room_id) is None:
                return room_id
