"""Cluster benchmark: Liap Tui games on 1 node against 3 nodes sharing one Redis and one
PostgreSQL, each node a real ``party-engine serve --cluster`` process on loopback.

    python bench/cluster.py [--json] [--games N]

For each cluster size, in the same run: ``N`` games (default 4) are played at once, each room
created through a node's lobby (round robin) and its four players joined through the nodes in
turn (on 3 nodes every room has players on all three, so most of them reach their room through
a stand-in), all four scripted humans playing to ``game_over`` with no pauses.

Figures, per size: ``cpu_us_per_delivery``: the CPU time (user + system, from /proc) of all the
node processes over the games, divided by the numbered events the clients received (the
cluster's whole cost of a delivered broadcast: the owner's work, Redis aside, plus on 3 nodes
the forwarding both ways); ``join_p50_ms`` / ``join_p99_ms``: from ``join_room`` sent to
``room_joined`` received. Needs ``redis-server`` and PostgreSQL's server binaries (Debian).
The clients run on the same machine: compare sizes within a run, not across machines. With
``--json`` the last line is one JSON object. Bounded: each size has 60 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import trio

from engine.cluster.testing import redis_server
from engine.store.testing import postgres_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "helpers"))
from cluster_nodes import Node, open_nodes
from liaptui_players import Player, create_room, join

FAST = {"PARTY_ENGINE_LIAPTUI_BOT_DELAY": "0", "PARTY_ENGINE_LIAPTUI_TURN_PAUSE": "0"}
NAMES = ("Alice", "Bob", "Carol", "Dave")
_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(nodes: list[Node]) -> float:
    """User + system CPU of the node processes so far."""
    total = 0
    for node in nodes:
        fields = Path(f"/proc/{node.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / _TICK


async def play_game(
    nodes: list[Node], index: int, joins: list[float], players: list[Player]
) -> None:
    created = await create_room(nodes[index % len(nodes)].client, "Alice")
    room = f"/ws/{created['room_id']}"
    seated = {name: trio.Event() for name in NAMES}

    async def seat(position: int, name: str) -> None:
        player = Player(name)
        players.append(player)
        node = nodes[(index + position + 1) % len(nodes)]
        async with node.client.websocket(room, type_key="event") as ws:
            token = {"player_token": created["player_token"]} if name == "Alice" else {}
            started = time.perf_counter()
            await join(ws, name, **token)
            joins.append(time.perf_counter() - started)
            seated[name].set()
            if name == "Alice":
                for other in NAMES[1:]:
                    await seated[other].wait()
                await ws.write_json({"event": "start_game", "data": {}})
            await player.play(ws)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(seat, 0, "Alice")
        await seated["Alice"].wait()
        for position, name in enumerate(NAMES[1:], 1):
            nursery.start_soon(seat, position, name)


async def measure(size: int, games: int, redis_url: str, store: str) -> dict[str, float]:
    async with open_nodes("liaptui", store, redis_url, FAST, count=size) as nodes:
        joins: list[float] = []
        players: list[Player] = []
        before = cpu_seconds(nodes)
        with trio.fail_after(60):
            async with trio.open_nursery() as nursery:
                for index in range(games):
                    nursery.start_soon(play_game, nodes, index, joins, players)
        cpu = cpu_seconds(nodes) - before
    deliveries = sum(len(player.sequenced()) for player in players)
    ordered = sorted(joins)
    return {
        f"nodes{size}_cpu_us_per_delivery": round(cpu / deliveries * 1e6, 1),
        f"nodes{size}_join_p50_ms": round(statistics.median(ordered) * 1000, 2),
        f"nodes{size}_join_p99_ms": round(ordered[int(len(ordered) * 0.99)] * 1000, 2),
        f"nodes{size}_deliveries": deliveries,
    }


async def run(games: int, redis_url: str, database: Any) -> dict[str, float]:
    results: dict[str, float] = {}
    for size in (1, 3):
        with database() as store:
            results.update(await measure(size, games, redis_url, store))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--games", type=int, default=4)
    args = parser.parse_args()
    with redis_server() as redis, postgres_server() as postgres:
        results = trio.run(run, args.games, redis.url, postgres.database)
    for name, value in results.items():
        print(f"{name:36} {value:>10,}")
    if args.json:
        json.dump(results, sys.stdout)
        print()


if __name__ == "__main__":
    main()
