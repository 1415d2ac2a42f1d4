"""The guard in front of every route: the rate limit per client IP and, while an API key is
set, authentication by key or bearer token; end to end."""

from __future__ import annotations

import logging

import pytest
import trio
from p2p_client import setup_host_and_zone

from engine.apps.p2p.app import app
from engine.testing import serve_apps

from p2p_values import REGISTER_BODY

KEY = "s3cret-key"
AUTH = {"PARTY_ENGINE_P2P_API_KEY": KEY}


async def test_without_a_key_the_api_is_open_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="engine.apps.p2p"):
        async with serve_apps([app], prefixed=False) as served:
            assert (await served.client.get("/api/hosts/")).status_code == 200
    assert "PARTY_ENGINE_P2P_API_KEY is not set: the API is open" in caplog.text


async def test_with_a_key_every_route_needs_the_key_or_a_token(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="engine.apps.p2p"):
        async with serve_apps([app], prefixed=False, environ=AUTH) as served:
            client = served.client
            for path in ("/api/hosts/", "/api/v1/zones/", "/api/monitoring/dashboard"):
                refused = await client.get(path)
                assert refused.status_code == 401
                assert refused.headers["WWW-Authenticate"] == "Bearer"
                assert refused.json() == {
                    "detail": "Not authenticated: send X-API-Key or a bearer token"
                }
            # Refused before the body is read: a bad body without credentials is a 401.
            assert (await client.post("/api/hosts/", content=b"{")).status_code == 401
            wrong = await client.get("/api/hosts/", headers={"X-API-Key": "guess"})
            assert (wrong.status_code, wrong.json()) == (401, {"detail": "Invalid API key"})
            await setup_host_and_zone(client, **{"X-API-Key": KEY})
            issued = await client.post(
                "/api/auth/token", json={"player_id": "player-1"}, headers={"X-API-Key": KEY}
            )
            token = issued.json()
            assert (token["token_type"], token["expires_in"]) == ("bearer", 3600)
            bearer = {"Authorization": f"Bearer {token['access_token']}"}
            listed = await client.get("/api/hosts/", headers=bearer)
            assert [host["host_id"] for host in listed.json()] == ["host-12345"]
            # A token cannot obtain another.
            again = await client.post("/api/v1/auth/token", json={"player_id": "p"}, headers=bearer)
            assert again.status_code == 401
            forged = {"Authorization": f"Bearer {token['access_token'][:-2]}xx"}
            refused = await client.get("/api/hosts/", headers=forged)
            assert (refused.status_code, refused.json()) == (401, {"detail": "Invalid token"})
    assert "authentication is on" in caplog.text


async def test_tokens_expire(autojump_clock: trio.testing.MockClock) -> None:
    environ = {**AUTH, "PARTY_ENGINE_P2P_TOKEN_TTL": "60"}
    async with serve_apps([app], prefixed=False, environ=environ) as served:
        client = served.client
        issued = await client.post(
            "/api/auth/token", json={"player_id": "player-1"}, headers={"X-API-Key": KEY}
        )
        bearer = {"Authorization": f"Bearer {issued.json()['access_token']}"}
        assert (await client.get("/api/zones/", headers=bearer)).status_code == 200
        await trio.sleep(61)
        expired = await client.get("/api/zones/", headers=bearer)
        assert (expired.status_code, expired.json()) == (401, {"detail": "Token expired"})


async def test_the_rate_limit_counts_every_route_per_ip(
    autojump_clock: trio.testing.MockClock,
) -> None:
    environ = {"PARTY_ENGINE_P2P_RATE_LIMIT": "3", "PARTY_ENGINE_P2P_RATE_LIMIT_WINDOW": "60"}
    async with serve_apps([app], prefixed=False, environ=environ) as served:
        client = served.client
        first = await client.get("/api/hosts/")
        assert (first.headers["X-RateLimit-Limit"], first.headers["X-RateLimit-Remaining"]) == (
            "3",
            "2",
        )
        assert int(first.headers["X-RateLimit-Reset"]) > 0
        # Errors count, and carry the headers too.
        missing = await client.get("/api/zones/nowhere")
        assert (missing.status_code, missing.headers["X-RateLimit-Remaining"]) == (404, "1")
        await client.post("/api/hosts/", json=REGISTER_BODY)
        limited = await client.get("/api/v1/hosts/")
        assert limited.status_code == 429
        assert limited.json() == {"detail": "Too many requests, try again later"}
        assert limited.headers["X-RateLimit-Remaining"] == "0"
        assert int(limited.headers["Retry-After"]) == 60
        await trio.sleep(60)
        assert (await client.get("/api/hosts/")).status_code == 200


async def test_a_rate_limit_of_zero_turns_it_off() -> None:
    async with serve_apps(
        [app], prefixed=False, environ={"PARTY_ENGINE_P2P_RATE_LIMIT": "0"}
    ) as served:
        answer = await served.client.get("/api/hosts/")
        assert answer.status_code == 200 and "X-RateLimit-Limit" not in answer.headers
