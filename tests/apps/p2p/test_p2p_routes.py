"""The coordinator end to end: every route through a real server on a loopback port, under
``/api`` and ``/api/v1``, with the spec's bodies and status codes."""

from __future__ import annotations

import re

import pytest
from p2p_client import create_session, setup_host_and_zone

from engine.apps.p2p.app import app
from engine.testing import serve_apps

from p2p_values import REGISTER_BODY, ZONE_BODY

RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
SESSION_ID = re.compile(r"session-[0-9a-f]{16}")


@pytest.mark.parametrize("prefix", ["/api", "/api/v1"])
async def test_hosts(prefix: str) -> None:
    async with serve_apps([app], prefixed=False) as served:
        client = served.client
        registered = await client.post(f"{prefix}/hosts/", json=REGISTER_BODY)
        assert registered.status_code == 201
        body = registered.json()
        assert RFC3339.fullmatch(body.pop("created_at"))
        assert body == {
            "id": 1,
            "host_id": "host-12345",
            "player_id": "player-67890",
            "status": "ONLINE",
            "quality_score": 100.0,
        }
        details = (await client.get(f"{prefix}/hosts/host-12345")).json()
        assert details == {
            "id": 1,
            "host_id": "host-12345",
            "player_id": "player-67890",
            "player_name": "PlayerOne",
            "status": "ONLINE",
            "quality_score": 100.0,
            "current_players": 0,
            "current_zones": 0,
            "latency_ms": 0.0,
            "packet_loss_percent": 0.0,
        }
        beat = await client.post(
            f"{prefix}/hosts/host-12345/heartbeat",
            json={
                "latency_ms": 25.5,
                "packet_loss_percent": 0.1,
                "bandwidth_usage_mbps": 50.0,
                "current_players": 10,
            },
        )
        # 30 - 2.55 + 20 - 0.2 + (1 - 10/50) * 25 + 10 + 10 + 5 = 92.25
        assert beat.json() == {"message": "Heartbeat updated", "quality_score": 92.25}
        second = dict(REGISTER_BODY, host_id="host-2", cpu_cores=2)
        assert (await client.post(f"{prefix}/hosts/", json=second)).json()["id"] == 2
        listed = (await client.get(f"{prefix}/hosts/")).json()
        assert listed == [
            {"id": 2, "host_id": "host-2", "status": "ONLINE", "quality_score": 95.0},
            {"id": 1, "host_id": "host-12345", "status": "ONLINE", "quality_score": 92.25},
        ]
        filtered = await client.get(f"{prefix}/hosts/?status=ONLINE&min_quality_score=93")
        assert [host["host_id"] for host in filtered.json()] == ["host-2"]
        # Registering again (the same player) updates the host and keeps its number.
        again = await client.post(f"{prefix}/hosts/", json=dict(REGISTER_BODY, max_players=100))
        assert again.status_code == 201 and again.json()["id"] == 1
        gone = await client.delete(f"{prefix}/hosts/host-2")
        assert gone.json() == {"message": "Host unregistered successfully"}
        assert (await client.get(f"{prefix}/hosts/host-2")).status_code == 404


async def test_zones_and_the_best_host() -> None:
    async with serve_apps([app], prefixed=False) as served:
        client = served.client
        created = await client.post("/api/zones/", json=ZONE_BODY)
        assert created.status_code == 201
        body = created.json()
        assert RFC3339.fullmatch(body.pop("created_at"))
        assert body == {
            "id": 1,
            "zone_id": "prontera",
            "zone_name": "Prontera",
            "status": "ENABLED",
            "p2p_enabled": True,
        }
        minimal = {"zone_id": "geffen", "zone_name": "Geffen", "p2p_enabled": False}
        assert (await client.post("/api/v1/zones/", json=minimal)).json()["id"] == 2
        assert (await client.get("/api/zones/prontera")).json() == {
            "id": 1,
            "zone_id": "prontera",
            "zone_name": "Prontera",
            "status": "ENABLED",
            "p2p_enabled": True,
            "active_sessions": 0,
            "total_players_served": 0,
        }
        everything = (await client.get("/api/zones/")).json()
        assert [zone["zone_id"] for zone in everything] == ["prontera", "geffen"]
        enabled = (await client.get("/api/zones/?p2p_enabled=true&status=ENABLED")).json()
        assert [zone["zone_id"] for zone in enabled] == ["prontera"]
        patched = await client.patch(
            "/api/zones/geffen", json={"p2p_enabled": True, "status": "MAINTENANCE"}
        )
        assert patched.json() == {
            "id": 2,
            "zone_id": "geffen",
            "status": "MAINTENANCE",
            "p2p_enabled": True,
        }
        # Prontera wants quality 80, 100 Mbps spare and latency up to 50 ms.
        assert (await client.post("/api/hosts/", json=REGISTER_BODY)).status_code == 201
        slow = dict(REGISTER_BODY, host_id="host-slow", player_id="p2", network_speed_mbps=50)
        assert (await client.post("/api/hosts/", json=slow)).status_code == 201
        best = await client.get("/api/hosts/best?zone_id=prontera")
        assert best.status_code == 200 and best.json()["host_id"] == "host-12345"
        await client.post("/api/hosts/host-12345/heartbeat", json={"latency_ms": 80})
        none = await client.get("/api/hosts/best?zone_id=prontera")
        assert none.status_code == 404
        assert none.json() == {"detail": "No available host for zone: prontera"}


