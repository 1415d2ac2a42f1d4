"""The HTTP API end to end on a loopback port with a real HTTP client, on both of the engine's
paths (the listener's direct path, and Quart-Trio on Hypercorn): the answers must not differ."""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from functools import partial

import jwt
import pytest

from engine.apps.watchparty.app import app
from engine.apps.watchparty.session_actor import SESSION_KIND
from engine.testing import serve_apps

from .conftest import WatchPartyApi, serve_watchparty

UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
SESSION_FULL = {
    "error": "Session full",
    "message": "This session has reached the maximum number of participants",
}
NOT_FOUND = {
    "error": "Session not found",
    "message": "The session you're trying to join doesn't exist or has expired",
}
BAD_NAME = "Name must be between 3 and 50 characters"
TOO_LONG = "Password must be at most 72 bytes"
UNKNOWN_ID = "550e8400-e29b-41d4-a716-446655440000"


@pytest.fixture(params=["direct", "quart"])
def through_quart(request: pytest.FixtureRequest) -> bool:
    return bool(request.param == "quart")


@pytest.fixture
def serve(through_quart: bool) -> Callable[..., AbstractAsyncContextManager[WatchPartyApi]]:
    """The conftest's ``serve``, on one path or the other."""
    return partial(serve_watchparty, through_quart=through_quart)


@pytest.fixture
async def api(
    serve: Callable[..., AbstractAsyncContextManager[WatchPartyApi]],
) -> AsyncIterator[WatchPartyApi]:
    async with serve() as served:
        yield served


def verified_claims(api, token: str) -> dict:
    secret = api.served.engine.contexts["watchparty"].tokens.secret
    return jwt.decode(token, secret, algorithms=["HS256"], issuer="watchparty")


def rfc3339(text: str) -> datetime:
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", text), text
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


async def test_health(api):
    response = await api.client.get("/health")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


# -- create ------------------------------------------------------------------------------------


async def test_create_answers_the_spec_shape_with_a_host_token(api):
    response = await api.client.post(
        "/api/sessions/create", json={"name": "Movie Night", "password": "secure123"}
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"id", "name", "share_url", "token", "ice_servers"}
    assert UUID4.fullmatch(body["id"])
    assert body["name"] == "Movie Night"
    assert body["share_url"] == f"http://localhost:5173/join/{body['id']}"
    assert body["ice_servers"] == [
        {"urls": "stun:stun.l.google.com:19302"},
        {"urls": "stun:stun1.l.google.com:19302"},
    ]
    header = jwt.get_unverified_header(body["token"])
    claims = verified_claims(api, body["token"])
    assert header["alg"] == "HS256"
    assert claims["session_id"] == body["id"]
    assert UUID4.fullmatch(claims["user_id"])
    assert claims["username"] and claims["is_host"] is True
    assert claims["exp"] - claims["iat"] == 3600
    assert abs(claims["iat"] - time.time()) < 60


async def test_the_password_is_stored_only_as_a_bcrypt_hash(api):
    host = await api.create(password="secure123")
    record = await api.served.engine.store.load(SESSION_KIND, host.session_id)
    saved = repr(record.data)
    assert "secure123" not in saved
    # Cost 4 as configured for the tests (12 by default).
    assert record.data["password_hash"].startswith("$2b$04$")


async def test_names_are_trimmed_and_stripped_of_control_characters(api):
    response = await api.client.post(
        "/api/sessions/create", json={"name": "  \x00Movie\x07 Night\n ", "password": "secure123"}
    )
    assert response.json()["name"] == "Movie Night"


@pytest.mark.parametrize(
    ("body", "details"),
    [
        (
            {"name": "ab", "password": "12345"},
            {
                "name": BAD_NAME,
                "password": "Password must be at least 6 characters",
            },
        ),
        ({"name": "x" * 51, "password": "secure123"}, {"name": BAD_NAME}),
        ({"name": "\x00\x01ab\x02", "password": "secure123"}, {"name": BAD_NAME}),
        ({"password": "secure123"}, {"name": "Name is required"}),
        ({"name": 42, "password": "secure123"}, {"name": "Name must be a string"}),
        ({"name": "Movie Night", "password": "x" * 73}, {"password": TOO_LONG}),
    ],
)
async def test_create_validation_names_every_bad_field(api, body, details):
    response = await api.client.post("/api/sessions/create", json=body)
    assert response.status_code == 400
    assert response.json() == {
        "error": "Validation failed",
        "message": "Invalid input",
        "details": details,
    }


