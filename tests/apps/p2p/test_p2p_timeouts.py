"""Time in the coordinator, on Trio's MockClock: stale hosts go OFFLINE and fail their
sessions (whose peers are told), empty sessions end, and both deadlines carry across a
restart."""

from __future__ import annotations

from pathlib import Path

import pytest
import trio
from p2p_client import create_session, setup_host_and_zone

from engine.apps.p2p.app import app
from engine.net.client import WebSocketClosed
from engine.testing import serve_apps

from p2p_values import REGISTER_BODY


async def test_a_silent_host_goes_offline_and_fails_its_sessions(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with serve_apps([app], prefixed=False) as served:
        client = served.client
        await setup_host_and_zone(client)
        session_id = (await create_session(client))["session_id"]
        await client.post(f"/api/sessions/{session_id}/players", json={"player_id": "p1"})
        params = {"peer_id": "peer-1", "session_id": session_id}
        async with client.websocket("/ws", params=params) as ws:
            await ws.write_json({"type": "join"})
            await ws.receive_json()
            # Heartbeats keep it ONLINE past the first deadline.
            for _ in range(3):
                await trio.sleep(50)
                await client.post("/api/hosts/host-12345/heartbeat", json={})
            assert (await client.get("/api/hosts/host-12345")).json()["status"] == "ONLINE"
            await trio.sleep(61)
            assert await ws.receive_json() == {
                "type": "session-ended",
                "session_id": session_id,
                "status": "FAILED",
            }
            with pytest.raises(WebSocketClosed):
                await ws.receive_json()
        host = (await client.get("/api/hosts/host-12345")).json()
        assert (host["status"], host["current_zones"]) == ("OFFLINE", 0)
        assert (await client.get(f"/api/sessions/{session_id}")).json()["status"] == "FAILED"
        offline = await client.post(
            "/api/sessions/", json={"host_id": "host-12345", "zone_id": "prontera"}
        )
        assert (offline.status_code, offline.json()) == (
            400,
            {"detail": "Host host-12345 is OFFLINE, not ONLINE"},
        )
        # A heartbeat brings it back.
        await client.post("/api/hosts/host-12345/heartbeat", json={})
        assert (await client.get("/api/hosts/host-12345")).json()["status"] == "ONLINE"
        dashboard = (await client.get("/api/monitoring/dashboard")).json()
        assert dashboard["sessions"]["inactive"] == 1


async def test_a_session_without_players_ends_after_ten_minutes(
    autojump_clock: trio.testing.MockClock,
) -> None:
    environ = {"PARTY_ENGINE_P2P_HEARTBEAT_TIMEOUT": "86400"}
    async with serve_apps([app], prefixed=False, environ=environ) as served:
        client = served.client
        await setup_host_and_zone(client)
        kept = (await create_session(client))["session_id"]
        dropped = (await create_session(client))["session_id"]
        await trio.sleep(590)
        await client.post(f"/api/sessions/{kept}/players", json={"player_id": "p1"})
        await trio.sleep(20)
        assert (await client.get(f"/api/sessions/{dropped}")).json()["status"] == "ENDED"
        assert (await client.get(f"/api/sessions/{kept}")).json()["status"] == "PENDING"
        # The last player leaves: the clock starts again from then.
        await client.delete(f"/api/sessions/{kept}/players/p1")
        await trio.sleep(599)
        assert (await client.get(f"/api/sessions/{kept}")).json()["status"] == "PENDING"
        await trio.sleep(2)
        assert (await client.get(f"/api/sessions/{kept}")).json()["status"] == "ENDED"
        # The host let go of both.
        assert (await client.get("/api/hosts/host-12345")).json()["current_zones"] == 0


async def test_a_closed_session_is_kept_for_a_day_then_deleted(
    autojump_clock: trio.testing.MockClock,
) -> None:
    environ = {"PARTY_ENGINE_P2P_HEARTBEAT_TIMEOUT": "86400"}
    async with serve_apps([app], prefixed=False, environ=environ) as served:
        client = served.client
        await setup_host_and_zone(client)
        session_id = (await create_session(client))["session_id"]
        await trio.sleep(601)  # empty for ten minutes: ENDED
        assert (await client.get(f"/api/sessions/{session_id}")).json()["status"] == "ENDED"
        await trio.sleep(86_398)
        assert (await client.get(f"/api/sessions/{session_id}")).status_code == 200
        await trio.sleep(2)
        gone = await client.get(f"/api/sessions/{session_id}")
        assert (gone.status_code, gone.json()) == (
            404,
            {"detail": f"Session not found: {session_id}"},
        )
        dashboard = (await client.get("/api/monitoring/dashboard")).json()
        assert dashboard["sessions"]["total"] == 0


# Restarts need a durable store, whose commits run in worker threads: an autojumping clock would
# jump over them (and time the server's asks out), so these tests move the clock by hand.


async def test_deadlines_carry_across_a_restart(
    mock_clock: trio.testing.MockClock, tmp_path: Path
) -> None:
    store = f"sqlite:///{tmp_path / 'p2p.db'}"
    async with serve_apps([app], prefixed=False, store=store) as served:
        await setup_host_and_zone(served.client)
        session_id = (await create_session(served.client))["session_id"]
        await served.client.post(f"/api/sessions/{session_id}/players", json={"player_id": "p"})
    mock_clock.jump(30)
    async with serve_apps([app], prefixed=False, store=store) as served:
        client = served.client
        # 30 s of the host's 60 passed while the server was down.
        mock_clock.jump(25)
        assert (await client.get("/api/hosts/host-12345")).json()["status"] == "ONLINE"
        mock_clock.jump(10)
        await trio.testing.wait_all_tasks_blocked()
        assert (await client.get("/api/hosts/host-12345")).json()["status"] == "OFFLINE"
        assert (await client.get(f"/api/sessions/{session_id}")).json()["status"] == "FAILED"


async def test_a_host_silent_while_the_server_was_down_is_offline_at_once(
    mock_clock: trio.testing.MockClock, tmp_path: Path
) -> None:
    store = f"sqlite:///{tmp_path / 'p2p.db'}"
    async with serve_apps([app], prefixed=False, store=store) as served:
        await setup_host_and_zone(served.client)
        session_id = (await create_session(served.client))["session_id"]
        await served.client.post("/api/hosts/", json=dict(REGISTER_BODY, host_id="h2"))
    mock_clock.jump(120)
    async with serve_apps([app], prefixed=False, store=store) as served:
        client = served.client
        await trio.testing.wait_all_tasks_blocked()
        assert (await client.get("/api/hosts/host-12345")).json()["status"] == "OFFLINE"
        assert (await client.get(f"/api/sessions/{session_id}")).json()["status"] == "FAILED"
        # A heartbeat brings a host back.
        await client.post("/api/hosts/h2/heartbeat", json={})
        listed = (await client.get("/api/hosts/?status=ONLINE")).json()
        assert [host["host_id"] for host in listed] == ["h2"]
