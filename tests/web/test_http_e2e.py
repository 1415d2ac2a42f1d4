"""The HTTP edge end to end on a loopback port, with a real HTTP client, on both paths: the
listener's direct path for declared routes and, with ``through_quart``, Quart-Trio on
Hypercorn for everything. Every test runs on both and expects the same answers."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

import jwt
import pytest
import trio
import trio.testing

from engine.net import Reject
from engine.testing import serve_apps
from engine.web import (
    AppSpec,
    CodedErrors,
    Cors,
    Request,
    Routes,
    load_or_create_secret,
    open_engine,
)

from notes_app import app
from raw_http import RawResponse, raw_http


@pytest.fixture(params=["direct", "quart"])
def serve(request: pytest.FixtureRequest) -> Any:
    """`serve_apps` on one path or the other."""
    return partial(serve_apps, through_quart=request.param == "quart")


async def test_create_and_read_with_path_params_and_status(serve):
    async with serve([app], prefixed=False) as served:
        response = await served.client.post("/notes", json={"text": "hello"})
        assert response.status_code == 201
        assert response.json() == {"id": 1, "text": "hello", "pinned": False}
        assert (await served.client.get("/notes/1")).json()["text"] == "hello"
        missing = await served.client.get("/notes/9")
        assert missing.status_code == 404
        assert missing.json() == {"detail": "note 9 not found"}


async def test_bad_input_names_the_fields_and_changes_nothing(serve):
    async with serve([app], prefixed=False) as served:
        client = served.client
        malformed = await client.post(
            "/notes", content=b"{nope", headers={"Content-Type": "application/json"}
        )
        assert malformed.status_code == 422
        assert malformed.json()["detail"][0]["type"] == "json_invalid"
        wrong_type = await client.post("/notes", json={"text": 5})
        assert wrong_type.status_code == 422
        assert wrong_type.json()["detail"][0]["loc"] == ["body", "text"]
        missing = await client.post("/notes", json={})
        assert missing.json()["detail"][0] == {
            "loc": ["body", "text"],
            "msg": "field required",
            "type": "missing",
        }
        too_long = await client.post("/notes", json={"text": "x" * 21})
        assert too_long.status_code == 422
        not_object = await client.post("/notes", json=[1, 2])
        assert not_object.status_code == 422
        assert (await client.get("/notes/1")).status_code == 404  # nothing was created
        # Last: the server closes the connection after refusing an oversized body.
        huge = await client.post("/notes", content=b'{"text":"' + b"x" * (2 << 20) + b'"}')
        assert huge.status_code == 413
        assert "detail" in huge.json()


async def test_a_bug_is_a_500_without_traceback_with_request_id(serve):
    async with serve([app], prefixed=False) as served:
        response = await served.client.get("/boom")
        assert response.status_code == 500
        body = response.json()
        assert "secret internals" not in response.text and "Traceback" not in response.text
        assert response.headers["X-Request-ID"] in body["detail"]


async def test_405_says_which_methods_are_allowed(serve):
    async with serve([app], prefixed=False) as served:
        for path in ("/notes/1", "/health"):
            response = await served.client.put(path, json={})
            assert response.status_code == 405
            assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
            assert "detail" in response.json()


async def test_rate_limit_headers_then_429(serve):
    async with serve([app], prefixed=False) as served:
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


async def test_jwt_valid_forged_expired_and_missing(serve):
    async with serve([app], prefixed=False) as served:
        client = served.client
        token = (await client.post("/login")).json()["token"]
        assert (await client.get("/me", headers={"Authorization": f"Bearer {token}"})).json() == {
            "sub": "someone"
        }
        forged = jwt.encode(
            {"sub": "admin", "iss": "notes", "exp": time.time() + 60}, "x" * 32, algorithm="HS256"
        )
        secret = await load_or_create_secret(served.engine.store, environ=served.engine.environ)
        expired = jwt.encode(
            {
                "sub": "someone",
                "iss": "notes",
                "exp": int(time.time()) - 10,
                "iat": int(time.time()) - 100,
            },
            secret,
            algorithm="HS256",
        )
        for bad, message in (
            (forged, "invalid token"),
            (expired, "token expired"),
            ("garbage", "invalid token"),
        ):
            response = await client.get("/me", headers={"Authorization": f"Bearer {bad}"})
            assert (response.status_code, response.json()) == (401, {"detail": message})
        assert (await client.get("/me")).status_code == 401


async def test_jwt_secret_survives_a_restart(serve, tmp_path):
    store = f"sqlite:///{tmp_path / 'engine.db'}"
    async with serve([app], store=store, prefixed=False) as served:
        token = (await served.client.post("/login")).json()["token"]
    async with serve([app], store=store, prefixed=False) as served:
        response = await served.client.get("/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200


async def test_cors_allows_listed_origins_only(serve):
    async with serve([app], prefixed=False) as served:
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


async def test_prefixed_serving_health_metrics_and_openapi(serve):
    async with serve([app], prefixed=True) as served:
        client = served.client
        assert (await client.post("/notes/notes", json={"text": "hi"})).status_code == 201
        assert (await client.get("/notes/notes/1")).status_code == 200
        assert (await client.get("/health")).json()["status"] == "ok"
        metrics = (await client.get("/metrics")).text
        assert 'party_engine_actors_alive{kind="Notes"} 1' in metrics
        assert "# TYPE party_engine_http_requests_total counter" in metrics
        assert "# TYPE party_engine_store_commit_latency_seconds histogram" in metrics
        document = (await client.get("/openapi.json")).json()
        operation = document["paths"]["/notes/notes"]["post"]
        assert operation["requestBody"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/NewNote"
        }
        assert document["components"]["schemas"]["NewNote"]["required"] == ["text"]
        alone = (await client.get("/notes/openapi.json")).json()
        assert "/notes/notes/{note_id}" in alone["paths"]


async def test_many_concurrent_requests(serve):
    async with serve([app], prefixed=False) as served:
        statuses = []

        async def one(n: int) -> None:
            statuses.append(
                (await served.client.post("/notes", json={"text": f"n{n}"})).status_code
            )

        async with trio.open_nursery() as nursery:
            for n in range(50):
                nursery.start_soon(one, n)
        assert statuses == [201] * 50


# Protocol-level behaviour, over raw sockets: both paths must put the same answers on the wire.


async def test_request_id_is_echoed_and_405_is_in_the_apps_format(serve):
    async with serve([app], prefixed=False) as served:
        response = await served.client.get("/me", headers={"X-Request-ID": "req-42"})
        assert response.headers["X-Request-ID"] == "req-42"
        wrong_method = await served.client.delete("/me")
        assert wrong_method.status_code == 405
        assert "detail" in wrong_method.json()


async def test_keep_alive_pipelining_and_other_routes_on_one_connection(serve):
    """Pipelined requests are answered in order, declared routes and Quart's own alike."""
    async with serve([app], prefixed=False) as served, raw_http(served.port) as http:
        body = b'{"text":"piped"}'
        await http.send(
            b"POST /notes HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n%s"
            % (len(body), body)
            + b"GET /notes/1 HTTP/1.1\r\nHost: t\r\n\r\n"
            + b"GET /health HTTP/1.1\r\nHost: t\r\n\r\n"
            + b"GET /notes/9 HTTP/1.1\r\nHost: t\r\n\r\n"
        )
        created, read, health, missing = await http.responses(4)
        assert (created.status, json.loads(created.body)) == (
            201,
            {"id": 1, "text": "piped", "pinned": False},
        )
        assert (read.status, json.loads(read.body)["text"]) == (200, "piped")
        assert (health.status, json.loads(health.body)["status"]) == (200, "ok")
        assert (missing.status, json.loads(missing.body)) == (404, {"detail": "note 9 not found"})


