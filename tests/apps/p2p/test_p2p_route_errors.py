"""Every refusal of the coordinator's routes end to end: its status, its ``{"detail": ...}``,
and that nothing changed."""

from __future__ import annotations

from typing import Any

import pytest
from p2p_client import create_session, setup_host_and_zone

from engine.apps.p2p.app import app
from engine.net.client import Client
from engine.testing import serve_apps

from p2p_values import REGISTER_BODY, ZONE_BODY

MISSING = "session-0123456789abcdef"


async def detail(client: Client, method: str, path: str, status: int, **options: Any) -> Any:
    answer = await client.request(method, path, **options)
    assert answer.status_code == status, answer.text
    return answer.json()["detail"]


async def snapshot(client: Client) -> Any:
    """Everything a client can read of the coordinator's state."""
    return (
        (await client.get("/api/hosts/")).json(),
        (await client.get("/api/zones/")).json(),
        (await client.get("/api/monitoring/dashboard")).json(),
    )


async def test_unknown_ids_are_404_with_the_spec_messages() -> None:
    async with serve_apps([app], prefixed=False) as served:
        client = served.client
        await setup_host_and_zone(client)
        session_id = (await create_session(client))["session_id"]
        before = await snapshot(client)
        host = "Host not found: host-9"
        assert await detail(client, "GET", "/api/hosts/host-9", 404) == host
        assert await detail(client, "POST", "/api/hosts/host-9/heartbeat", 404, json={}) == host
        assert await detail(client, "DELETE", "/api/v1/hosts/host-9", 404) == host
        # Not even an id: still not found, nobody asked.
        assert await detail(client, "GET", "/api/hosts/-x", 404) == "Host not found: -x"
        zone = "Zone not found: izlude"
        assert await detail(client, "GET", "/api/zones/izlude", 404) == zone
        assert await detail(client, "PATCH", "/api/zones/izlude", 404, json={}) == zone
        assert await detail(client, "GET", "/api/hosts/best?zone_id=izlude", 404) == zone
        body = {"host_id": "host-12345", "zone_id": "izlude"}
        assert await detail(client, "POST", "/api/sessions/", 404, json=body) == zone
        body = {"host_id": "host-9", "zone_id": "prontera"}
        assert await detail(client, "POST", "/api/sessions/", 404, json=body) == host
        for missing in (MISSING, "session-abc123"):
            gone = f"Session not found: {missing}"
            base = f"/api/sessions/{missing}"
            assert await detail(client, "GET", base, 404) == gone
            assert await detail(client, "POST", f"{base}/activate", 404) == gone
            assert await detail(client, "PATCH", f"{base}/metrics", 404, json={}) == gone
            player = {"player_id": "p1"}
            assert await detail(client, "POST", f"{base}/players", 404, json=player) == gone
            assert await detail(client, "DELETE", f"{base}/players/p1", 404) == gone
            signal = {"session_id": missing, "peer_id": "peer-1", "sdp": "v=0"}
            assert await detail(client, "POST", "/api/signaling/offer", 404, json=signal) == gone
            assert await detail(client, "GET", f"/api/signaling/answer/{missing}", 404) == gone
        absent = await detail(client, "DELETE", f"/api/sessions/{session_id}/players/p9", 404)
        assert absent == "Player p9 not found in session 1"
        no_offer = await detail(client, "GET", f"/api/signaling/offer/{session_id}", 404)
        assert no_offer == f"No offer for session: {session_id}"
        no_answer = await detail(client, "GET", f"/api/signaling/answer/{session_id}", 404)
        assert no_answer == f"No answer for session: {session_id}"
        assert await snapshot(client) == before


