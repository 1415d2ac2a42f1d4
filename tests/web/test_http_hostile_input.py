"""The HTTP edge against hostile bodies and unencodable answers (issue 9, item 3), end to end.

Bodies are parsed by the engine's strict JSON before any handler runs: what it refuses is the
app's own 4xx (here the notes app's FastAPI-style 422) and changes nothing. An answer that JSON
cannot carry is the server's bug: a 500 with the request id, logged with the route, and never a
traceback or invalid JSON on the wire.
"""

from __future__ import annotations

import json

import pytest

from engine.net import MAX_JSON_DEPTH, MAX_JSON_INT_DIGITS
from engine.net.client import WebSocketRejected
from engine.testing import serve_apps

from notes_app import app

HOSTILE_BODIES = [
    '{"text":' + "[" * 1000 + "]" * 1000 + "}",
    '{"text":"x","deep":' + "[" * 100_000 + "]" * 100_000 + "}",
    '{"text":"x","deep":' + "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1) + "}",
    '{"text":"x","n":' + "1" * 4301 + "}",
    '{"text":"x","n":' + "1" * (MAX_JSON_INT_DIGITS + 1) + "}",
    '{"text":"ab\\ud800cd"}',
    '{"text":"x","\\udfff":1}',
    '{"text":"x","n":1e400}',
    '{"text":"x","n":-1e400}',
    '{"text":"x","n":NaN}',
]


# Both of the engine's paths: the listener's direct one, and Quart-Trio on Hypercorn.
pytestmark = pytest.mark.parametrize("through_quart", [False, True], ids=["direct", "quart"])


@pytest.mark.parametrize("body", HOSTILE_BODIES)
async def test_a_hostile_body_is_the_apps_4xx_and_changes_nothing(
    body: str, through_quart: bool
) -> None:
    async with serve_apps([app], prefixed=False, through_quart=through_quart) as served:
        response = await served.client.post(
            "/notes", content=body.encode(), headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 422, response.text
        (problem,) = response.json()["detail"]
        assert problem["loc"] == ["body"] and problem["type"] == "json_invalid"
        assert problem["msg"].startswith("malformed JSON")
        assert (await served.client.get("/notes/1")).status_code == 404
        assert (await served.client.post("/notes", json={"text": "fine"})).status_code == 201


async def test_an_unencodable_answer_is_a_logged_500_with_the_request_id(
    caplog: pytest.LogCaptureFixture, through_quart: bool
) -> None:
    async with serve_apps([app], prefixed=False, through_quart=through_quart) as served:
        response = await served.client.get("/unencodable", headers={"X-Request-ID": "req-42"})
        assert response.status_code == 500
        assert response.json() == {"detail": "Internal server error (request id req-42)"}
        assert response.headers["X-Request-ID"] == "req-42"
        assert "Traceback" not in response.text
        assert (await served.client.post("/notes", json={"text": "fine"})).status_code == 201
    (record,) = [r for r in caplog.records if "req-42" in r.getMessage()]
    assert "GET /unencodable" in record.getMessage()


@pytest.mark.parametrize("path", ["/nowhere", "/notes/1", "/notes/a%2Fb"])
async def test_a_websocket_upgrade_no_route_takes_is_the_apps_4xx_not_a_500(
    path: str, through_quart: bool
) -> None:
    # Found by the fuzz tests: Quart answers such an upgrade, and the error handler read the
    # HTTP request of a WebSocket context ("Not within a request context": an empty 500).
    async with serve_apps([app], prefixed=False, through_quart=through_quart) as served:
        with pytest.raises(WebSocketRejected) as rejected:
            async with served.client.websocket(path):
                pass
        assert rejected.value.status_code in (400, 404)
        assert "detail" in json.loads(rejected.value.body)
        assert (await served.client.post("/notes", json={"text": "fine"})).status_code == 201
