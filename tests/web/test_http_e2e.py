"""The HTTP edge end to end: real Hypercorn on a loopback port, a real HTTP client."""

from __future__ import annotations

import time

import jwt
import trio

from notes_app import app
from serving import serve_apps

from engine.web import load_or_create_secret


async def test_create_and_read_with_path_params_and_status():
    async with serve_apps([app], prefixed=False) as served:
        response = await served.client.post("/notes", json={"text": "hello"})
        assert response.status_code == 201
        assert response.json() == {"id": 1, "text": "hello", "pinned": False}
        assert (await served.client.get("/notes/1")).json()["text"] == "hello"
        missing = await served.client.get("/notes/9")
        assert missing.status_code == 404
        assert missing.json() == {"detail": "note 9 not found"}


async def test_bad_input_names_the_fields_and_changes_nothing():
    async with serve_apps([app], prefixed=False) as served:
        client = served.client
        malformed = await client.post("/notes", content=b"{nope", headers={"Content-Type": "application/json"})
        assert malformed.status_code == 422
        assert malformed.json()["detail"][0]["type"] == "json_invalid"
        wrong_type = await client.post("/notes", json={"text": 5})
        assert wrong_type.status_code == 422
        assert wrong_type.json()["detail"][0]["loc"] == ["body", "text"]
        missing = await client.post("/notes", json={})
        assert missing.json()["detail"][0] == {"loc": ["body", "text"], "msg": "field required", "type": "missing"}
        too_long = await client.post("/notes", json={"text": "x" * 21})
        assert too_long.status_code == 422
        not_object = await client.post("/notes", json=[1, 2])
        assert not_object.status_code == 422
        assert (await client.get("/notes/1")).status_code == 404  # nothing was created
        # Last: the server closes the connection after refusing an oversized body.
        huge = await client.post("/notes", content=b'{"text":"' + b"x" * (2 << 20) + b'"}')
        assert huge.status_code == 413
        assert "detail" in huge.json()


async def test_a_bug_is_a_500_without_traceback_with_request_id():
    async with serve_apps([app], prefixed=False) as served:
        response = await served.client.get("/boom")
        assert response.status_code == 500
        body = response.json()
        assert "secret internals" not in response.text and "Traceback" not in response.text
        assert response.headers["X-Request-ID"] in body["detail"]


async def test_405_says_which_methods_are_allowed():
    async with serve_apps([app], prefixed=False) as served:
        for path in ("/notes/1", "/health"):
            response = await served.client.put(path, json={})
            assert response.status_code == 405
            assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
            assert "detail" in response.json()


async def test_rate_limit_headers_then_429():
    async with serve_apps([app], prefixed=False) as served:
        remaining = []
        for _ in range(3):
            response = await served.client.post("/login")
            assert response.status_code == 200
            assert response.headers["X-RateLimit-Limit"] == "3"
            remaining.append(int(response.headers["X-RateLimit-Remaining"]))
            assert int(response.headers["X-RateLimit-Reset"]) >= int(time.time())
        assert remaining == [2, 1, 0]
        refused = await served.client.post("/login")
        assert refused.status_code == 429
        assert refused.json() == {"detail": "Too many requests, try again later"}
        assert int(refused.headers["Retry-After"]) >= 1


async def test_jwt_valid_forged_expired_and_missing():
    async with serve_apps([app], prefixed=False) as served:
        client = served.client
        token = (await client.post("/login")).json()["token"]
        assert (await client.get("/me", headers={"Authorization": f"Bearer {token}"})).json() == {"sub": "someone"}
        forged = jwt.encode({"sub": "admin", "iss": "notes", "exp": time.time() + 60}, "x" * 32, algorithm="HS256")
        secret = await load_or_create_secret(served.engine.store, environ=served.engine.environ)
        expired = jwt.encode(
            {"sub": "someone", "iss": "notes", "exp": int(time.time()) - 10, "iat": int(time.time()) - 100},
            secret,
            algorithm="HS256",
        )
        for bad, message in ((forged, "invalid token"), (expired, "token expired"), ("garbage", "invalid token")):
            response = await client.get("/me", headers={"Authorization": f"Bearer {bad}"})
            assert (response.status_code, response.json()) == (401, {"detail": message})
        assert (await client.get("/me")).status_code == 401


async def test_jwt_secret_survives_a_restart(tmp_path):
    store = f"sqlite:///{tmp_path / 'engine.db'}"
    async with serve_apps([app], store=store, prefixed=False) as served:
        token = (await served.client.post("/login")).json()["token"]
    async with serve_apps([app], store=store, prefixed=False) as served:
        response = await served.client.get("/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200


async def test_cors_allows_listed_origins_only():
    async with serve_apps([app], prefixed=False) as served:
        ok = await served.client.get("/notes/1", headers={"Origin": "https://ok.example"})
        assert ok.headers["Access-Control-Allow-Origin"] == "https://ok.example"
        assert "X-RateLimit-Limit" in ok.headers["Access-Control-Expose-Headers"]
        other = await served.client.get("/notes/1", headers={"Origin": "https://evil.example"})
        assert "Access-Control-Allow-Origin" not in other.headers
        preflight = await served.client.request(
            "OPTIONS",
            "/notes",
            headers={"Origin": "https://ok.example", "Access-Control-Request-Method": "POST"},
        )
        assert preflight.status_code in (200, 204)
        assert "POST" in preflight.headers["Access-Control-Allow-Methods"]


async def test_prefixed_serving_health_metrics_and_openapi():
    async with serve_apps([app], prefixed=True) as served:
        client = served.client
        assert (await client.post("/notes/notes", json={"text": "hi"})).status_code == 201
        assert (await client.get("/notes/notes/1")).status_code == 200
        assert (await client.get("/health")).json()["status"] == "ok"
        metrics = (await client.get("/metrics")).text
        assert 'party_engine_actors_alive{kind="Notes"} 1' in metrics
        assert "party_engine_http_requests_total 2" in metrics
        assert "party_engine_store_commit_latency_seconds" in metrics
        document = (await client.get("/openapi.json")).json()
        operation = document["paths"]["/notes/notes"]["post"]
        assert operation["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/NewNote"}
        assert document["components"]["schemas"]["NewNote"]["required"] == ["text"]
        alone = (await client.get("/notes/openapi.json")).json()
        assert "/notes/notes/{note_id}" in alone["paths"]


async def test_many_concurrent_requests():
    async with serve_apps([app], prefixed=False) as served:
        statuses = []

        async def one(n: int) -> None:
            statuses.append((await served.client.post("/notes", json={"text": f"n{n}"})).status_code)

        async with trio.open_nursery() as nursery:
            for n in range(50):
                nursery.start_soon(one, n)
        assert statuses == [201] * 50
