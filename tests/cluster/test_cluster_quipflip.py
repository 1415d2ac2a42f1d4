"""Three engine processes, one Redis, one PostgreSQL: Quipflip played across the nodes, one
player's concurrent joins through two nodes, and the party's node killed mid-round."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import pytest
import trio

from engine.cluster.testing import RedisServer
from engine.net.client import WebSocketClosed
from engine.store.testing import PostgresServer

from cluster_nodes import Node, open_nodes
from quipflip_client import Guest, Notifications, guest, phase_is

FAST = {"PARTY_ENGINE_QUIPFLIP_AI_DELAY": "0"}
PLURALS = {"prompt": "prompts", "copy": "copies", "vote": "votes"}


@asynccontextmanager
async def quipflip_cluster(
    redis: RedisServer, postgres: PostgresServer, environ: Mapping[str, str] | None = None
) -> AsyncIterator[list[Node]]:
    with postgres.database() as store:
        async with open_nodes("quipflip", store, redis.url, {**FAST, **(environ or {})}) as nodes:
            yield nodes


async def test_players_on_three_nodes_play_one_party_to_its_results(
    redis: RedisServer, postgres: PostgresServer
) -> None:
    async with quipflip_cluster(redis, postgres) as nodes:
        # Each registers through a node of its own, and uses the others too.
        ada, bob, carol = [
            await guest(node.client, name)
            for node, name in zip(nodes, ("Ada", "Bob", "Carol"), strict=True)
        ]
        players = [ada, bob, carol]
        created = await ada.ok("POST", "/party/create", {"min_players": 4})
        session_id = created["session_id"]
        await listed_everywhere(nodes, ada, session_id)
        code = {"party_code": created["party_code"]}
        await bob.via(nodes[2].client).ok("POST", "/party/join", code)
        await carol.via(nodes[0].client).ok("POST", f"/party/{session_id}/join")
        await ada.via(nodes[1].client).ok("POST", f"/party/{session_id}/add-ai")
        path = f"/party/{session_id}/ws"
        results: dict[str, Any] = {}
        sockets: dict[str, Notifications] = {}
        with trio.fail_after(50):
            async with AsyncExitStack() as stack:
                # Sockets through other nodes than the joins: a node whose index has not heard
                # of a join yet asks the session whether the player is in it.
                for i, player in enumerate(players):
                    ws = await stack.enter_async_context(
                        nodes[(i + 2) % 3].client.websocket(path, params={"token": player.token})
                    )
                    sockets[player.username] = Notifications(ws)
                for i, player in enumerate(players):
                    await player.via(nodes[(i + 2) % 3].client).ok(
                        "POST", f"/party/{session_id}/ready"
                    )
                await ada.via(nodes[2].client).ok("POST", f"/party/{session_id}/start")
                for kind, phase in (("prompt", "PROMPT"), ("copy", "COPY"), ("vote", "VOTE")):
                    for socket in sockets.values():
                        if phase != "PROMPT":
                            await socket.until(phase_is(phase))
                    for i, player in enumerate(players):
                        await play_owed(player.via(nodes[(i + 1) % 3].client), session_id, kind)
                for socket in sockets.values():
                    await socket.until(lambda m: m.get("type") == "session_completed")
        for node in nodes:
            results[node.url] = await ada.via(node.client).ok("GET", f"/party/{session_id}/results")
        await wallets_settle(nodes, players, results[nodes[0].url])
    assert all(result == results[nodes[0].url] for result in results.values())
    for socket in sockets.values():
        assert socket.sequence_numbers() == sorted(set(socket.sequence_numbers()))


async def test_one_players_concurrent_joins_through_two_nodes_let_one_through(
    redis: RedisServer, postgres: PostgresServer
) -> None:
    async with quipflip_cluster(redis, postgres) as nodes:
        bob, carol = await guest(nodes[0].client, "Bob"), await guest(nodes[1].client, "Carol")
        sessions = [(await host.ok("POST", "/party/create"))["session_id"] for host in (bob, carol)]
        racers = [await guest(nodes[i % 3].client, f"Racer{i}") for i in range(6)]
        outcomes: dict[str, list[tuple[int, Any]]] = {racer.player_id: [] for racer in racers}

        async def join(racer: Guest, node: Node, session_id: str) -> None:
            response = await racer.via(node.client).post(f"/party/{session_id}/join")
            outcomes[racer.player_id].append((response.status_code, response.json()))

        with trio.fail_after(30):
            async with trio.open_nursery() as nursery:
                for i, racer in enumerate(racers):
                    for offset, session_id in enumerate(sessions):
                        nursery.start_soon(join, racer, nodes[(i + offset) % 3], session_id)
        for outcome in outcomes.values():
            assert sorted(status for status, _ in outcome) == [200, 409]
            assert [body for status, body in outcome if status == 409] == [
                {"detail": "already_in_another_session"}
            ]
        # Each racer is in exactly one session, whichever node is asked.
        members: list[str] = []
        for i, session_id in enumerate(sessions):
            status = await bob.via(nodes[i + 1].client).ok("GET", f"/party/{session_id}/status")
            members += [p["player_id"] for p in status["participants"]]
        assert sorted(members) == sorted([bob.player_id, carol.player_id, *outcomes])


async def test_the_partys_node_is_killed_mid_round_and_the_others_finish_the_party(
    redis: RedisServer, postgres: PostgresServer
) -> None:
    # The PROMPT phase ends on its timer, after the kill: Carol leaves her round open.
    environ = {"PARTY_ENGINE_QUIPFLIP_PROMPT_SECONDS": "8"}
    async with quipflip_cluster(redis, postgres, environ) as nodes:
        owner, others = nodes[0], nodes[1:]
        # Ada's account and her session on the node that is killed.
        ada = await guest(owner.client, "Ada")
        session_id = (await ada.ok("POST", "/party/create", {"min_players": 4}))["session_id"]
        ada = ada.via(others[0].client)
        bob, carol = await guest(others[0].client, "Bob"), await guest(others[1].client, "Carol")
        players = [ada, bob, carol]
        for player in (bob, carol):
            await player.ok("POST", f"/party/{session_id}/join")
        await ada.ok("POST", f"/party/{session_id}/add-ai")
        for player in players:
            await player.ok("POST", f"/party/{session_id}/ready")
        path = f"/party/{session_id}/ws"
        seen: dict[str, list[dict[str, Any]]] = {player.username: [] for player in players}
        submitted = {player.player_id: dict.fromkeys(PLURALS, 0) for player in players}
        with trio.fail_after(55):
            async with AsyncExitStack() as stack:
                # Every socket through a node that is not the owner, the kill closes with 1012.
                sockets = {}
                for i, player in enumerate(players):
                    ws = await stack.enter_async_context(
                        others[i % 2].client.websocket(path, params={"token": player.token})
                    )
                    sockets[player.username] = Notifications(ws, seen[player.username])
                await ada.ok("POST", f"/party/{session_id}/start")
                for player in (ada, bob):
                    await player.play(session_id, "prompt")
                    submitted[player.player_id]["prompt"] += 1
                carols = await carol.ok("POST", f"/party/{session_id}/rounds/prompt")
                owner.kill()
                for i, player in enumerate(players):
                    with pytest.raises(WebSocketClosed) as closed:
                        await sockets[player.username].until(lambda _: False)
                    assert closed.value.code == 1012
                    # Back through the other node, from the last notification seen.
                    last = sockets[player.username].sequence_numbers()[-1]
                    params = {"token": player.token, "last_seq": str(last)}
                    ws = await stack.enter_async_context(
                        others[(i + 1) % 2].client.websocket(path, params=params)
                    )
                    sockets[player.username] = Notifications(ws, seen[player.username])
                # Adopted with its timer: PROMPT ends on it, and Carol's round with it.
                for socket in sockets.values():
                    await socket.until(phase_is("COPY"))
                late = await carol.post(
                    f"/party/{session_id}/rounds/{carols['round_id']}/submit", {"phrase": "late"}
                )
                assert (late.status_code, late.json()) == (400, {"detail": "Round has expired"})
                for kind in ("copy", "vote"):
                    if kind == "vote":
                        for socket in sockets.values():
                            await socket.until(phase_is("VOTE"))
                    for i, player in enumerate(players):
                        owed = await play_owed(player.via(others[i % 2].client), session_id, kind)
                        submitted[player.player_id][kind] += owed
                for socket in sockets.values():
                    await socket.until(lambda m: m.get("type") == "session_completed")
        results = [
            await ada.via(node.client).ok("GET", f"/party/{session_id}/results") for node in others
        ]
        assert results[0] == results[1]
        # Everything acknowledged is in the results, and in the wallets on every node.
        for ranking in results[0]["rankings"]:
            if ranking["player_id"] in submitted:
                done = submitted[ranking["player_id"]]
                assert {kind: ranking[f"{PLURALS[kind]}_submitted"] for kind in PLURALS} == done
        await wallets_settle(others, players, results[0])
    # Every player saw each sequence number once, in order; where two saw one number they saw
    # the same notification; and no number is missing.
    by_number: dict[int, dict[str, Any]] = {}
    for messages in seen.values():
        numbers = [m["sequence_number"] for m in messages if "sequence_number" in m]
        assert numbers == sorted(set(numbers))
        for message in messages:
            if "sequence_number" in message:
                assert by_number.setdefault(message["sequence_number"], message) == message
    assert sorted(by_number) == list(range(min(by_number), max(by_number) + 1))


async def listed_everywhere(nodes: list[Node], player: Guest, session_id: str) -> None:
    """Until every node's party list shows the session (a listing crosses through Redis)."""
    for node in nodes:
        with trio.fail_after(10):
            while True:
                listed = await player.via(node.client).ok("GET", "/party/list")
                if session_id in [party["session_id"] for party in listed["parties"]]:
                    break
                await trio.sleep(0.05)


async def play_owed(player: Guest, session_id: str, kind: str) -> int:
    """The player plays the rounds of ``kind`` it still owes; how many."""
    status = await player.ok("GET", f"/party/{session_id}/status")
    me = next(p for p in status["participants"] if p["player_id"] == player.player_id)
    owed: int = me[f"{PLURALS[kind]}_required"] - me[f"{PLURALS[kind]}_submitted"]
    for _ in range(owed):
        await player.play(session_id, kind)
    return owed


async def wallets_settle(nodes: list[Node], players: list[Guest], results: Any) -> None:
    """Every node answers each player's wallet as the results say: 5000 plus its net. A step's
    wallet reaches the player's account (perhaps on another node) just after the step."""
    nets = {r["player_id"]: r["net"] for r in results["rankings"]}
    for node in nodes:
        for player in players:
            with trio.fail_after(10):
                while True:
                    if await player.via(node.client).wallet() == 5000 + nets[player.player_id]:
                        break
                    await trio.sleep(0.05)
