"""The app as served: state surviving a restart on the same SQLite file, and a real
``python -m engine serve --app p2p`` killed with SIGKILL mid-burst losing nothing it
acknowledged; the OpenAPI document."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import trio
from p2p_client import create_session, setup_host_and_zone
from postgres import postgres as postgres

from engine.apps.p2p.app import HEALTH_TIMEOUT, SystemHealthCheck, app
from engine.net.client import open_client
from engine.store import open_store
from engine.store.testing import PostgresServer
from engine.testing import serve_apps

from p2p_values import REGISTER_BODY
from served_process import start_serving


@pytest.fixture(params=["sqlite", "postgresql"])
def durable_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A durable store's URL on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'p2p.db'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    with server.database() as url:
        yield url


async def test_everything_survives_a_restart(durable_store: str) -> None:
    store = durable_store
    async with serve_apps([app], prefixed=False, store=store) as served:
        client = served.client
        await setup_host_and_zone(client)
        session_id = (await create_session(client, max_players=3))["session_id"]
        base = f"/api/sessions/{session_id}"
        await client.post(f"{base}/activate")
        await client.post(f"{base}/players", json={"player_id": "p1"})
        await client.patch(f"{base}/metrics", json={"average_latency_ms": 12.5})
        offer = {"session_id": session_id, "peer_id": "peer-1", "sdp": "v=0"}
        await client.post("/api/signaling/offer", json=offer)
        await client.patch("/api/zones/prontera", json={"p2p_enabled": False})
        before = [
            (await client.get(path)).json()
            for path in (
                "/api/hosts/host-12345",
                "/api/zones/prontera",
                base,
                f"/api/signaling/offer/{session_id}",
                "/api/monitoring/dashboard",
            )
        ]
    async with serve_apps([app], prefixed=False, store=store) as served:
        client = served.client
        after = [
            (await client.get(path)).json()
            for path in (
                "/api/hosts/host-12345",
                "/api/zones/prontera",
                base,
                f"/api/signaling/offer/{session_id}",
                "/api/monitoring/dashboard",
            )
        ]
        assert after == before
        postgres = "healthy" if store.startswith("postgresql") else "not_configured"
        system = {"store": "healthy", "postgres": postgres, "redis": "not_configured"}
        assert after[-1]["system"] == system
        # Numbers carry on where they were.
        second = await client.post("/api/hosts/", json=dict(REGISTER_BODY, host_id="h2"))
        assert second.json()["id"] == 2
        await client.patch("/api/zones/prontera", json={"p2p_enabled": True})
        assert (await create_session(client))["id"] == 2


WORKERS = 8
KILL_AFTER = 120


async def test_sigkill_mid_burst_loses_nothing_acknowledged(tmp_path: Path) -> None:
    with trio.fail_after(60):  # a broken server must fail the test, not hang the suite
        store = f"sqlite:///{tmp_path / 'p2p.db'}"
        process, port = await start_serving("p2p", store, {"PARTY_ENGINE_P2P_RATE_LIMIT": "0"})
        hosts: set[str] = set()
        players: set[str] = set()
        enough = trio.Event()
        async with open_client(f"http://127.0.0.1:{port}") as client:
            await setup_host_and_zone(client)
            session_id = (await create_session(client, max_players=10_000))["session_id"]

            async def burst(worker: int) -> None:
                for n in range(10_000):
                    try:
                        host = dict(REGISTER_BODY, host_id=f"h-{worker}-{n}")
                        if (await client.post("/api/hosts/", json=host)).status_code == 201:
                            hosts.add(host["host_id"])
                        player = {"player_id": f"p-{worker}-{n}"}
                        path = f"/api/sessions/{session_id}/players"
                        if (await client.post(path, json=player)).status_code == 200:
                            players.add(player["player_id"])
                    except httpx.TransportError:
                        return  # the server is gone
                    if len(hosts) + len(players) >= KILL_AFTER:
                        enough.set()

            async with trio.open_nursery() as nursery:
                for worker in range(WORKERS):
                    nursery.start_soon(burst, worker)
                await enough.wait()
                process.send_signal(signal.SIGKILL)
                await process.wait()
        assert process.returncode == -signal.SIGKILL

        process, port = await start_serving("p2p", store, {"PARTY_ENGINE_P2P_RATE_LIMIT": "0"})
        try:
            async with open_client(f"http://127.0.0.1:{port}") as client:
                listed = {host["host_id"] for host in (await client.get("/api/hosts/")).json()}
                session = (await client.get(f"/api/sessions/{session_id}")).json()
                zone = (await client.get("/api/zones/prontera")).json()
        finally:
            process.kill()
            await process.wait()
        assert hosts <= listed, f"lost {len(hosts - listed)} acknowledged hosts"
        assert players <= set(session["connected_players"])
        # Players are counted in the zone after their session acknowledged them: the count may
        # miss the last few, never exceed the players.
        assert zone["total_players_served"] <= len(session["connected_players"])


async def test_openapi_describes_every_route_with_errors_and_security() -> None:
    async with serve_apps([app], prefixed=False) as served:
        document = (await served.client.get("/openapi.json")).json()
    paths = document["paths"]
    assert len([path for path in paths if path.startswith("/api/v1/")]) == len(
        [path for path in paths if path.startswith("/api/") and not path.startswith("/api/v1/")]
    )
    register = paths["/api/hosts/"]["post"]
    assert register["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/RegisterHostRequest"
    }
    assert {"201", "400", "401", "409", "422", "429"} <= set(register["responses"])
    assert register["responses"]["422"]["content"]["application/json"]["example"]["detail"][0][
        "loc"
    ] == ["body", "field"]
    assert "same player" in register["responses"]["409"]["description"]
    assert register["security"] == [{"ApiKey": []}, {"Bearer": []}]
    assert paths["/api/auth/token"]["post"]["security"] == [{"ApiKey": []}]
    assert set(document["components"]["securitySchemes"]) == {"ApiKey", "Bearer"}
    assert "/ws" in paths


class _Node:
    """A cluster node as the health check sees it: its Redis answers or not."""

    def __init__(self, reachable: bool) -> None:
        self._reachable = reachable
        self.timeouts: list[float] = []

    async def reachable(self, timeout: float) -> bool:
        self.timeouts.append(timeout)
        return self._reachable


@pytest.mark.parametrize(
    ("node", "redis"),
    [(None, "not_configured"), (_Node(True), "healthy"), (_Node(False), "unhealthy")],
)
async def test_the_dashboard_reports_the_clusters_redis(node: _Node | None, redis: str) -> None:
    async with open_store("memory://") as store:
        system = await SystemHealthCheck(store, node)()  # type: ignore[arg-type]
    assert (system.store.value, system.postgres.value, system.redis.value) == (
        "healthy",
        "not_configured",
        redis,
    )
    if node is not None:
        assert node.timeouts == [HEALTH_TIMEOUT]
