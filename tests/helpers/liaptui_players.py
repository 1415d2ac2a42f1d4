"""Liap Tui players over real WebSockets: create a room from a lobby, join it, play it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import trio

from engine.apps.liaptui.testing import ScriptedPlayer
from engine.net.client import Client, ClientWebSocket


async def create_room(client: Client, creator: str = "Alice", prefix: str = "") -> dict[str, Any]:
    """Create a public room through ``client``'s lobby; its ``room_created`` data."""
    async with client.websocket(f"{prefix}/ws/lobby", type_key="event") as lobby:
        await lobby.write_json(
            {"event": "create_room", "data": {"room_name": "Table", "player_name": creator}}
        )
        return (await lobby.receive_until("room_created"))["data"]


async def join(ws: ClientWebSocket, name: str, **fields: Any) -> dict[str, Any]:
    """Join as ``name`` (``fields``: a token, a last sequence); the room's answer's data."""
    await ws.write_json({"event": "join_room", "data": {"player_name": name, **fields}})
    return (await ws.receive_until(lambda msg: msg.get("event") in ("room_joined", "reconnected")))[
        "data"
    ]


async def take_seat(
    ws: ClientWebSocket, name: str, created: Mapping[str, Any], seated: Mapping[str, trio.Event]
) -> str:
    """Sit as ``name`` in the room ``created`` made for "Alice" (who sits with its token), and
    set ``seated[name]``; Alice then waits for every seat in ``seated`` and starts the game.
    The seat's token."""
    token = {"player_token": created["player_token"]} if name == "Alice" else {}
    player_token: str = (await join(ws, name, **token))["player_token"]
    seated[name].set()
    if name == "Alice":
        for seat in seated.values():
            await seat.wait()
        await ws.write_json({"event": "start_game", "data": {}})
    return player_token


class Player:
    """A real WebSocket client playing as a `ScriptedPlayer`; keeps everything it received."""

    def __init__(self, name: str) -> None:
        self.name, self.script = name, ScriptedPlayer(name)
        self.log: list[dict[str, Any]] = []

    async def play(self, ws: ClientWebSocket, *, until: Any = "game_over") -> dict[str, Any]:
        """Answer moves until a message matches ``until`` (an event name or a predicate)."""
        done = until if callable(until) else (lambda msg: msg.get("event") == until)
        for message in ws.take_pending():
            self.log.append(message)
            for move, data in self.script.observe(message):
                await ws.write_json({"event": move, "data": data})
        while True:
            message = await ws.receive_json(timeout=20)
            self.log.append(message)
            if done(message):
                return message
            for move, data in self.script.observe(message):
                await ws.write_json({"event": move, "data": data})

    async def rejoin(self, ws: ClientWebSocket, token: str) -> dict[str, Any]:
        """Come back to one's seat with ``token`` and the last sequence number seen; the
        ``reconnected`` data. The script starts afresh from the state it carries: a move in
        flight when the last connection went may never be answered."""
        self.script = ScriptedPlayer(self.name)
        data = {
            "player_name": self.name,
            "player_token": token,
            "last_sequence": self.last_sequence,
        }
        await ws.write_json({"event": "join_room", "data": data})
        back = await ws.receive_until("reconnected")
        self.log.append(back)
        for move, move_data in self.script.observe(back):
            await ws.write_json({"event": move, "data": move_data})
        return back["data"]

    def sequenced(self) -> list[dict[str, Any]]:
        """The numbered events received, in arrival order."""
        return [msg for msg in self.log if "sequence_number" in msg]

    def sequence_numbers(self) -> list[int]:
        return [msg["sequence_number"] for msg in self.sequenced()]

    @property
    def last_sequence(self) -> int:
        return max(self.sequence_numbers(), default=0)
