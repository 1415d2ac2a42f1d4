"""The signaling WebSocket end to end: two peers meeting and relaying an offer, an answer and
candidates; refusals before the handshake; errors in the socket; a replaced connection; the
session ending under the peers."""

from __future__ import annotations

import json

import pytest
import trio
from p2p_client import create_session, setup_host_and_zone

from engine.apps.p2p.app import app
from engine.net.client import Client, WebSocketClosed, WebSocketRejected
from engine.testing import serve_apps

KEY = "s3cret-key"


async def open_session(client: Client) -> str:
    await setup_host_and_zone(client)
    return (await create_session(client))["session_id"]


def peer(session_id: str, peer_id: str, **extra: str) -> dict[str, str]:
    return {"peer_id": peer_id, "session_id": session_id, **extra}


async def test_two_peers_meet_and_negotiate() -> None:
    async with serve_apps([app], prefixed=False) as served:
        client = served.client
        session_id = await open_session(client)
        async with client.websocket("/ws", params=peer(session_id, "peer-1")) as one:
            await one.write_json({"type": "join"})
            assert await one.receive_json() == {
                "type": "session-joined",
                "session_id": session_id,
                "peer_id": "peer-1",
                "peers": [],
            }
            async with client.websocket("/ws", params=peer(session_id, "peer-2")) as two:
                await two.write_json({"type": "join", "session_id": session_id})
                joined = await two.receive_json()
                assert (joined["type"], joined["peers"]) == ("session-joined", ["peer-1"])
                assert await one.receive_json() == {
                    "type": "peer-joined",
                    "session_id": session_id,
                    "peer_id": "peer-2",
                }
                await two.write_json({"type": "offer", "to": "peer-1", "sdp": "v=0\r\noffer"})
                assert await one.receive_json() == {
                    "type": "offer",
                    "from": "peer-2",
                    "sdp": "v=0\r\noffer",
                }
                await one.write_json({"type": "answer", "to": "peer-2", "sdp": "v=0\r\nanswer"})
                assert await two.receive_json() == {
                    "type": "answer",
                    "from": "peer-1",
                    "sdp": "v=0\r\nanswer",
                }
                candidate = "candidate:1 1 UDP 2130706431 192.168.1.100 54321 typ host"
                await one.write_json(
                    {"type": "ice-candidate", "to": "peer-2", "candidate": candidate}
                )
                assert await two.receive_json() == {
                    "type": "ice-candidate",
                    "from": "peer-1",
                    "candidate": candidate,
                }
                await two.write_json({"type": "offer", "to": "peer-9", "sdp": "v=0"})
                assert await two.receive_json() == {
                    "type": "error",
                    "message": "Peer not in session: peer-9",
                }
                await two.write_json({"type": "leave"})
                assert await two.receive_json() == {
                    "type": "session-left",
                    "session_id": session_id,
                }
                assert await one.receive_json() == {
                    "type": "peer-left",
                    "session_id": session_id,
                    "peer_id": "peer-2",
                }
                await two.write_json({"type": "join"})
                assert (await two.receive_json())["peers"] == ["peer-1"]
                assert (await one.receive_json())["type"] == "peer-joined"
            # peer-2's connection closed: peer-1 hears it left.
            assert await one.receive_json() == {
                "type": "peer-left",
                "session_id": session_id,
                "peer_id": "peer-2",
            }


async def test_bad_messages_get_an_error_and_the_connection_stays() -> None:
    async with serve_apps([app], prefixed=False) as served:
        client = served.client
        session_id = await open_session(client)
        async with client.websocket("/ws", params=peer(session_id, "peer-1")) as ws:
            cases = [
                ([1, 2], "Malformed message: not a JSON object: got array"),
                ({"to": "x"}, "A message needs a string type"),
                ({"type": "hello"}, ("Unknown message type 'hello': expected one of join, "
                 "leave, offer, answer, ice-candidate")),
                ({"type": "offer", "to": "peer-2"}, "Invalid offer message: sdp: required"),
                ({"type": "offer", "to": "peer-2", "sdp": "v", "x": 1},
                 "Invalid offer message: unknown fields x"),
                ({"type": "offer", "to": "peer-2", "sdp": "v"}, f"Join session {session_id} first"),
                ({"type": "join", "session_id": "session-0000000000000000"},
                 f"This connection is for session {session_id}"),
            ]  # fmt: skip
            for message, error in cases:
                await ws.write_json(message)
                assert await ws.receive_json() == {"type": "error", "message": error}
            await ws.write_text("{not json")
            malformed = await ws.receive_json()
            assert malformed["type"] == "error" and malformed["message"].startswith("Malformed")
            await ws.write_text(json.dumps({"type": "join", "pad": "x" * (128 * 1024)}))
            assert await ws.receive_json() == {
                "type": "error",
                "message": "Messages are limited to 131072 bytes",
            }
            await ws.write_json({"type": "join"})
            assert (await ws.receive_json())["type"] == "session-joined"