async def test_a_body_that_is_not_a_json_object_is_400(api):
    malformed = await api.client.post(
        "/api/sessions/create", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert malformed.status_code == 400
    assert malformed.json()["error"] == "Bad Request"
    assert "malformed JSON" in malformed.json()["details"]["body"]
    for body in ([1, 2], "text", None):
        response = await api.client.post("/api/sessions/join", json=body)
        assert response.status_code == 400
        assert response.json() == {"error": "Bad Request", "message": "Invalid request body"}


async def test_create_is_limited_to_5_per_hour_per_ip_with_headers(api):
    remaining = []
    for _ in range(5):
        response = await api.client.post(
            "/api/sessions/create", json={"name": "Movie Night", "password": "secure123"}
        )
        assert response.status_code == 200
        assert response.headers["X-RateLimit-Limit"] == "5"
        remaining.append(int(response.headers["X-RateLimit-Remaining"]))
        reset = int(response.headers["X-RateLimit-Reset"])
        assert time.time() + 3500 < reset <= time.time() + 3602
    assert remaining == [4, 3, 2, 1, 0]
    refused = await api.client.post(
        "/api/sessions/create", json={"name": "Movie Night", "password": "secure123"}
    )
    assert refused.status_code == 429
    assert refused.json()["error"] == "Rate limit exceeded"
    assert refused.json()["message"] == "Maximum 5 session creations per hour"
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert 3500 < int(refused.headers["Retry-After"]) <= 3600


# -- join --------------------------------------------------------------------------------------


async def test_join_answers_id_name_and_a_guest_token(api):
    host = await api.create()
    response = await api.try_join(host.session_id.upper())
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"id", "name", "token"}
    assert (body["id"], body["name"]) == (host.session_id, "Movie Night")
    claims = verified_claims(api, body["token"])
    assert claims["session_id"] == host.session_id
    assert claims["is_host"] is False
    assert claims["user_id"] != host.user_id and claims["username"] != host.username
    assert claims["exp"] - claims["iat"] == 3600


async def test_join_refusals_in_order_400_404_401(api):
    host = await api.create()
    invalid = await api.try_join("not-a-uuid", "")
    assert invalid.status_code == 400
    assert invalid.json()["details"] == {
        "session_id": "Session ID must be a valid UUID",
        "password": "Password is required",
    }
    unknown = await api.try_join(UNKNOWN_ID, "wrong-password")
    assert (unknown.status_code, unknown.json()) == (404, NOT_FOUND)
    wrong = await api.try_join(host.session_id, "wrong-password")
    assert (wrong.status_code, wrong.json()) == (
        401,
        {"error": "Authentication failed", "message": "Invalid password"},
    )


async def test_the_eleventh_participant_is_refused_with_403(api):
    host = await api.create()
    for _ in range(9):
        await api.join(host.session_id)
    full = await api.try_join(host.session_id)
    assert (full.status_code, full.json()) == (403, SESSION_FULL)
    details = (await api.details(host.session_id, host.token)).json()
    assert len(details["participants"]) == 10


async def test_join_is_limited_to_10_per_minute_per_session_and_ip(api):
    host = await api.create()
    other = await api.create(name="Other Night")
    for expected_remaining in range(9, -1, -1):
        response = await api.try_join(host.session_id, "wrong-password")
        assert response.status_code == 401
        assert response.headers["X-RateLimit-Limit"] == "10"
        assert int(response.headers["X-RateLimit-Remaining"]) == expected_remaining
    # Even the right password: guessing stops here.
    refused = await api.try_join(host.session_id)
    assert refused.status_code == 429
    assert refused.json()["error"] == "Rate limit exceeded"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    # The same id spelled in upper case is the same session, and the same limit.
    assert (await api.try_join(host.session_id.upper())).status_code == 429
    # Another session has its own limit.
    assert (await api.try_join(other.session_id)).status_code == 200


# -- details -----------------------------------------------------------------------------------


async def test_details_with_a_token_of_the_session(api):
    host = await api.create()
    guest = await api.join(host.session_id)
    response = await api.details(host.session_id, guest.token)
    assert response.status_code == 200
    body = response.json()
    assert body == {
        "id": host.session_id,
        "name": "Movie Night",
        "host_id": host.user_id,
        "participants": [host.user_id, guest.user_id],
        "max_participants": 10,
        "created_at": body["created_at"],
        "expires_at": body["expires_at"],
    }
    created, expires = rfc3339(body["created_at"]), rfc3339(body["expires_at"])
    assert expires - created == timedelta(hours=24)
    assert abs(created.timestamp() - time.time()) < 60


