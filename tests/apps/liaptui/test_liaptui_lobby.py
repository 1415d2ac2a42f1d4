"""The lobby: creating rooms over its socket, and the room list it keeps pushing."""

from __future__ import annotations

from typing import Any

import pytest
import trio

from engine.apps.liaptui.directory import ROOM_IDS
from engine.apps.liaptui.testing import LocalClient, create_room

ROOM_ID_ALPHABET, ROOM_ID_LENGTH = ROOM_IDS.alphabet, ROOM_IDS.length


async def test_create_room_answers_room_created_with_the_creators_token(liaptui: Any) -> None:
    lobby = LocalClient.connect(liaptui.lobby)
    lobby.send("create_room", room_name="Alice's Room", player_name="Alice", is_public=True)
    created = (await lobby.receive("room_created"))["data"]
    assert created["room_name"] == "Alice's Room" and created["creator"] == "Alice"
    assert len(created["room_id"]) == ROOM_ID_LENGTH
    assert set(created["room_id"]) <= set(ROOM_ID_ALPHABET)
    assert created["created_at"] > 0 and created["player_token"]
    room = liaptui.find(created["room_id"])
    alice = LocalClient.connect(room)
    alice.send("join_room", player_name="Alice", player_token=created["player_token"])
    joined = await alice.receive("room_joined")
    assert joined["data"]["player_token"] == created["player_token"]


async def test_the_list_holds_public_rooms_with_a_free_seat_once_their_creator_sits(
    liaptui: Any, make_table: Any
) -> None:
    watcher = LocalClient.connect(liaptui.lobby)
    watcher.send("room_list")
    assert (await watcher.receive("room_list"))["data"] == {"rooms": []}

    created = await create_room(liaptui, "Open", "Alice")
    await create_room(liaptui, "Secret", "Zed", is_public=False)
    # Not listed until Alice has taken her held seat.
    assert tuple(liaptui.rooms.listing()) == ()
    alice = LocalClient.connect(liaptui.find(created.room_id))
    alice.send("join_room", player_name="Alice", player_token=created.player_token)
    pushed = (await watcher.receive("room_list"))["data"]["rooms"]
    assert pushed == [
        {
            "room_id": created.room_id,
            "room_name": "Open",
            "host_name": "Alice",
            "players": ["Alice"],
            "player_count": 1,
            "max_players": 4,
        }
    ]

    bob = LocalClient.connect(liaptui.find(created.room_id))
    bob.send("join_room", player_name="Bob")
    assert (await watcher.receive("room_list"))["data"]["rooms"][0]["players"] == ["Alice", "Bob"]
    alice.send("start_game")
    assert (await watcher.receive("room_list"))["data"]["rooms"] == []


async def test_a_full_room_leaves_the_list_and_comes_back_when_a_seat_frees(
    liaptui: Any, make_table: Any
) -> None:
    watcher = LocalClient.connect(liaptui.lobby)
    table = await make_table("Alice", "Bob", "Carol")
    assert len(tuple(liaptui.rooms.listing())) == 1
    await table.join("Dave")
    await table.state()
    assert tuple(liaptui.rooms.listing()) == ()
    table.clients["Dave"].send("leave_room")
    await table.state()
    assert [r.players for r in tuple(liaptui.rooms.listing())] == [("Alice", "Bob", "Carol")]
    pushes = [msg["data"]["rooms"] for msg in watcher.take_all() if msg["event"] == "room_list"]
    assert [len(rooms) for rooms in pushes][-2:] == [0, 1]


async def test_lobby_requests_are_validated(liaptui: Any) -> None:
    lobby = LocalClient.connect(liaptui.lobby)
    lobby.send("create_room", room_name="R")
    error = (await lobby.receive("validation_error"))["error"]
    assert error["code"] == "3002" and error["details"]["missing_fields"] == ["player_name"]
    lobby.send("create_room", room_name="R" * 40, player_name="Alice")
    assert (await lobby.receive("validation_error"))["error"]["code"] == "3004"
    lobby.send("create_room", room_name="R", player_name="Alice", is_public="yes")
    assert (await lobby.receive("validation_error"))["error"]["code"] == "3003"
    lobby.send("join_room", player_name="Alice")
    assert (await lobby.receive("validation_error"))["error"]["code"] == "3001"
    assert tuple(liaptui.rooms.listing()) == ()


async def test_the_lobby_answers_ping_and_version_info(liaptui: Any) -> None:
    lobby = LocalClient.connect(liaptui.lobby)
    lobby.send("ping", client_time=10)
    assert (await lobby.receive("pong"))["data"]["client_time"] == 10
    lobby.send("version_info", client_version="2.0.0", supported_versions=["1.0.0"])
    assert (await lobby.receive("version_accepted"))["data"]["negotiated_version"] == "1.0.0"


async def test_a_room_being_created_does_not_hold_the_lobby_up(
    liaptui: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first save of the first room waits until released: a slow fsync.
    release, held = trio.Event(), trio.Event()
    store = liaptui.store
    save = store.save

    async def slow_save(*args: Any, **kwargs: Any) -> Any:
        if not held.is_set():
            held.set()
            await release.wait()
        return await save(*args, **kwargs)

    monkeypatch.setattr(store, "save", slow_save)
    slow = LocalClient.connect(liaptui.lobby)
    slow.send("create_room", room_name="Slow", player_name="Alice")
    await held.wait()
    # Meanwhile the lobby answers, and creates another room.
    other = LocalClient.connect(liaptui.lobby)
    other.send("ping", client_time=1)
    assert (await other.receive("pong"))["data"]["client_time"] == 1
    other.send("create_room", room_name="Quick", player_name="Bob")
    quick = (await other.receive("room_created"))["data"]
    assert slow.take_all() == []
    release.set()
    first = (await slow.receive("room_created"))["data"]
    assert first["room_name"] == "Slow" and first["room_id"] != quick["room_id"]
