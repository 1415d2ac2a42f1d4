"""WatchParty against hostile input (issue 9, items 2 and 3), over the real server.

Each of these once crashed a session actor (WebSocket) or answered a 500 with a traceback, one of
them after saving a session whose token it never returned. Now the strict decoder refuses them
first: a 400 in the spec's error body, or an ``error`` message on an open connection; nothing
is saved, nothing restarts, and the other members keep hearing the session.
"""

from __future__ import annotations

from typing import Any

import pytest

from engine.apps.watchparty.session_actor import SESSION_KIND

from supervision import restarts

SURROGATE = '"ab\\ud800cd"'


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


#: Raw bodies, as an attacker types them (a JSON library would not write these).
HOSTILE_CREATES = [
    '{"name":' + nested(1000) + ',"password":"secure123"}',
    '{"name":"Movie Night","password":"secure123","x":' + nested(100_000) + "}",
    '{"name":' + "1" * 4301 + ',"password":"secure123"}',
    '{"name":' + SURROGATE + ',"password":"secure123"}',
    '{"name":"Movie Night","password":' + SURROGATE + "}",
    '{"name":"Movie Night","password":"secure123",' + SURROGATE + ":1}",
    '{"name":"Movie Night","password":1e400}',
]
HOSTILE_JOINS = [
    '{"session_id":"SESSION","password":' + SURROGATE + "}",
    '{"session_id":' + nested(1000) + ',"password":"secure123"}',
    '{"session_id":"SESSION","password":' + "9" * 4301 + "}",
]
HOSTILE_FRAMES = [
    '{"type":"chat","payload":{"message":' + SURROGATE + "}}",
    '{"type":"custom_evt","payload":{"x":1e400}}',
    '{"type":"custom_evt","payload":{"x":-1e400}}',
    '{"type":"custom_evt","payload":{' + SURROGATE + ":1}}",
    '{"type":"custom_evt","payload":' + nested(1000) + "}",
]


def assert_refused(response: Any) -> None:
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["error"] == "Bad Request"
    assert body["details"]["body"].startswith("malformed JSON")
    assert "Traceback" not in response.text


async def post(api: Any, path: str, body: str) -> Any:
    return await api.client.post(
        path, content=body.encode(), headers={"Content-Type": "application/json"}
    )


@pytest.mark.parametrize("body", HOSTILE_CREATES)
async def test_a_hostile_create_is_a_400_and_creates_nothing(api, body: str) -> None:
    assert_refused(await post(api, "/api/sessions/create", body))
    assert await api.served.engine.store.keys(SESSION_KIND) == []
    assert restarts(api.served.engine.system) == 0
    # The service goes on.
    assert (await api.create()).token


@pytest.mark.parametrize("body", HOSTILE_JOINS)
async def test_a_hostile_join_is_a_400_and_changes_nothing(api, body: str) -> None:
    host = await api.create()
    assert_refused(await post(api, "/api/sessions/join", body.replace("SESSION", host.session_id)))
    details = await api.details(host.session_id, host.token)
    assert details.json()["participants"] == [host.user_id]
    assert restarts(api.served.engine.system) == 0


@pytest.mark.parametrize("frame", HOSTILE_FRAMES)
async def test_a_hostile_frame_is_refused_and_the_session_keeps_serving(api, frame: str) -> None:
    host = await api.create()
    guest = await api.join(host.session_id)
    async with api.socket(host) as host_ws, api.socket(guest) as guest_ws:
        await host_ws.receive_until("user_joined")
        await guest_ws.write_text(frame)
        error = await guest_ws.receive_json()
        assert error["type"] == "error", error
        assert error["payload"]["error"] == "Invalid message"
        assert error["payload"]["message"].startswith("Malformed message: malformed JSON")
        # The sender's connection is open, and the host, silent all along, hears the next chat.
        await guest_ws.write_json({"type": "chat", "payload": {"message": "still here"}})
        for ws in (guest_ws, host_ws):
            chat = await ws.receive_json()
            assert (chat["type"], chat["payload"]["message"]) == ("chat", "still here")
    assert restarts(api.served.engine.system) == 0
