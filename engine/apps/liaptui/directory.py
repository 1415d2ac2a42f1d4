"""Where Liap Tui's actors live: the rooms' dynamic supervisor, the lobby, and the way to them.

`open_directory` starts, under the actor system's root, a ``liaptui.rooms`` dynamic supervisor
(one_for_one, generous restart intensity: one buggy room restarting must not take the others
down) and a ``liaptui.lobby`` supervisor with the lobby, then restores every room saved in the
store, so that games between bots carry on, away players' clocks run and abandoned rooms close
after a restart without waiting for anyone to connect.

Rooms are registered as ``("liaptui.room", room_id)`` and restarted after a crash (TRANSIENT):
a restarted room reloads its last committed state.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from functools import partial

import attrs

from engine.actors import ActorRef
from engine.net import RateLimiter
from engine.store import Record, Store
from engine.supervisors import (
    ActorSpec, ActorSystem, ChildStartFailed, RestartType, Supervisor, SupervisorSpec,
)

from .lobby import LobbyActor
from .room import RoomActor
from .settings import Settings

__all__ = ["LOBBY_NAME", "RoomDirectory", "open_directory", "room_name"]

log = logging.getLogger("engine.apps.liaptui")

LOBBY_NAME = ("liaptui.lobby",)
# Rooms can hold many timers' and peers' messages at once; the lobby hears from every room.
_ROOM_MAILBOX = 1024
_LOBBY_MAILBOX = 65536


def room_name(room_id: str) -> tuple[str, str]:
    """The registry name of a room."""
    return (RoomActor.kind, room_id)


@attrs.define(eq=False)
class RoomDirectory:
    """The app's context: what routes, the lobby and the rooms need to reach each other."""

    system: ActorSystem
    store: Store
    settings: Settings
    rooms: Supervisor
    # Clients' messages, under the settings' rule (None: no limit); routes choose the keys.
    messages: RateLimiter | None = attrs.field(init=False)

    @messages.default
    def _message_limiter(self) -> RateLimiter | None:
        rule = self.settings.rate_limit
        return None if rule is None else RateLimiter(rule)

    @property
    def lobby(self) -> ActorRef | None:
        return self.system.lookup(LOBBY_NAME)

    def find(self, room_id: str) -> ActorRef | None:
        """The live room ``room_id`` (every saved room is live once the app is set up)."""
        return self.system.lookup(room_name(room_id))

    def live_rooms(self) -> Iterator[ActorRef]:
        for name in self.system.registry.names(RoomActor.kind):
            ref = self.system.lookup(name)
            if ref is not None:
                yield ref

    async def start_room(
        self, room_id: str, *, fresh: bool = False, preloaded: Record | None = None
    ) -> ActorRef:
        """Start room ``room_id`` under the rooms' supervisor; return once it is ready.

        ``fresh``: the lobby is creating it. ``preloaded``: its record, already read from the
        store. Raises ``ChildStartFailed`` if it cannot start (nothing saved and not fresh).
        """
        handed = [preloaded]

        def incarnation() -> RoomActor:
            # Only the first incarnation may use the record read at boot: one restarted after a
            # crash must read what was committed since.
            record = handed.pop() if handed else None
            return RoomActor(self.store, room_id, directory=self, fresh=fresh, preloaded=record)

        spec = ActorSpec(
            incarnation,
            name=room_name(room_id),
            restart=RestartType.TRANSIENT,
            mailbox_capacity=_ROOM_MAILBOX,
        )
        return await self.rooms.start_child(spec)

    async def stop_room(self, room: ActorRef) -> None:
        """Stop a live room without deleting it (the lobby's way out of a failed set-up)."""
        await self.rooms.terminate_child(room)

    async def restore_rooms(self) -> int:
        """Start every room saved in the store; return how many started.

        A room whose record cannot be loaded is logged and left in the store, so that one bad
        record does not keep the server from starting.
        """
        started = 0
        for room_id, record in await self.store.load_all(RoomActor.kind):
            try:
                await self.start_room(room_id, preloaded=record)
            except ChildStartFailed:
                log.exception("liaptui room %s could not be restored", room_id)
            else:
                started += 1
        return started


async def open_directory(system: ActorSystem, store: Store, settings: Settings) -> RoomDirectory:
    """Start the rooms' supervisor and the lobby, restore the saved rooms, return the directory.

    Everything started here stops with the actor system.
    """
    rooms = await system.start_supervisor(
        SupervisorSpec(id="liaptui.rooms", max_restarts=1000, max_seconds=1.0)
    )
    directory = RoomDirectory(system, store, settings, rooms)
    lobby = ActorSpec(
        partial(LobbyActor, directory), name=LOBBY_NAME, mailbox_capacity=_LOBBY_MAILBOX
    )
    await system.start_supervisor(SupervisorSpec(id="liaptui.lobby", children=(lobby,)))
    await directory.restore_rooms()
    return directory