async def test_a_second_connection_replaces_the_first() -> None:
    async with serve_apps([app], prefixed=False) as served:
        client = served.client
        session_id = await open_session(client)
        async with (
            client.websocket("/ws", params=peer(session_id, "peer-1")) as one,
            client.websocket("/ws", params=peer(session_id, "peer-2")) as old,
        ):
            await one.write_json({"type": "join"})
            await one.receive_json()
            await old.write_json({"type": "join"})
            await old.receive_json()
            await one.receive_until("peer-joined")
            async with client.websocket("/ws", params=peer(session_id, "peer-2")) as new:
                with pytest.raises(WebSocketClosed) as closed:
                    await old.receive_json()
                assert (closed.value.code, closed.value.reason) == (
                    1000,
                    "replaced by a new connection",
                )
                await new.write_json({"type": "join"})
                assert (await new.receive_json())["peers"] == ["peer-1"]
                # No peer-left for the replaced connection: peer-1 next hears the offer.
                await new.write_json({"type": "offer", "to": "peer-1", "sdp": "v=0"})
                assert await one.receive_json() == {"type": "offer", "from": "peer-2", "sdp": "v=0"}


async def test_upgrades_are_refused_before_the_handshake() -> None:
    async with serve_apps([app], prefixed=False) as served:
        client = served.client
        session_id = await open_session(client)
        cases = [
            ({"session_id": session_id}, 400, "peer_id is required"),
            (peer(session_id, "-bad"), 400, ("peer_id must be 1 to 64 letters, digits or ._:- "
             "starting with a letter or digit")),
            (peer(session_id, "p", colour="red"), 400, "Unknown query parameters: colour"),
            (peer("session-0000000000000000", "p"), 404,
             "Session not found: session-0000000000000000"),
        ]  # fmt: skip
        for params, status, message in cases:
            with pytest.raises(WebSocketRejected) as refused:
                async with client.websocket("/ws", params=params):
                    pass
            assert refused.value.status_code == status
            assert json.loads(refused.value.body) == {"detail": message}
        await client.delete("/api/hosts/host-12345")
        with pytest.raises(WebSocketRejected) as refused:
            async with client.websocket("/ws", params=peer(session_id, "p")):
                pass
        assert refused.value.status_code == 400
        assert json.loads(refused.value.body) == {"detail": f"Session {session_id} is ENDED"}


async def test_a_bad_token_closes_with_1008_while_auth_is_on() -> None:
    environ = {"PARTY_ENGINE_P2P_API_KEY": KEY}
    async with serve_apps([app], prefixed=False, environ=environ) as served:
        client = served.client
        headers = {"X-API-Key": KEY}
        await setup_host_and_zone(client, **headers)
        created = await client.post(
            "/api/sessions/", json={"host_id": "host-12345", "zone_id": "prontera"}, headers=headers
        )
        session_id = created.json()["session_id"]
        for extra, reason in (({}, "Invalid token"), ({"token": "forged"}, "Invalid token")):
            async with client.websocket("/ws", params=peer(session_id, "p", **extra)) as ws:
                with pytest.raises(WebSocketClosed) as closed:
                    await ws.receive_json()
                assert (closed.value.code, closed.value.reason) == (1008, reason)
        token = await client.post("/api/auth/token", json={"player_id": "p"}, headers=headers)
        good = peer(session_id, "p", token=token.json()["access_token"])
        async with client.websocket("/ws", params=good) as ws:
            await ws.write_json({"type": "join"})
            assert (await ws.receive_json())["type"] == "session-joined"


async def test_peers_hear_the_session_end_then_are_closed() -> None:
    async with serve_apps([app], prefixed=False) as served:
        client = served.client
        session_id = await open_session(client)
        async with client.websocket("/ws", params=peer(session_id, "peer-1")) as ws:
            await ws.write_json({"type": "join"})
            await ws.receive_json()
            await client.delete("/api/hosts/host-12345")
            assert await ws.receive_json() == {
                "type": "session-ended",
                "session_id": session_id,
                "status": "ENDED",
            }
            with pytest.raises(WebSocketClosed) as closed:
                await ws.receive_json()
            assert (closed.value.code, closed.value.reason) == (1000, "session ended")


async def test_a_peer_over_its_message_rate_is_told_and_stays_connected(
    mock_clock: trio.testing.MockClock,
) -> None:
    # The clock stands still (no autojump): the burst is what counts, not the test's speed.
    environ = {"PARTY_ENGINE_P2P_SIGNALING_RATE_LIMIT": "3"}
    async with serve_apps([app], prefixed=False, environ=environ) as served:
        client = served.client
        session_id = await open_session(client)
        params = peer(session_id, "peer-1")
        async with client.websocket("/ws", params=params) as ws:
            for _ in range(3):
                await ws.write_json({"type": "join"})
                assert (await ws.receive_json())["type"] == "session-joined"
            await ws.write_json({"type": "join"})
            assert await ws.receive_json() == {
                "type": "error",
                "message": "Too many messages, retry in 0.33 s",
            }
        # The limit is the peer's, not the connection's: a new connection does not reset it.
        async with client.websocket("/ws", params=params) as ws:
            await ws.write_json({"type": "join"})
            assert (await ws.receive_json())["type"] == "error"
            mock_clock.jump(1)
            await ws.write_json({"type": "join"})
            assert (await ws.receive_json())["type"] == "session-joined"
