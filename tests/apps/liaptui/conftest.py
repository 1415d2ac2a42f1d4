"""Fixtures for the Liap Tui actor tests: the lobby and rooms in-process, and seated tables."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import attrs
import pytest

from engine.actors import ActorRef
from engine.apps.liaptui.directory import RoomDirectory
from engine.apps.liaptui.settings import Settings
from engine.apps.liaptui.testing import (
    LocalClient,
    create_room,
    open_local_liaptui,
    room_state,
)

#: Bots move and rounds follow at once; deals are reproducible.
FAST = Settings(bot_delay=0, turn_pause=0, seed=7)


@attrs.define(eq=False)
class Table:
    """A room with seated players: ``clients[name]``, ``tokens[name]``."""

    directory: RoomDirectory
    room_id: str
    room: ActorRef
    clients: dict[str, LocalClient] = attrs.field(factory=dict)
    tokens: dict[str, str] = attrs.field(factory=dict)

    async def join(self, name: str, **fields: Any) -> LocalClient:
        """Connect and join as ``name``; wait for ``room_joined``."""
        client = LocalClient.connect(self.room)
        client.send("join_room", player_name=name, **fields)
        joined = await client.receive("room_joined")
        self.clients[name], self.tokens[name] = client, joined["data"]["player_token"]
        return client

    async def state(self) -> Any:
        return await room_state(self.directory, self.room_id)


@pytest.fixture
async def liaptui() -> AsyncIterator[RoomDirectory]:
    async with open_local_liaptui(FAST) as directory:
        yield directory


@pytest.fixture
def make_table(liaptui: RoomDirectory) -> Callable[..., Awaitable[Table]]:
    """``await make_table("Alice", "Bob")``: a room created by the first name, everyone seated
    in order (the creator with the token from room creation)."""

    async def make(*names: str, directory: RoomDirectory | None = None, **create: Any) -> Table:
        directory = directory or liaptui
        created = await create_room(directory, "Table", names[0], **create)
        room = directory.find(created.room_id)
        assert room is not None
        table = Table(directory, created.room_id, room)
        await table.join(names[0], player_token=created.player_token)
        for name in names[1:]:
            await table.join(name)
        return table

    return make
