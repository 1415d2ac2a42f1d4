"""Liap Tui against hostile frames (issue 9, items 1 and 2), over the real server.

Each frame once crashed the actor that read it (the lobby or a room), and sixteen of them in a
few seconds stopped the whole process. Now the strict decoder refuses them: the sender gets a
3001 ``validation_error`` on an open connection, nothing restarts, and the other members keep
being served.
"""

from __future__ import annotations

from typing import Any

import pytest

from engine.apps.liaptui.app import app
from engine.net.client import ClientWebSocket
from engine.testing import Served, serve_apps

from supervision import restarts

FAST_ENVIRON = {"PARTY_ENGINE_LIAPTUI_BOT_DELAY": "0", "PARTY_ENGINE_LIAPTUI_TURN_PAUSE": "0"}

SURROGATE = '"ab\\ud800cd"'
#: Raw frames, as an attacker types them (a JSON library would not write these).
HOSTILE_PINGS = [
    '{"event":"ping","data":{"client_time":1e400}}',
    '{"event":"ping","data":{"client_time":-1e400}}',
    '{"event":"ping","data":{"client_time":1,"sequence":' + "9" * 4301 + "}}",
]
HOSTILE_LOBBY_FRAMES = [
    *HOSTILE_PINGS,
    '{"event":"create_room","data":{"room_name":' + SURROGATE + ',"player_name":"Alice"}}',
    '{"event":"create_room","data":{"room_name":"Table","player_name":' + SURROGATE + "}}",
    # An invalid request whose error echoed what it received.
    '{"event":"create_room","data":{"room_name":5,"extra":' + SURROGATE + "}}",
    '{"event":' + SURROGATE + ',"data":{}}',
    '{"event":"ping","data":' + "[" * 1000 + "]" * 1000 + "}",
]
HOSTILE_ROOM_FRAMES = [
    *HOSTILE_PINGS,
    '{"event":"join_room","data":{"player_name":' + SURROGATE + "}}",
    '{"event":"join_room","data":{"player_name":5,"extra":' + SURROGATE + "}}",
]


async def refused(ws: ClientWebSocket, frame: str) -> dict[str, Any]:
    """Send `frame`; the answer must be a 3001 refusal and the connection must stay open."""
    await ws.write_text(frame)
    answer = await ws.receive_json()
    assert answer["event"] == "validation_error", answer
    assert answer["error"]["code"] == "3001"
    assert answer["error"]["message"].startswith("Malformed json")
    assert not ws.closed
    return answer


async def create_room(served: Served) -> dict[str, Any]:
    async with served.client.websocket("/ws/lobby", type_key="event") as lobby:
        await lobby.write_json(
            {"event": "create_room", "data": {"room_name": "T", "player_name": "Alice"}}
        )
        return (await lobby.receive_until("room_created"))["data"]


async def test_sixteen_overflowing_pings_on_fresh_lobby_sockets_stop_nothing() -> None:
    async with serve_apps([app], environ=FAST_ENVIRON) as served:
        for _ in range(16):
            async with served.client.websocket("/ws/lobby", type_key="event") as lobby:
                await refused(lobby, HOSTILE_PINGS[0])
        assert restarts(served.engine.system) == 0
        # The process is up and the lobby serves.
        assert (await served.client.get("/health")).status_code == 200
        assert (await create_room(served))["room_id"]


@pytest.mark.parametrize("frame", HOSTILE_LOBBY_FRAMES)
async def test_a_hostile_lobby_frame_is_refused_and_the_lobby_keeps_serving(frame: str) -> None:
    async with serve_apps([app], environ=FAST_ENVIRON) as served:
        async with (
            served.client.websocket("/ws/lobby", type_key="event") as watcher,
            served.client.websocket("/ws/lobby", type_key="event") as attacker,
        ):
            await watcher.write_json({"event": "room_list", "data": {}})
            assert (await watcher.receive_until("room_list"))["data"]["rooms"] == []
            await refused(attacker, frame)
            # The attacker's own connection still works, no room was made...
            await attacker.write_json({"event": "room_list", "data": {}})
            assert (await attacker.receive_until("room_list"))["data"]["rooms"] == []
            # ...and the silent watcher still gets the list pushed when it changes (a room is
            # listed once its creator sits down).
            created = await create_room(served)
            async with served.client.websocket(
                f"/ws/{created['room_id']}", type_key="event"
            ) as alice:
                await alice.write_json(
                    {
                        "event": "join_room",
                        "data": {"player_name": "Alice", "player_token": created["player_token"]},
                    }
                )
                pushed = await watcher.receive_until("room_list")
            assert [room["room_id"] for room in pushed["data"]["rooms"]] == [created["room_id"]]
        assert restarts(served.engine.system) == 0


@pytest.mark.parametrize("frame", HOSTILE_ROOM_FRAMES)
async def test_a_hostile_room_frame_is_refused_and_the_room_keeps_serving(frame: str) -> None:
    async with serve_apps([app], environ=FAST_ENVIRON) as served:
        created = await create_room(served)
        room = f"/ws/{created['room_id']}"
        async with (
            served.client.websocket(room, type_key="event") as alice,
            served.client.websocket(room, type_key="event") as attacker,
        ):
            await alice.write_json(
                {
                    "event": "join_room",
                    "data": {"player_name": "Alice", "player_token": created["player_token"]},
                }
            )
            await alice.receive_until("room_joined")
            await refused(attacker, frame)
            # The attacker can still join, and Alice, silent all along, hears of it.
            await attacker.write_json({"event": "join_room", "data": {"player_name": "Bob"}})
            await attacker.receive_until("room_joined")
            await alice.receive_until(
                lambda msg: (
                    msg.get("event") == "player_joined" and msg["data"]["player_name"] == "Bob"
                )
            )
        assert restarts(served.engine.system) == 0
