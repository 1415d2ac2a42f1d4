"""The example app (tests/helpers/party_app.py) end to end: a real server on loopback, real
HTTP and WebSocket clients."""

from __future__ import annotations

from typing import Any

import pytest
import trio
import trio.testing

from engine.net.client import Client, WebSocketClosed, WebSocketRejected
from engine.testing import serve_apps

import party_app


async def create(client: Client, title: str = "Quiz night", user: str = "ann") -> str:
    response = await client.post("/api/parties", json={"title": title, "user": user})
    assert response.status_code == 201, response.text
    code: str = response.json()["code"]
    return code


async def say(ws: Any, text: str) -> dict[str, Any]:
    await ws.write_json({"type": "say", "text": text})
    said: dict[str, Any] = await ws.receive_until("said")
    return said


async def test_create_join_leave_and_the_lobby_list() -> None:
    environ = {"PARTY_ENGINE_EXAMPLE_SEATS": "2"}
    async with serve_apps([party_app.app], environ=environ) as served:
        client = served.client
        code = await create(client)
        assert len(code) == 5 and party_app.CODES.parse(code.lower()) == code
        listed = (await client.get("/api/parties")).json()["parties"]
        assert listed == [{"code": code, "title": "Quiz night", "members": 1, "seats": 2}]
        joined = await client.post(f"/api/parties/{code}/join", json={"user": "bob"})
        assert joined.json() == {"members": ["ann", "bob"]}
        # Full: gone from the lobby list, and a third is refused in the app's format.
        assert (await client.get("/api/parties")).json() == {"parties": []}
        full = await client.post(f"/api/parties/{code}/join", json={"user": "cy"})
        assert (full.status_code, full.json()) == (409, {"detail": "the party is full"})
        left = await client.post(f"/api/parties/{code}/leave", json={"user": "bob"})
        assert left.json() == {"members": ["ann"]}
        assert len((await client.get("/api/parties")).json()["parties"]) == 1


async def test_errors_are_in_the_apps_format() -> None:
    async with serve_apps([party_app.app]) as served:
        client = served.client
        missing = await client.post("/api/parties/ZZZZZ/join", json={"user": "bob"})
        assert (missing.status_code, missing.json()) == (
            404,
            {"detail": "no party 'ZZZZZ'"},
        )
        invalid = await client.post("/api/parties", json={"title": "", "user": "ann"})
        assert invalid.status_code == 400  # the format's validation status, not FastAPI's 422
        assert invalid.json()["detail"][0]["loc"][0] == "body"
        with pytest.raises(WebSocketRejected) as refused:
            async with client.websocket("/ws/ZZZZZ", params={"user": "ann"}):
                pass
        assert refused.value.status_code == 404
        code = await create(client)
        async with client.websocket(f"/ws/{code}", params={"user": "mallory"}) as ws:
            assert await ws.receive_json() == {
                "type": "error",
                "code": "forbidden",
                "detail": "join the party first",
            }
            with pytest.raises(WebSocketClosed) as closed:
                await ws.receive_json()
            assert closed.value.code == 4403
        async with client.websocket(f"/ws/{code}", params={"user": "ann"}) as ws:
            await ws.receive_until("welcome")
            await ws.write_json({"type": "dance"})
            assert (await ws.receive_json())["detail"] == "unknown message 'dance'"
            await ws.write_text("{not json")
            assert (await ws.receive_json())["code"] == "malformed"


async def test_broadcasts_reach_every_connection_and_resume_fills_the_gap() -> None:
    async with serve_apps([party_app.app]) as served:
        client = served.client
        code = await create(client)
        await client.post(f"/api/parties/{code}/join", json={"user": "bob"})
        async with (
            client.websocket(f"/ws/{code}", params={"user": "ann"}) as ann,
            client.websocket(f"/ws/{code}", params={"user": "bob"}) as bob_phone,
        ):
            await ann.receive_until("welcome")
            await bob_phone.receive_until("welcome")
            first = await say(ann, "hello")
            assert (await bob_phone.receive_until("said")) == first
            await say(ann, "missed by the laptop")
            async with client.websocket(f"/ws/{code}", params={"user": "bob"}) as bob_laptop:
                welcome = await bob_laptop.receive_until("welcome")
                third = await say(ann, "after the laptop came")
                assert (await bob_laptop.receive_until("said")) == third
                await bob_laptop.write_json(
                    {"type": "resume", "last_seq": first["sequence_number"]}
                )
                replayed = await bob_laptop.receive_until("said")
                assert replayed["text"] == "missed by the laptop"
                assert replayed["sequence_number"] == welcome["seq"]
                await bob_laptop.write_json({"type": "resume", "last_seq": 10_000})
                snapshot = await bob_laptop.receive_until("snapshot")
                assert [s["text"] for s in snapshot["said"]] == [
                    "hello",
                    "missed by the laptop",
                    "after the laptop came",
                ]
            # Bob's phone is still connected (nobody is told he went away) and got it all.
            assert (await say(ann, "still here"))["sequence_number"] == third["sequence_number"] + 1
            phone = [(await bob_phone.receive_until("said"))["text"] for _ in range(3)]
            assert phone == [
                "missed by the laptop",
                "after the laptop came",
                "still here",
            ]


async def test_a_party_survives_a_server_restart(tmp_path: Any) -> None:
    store = f"sqlite:///{tmp_path / 'example.db'}"
    async with serve_apps([party_app.app], store=store) as served:
        code = await create(served.client)
        async with served.client.websocket(f"/ws/{code}", params={"user": "ann"}) as ann:
            await ann.receive_until("welcome")
            said = await say(ann, "before the restart")
    async with serve_apps([party_app.app], store=store) as served:
        assert served.engine.contexts["example"].find(code) is not None  # restored: timer runs
        async with served.client.websocket(f"/ws/{code}", params={"user": "ann"}) as ann:
            welcome = await ann.receive_until("welcome")
            assert welcome["seq"] == said["sequence_number"]
            await ann.write_json({"type": "resume", "last_seq": 0})
            assert (await ann.receive_until("said"))["text"] == "before the restart"
            assert (await say(ann, "after"))["sequence_number"] == said["sequence_number"] + 1


async def test_a_party_ends_when_its_time_is_up(
    autojump_clock: trio.testing.MockClock,
) -> None:
    environ = {"PARTY_ENGINE_EXAMPLE_TTL": "600"}
    async with serve_apps([party_app.app], environ=environ) as served:
        code = await create(served.client)
        directory = served.engine.contexts["example"]
        async with served.client.websocket(f"/ws/{code}", params={"user": "ann"}) as ann:
            await ann.receive_until("welcome")
            await trio.sleep(599)
            await say(ann, "just in time")
            with pytest.raises(WebSocketClosed) as closed:
                await ann.receive_json(timeout=10)
            assert (closed.value.code, closed.value.reason) == (1000, "party over")
        assert directory.find(code) is None and directory.listing() == []
        missing = await served.client.post(f"/api/parties/{code}/join", json={"user": "bob"})
        assert missing.status_code == 404
