"""Three engine processes, one Redis, one PostgreSQL: the P2P coordinator served as one service.
Hosts and zones registered through any node are every node's (one host registered through
every node at once is one host), a session's peers signal through
different nodes, and when the node running a host, a session and the registry is killed, the
others carry on with them once its lease lapses."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
import trio
from p2p_client import create_session

from engine.cluster.testing import RedisServer
from engine.net.client import Client, ClientWebSocket, WebSocketClosed
from engine.store.testing import PostgresServer

from cluster_nodes import Node, open_nodes, until
from p2p_values import REGISTER_BODY, ZONE_BODY

#: No HTTP rate limit: the tests make many requests from one address.
ENVIRON = {"PARTY_ENGINE_P2P_RATE_LIMIT": "0"}


@asynccontextmanager
async def p2p_cluster(redis: RedisServer, postgres: PostgresServer) -> AsyncIterator[list[Node]]:
    with postgres.database() as store:
        async with open_nodes("p2p", store, redis.url, ENVIRON) as nodes:
            yield nodes


async def register(client: Client, host_id: str) -> dict[str, Any]:
    body = {**REGISTER_BODY, "host_id": host_id, "player_id": f"player-{host_id}"}
    answer = await client.post("/api/hosts/", json=body)
    assert answer.status_code == 201, answer.text
    registered: dict[str, Any] = answer.json()
    return registered


async def create_zone(client: Client, zone_id: str) -> dict[str, Any]:
    answer = await client.post("/api/zones/", json={**ZONE_BODY, "zone_id": zone_id})
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


async def eventually(expected: Any, read: Callable[..., Awaitable[Any]], *args: Any) -> None:
    """Until ``read(*args)`` answers ``expected``: a listing crosses to the other nodes
    through Redis, so a node may answer the previous one shortly."""

    async def reads_expected() -> bool:
        return bool(await read(*args) == expected)

    await until(reads_expected, seconds=20)


async def test_hosts_and_zones_registered_through_any_node_are_every_nodes(
    redis: RedisServer, postgres: PostgresServer
) -> None:
    async with p2p_cluster(redis, postgres) as nodes:
        registered: list[dict[str, Any]] = []

        async def register_into(node: Node, host_id: str) -> None:
            registered.append(await register(node.client, host_id))

        async with trio.open_nursery() as nursery:
            for i in range(12):
                nursery.start_soon(register_into, nodes[i % 3], f"host-{i}")
            nursery.start_soon(create_zone, nodes[0].client, "prontera")
            nursery.start_soon(create_zone, nodes[1].client, "geffen")
        # One registry for the cluster: every host got a number of its own.
        assert sorted(host["id"] for host in registered) == list(range(1, 13))
        # Every node's dashboard reports the cluster's Redis and the shared PostgreSQL.
        for node in nodes:
            system = (await node.client.get("/api/monitoring/dashboard")).json()["system"]
            assert system == {"store": "healthy", "postgres": "healthy", "redis": "healthy"}
        host_ids = sorted(f"host-{i}" for i in range(12))

        async def listed_hosts(client: Client) -> list[str]:
            return sorted(host["host_id"] for host in (await client.get("/api/hosts/")).json())

        async def listed_zones(client: Client) -> list[str]:
            return sorted(zone["zone_id"] for zone in (await client.get("/api/zones/")).json())

        for node in nodes:
            await eventually(host_ids, listed_hosts, node.client)
            assert await listed_zones(node.client) == ["geffen", "prontera"]
            geffen = await node.client.get("/api/zones/geffen")
            assert geffen.status_code == 200 and geffen.json()["zone_id"] == "geffen"
            dashboard = (await node.client.get("/api/monitoring/dashboard")).json()
            assert dashboard["hosts"]["total"] == 12 and dashboard["zones"]["total"] == 2
            # A zone id is taken cluster-wide.
            again = await node.client.post("/api/zones/", json=ZONE_BODY)
            assert again.status_code == 409


async def join(ws: ClientWebSocket, peers: list[str]) -> None:
    await ws.write_json({"type": "join"})
    assert (await ws.receive_until("session-joined"))["peers"] == peers


async def signal(
    offerer: tuple[str, ClientWebSocket], answerer: tuple[str, ClientWebSocket]
) -> None:
    """An offer, its answer and an ICE candidate each way, relayed with ``from`` set."""
    (a, a_ws), (b, b_ws) = offerer, answerer
    candidate = "candidate:1 1 UDP 2130706431 192.168.1.100 54321 typ host"
    await a_ws.write_json({"type": "offer", "to": b, "sdp": f"v=0 {a}"})
    assert await b_ws.receive_json() == {"type": "offer", "from": a, "sdp": f"v=0 {a}"}
    await b_ws.write_json({"type": "answer", "to": a, "sdp": f"v=0 {b}"})
    assert await a_ws.receive_json() == {"type": "answer", "from": b, "sdp": f"v=0 {b}"}
    for (sender, ws), (to, other) in (((a, a_ws), (b, b_ws)), ((b, b_ws), (a, a_ws))):
        await ws.write_json({"type": "ice-candidate", "to": to, "candidate": candidate})
        relayed = {"type": "ice-candidate", "from": sender, "candidate": candidate}
        assert await other.receive_json() == relayed


async def test_a_sessions_peers_signal_through_other_nodes(
    redis: RedisServer, postgres: PostgresServer
) -> None:
    async with p2p_cluster(redis, postgres) as nodes:
        await register(nodes[1].client, "host-12345")
        await create_zone(nodes[2].client, "prontera")
        session_id = (await create_session(nodes[0].client))["session_id"]
        for node, player in ((nodes[1], "p1"), (nodes[2], "p2")):
            added = await node.client.post(
                f"/api/sessions/{session_id}/players", json={"player_id": player}
            )
            assert added.status_code == 200, added.text
        activated = await nodes[2].client.post(f"/api/sessions/{session_id}/activate")
        assert activated.status_code == 200
        query = {"session_id": session_id}
        async with (
            nodes[1].client.websocket("/ws", params={**query, "peer_id": "a"}) as a,
            nodes[2].client.websocket("/ws", params={**query, "peer_id": "b"}) as b,
        ):
            await join(a, [])
            await join(b, ["a"])
            assert (await a.receive_json())["type"] == "peer-joined"
            await signal(("b", b), ("a", a))
        details = (await nodes[0].client.get(f"/api/sessions/{session_id}")).json()
        assert details["status"] == "ACTIVE" and details["current_players"] == 2
        # Each node counts the zone's active sessions from the cluster's listing.
        for node in nodes:
            await eventually(1, active_sessions, node.client, "prontera")
        # The players were counted once each in the zone, whichever node added them.
        zone = (await nodes[1].client.get("/api/zones/prontera")).json()
        assert zone["total_players_served"] == 2


async def active_sessions(client: Client, zone_id: str) -> Any:
    return (await client.get(f"/api/zones/{zone_id}")).json()["active_sessions"]


async def test_the_node_running_a_host_and_a_session_dies_and_the_others_carry_on(
    redis: RedisServer, postgres: PostgresServer
) -> None:
    async with p2p_cluster(redis, postgres) as nodes:
        doomed, first, second = nodes
        # Node 0 was started first: it made the registry, and it runs what it creates.
        await create_zone(doomed.client, "prontera")
        host = await register(doomed.client, "host-12345")
        session_id = (await create_session(doomed.client))["session_id"]
        query = {"session_id": session_id}
        async with (
            first.client.websocket("/ws", params={**query, "peer_id": "a"}) as a,
            second.client.websocket("/ws", params={**query, "peer_id": "b"}) as b,
        ):
            await join(a, [])
            await join(b, ["a"])
            await a.receive_until("peer-joined")
            doomed.kill()
            # Their nodes learn that the session's node is gone and close them: 1012, as a
            # restarting server would; the peers reconnect (to any node) and join again.
            for ws in (a, b):
                with pytest.raises(WebSocketClosed) as closed:
                    await ws.receive_json(timeout=10)
                assert closed.value.code == 1012
        # Heartbeats carry on through the other nodes: the host is adopted with its state.
        beat = await first.client.post(
            "/api/hosts/host-12345/heartbeat", json={"current_players": 2}
        )
        assert beat.status_code == 200, beat.text
        read = (await second.client.get("/api/hosts/host-12345")).json()
        assert read["id"] == host["id"] and read["current_players"] == 2
        assert read["status"] == "ONLINE"
        async with (
            second.client.websocket("/ws", params={**query, "peer_id": "a"}) as a,
            first.client.websocket("/ws", params={**query, "peer_id": "b"}) as b,
        ):
            await join(a, [])
            await join(b, ["a"])
            await a.receive_until("peer-joined")
            await signal(("a", a), ("b", b))
        # The registry too: its zones are there, and numbers carry on from where they were.
        zones = (await second.client.get("/api/zones/")).json()
        assert [zone["zone_id"] for zone in zones] == ["prontera"]
        later = await register(second.client, "host-67890")
        assert later["id"] > host["id"]
        another = await create_session(first.client)
        assert another["id"] == 2


async def test_a_silent_host_whose_node_died_still_goes_offline_and_fails_its_session(
    redis: RedisServer, postgres: PostgresServer
) -> None:
    # Timeouts keep counting when a node dies: its parties are adopted with their timers.
    environ = {**ENVIRON, "PARTY_ENGINE_P2P_HEARTBEAT_TIMEOUT": "2"}
    with postgres.database() as store:
        async with open_nodes("p2p", store, redis.url, environ, count=2) as (doomed, other):
            await create_zone(doomed.client, "prontera")
            await register(doomed.client, "host-12345")
            session_id = (await create_session(doomed.client))["session_id"]
            doomed.kill()

            async def status(path: str) -> Any:
                # A request the other node forwarded before it saw its owner die is answered
                # 503 (after the ask timeout): a client tries again.
                answer = await other.client.get(path)
                return answer.json()["status"] if answer.status_code == 200 else None

            await eventually("OFFLINE", status, "/api/hosts/host-12345")
            await eventually("FAILED", status, f"/api/sessions/{session_id}")


async def register_through(node: Node, body: dict[str, Any], answers: list[Any]) -> None:
    answer = await node.client.post("/api/hosts/", json=body)
    answers.append((answer.status_code, answer.json()))


async def test_one_host_registered_through_every_node_at_once_is_one_host(
    redis: RedisServer, postgres: PostgresServer
) -> None:
    async with p2p_cluster(redis, postgres) as nodes:
        for attempt in range(10):
            host_id = f"host-race-{attempt}"
            body = {**REGISTER_BODY, "host_id": host_id, "player_id": "player-race"}
            answers: list[tuple[int, Any]] = []
            async with trio.open_nursery() as nursery:
                for node in nodes:
                    nursery.start_soon(register_through, node, body, answers)
            # The same player: every registration succeeds, and they name one host.
            assert [status for status, _ in answers] == [201, 201, 201], answers
            assert len({host["id"] for _, host in answers}) == 1, answers