async def test_connection_close_is_honoured(serve):
    async with serve([app], prefixed=False) as served, raw_http(served.port) as http:
        await http.send(b"GET /notes/1 HTTP/1.1\r\nHost: t\r\n\r\n")
        await http.send(b"GET /notes/1 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        first, last = await http.responses(2)
        assert (first.status, last.status) == (404, 404)
        assert last.headers["connection"] == "close"
        assert await http.closed_by_server()


async def test_chunked_request_body(serve):
    async with serve([app], prefixed=False) as served, raw_http(served.port) as http:
        await http.send(
            b"POST /notes HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n"
            b"Content-Type: application/json\r\n\r\n"
            b'6\r\n{"text\r\n0b;ext=1\r\n":"chunks"}\r\n0\r\nX-Trailer: yes\r\n\r\n'
            b"GET /notes/1 HTTP/1.1\r\nHost: t\r\n\r\n"
        )
        created, read = await http.responses(2)
        assert created.status == 201
        assert json.loads(read.body)["text"] == "chunks"


async def test_head_answers_the_headers_of_get_without_a_body(serve):
    async with serve([app], prefixed=False) as served:
        await served.client.post("/notes", json={"text": "hi"})
        get = await served.client.get("/notes/1")
        async with raw_http(served.port) as http:
            await http.send(b"HEAD /notes/1 HTTP/1.1\r\nHost: t\r\n\r\n")
            head = await http.head()
            assert head.startswith(b"HTTP/1.1 200 ")
            assert b"content-length: %d" % len(get.content) in head.lower()
            # A body after the head would be read as the start of the next response.
            await http.send(b"GET /notes/1 HTTP/1.1\r\nHost: t\r\n\r\n")
            (after,) = await http.responses(1)
            assert (after.status, after.body) == (200, get.content)


async def test_expect_100_continue(serve):
    async with serve([app], prefixed=False) as served, raw_http(served.port) as http:
        body = b'{"text":"patient"}'
        await http.send(
            b"POST /notes HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            b"Expect: 100-continue\r\nContent-Length: %d\r\n\r\n" % len(body)
        )
        assert (await http.head()).startswith(b"HTTP/1.1 100 ")
        await http.send(body)
        (created,) = await http.responses(1)
        assert created.status == 201


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"NOT A REQUEST\r\n\r\n",
        b"GET /notes/1 HTTP/1.1\r\nHost: t\r\nBad Header: x\r\n\r\n",
        b"POST /notes HTTP/1.1\r\nHost: t\r\nContent-Length: nine\r\n\r\n",
        b"POST /notes HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        b"POST /notes HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"POST /notes HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcdef\r\n",
    ],
    ids=[
        "request-line",
        "header-name",
        "content-length",
        "two-lengths",
        "chunk-size",
        "chunk-data",
    ],
)
async def test_malformed_requests_are_400_never_500(serve, request_bytes):
    async with serve([app], prefixed=False) as served, raw_http(served.port) as http:
        await http.send(request_bytes)
        assert (await http.response()).status == 400