async def test_rule_refusals_are_400_or_409_and_change_nothing() -> None:
    async with serve_apps([app], prefixed=False) as served:
        client = served.client
        await setup_host_and_zone(client)
        one_zone = dict(REGISTER_BODY, host_id="host-1z", max_zones=1)
        await client.post("/api/hosts/", json=one_zone)
        await client.post("/api/zones/", json={"zone_id": "geffen", "zone_name": "Geffen"})
        await client.post(
            "/api/zones/", json={"zone_id": "off", "zone_name": "Off", "p2p_enabled": False}
        )
        await create_session(client, host_id="host-1z")
        session_id = (await create_session(client, max_players=1))["session_id"]
        base = f"/api/sessions/{session_id}"
        await client.post(f"{base}/players", json={"player_id": "p1"})
        before = await snapshot(client)

        other = dict(REGISTER_BODY, player_id="someone-else")
        taken = await detail(client, "POST", "/api/hosts/", 409, json=other)
        assert taken == "Host host-12345 is registered by another player"
        exists = await detail(client, "POST", "/api/zones/", 409, json=ZONE_BODY)
        assert exists == "Zone already exists: prontera"
        beat = {"current_players": 51}
        too_many = await detail(client, "POST", "/api/hosts/host-12345/heartbeat", 400, json=beat)
        assert too_many == "Host host-12345 reports 51 players but allows at most 50"
        body = {"host_id": "host-1z", "zone_id": "geffen"}
        limit = await detail(client, "POST", "/api/sessions/", 400, json=body)
        assert limit == "Host host-1z already serves its maximum of 1 zones"
        body = {"host_id": "host-12345", "zone_id": "off"}
        refused = await detail(client, "POST", "/api/sessions/", 400, json=body)
        assert refused == "Zone off does not accept P2P sessions: P2P is disabled"
        full = await detail(client, "POST", f"{base}/players", 400, json={"player_id": "p2"})
        assert full == "Failed to add player p2 to session 2"
        await client.post(f"{base}/activate")
        before = await snapshot(client)
        again = await detail(client, "POST", f"{base}/activate", 400)
        assert again == f"Session {session_id} is ACTIVE: only a PENDING session can be activated"
        off = await detail(client, "GET", "/api/hosts/best?zone_id=off", 400)
        assert off == "Zone off does not accept P2P sessions: P2P is disabled"
        assert await snapshot(client) == before

        # A closed session refuses every change and stays readable.
        await client.patch("/api/zones/geffen", json={"status": "MAINTENANCE"})
        body = {"host_id": "host-12345", "zone_id": "geffen"}
        maintenance = await detail(client, "POST", "/api/sessions/", 400, json=body)
        assert maintenance == "Zone geffen does not accept P2P sessions: it is MAINTENANCE"
        await client.delete("/api/hosts/host-12345")
        ended = f"Session {session_id} is ENDED"
        assert (
            await detail(client, "POST", f"{base}/players", 400, json={"player_id": "p3"}) == ended
        )
        assert await detail(client, "PATCH", f"{base}/metrics", 400, json={}) == ended
        signal = {"session_id": session_id, "peer_id": "peer-1", "candidate": ""}
        assert (
            await detail(client, "POST", "/api/signaling/ice-candidate", 400, json=signal) == ended
        )
        assert (await client.get(base)).json()["status"] == "ENDED"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("status=BAD", "status must be one of ONLINE, OFFLINE, BUSY, MAINTENANCE"),
        ("min_quality_score=abc", "min_quality_score must be a number between 0 and 100"),
        ("min_quality_score=101", "min_quality_score must be a number between 0 and 100"),
        ("colour=red", "Unknown query parameters: colour"),
    ],
)
async def test_bad_host_queries_are_400(query: str, message: str) -> None:
    async with serve_apps([app], prefixed=False) as served:
        assert await detail(served.client, "GET", f"/api/hosts/?{query}", 400) == message


async def test_bad_zone_and_best_host_queries_are_400() -> None:
    async with serve_apps([app], prefixed=False) as served:
        client = served.client
        maybe = await detail(client, "GET", "/api/zones/?p2p_enabled=maybe", 400)
        assert maybe == "p2p_enabled must be true or false"
        status = await detail(client, "GET", "/api/zones/?status=OPEN", 400)
        assert status == "status must be one of ENABLED, DISABLED, MAINTENANCE"
        assert await detail(client, "GET", "/api/hosts/best", 400) == "zone_id is required"


async def test_bad_bodies_are_422_naming_every_field_and_change_nothing() -> None:
    async with serve_apps([app], prefixed=False) as served:
        client = served.client
        await setup_host_and_zone(client)
        before = await snapshot(client)
        malformed = await detail(
            client,
            "POST",
            "/api/hosts/",
            422,
            content=b'{"host_id": ',
            headers={"Content-Type": "application/json"},
        )
        assert malformed[0]["loc"] == ["body"] and malformed[0]["type"] == "json_invalid"
        wrong = dict(REGISTER_BODY, host_id="h-new", port="8080", max_players=0)
        del wrong["player_name"]
        problems = await detail(client, "POST", "/api/hosts/", 422, json=wrong)
        assert {(tuple(p["loc"]), p["type"]) for p in problems} == {
            ("body", "port"): "type_error",
            ("body", "player_name"): "missing",
        }.items()
        extra = await detail(client, "POST", "/api/zones/", 422, json=dict(ZONE_BODY, colour=1))
        assert extra == [{"loc": ["body"], "msg": "unknown fields: colour", "type": "value_error"}]
        ranges = dict(REGISTER_BODY, host_id="h-new", max_players=0, port=70000)
        problems = await detail(client, "POST", "/api/hosts/", 422, json=ranges)
        assert sorted((p["loc"][1], p["msg"]) for p in problems) == [
            ("max_players", "must be between 1 and 10000"),
            ("port", "must be between 1 and 65535"),
        ]
        truthy = await detail(client, "PATCH", "/api/zones/prontera", 422, json={"p2p_enabled": 1})
        assert truthy[0]["loc"] == ["body", "p2p_enabled"]
        not_object = await detail(client, "POST", "/api/sessions/", 422, json=[1])
        assert not_object[0]["msg"] == "expected a JSON object, got array"
        assert await snapshot(client) == before
        # Last: the engine's HTTP path drops the connection after answering an unread body.
        huge = {"session_id": MISSING, "peer_id": "p", "sdp": "x" * (1 << 20)}
        assert (await client.post("/api/signaling/offer", json=huge)).status_code == 413
