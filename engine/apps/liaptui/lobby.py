"""The lobby: creates rooms and keeps every lobby socket's room list current.

One `LobbyActor` per engine, not persistent: the list is the rooms' directory listing (each
room's `summary`, reported after every commit that changes it), and the directory tells the
lobby of every change (`RoomStatus`), so a restarted lobby has nothing to rebuild.

Lobby sockets get ``room_list`` when they ask, and again whenever the list changes. The push is
encoded once for all of them; a socket that cannot keep up is closed by its own send.

Creating a room does not hold the lobby up: the room's start and its first commit run in a task
of their own (`RoomDirectory.start_soon`), which answers ``room_created`` once the room is
durable, so one slow fsync delays only the socket that asked.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs

from engine import clock
from engine.actors import Actor, ActorStopped, MailboxFull, on
from engine.net import JSON_CODEC, Peer, PeerConnected, PeerDisconnected, PeerMessage

from . import events as e
from . import messages as m
from .errors import LiaptuiError, ServerError
from .protocol import LOBBY_EVENTS, negotiate_version, parse, pong, server_event
from .refusals import ERRORS
from .room import new_room

if TYPE_CHECKING:
    from .directory import RoomDirectory

__all__ = ["LobbyActor"]

log = logging.getLogger("engine.apps.liaptui")


class LobbyActor(Actor):
    """The lobby of one engine; ``directory`` creates, finds and lists the rooms."""

    def __init__(self, directory: RoomDirectory) -> None:
        self.directory = directory
        self.peers: dict[Peer, None] = {}
        self._unlisten: Callable[[], None] | None = None

    async def on_start(self) -> None:
        lobby = self.ref

        def changed(room_id: str, listing: m.RoomListing | None) -> None:
            # The list itself is the directory's: a lost change is made good by the next one,
            # which pushes it whole.
            with contextlib.suppress(MailboxFull, ActorStopped):
                lobby.tell(m.RoomStatus(room_id, listing))

        self._unlisten = self.directory.rooms.listen(changed)

    async def on_stop(self, reason: Any) -> None:
        if self._unlisten is not None:
            self._unlisten()

    # -- sockets -----------------------------------------------------------------------------

    @on(PeerConnected)
    def connected(self, message: PeerConnected) -> None:
        self.peers[message.peer] = None

    @on(PeerDisconnected)
    def disconnected(self, message: PeerDisconnected) -> None:
        self.peers.pop(message.peer, None)

    @on(PeerMessage)
    def received(self, message: PeerMessage) -> None:
        peer = message.peer
        try:
            request = parse(message.message, LOBBY_EVENTS)
            if isinstance(request, m.CreateRoom):
                self.directory.start_soon(create_room, self.directory, peer, request)
            elif isinstance(request, m.ListRooms):
                self._send(peer, "room_list", self._room_list())
            elif isinstance(request, m.Ping):
                self._send(peer, "pong", pong(request, now=clock.now()))
            else:
                for event, data in negotiate_version(request):
                    self._send(peer, event, data)
        except LiaptuiError as error:
            peer.send_json(ERRORS.event(error))
            raise

    # -- rooms -------------------------------------------------------------------------------

    @on(m.RoomStatus)
    def room_status(self, status: m.RoomStatus) -> None:
        if self.peers:
            frame = JSON_CODEC.encode(server_event("room_list", self._room_list(), now=clock.now()))
            for peer in self.peers:
                peer.send(frame)

    # -- helpers -----------------------------------------------------------------------------

    def _room_list(self) -> e.RoomList:
        listed = self.directory.rooms.listing()
        return e.RoomList(
            tuple(
                e.ListedRoom(**attrs.asdict(room, recurse=False), player_count=len(room.players))
                for room in listed
            )
        )

    def _send(self, peer: Peer, event: str, data: Any) -> None:
        peer.send_json(server_event(event, data, now=clock.now()))


async def create_room(directory: RoomDirectory, peer: Peer, request: m.CreateRoom) -> None:
    """Create the room ``request`` asks for and answer ``room_created`` (with the token of the
    creator's held seat) once it is durable, or a `ServerError` if it could not be: nothing is
    left behind then. Runs in a task of its own, not the lobby's."""
    seed, token = new_room(request, directory.settings.action_timeout, clock.now())
    try:
        room_id, _ = await directory.rooms.create(seed)
    except Exception:
        log.exception("liaptui: a room could not be created")
        failed = ServerError("The room could not be created", {"room_name": request.room_name})
        peer.send_json(ERRORS.event(failed))
        return
    peer.send_json(
        server_event(
            "room_created",
            e.RoomCreated(
                room_id=room_id,
                room_name=request.room_name,
                creator=request.player_name,
                is_public=request.is_public,
                created_at=seed.created_at,
                player_token=token,
            ),
            now=clock.now(),
        )
    )
