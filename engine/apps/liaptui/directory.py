"""Where Liap Tui's actors live: the rooms' party directory, the lobby, and the way to them.

`open_directory` starts, under the actor system's root, the rooms' `PartyDirectory` (its own
dynamic supervisor; rooms are registered as ``("liaptui.room", room_id)`` and restarted from
their last commit after a crash) and a ``liaptui.lobby`` supervisor with the lobby. Every room
saved in the store is restored first, so that games between bots carry on, away players'
clocks run and abandoned rooms close after a restart without waiting for anyone to connect.
"""

from __future__ import annotations

import string
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

import attrs
import trio

from engine.actors import ActorRef
from engine.net import RateLimiter
from engine.parties import JoinCodes, PartyDirectory, start_party_directory
from engine.store import Store
from engine.supervisors import ActorSpec, ActorSystem, SupervisorSpec

from .lobby import LobbyActor
from .refusals import ERRORS
from .room import RoomActor
from .settings import Settings

__all__ = ["LOBBY_NAME", "ROOM_IDS", "RoomDirectory", "open_directory"]

LOBBY_NAME = ("liaptui.lobby",)
#: Room ids: unguessable, as knowing a private room's id is what lets one in.
ROOM_IDS = JoinCodes(length=8, alphabet=string.ascii_uppercase + string.digits)
# The lobby hears from every room.
_LOBBY_MAILBOX = 65536


@attrs.define(eq=False)
class RoomDirectory:
    """The app's context: what routes, the lobby and the rooms need to reach each other."""

    system: ActorSystem
    settings: Settings
    rooms: PartyDirectory[RoomActor]
    _nursery: trio.Nursery
    # Clients' messages, under the settings' rule (None: no limit); routes choose the keys.
    messages: RateLimiter | None = attrs.field(init=False)

    @messages.default
    def _message_limiter(self) -> RateLimiter | None:
        rule = self.settings.rate_limit
        return None if rule is None else RateLimiter(rule)

    @property
    def lobby(self) -> ActorRef | None:
        return self.system.lookup(LOBBY_NAME)

    @property
    def store(self) -> Store:
        return self.rooms.store

    def find(self, room_id: str) -> ActorRef | None:
        """The live room ``room_id`` (every saved room is live once the app is set up)."""
        return self.rooms.find(room_id)

    def start_soon(self, task: Callable[..., Awaitable[Any]], *args: Any) -> None:
        """Run ``task(*args)`` beside the actors, until it ends or the app stops (the lobby's
        room creations: an actor's handler does not wait for them)."""
        self._nursery.start_soon(task, *args)


@asynccontextmanager
async def open_directory(
    system: ActorSystem, store: Store, settings: Settings
) -> AsyncIterator[RoomDirectory]:
    """Start the rooms (the saved ones restored) and the lobby; the directory for the block.

    The rooms and the lobby stop with the actor system; tasks started with ``start_soon`` are
    cancelled when the block ends.
    """
    rooms = await start_party_directory(
        system,
        store,
        RoomActor,
        errors=ERRORS,
        ids=ROOM_IDS,
        context=settings,
        restore_all=True,
        event_capacity=settings.event_capacity,
    )
    async with trio.open_nursery() as nursery:
        directory = RoomDirectory(system, settings, rooms, nursery)
        lobby = ActorSpec(
            partial(LobbyActor, directory), name=LOBBY_NAME, mailbox_capacity=_LOBBY_MAILBOX
        )
        await system.start_supervisor(SupervisorSpec(id="liaptui.lobby", children=(lobby,)))
        yield directory
        nursery.cancel_scope.cancel()