async def test_sessions() -> None:
    async with serve_apps([app], prefixed=False) as served:
        client = served.client
        await setup_host_and_zone(client)
        created = await create_session(client, max_players=2)
        session_id = created["session_id"]
        assert SESSION_ID.fullmatch(session_id)
        assert RFC3339.fullmatch(created.pop("created_at"))
        assert created == {
            "id": 1,
            "session_id": session_id,
            "host_id": 1,
            "zone_id": 1,
            "status": "PENDING",
            "max_players": 2,
            "current_players": 0,
        }
        base = f"/api/sessions/{session_id}"
        activated = await client.post(f"{base}/activate")
        assert activated.json() == {"message": "Session activated successfully"}
        metrics = await client.patch(
            f"{base}/metrics",
            json={
                "average_latency_ms": 45.5,
                "average_packet_loss_percent": 0.2,
                "bandwidth_usage_mbps": 75.0,
                "quality_score": 95.0,
            },
        )
        assert metrics.json() == {"message": "Session metrics updated successfully"}
        for player in ("player-1", "player-2"):
            added = await client.post(f"{base}/players", json={"player_id": player})
            assert added.json() == {"message": f"Player {player} added to session 1"}
        assert (await client.get(base)).json() == {
            "id": 1,
            "session_id": session_id,
            "host_id": 1,
            "zone_id": 1,
            "status": "ACTIVE",
            "current_players": 2,
            "connected_players": ["player-1", "player-2"],
            "average_latency_ms": 45.5,
        }
        # The session is full: the spec's message, 400, and nothing changes.
        full = await client.post(f"{base}/players", json={"player_id": "player-3"})
        assert (full.status_code, full.json()) == (
            400,
            {"detail": "Failed to add player player-3 to session 1"},
        )
        removed = await client.delete(f"{base}/players/player-1")
        assert removed.json() == {"message": "Player player-1 removed from session 1"}
        zone = (await client.get("/api/zones/prontera")).json()
        assert (zone["active_sessions"], zone["total_players_served"]) == (1, 2)
        host = (await client.get("/api/hosts/host-12345")).json()
        assert host["current_zones"] == 1
        # The zone's max_players (100) caps the request's; it is the zone's when left out.
        assert (await create_session(client, max_players=500))["max_players"] == 100
        assert (await create_session(client))["max_players"] == 100


async def test_signaling_over_rest() -> None:
    async with serve_apps([app], prefixed=False) as served:
        client = served.client
        await setup_host_and_zone(client)
        session_id = (await create_session(client))["session_id"]
        offer = {"session_id": session_id, "peer_id": "peer-12345", "sdp": "v=0\r\no=- 1 2 IN"}
        posted = await client.post("/api/signaling/offer", json=offer)
        assert posted.json() == {"message": "Offer created successfully"}
        assert (await client.get(f"/api/signaling/offer/{session_id}")).json() == {
            "peer_id": "peer-12345",
            "sdp": "v=0\r\no=- 1 2 IN",
        }
        answer = dict(offer, peer_id="peer-67890", sdp="v=0 answer")
        posted = await client.post("/api/v1/signaling/answer", json=answer)
        assert posted.json() == {"message": "Answer created successfully"}
        assert (await client.get(f"/api/signaling/answer/{session_id}")).json() == {
            "peer_id": "peer-67890",
            "sdp": "v=0 answer",
        }
        candidate = {"session_id": session_id, "peer_id": "peer-12345", "candidate": "candidate:1"}
        posted = await client.post("/api/signaling/ice-candidate", json=candidate)
        assert posted.json() == {"message": "ICE candidate added successfully"}
        listed = await client.get(f"/api/signaling/ice-candidate/{session_id}")
        assert listed.json() == [{"peer_id": "peer-12345", "candidate": "candidate:1"}]


async def test_monitoring() -> None:
    async with serve_apps([app], prefixed=False) as served:
        client = served.client
        await setup_host_and_zone(client)
        await client.post("/api/hosts/", json=dict(REGISTER_BODY, host_id="h2", cpu_cores=1))
        session_id = (await create_session(client))["session_id"]
        await client.post(f"/api/sessions/{session_id}/activate")
        await client.patch(f"/api/sessions/{session_id}/metrics", json={"average_latency_ms": 40})
        await client.post(f"/api/sessions/{session_id}/players", json={"player_id": "p1"})
        dashboard = (await client.get("/api/monitoring/dashboard")).json()
        assert dashboard == {
            "hosts": {"total": 2, "online": 2, "offline": 0, "average_quality_score": 96.25},
            "zones": {"total": 1, "enabled": 1, "disabled": 0},
            "sessions": {
                "total": 1,
                "active": 1,
                "inactive": 0,
                "total_players": 1,
                "average_latency_ms": 40.0,
            },
            "system": {"store": "healthy", "postgres": "not_configured", "redis": "not_configured"},
        }
        stats = (await client.get("/api/v1/monitoring/hosts/stats")).json()
        assert stats == {
            "total_online": 2,
            "quality_distribution": {"excellent": 2, "good": 0, "fair": 0, "poor": 0},
        }