async def test_oversized_chunked_body_is_413(serve):
    async with serve([app], prefixed=False) as served, raw_http(served.port) as http:
        chunk = b"x" * 65536
        await http.send(b"POST /notes HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
        with trio.move_on_after(5):  # the server may stop reading once it has refused
            for _ in range(20):
                await http.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        (refused,) = await http.responses(1)
        assert refused.status == 413
        assert "detail" in json.loads(refused.body)


async def test_a_client_silent_in_its_request_head_is_dropped_without_a_leak(serve, autojump_clock):
    async with serve([app], prefixed=False) as served:
        await trio.testing.wait_all_tasks_blocked()
        tasks_before = _tasks()
        async with raw_http(served.port) as http:
            await http.send(b"GET /notes/1 HTTP/1.1\r\nHost: t\r\n")
            await trio.sleep(60)
            assert await http.closed_by_server()
        await trio.testing.wait_all_tasks_blocked()
        assert _tasks() == tasks_before


async def test_an_idle_keep_alive_connection_closes_after_the_keep_alive_timeout(
    serve, autojump_clock
):
    """Hypercorn's keep_alive_timeout (5 s), counted again from each answer."""
    async with serve([app], prefixed=False) as served, raw_http(served.port) as http:
        for _ in range(2):
            await http.send(b"GET /notes/1 HTTP/1.1\r\nHost: t\r\n\r\n")
            assert (await http.response()).status == 404
            await trio.sleep(4)
        with trio.fail_after(1.5):
            assert await http.closed_by_server()


async def test_graceful_shutdown_finishes_in_flight_requests(serve, autojump_clock):
    through_quart = serve.keywords["through_quart"]
    stop = trio.Event()
    async with open_engine([app], environ={}) as engine, trio.open_nursery() as nursery:
        port = await nursery.start(
            partial(
                engine.serve,
                "127.0.0.1",
                0,
                through_quart=through_quart,
                shutdown_trigger=stop.wait,
            )
        )
        async with raw_http(port) as busy, raw_http(port) as idle:
            await idle.send(b"GET /notes/9 HTTP/1.1\r\nHost: t\r\n\r\n")
            assert (await idle.responses(1))[0].status == 404
            await busy.send(b"GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
            await trio.sleep(0.5)
            stop.set()
            assert await idle.closed_by_server()
            (finished,) = await busy.responses(1)
            assert (finished.status, json.loads(finished.body)) == (200, {"done": True})
            assert await busy.closed_by_server()


def _tasks() -> list[str]:
    """The names of every running task."""

    def names(task: trio.lowlevel.Task) -> list[str]:
        below = [
            name
            for nursery in task.child_nurseries
            for child in nursery.child_tasks
            for name in names(child)
        ]
        return [task.name, *below]

    root = trio.lowlevel.current_root_task()
    assert root is not None  # inside trio.run
    return sorted(names(root))


async def test_a_body_that_stops_coming_is_408_and_the_connection_closes(serve, autojump_clock):
    async with serve([app], prefixed=False) as served, raw_http(served.port) as http:
        await http.send(b'POST /notes HTTP/1.1\r\nHost: t\r\nContent-Length: 20\r\n\r\n{"te')
        timed_out = await http.response()
        assert (timed_out.status, "detail" in json.loads(timed_out.body)) == (408, True)
        assert await http.closed_by_server()
        assert (await served.client.get("/notes/1")).status_code == 404


# Requests no declared route takes: the direct path answers the ones Quart would answer from
# its error handler, its automatic OPTIONS and the engine's own routes; Quart's own rules
# (pages, the 426 of a WebSocket route, an embedder's routes) stay Quart's.

coded_routes = Routes(errors=CodedErrors())


@coded_routes.get("/ping")
async def ping(request: Request) -> dict[str, bool]:
    return {"pong": True}


@coded_routes.websocket("/live")
async def live(context: Any, request: Any, params: Any) -> Any:
    return Reject(403)


@asynccontextmanager
async def _no_context(engine: Any) -> AsyncIterator[None]:
    yield None


coded = AppSpec(name="coded", routes=coded_routes, setup=_no_context, cors=Cors())
ORIGIN = {"Origin": "https://ok.example"}


async def test_an_unknown_path_is_a_404_in_the_format_of_the_app_it_is_under(serve):
    async with serve([app, coded], prefixed=True) as served:
        client = served.client
        outside = await client.get("/nowhere")
        assert (outside.status_code, outside.json()) == (404, {"detail": _NOT_FOUND})
        under_coded = await client.post("/coded/nowhere", json={"x": 1})
        assert (under_coded.status_code, under_coded.json()) == (
            404,
            {"error": "NOT_FOUND", "message": _NOT_FOUND, "details": {}},
        )
        under_notes = await client.get("/notes/nowhere", headers=ORIGIN)
        assert (under_notes.status_code, under_notes.json()) == (404, {"detail": _NOT_FOUND})
        assert under_notes.headers["Access-Control-Allow-Origin"] == "https://ok.example"
        # A route of Quart's own (an engine page, a WebSocket route's 426) is not a 404.
        assert (await client.get("/")).status_code == 200
        assert (await client.get("/coded/live")).status_code == 426


async def test_cors_preflight_answers_the_routes_methods_and_the_apps_cors(serve):
    async with serve([app, coded], prefixed=True) as served:
        client = served.client
        preflight = {**ORIGIN, "Access-Control-Request-Method": "POST"}
        notes = await client.request("OPTIONS", "/notes/notes", headers=preflight)
        assert (notes.status_code, notes.content) == (200, b"")
        assert set(notes.headers["Allow"].split(", ")) == {"POST", "OPTIONS"}
        assert notes.headers["Access-Control-Allow-Origin"] == "https://ok.example"
        assert notes.headers["Access-Control-Allow-Methods"] == "GET, POST, PUT, DELETE, OPTIONS"
        assert notes.headers["Access-Control-Max-Age"] == "600"
        anywhere = await client.request("OPTIONS", "/coded/ping", headers=preflight)
        assert anywhere.headers["Access-Control-Allow-Origin"] == "*"
        refused = await client.request(
            "OPTIONS", "/notes/notes", headers={"Origin": "https://evil.example"}
        )
        assert refused.status_code == 200
        assert "Access-Control-Allow-Origin" not in refused.headers
        nowhere = await client.request("OPTIONS", "/coded/nowhere", headers=preflight)
        assert nowhere.status_code == 404
        assert nowhere.json()["error"] == "NOT_FOUND"


async def test_app_health_and_documents_under_each_prefix(serve):
    async with serve([app, coded], prefixed=True) as served:
        client = served.client
        health = await client.get("/coded/health", headers=ORIGIN)
        assert (health.status_code, health.json()) == (200, {"status": "ok", "app": "coded"})
        assert health.headers["Content-Type"] == "application/json"
        assert health.headers["Access-Control-Allow-Origin"] == "*"
        assert (await client.get("/health")).json() == {"status": "ok", "apps": ["notes", "coded"]}
        alone = (await client.get("/coded/openapi.json")).json()
        assert list(alone["paths"]) == ["/coded/ping", "/coded/live"]
        metrics = await client.get("/metrics")
        assert metrics.headers["Content-Type"] == "text/plain; version=0.0.4"


async def test_both_paths_put_the_same_answers_on_the_wire():
    """Byte for byte but the Date header, and the metrics' measured latency."""
    requests = [
        b"GET /nowhere HTTP/1.1\r\n",
        b"POST /coded/nowhere HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}",
        b"GET /notes/nowhere HTTP/1.1\r\nOrigin: https://ok.example\r\n",
        b"OPTIONS /notes/notes HTTP/1.1\r\nOrigin: https://ok.example\r\n"
        b"Access-Control-Request-Method: POST\r\n",
        b"OPTIONS /coded/ping HTTP/1.1\r\nOrigin: https://x.example\r\n",
        b"OPTIONS /nowhere HTTP/1.1\r\nOrigin: https://ok.example\r\n",
        b"PUT /notes/notes/1 HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}",
        b"DELETE /health HTTP/1.1\r\n",
        b"GET /health HTTP/1.1\r\n",
        b"GET /notes/health HTTP/1.1\r\nOrigin: https://ok.example\r\n",
        b"GET /coded/health HTTP/1.1\r\n",
        b"GET /openapi.json HTTP/1.1\r\n",
        b"GET /notes/openapi.json HTTP/1.1\r\n",
        b"GET /coded/ping HTTP/1.1\r\nOrigin: https://x.example\r\n",
        b"GET /notes/notes/7 HTTP/1.1\r\n",
        b"GET /coded/live HTTP/1.1\r\n",
        b"GET /metrics HTTP/1.1\r\n",
    ]
    answers = {}
    for path in ("direct", "quart"):
        async with (
            serve_apps([app, coded], prefixed=True, through_quart=path == "quart") as served,
            raw_http(served.port) as http,
        ):
            for number, request in enumerate(requests):
                head, _, body = request.partition(b"\r\n\r\n")
                await http.send(
                    head.rstrip(b"\r\n")
                    + b"\r\nHost: t\r\nX-Request-ID: r%d\r\n\r\n" % number
                    + body
                )
            answers[path] = await http.responses(len(requests))
    for request, direct, quart in zip(requests, answers["direct"], answers["quart"], strict=True):
        assert _comparable(direct, request) == _comparable(quart, request), request


def _comparable(response: RawResponse, request: bytes) -> tuple[Any, ...]:
    fields = sorted(field for field in response.fields if field[0] != "date")
    body = response.body
    if request.startswith(b"GET /metrics"):
        # The same families; the samples (and so the length) differ: HTTP answers are counted
        # by the server that sent them, commit latencies by the clock.
        body = b"\n".join(line for line in body.split(b"\n") if line.startswith(b"# "))
        fields = [field for field in fields if field[0] != "content-length"]
    return response.status, fields, body


_NOT_FOUND = (
    "The requested URL was not found on the server. If you entered the URL manually please check"
    " your spelling and try again."
)
