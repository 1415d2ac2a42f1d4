"""Three WatchParty processes, one Redis, one PostgreSQL: a session created through one process
and joined through the others; chat and the host's playback reach everyone wherever they are
connected; the owner is killed mid-chat and everyone resumes on the others with every chat
message anyone had received."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import jwt
import trio

from engine.cluster.testing import RedisServer
from engine.net.client import ClientWebSocket, WebSocketClosed
from engine.store.testing import PostgresServer

from cluster_nodes import Node, open_nodes

PASSWORD = "popcorn"
#: bcrypt at its lowest cost: the test is about where sessions run, not about hashing.
FAST_HASHING = {"PARTY_ENGINE_WATCHPARTY_BCRYPT_COST": "4"}
PAUSED = {"playing": False, "currentTime": 42.0}
#: The close code of a connection whose session's process died (it moved: reconnect at once).
MOVED = 1012


async def create(node: Node) -> dict[str, Any]:
    """A session created through ``node``: its host's answer (see ``_entered``)."""
    body = {"name": "Movie night", "password": PASSWORD}
    return _entered(await node.client.post("/api/sessions/create", json=body))


async def join(node: Node, session_id: str) -> dict[str, Any]:
    """A seat taken through ``node``: the guest's answer (see ``_entered``)."""
    body = {"session_id": session_id, "password": PASSWORD}
    return _entered(await node.client.post("/api/sessions/join", json=body))


def _entered(response: httpx.Response) -> dict[str, Any]:
    # The answer, with the claims of its token (who this is) under "me".
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    answer["me"] = jwt.decode(answer["token"], options={"verify_signature": False})
    return answer


def socket(node: Node, member: dict[str, Any]) -> AbstractAsyncContextManager[ClientWebSocket]:
    return node.client.websocket(f"/ws/{member['id']}", params={"token": member["token"]})


def chat(text: str) -> dict[str, Any]:
    return {"type": "chat", "payload": {"message": text}}


def said(text: str) -> Callable[[dict[str, Any]], bool]:
    return lambda message: message["type"] == "chat" and message["payload"]["message"] == text


def chats(messages: list[dict[str, Any]]) -> list[str]:
    return [m["payload"]["message"] for m in messages if m["type"] == "chat"]


async def hear_until_closed(ws: ClientWebSocket, heard: list[dict[str, Any]]) -> int | None:
    """Keep every message until the connection ends; its close code."""
    try:
        while True:
            heard.append(await ws.receive_json(timeout=30))
    except WebSocketClosed as closed:
        return closed.code


@asynccontextmanager
async def resume(
    nodes: list[Node], member: dict[str, Any]
) -> AsyncIterator[tuple[ClientWebSocket, list[str]]]:
    """Reconnect with the same token (docs/watchparty.md, Reconnecting), trying the next node
    while the connection is closed as moved: the open socket and the chat history it got."""
    for attempt in range(6):
        async with socket(nodes[attempt % len(nodes)], member) as ws:
            try:
                playback = await ws.receive_until("playback_state", timeout=10)
            except WebSocketClosed as closed:
                assert closed.code == MOVED, closed
                continue
            assert playback["payload"] == PAUSED
            yield ws, chats(ws.take_pending())
            return
    raise AssertionError(f"{member['me']['username']} could not resume")


async def test_a_session_across_three_processes_survives_its_owner(
    redis: RedisServer, postgres: PostgresServer
) -> None:
    with postgres.database() as store:
        async with open_nodes("watchparty", store, redis.url, FAST_HASHING) as nodes:
            await play_and_survive_the_owner(nodes)


async def play_and_survive_the_owner(nodes: list[Node]) -> None:
    """Created through the first node, which owns the session; joined through the others."""
    owner = nodes[0]
    host = await create(owner)
    alice, bob = [await join(node, host["id"]) for node in nodes[1:]]
    heard: dict[str, list[dict[str, Any]]] = {"host": [], "alice": [], "bob": []}
    closes: dict[str, int | None] = {}
    sent: list[str] = []
    killed: list[Node] = []

    async with socket(owner, host) as host_ws, socket(nodes[1], alice) as alice_ws:
        async with socket(nodes[2], bob) as bob_ws:
            sockets = {"host": host_ws, "alice": alice_ws, "bob": bob_ws}
            # Everyone is in: each one's chat reaches the other two, and the host's
            # playback reaches the guests (not the host).
            for name, ws in sockets.items():
                sent.append(f"hello from {name}")
                await ws.write_json(chat(sent[-1]))
                for other in sockets.values():
                    await other.receive_until(said(sent[-1]))
            await host_ws.write_json({"type": "playback_state", "payload": PAUSED})
            for ws in (alice_ws, bob_ws):
                update = await ws.receive_until("playback_state")
                assert (update["payload"], update["user_id"]) == (PAUSED, host["me"]["user_id"])

            async def listen(name: str) -> None:
                sockets[name].take_pending()  # arrivals skipped above, no chat among them
                closes[name] = await hear_until_closed(sockets[name], heard[name])

            async def chatter() -> None:
                # Alice chats without waiting for answers; the owner dies once five came
                # back: some of what she sent was answered, the rest was in flight.
                for i in range(30):
                    sent.append(f"during {i}")
                    try:
                        await alice_ws.write_json(chat(sent[-1]))
                    except WebSocketClosed:
                        break
                    if len(chats(heard["alice"])) >= 5 and not killed:
                        owner.kill()
                        killed.append(owner)
                    await trio.sleep(0.02)

            with trio.fail_after(30):
                async with trio.open_nursery() as nursery:
                    for name in sockets:
                        nursery.start_soon(listen, name)
                    nursery.start_soon(chatter)
    # The host's own process died under it; the guests' processes closed theirs as moved.
    assert closes["alice"] == closes["bob"] == MOVED
    assert closes["host"] != 1000

    # Everyone resumes through another process with the same token: the history is the
    # state, and it holds every chat message anyone received, in the order sent.
    histories: dict[str, list[str]] = {}
    async with (
        resume(nodes[1:], host) as (host_ws, histories["host"]),
        resume(nodes[2:] + nodes[1:2], alice) as (alice_ws, histories["alice"]),
        resume(nodes[1:], bob) as (bob_ws, histories["bob"]),
    ):
        history = histories["host"]
        assert histories["alice"] == histories["bob"] == history
        answered = set().union(*(chats(messages) for messages in heard.values()))
        assert answered <= set(history) and set(sent[:3]) <= set(history)
        assert history == [text for text in sent if text in history]
        await bob_ws.write_json(chat("welcome back"))
        for ws in (host_ws, alice_ws, bob_ws):
            welcome = await ws.receive_until(said("welcome back"))
            assert welcome["user_id"] == bob["me"]["user_id"]

    details = await nodes[2].client.get(
        f"/api/sessions/{host['id']}", headers={"Authorization": f"Bearer {alice['token']}"}
    )
    assert details.status_code == 200, details.text
    expected = [member["me"]["user_id"] for member in (host, alice, bob)]
    assert details.json()["participants"] == expected