async def test_details_refusals_401_and_403(api):
    host = await api.create()
    other = await api.create(name="Other Night")
    missing = await api.details(host.session_id, None)
    assert (missing.status_code, missing.json()) == (
        401,
        {"error": "Unauthorized", "message": "Missing token"},
    )
    garbage = await api.details(host.session_id, "garbage")
    assert (garbage.status_code, garbage.json()["error"]) == (401, "Unauthorized")
    forged = jwt.encode(
        {"session_id": host.session_id, "user_id": host.user_id, "username": "x", "is_host": True,
         "iss": "watchparty", "exp": int(time.time()) + 600},
        "x" * 32,
        algorithm="HS256",
    )  # fmt: skip
    assert (await api.details(host.session_id, forged)).status_code == 401
    expired = jwt.encode(
        {"session_id": host.session_id, "user_id": host.user_id, "username": "x", "is_host": True,
         "iss": "watchparty", "iat": int(time.time()) - 7200, "exp": int(time.time()) - 3600},
        api.served.engine.contexts["watchparty"].tokens.secret,
        algorithm="HS256",
    )  # fmt: skip
    assert (await api.details(host.session_id, expired)).json() == {
        "error": "Unauthorized",
        "message": "Token has expired",
    }
    foreign = await api.details(host.session_id, other.token)
    assert (foreign.status_code, foreign.json()) == (
        403,
        {"error": "Forbidden", "message": "This token is for another session"},
    )
    assert (await api.details("not-a-session", host.token)).status_code == 403


async def test_details_refuse_a_valid_token_of_someone_without_a_seat(api):
    host = await api.create()
    stranger = jwt.encode(
        {"session_id": host.session_id, "user_id": "not-a-participant", "username": "x",
         "is_host": False, "iss": "watchparty", "iat": int(time.time()),
         "exp": int(time.time()) + 600},
        api.served.engine.contexts["watchparty"].tokens.secret,
        algorithm="HS256",
    )  # fmt: skip
    refused = await api.details(host.session_id, stranger)
    assert (refused.status_code, refused.json()) == (
        403,
        {"error": "Forbidden", "message": "You are not a participant of this session"},
    )
    assert (await api.details(host.session_id, host.token)).status_code == 200


# -- CORS and serving ----------------------------------------------------------------------------


async def test_cors_allows_the_configured_origins_with_credentials(through_quart):
    environ = {
        "PARTY_ENGINE_WATCHPARTY_BCRYPT_COST": "4",
        "PARTY_ENGINE_WATCHPARTY_PUBLIC_URL": "https://watchparty.example.com",
    }
    async with serve_apps(
        [app], prefixed=False, environ=environ, through_quart=through_quart
    ) as served:
        client = served.client
        for origin in ("http://localhost:5173", "https://watchparty.example.com"):
            preflight = await client.request(
                "OPTIONS",
                "/api/sessions/create",
                headers={
                    "Origin": origin,
                    "Access-Control-Request-Method": "POST",
                    "Access-Control-Request-Headers": "Content-Type, Authorization",
                },
            )
            assert preflight.status_code in (200, 204)
            assert preflight.headers["Access-Control-Allow-Origin"] == origin
            assert preflight.headers["Access-Control-Allow-Credentials"] == "true"
            allowed = preflight.headers
            assert allowed["Access-Control-Allow-Methods"] == "GET, POST, PUT, DELETE, OPTIONS"
            assert allowed["Access-Control-Allow-Headers"] == "Content-Type, Authorization"
        created = await client.post(
            "/api/sessions/create",
            json={"name": "Movie Night", "password": "secure123"},
            headers={"Origin": "https://watchparty.example.com"},
        )
        assert created.headers["Access-Control-Allow-Origin"] == "https://watchparty.example.com"
        assert "X-RateLimit-Remaining" in created.headers["Access-Control-Expose-Headers"]
        assert created.json()["share_url"].startswith("https://watchparty.example.com/join/")
        refused = await client.get("/health", headers={"Origin": "https://evil.example"})
        assert "Access-Control-Allow-Origin" not in refused.headers


async def test_served_under_its_prefix_alongside_other_apps(serve):
    async with serve(prefixed=True) as api:
        created = await api.client.post(
            "/watchparty/api/sessions/create", json={"name": "Movie Night", "password": "secure123"}
        )
        assert created.status_code == 200
        body = created.json()
        details = await api.client.get(
            f"/watchparty/api/sessions/{body['id']}",
            headers={"Authorization": f"Bearer {body['token']}"},
        )
        assert details.status_code == 200
        assert (await api.client.get("/watchparty/health")).json() == {"status": "ok"}
        async with api.client.websocket(
            f"/watchparty/ws/{body['id']}", params={"token": body["token"]}
        ) as ws:
            await ws.write_json({"type": "chat", "payload": {"message": "hi"}})
            assert (await ws.receive_until("chat"))["payload"]["message"] == "hi"


async def test_cors_origins_come_from_the_engine_environment(through_quart):
    environ = {
        "PARTY_ENGINE_WATCHPARTY_BCRYPT_COST": "4",
        "PARTY_ENGINE_WATCHPARTY_CORS_ORIGINS": "https://films.example",
    }
    async with serve_apps(
        [app], environ=environ, prefixed=False, through_quart=through_quart
    ) as served:
        allowed = await served.client.get("/health", headers={"Origin": "https://films.example"})
        assert allowed.headers["Access-Control-Allow-Origin"] == "https://films.example"
        refused = await served.client.get("/health", headers={"Origin": "http://localhost:5173"})
        assert "Access-Control-Allow-Origin" not in refused.headers
