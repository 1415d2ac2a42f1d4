"""The host and session actors survive their own crashes: the state is the last commit, the
timers are armed again, and a session's signaling room is rebuilt from its connections, which
outlive the crash."""

from __future__ import annotations

import pytest
import trio
from p2p_client import create_session, setup_host_and_zone

from engine.actors import ActorCrashed
from engine.apps.p2p.app import app
from engine.apps.p2p.host_party import Beat
from engine.apps.p2p.messages import CloseSession
from engine.apps.p2p.statuses import SessionStatus
from engine.testing import serve_apps


async def test_a_crashed_host_keeps_its_state_and_its_deadline(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with serve_apps([app], prefixed=False) as served:
        client = served.client
        await setup_host_and_zone(client)
        await client.post("/api/hosts/host-12345/heartbeat", json={"current_players": 10})
        before = (await client.get("/api/hosts/host-12345")).json()
        coordinator = served.engine.contexts["p2p"].coordinator
        with pytest.raises(ActorCrashed):
            # A request no route can build: the rules fail on it, a bug in the actor's eyes.
            await coordinator.hosts.find("host-12345").ask(Beat(None))  # type: ignore[arg-type]
        assert (await client.get("/api/hosts/host-12345")).json() == before
        await trio.sleep(61)
        assert (await client.get("/api/hosts/host-12345")).json()["status"] == "OFFLINE"


async def test_a_crashed_session_keeps_its_room() -> None:
    async with serve_apps([app], prefixed=False) as served:
        client = served.client
        await setup_host_and_zone(client)
        session_id = (await create_session(client))["session_id"]
        await client.post(f"/api/sessions/{session_id}/players", json={"player_id": "p1"})
        params = {"session_id": session_id}
        async with (
            client.websocket("/ws", params={**params, "peer_id": "a"}) as a,
            client.websocket("/ws", params={**params, "peer_id": "b"}) as b,
        ):
            for ws in (a, b):
                await ws.write_json({"type": "join"})
                await ws.receive_until("session-joined")
            await a.receive_until("peer-joined")
            session = served.engine.contexts["p2p"].coordinator.sessions.find(session_id)
            with pytest.raises(ActorCrashed):
                # PENDING is no closing status: the rules raise, a bug in the actor's eyes.
                await session.ask(CloseSession(SessionStatus.PENDING))
            await b.write_json({"type": "offer", "to": "a", "sdp": "v=0"})
            assert await a.receive_json() == {"type": "offer", "from": "b", "sdp": "v=0"}
            details = (await client.get(f"/api/sessions/{session_id}")).json()
            assert details["connected_players"] == ["p1"]
