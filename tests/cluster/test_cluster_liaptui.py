"""Three engine processes, one Redis, one PostgreSQL: Liap Tui played across the nodes, its
owner killed mid-game, and races from every node at once."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import trio

from engine.cluster.testing import RedisServer
from engine.net.client import ClientWebSocket, WebSocketClosed
from engine.store.testing import PostgresServer

from cluster_nodes import Node, open_nodes
from liaptui_players import Player, create_room, join, take_seat

NAMES = ("Alice", "Bob", "Carol", "Dave")
FAST = {"PARTY_ENGINE_LIAPTUI_BOT_DELAY": "0", "PARTY_ENGINE_LIAPTUI_TURN_PAUSE": "0"}


@asynccontextmanager
async def liaptui_cluster(
    redis: RedisServer, postgres: PostgresServer
) -> AsyncIterator[list[Node]]:
    with postgres.database() as store:
        async with open_nodes("liaptui", store, redis.url, FAST) as nodes:
            yield nodes


async def test_four_players_on_three_nodes_play_to_game_over(
    redis: RedisServer, postgres: PostgresServer
) -> None:
    async with liaptui_cluster(redis, postgres) as nodes:
        created = await create_room(nodes[0].client)
        homes = dict(zip(NAMES, (nodes[1], nodes[2], nodes[0], nodes[1]), strict=True))
        players = {name: Player(name) for name in NAMES}
        results: dict[str, dict[str, Any]] = {}
        seated = {name: trio.Event() for name in NAMES}

        async def seat_and_play(name: str) -> None:
            room = f"/ws/{created['room_id']}"
            async with homes[name].client.websocket(room, type_key="event") as ws:
                token = {"player_token": created["player_token"]} if name == "Alice" else {}
                await join(ws, name, **token)
                if name == "Alice":
                    await every_lobby_lists(nodes, created["room_id"])
                seated[name].set()
                if name == "Alice":
                    for other in NAMES[1:]:
                        await seated[other].wait()
                    await ws.write_json({"event": "start_game", "data": {}})
                results[name] = await players[name].play(ws)

        with trio.fail_after(90):
            async with trio.open_nursery() as nursery:
                nursery.start_soon(seat_and_play, "Alice")
                await seated["Alice"].wait()
                for name in NAMES[1:]:
                    nursery.start_soon(seat_and_play, name)
    final = results["Alice"]["data"]
    assert all(result["data"] == final for result in results.values())
    assert max(final["final_scores"].values()) >= 50
    for player in players.values():
        assert player.sequence_numbers() == sorted(set(player.sequence_numbers()))


async def every_lobby_lists(nodes: list[Node], room_id: str) -> None:
    """Every node's lobby lists the room (listed once its creator sat, on whichever node)."""
    for node in nodes:
        async with node.client.websocket("/ws/lobby", type_key="event") as lobby:
            with trio.fail_after(10):
                while True:
                    await lobby.write_json({"event": "room_list", "data": {}})
                    rooms = (await lobby.receive_until("room_list"))["data"]["rooms"]
                    if [room["room_id"] for room in rooms] == [room_id]:
                        break
                    # A listing crosses to the other nodes through Redis: ask again shortly.
                    await trio.sleep(0.05)


async def test_the_owner_is_killed_mid_game_and_the_game_finishes_on_the_others(
    redis: RedisServer, postgres: PostgresServer
) -> None:
    async with liaptui_cluster(redis, postgres) as nodes:
        owner, others = nodes[0], nodes[1:]
        created = await create_room(owner.client)  # created by node 0's lobby: it owns the room
        room = f"/ws/{created['room_id']}"
        players = {name: Player(name) for name in NAMES}
        tokens: dict[str, str] = {}
        seated = {name: trio.Event() for name in NAMES}
        killed = trio.Event()
        results: dict[str, dict[str, Any]] = {}
        # Every player on a node that is not the owner; after the kill, on the other one.
        rotation = {
            name: itertools.cycle(others[::-1] if i % 2 else others) for i, name in enumerate(NAMES)
        }

        async def until_killed(name: str, ws: ClientWebSocket) -> None:
            tokens[name] = await take_seat(ws, name, created, seated)
            if name == "Alice":
                # Mid-game: a few tricks in, then the owner dies.
                await players[name].play(ws, until=_nth_play(6))
                owner.kill()
                killed.set()
            await players[name].play(ws)  # until its node closes it: the owner is gone

        async def play(name: str) -> None:
            async with next(rotation[name]).client.websocket(room, type_key="event") as ws:
                with pytest.raises(WebSocketClosed) as closed:
                    await until_killed(name, ws)
                assert closed.value.code == 1012
            assert killed.is_set()
            async with next(rotation[name]).client.websocket(room, type_key="event") as ws:
                back = await players[name].rejoin(ws, tokens[name])
                assert back["events_replayed"] is True
                results[name] = await players[name].play(ws)

        with trio.fail_after(120):
            async with trio.open_nursery() as nursery:
                for name in NAMES:
                    nursery.start_soon(play, name)
    final = results["Alice"]["data"]
    assert all(result["data"] == final for result in results.values())
    # Nothing acknowledged was lost: every player saw each sequence number once, in order; where
    # two players saw the same number they saw the same event; and no number is missing.
    seen: dict[int, dict[str, Any]] = {}
    for player in players.values():
        numbers = player.sequence_numbers()
        assert numbers == sorted(set(numbers))
        for message in player.sequenced():
            assert seen.setdefault(message["sequence_number"], message) == message
    # (The first numbers went to nobody: Alice's own arrival is not announced to her.)
    assert sorted(seen) == list(range(min(seen), max(seen) + 1))


def _nth_play(n: int) -> Any:
    count = itertools.count(1)
    return lambda message: message.get("event") == "play_accepted" and next(count) == n


async def test_concurrent_creates_and_joins_from_every_node(
    redis: RedisServer, postgres: PostgresServer
) -> None:
    async with liaptui_cluster(redis, postgres) as nodes:
        created: list[dict[str, Any]] = []
        async with trio.open_nursery() as nursery:
            for i in range(30):
                nursery.start_soon(_create_into, nodes[i % 3], created, f"Host{i}")
        ids = [room["room_id"] for room in created]
        assert len(ids) == 30 and len(set(ids)) == 30

        # Twelve players rush one room's three free seats from the three nodes.
        target = created[0]
        outcomes: list[dict[str, Any]] = []
        async with trio.open_nursery() as nursery:
            for i in range(12):
                nursery.start_soon(_try_to_join, nodes[i % 3], target["room_id"], f"P{i}", outcomes)
        seated = [o for o in outcomes if o.get("event") == "room_joined"]
        refused = [o for o in outcomes if o.get("event") == "error"]
        assert len(seated) == 3 and len(refused) == 9
        assert sorted(o["data"]["position"] for o in seated) == [1, 2, 3]


async def _create_into(node: Node, created: list[dict[str, Any]], host: str) -> None:
    created.append(await create_room(node.client, host))


async def _try_to_join(node: Node, room_id: str, name: str, outcomes: list[dict[str, Any]]) -> None:
    async with node.client.websocket(f"/ws/{room_id}", type_key="event") as ws:
        await ws.write_json({"event": "join_room", "data": {"player_name": name}})
        outcomes.append(
            await ws.receive_until(lambda m: m.get("event") in ("room_joined", "error"))
        )
