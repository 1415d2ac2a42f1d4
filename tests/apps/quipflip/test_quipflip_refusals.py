"""Every refusal of the API end to end (401, 403, 404, 400, 409 and 422 for bodies), each in
``{"detail": ...}`` and each changing nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
import trio
import trio.testing

from engine.apps.quipflip import app as quipflip_app
from engine.net.client import Client, WebSocketClosed, WebSocketRejected
from engine.testing import serve_apps

from quipflip_client import Guest, guest

UNKNOWN = "00000000-0000-4000-8000-000000000000"


async def refused(response: Any, status: int, detail: str) -> None:
    assert (response.status_code, response.json()) == (status, {"detail": detail}), response.text


async def lobby(client: Client, **config: int) -> tuple[Guest, Guest, str, str]:
    """Ada's session (min 2 players) with Bob in it: (ada, bob, session_id, code)."""
    ada, bob = await guest(client, "Ada"), await guest(client, "Bob")
    created = await ada.ok("POST", "/party/create", {"min_players": 2, **config})
    await bob.ok("POST", f"/party/{created['session_id']}/join")
    return ada, bob, created["session_id"], created["party_code"]


async def start(ada: Guest, bob: Guest, session_id: str) -> None:
    for player in (ada, bob):
        await player.ok("POST", f"/party/{session_id}/ready")
    await ada.ok("POST", f"/party/{session_id}/start")


async def version(player: Guest, session_id: str) -> int:
    value: int = (await player.ok("GET", f"/party/{session_id}/status"))["version"]
    return value


async def test_401_without_a_valid_token(autojump_clock: trio.testing.MockClock) -> None:
    async with serve_apps([quipflip_app.app]) as served:
        client = served.client
        ada = await guest(client, "Ada")
        await refused(await client.get("/party/list"), 401, "Not authenticated")
        assert (await client.get("/party/list")).headers["WWW-Authenticate"] == "Bearer"
        forged = {"Authorization": f"Bearer {ada.token[:-4]}AAAA"}
        await refused(await client.get("/player/me", headers=forged), 401, "Invalid token")
        garbage = {"Authorization": "Bearer not-a-token"}
        await refused(await client.post("/party/create", headers=garbage), 401, "Invalid token")
        # The cookie carries the token as well as the header.
        cookie = {"Cookie": f"access_token={ada.token}"}
        assert (await client.get("/player/me", headers=cookie)).json()["username"] == "Ada"
        with pytest.raises(WebSocketRejected) as no_token:
            async with client.websocket(f"/party/{UNKNOWN}/ws"):
                pass
        assert no_token.value.status_code == 401
        await trio.sleep(86400)  # the token's lifetime
        await refused(await ada.get("/player/me"), 401, "Token has expired")


async def test_403_for_what_only_the_host_may_do() -> None:
    async with serve_apps([quipflip_app.app]) as served:
        ada, bob, session_id, _ = await lobby(served.client)
        before = await version(ada, session_id)
        for action, what in (
            ("add-ai", "add AI players"),
            ("ping", "ping players"),
            ("process-ai", "trigger AI submissions"),
            ("start", "start the session"),
        ):
            await refused(
                await bob.post(f"/party/{session_id}/{action}"), 403, f"Only the host can {what}"
            )
        assert await version(ada, session_id) == before


async def test_404_for_unknown_sessions_codes_rounds_and_outsiders() -> None:
    async with serve_apps([quipflip_app.app]) as served:
        client = served.client
        ada, bob, session_id, code = await lobby(client)
        cy = await guest(client, "Cyd")
        for path in (f"/party/{UNKNOWN}/status", "/party/not-a-uuid/status"):
            await refused(await cy.get(path), 404, "Session not found")
        await refused(await cy.post(f"/party/{UNKNOWN}/join"), 404, "Party session not found")
        await refused(
            await cy.post("/party/join", {"party_code": "ZZZZ2222"}),
            404,
            "Party session 'ZZZZ2222' not found",
        )
        for action in ("ready", "leave", "rounds/prompt"):
            await refused(
                await cy.post(f"/party/{session_id}/{action}"), 404, "Not in this session"
            )
        # Outsiders may read a session's status.
        assert (await cy.ok("GET", f"/party/{session_id}/status"))["party_code"] == code
        with pytest.raises(WebSocketRejected) as outsider:
            async with client.websocket(f"/party/{session_id}/ws", params={"token": cy.token}):
                pass
        assert (outsider.value.status_code, json.loads(outsider.value.body)) == (
            404,
            {"detail": "Not in this session"},
        )
        await start(ada, bob, session_id)
        await refused(
            await ada.post(f"/party/{session_id}/rounds/{UNKNOWN}/submit", {"phrase": "hello"}),
            404,
            "Round not found",
        )


async def test_409_already_in_this_or_another_session() -> None:
    async with serve_apps([quipflip_app.app]) as served:
        _ada, bob, session_id, code = await lobby(served.client)
        await refused(
            await bob.post("/party/join", {"party_code": code}), 409, "Already in this session"
        )
        await refused(await bob.post("/party/create"), 409, "already_in_another_session")
        cy = await guest(served.client, "Cyd")
        other = await cy.ok("POST", "/party/create")
        await refused(
            await bob.post(f"/party/{other['session_id']}/join"), 409, "already_in_another_session"
        )
        # Leaving frees the player for another session.
        await bob.ok("POST", f"/party/{session_id}/leave")
        await bob.ok("POST", f"/party/{other['session_id']}/join")


async def test_400_in_the_lobby() -> None:
    async with serve_apps([quipflip_app.app]) as served:
        client = served.client
        ada, bob, session_id, code = await lobby(client, max_players=3, min_players=3)
        await refused(
            await ada.post(f"/party/{session_id}/start"),
            400,
            "Need at least 3 ready players to start (have 0)",
        )
        await refused(
            await ada.get(f"/party/{session_id}/results"),
            400,
            "Results not available yet (current phase: LOBBY)",
        )
        await ada.ok("POST", f"/party/{session_id}/add-ai")
        await refused(await ada.post(f"/party/{session_id}/add-ai"), 400, "Session is full")
        cy = await guest(client, "Cyd")
        await refused(await cy.post("/party/join", {"party_code": code}), 400, "Session is full")
        for player in (ada, bob):
            await player.ok("POST", f"/party/{session_id}/ready")
        await ada.ok("POST", f"/party/{session_id}/start")
        await refused(
            await ada.post(f"/party/{session_id}/start"), 400, "Session has already started"
        )
        await refused(
            await bob.post(f"/party/{session_id}/ready"), 400, "Session has already started"
        )
        await refused(
            await bob.post(f"/party/{session_id}/leave"),
            400,
            "Cannot leave session that has started",
        )
        await refused(
            await ada.post(f"/party/{session_id}/add-ai"),
            400,
            "Cannot add AI players after session has started",
        )
        await refused(
            await cy.post(f"/party/{session_id}/join"), 400, "Session has already started"
        )


async def test_400_while_playing_and_nothing_changes() -> None:
    async with serve_apps([quipflip_app.app]) as served:
        ada, bob, session_id, _ = await lobby(served.client)
        await start(ada, bob, session_id)
        await refused(
            await ada.post(f"/party/{session_id}/rounds/copy"),
            400,
            "Session is in the PROMPT phase, not COPY",
        )
        started = await ada.ok("POST", f"/party/{session_id}/rounds/prompt")
        submit = f"/party/{session_id}/rounds/{started['round_id']}/submit"
        before = (await version(ada, session_id), await ada.wallet())
        await refused(
            await ada.post(submit, {"phrase": "x"}),
            400,
            "Phrase must be between 2 and 100 characters",
        )
        await refused(
            await bob.post(submit, {"phrase": "hello"}), 403, "This round belongs to another player"
        )
        assert (await version(ada, session_id), await ada.wallet()) == before
        await ada.ok("POST", submit, {"phrase": "a brave new phrase"})
        await refused(await ada.post(submit, {"phrase": "again"}), 400, "Round already submitted")
        await refused(
            await ada.post(f"/party/{session_id}/rounds/prompt"),
            400,
            "Already submitted 1 of 1 prompt rounds",
        )
        # Bob lets his round run out: the phase ends on its timer and his entry comes back.
        late = await bob.ok("POST", f"/party/{session_id}/rounds/prompt")
        assert await bob.wallet() == 5000 - late["cost"]


async def test_a_round_expires_with_its_phase(autojump_clock: trio.testing.MockClock) -> None:
    async with serve_apps([quipflip_app.app]) as served:
        ada, bob, session_id, _ = await lobby(served.client)
        await start(ada, bob, session_id)
        late = await bob.ok("POST", f"/party/{session_id}/rounds/prompt")
        await trio.sleep(181)
        await refused(
            await bob.post(
                f"/party/{session_id}/rounds/{late['round_id']}/submit", {"phrase": "too late"}
            ),
            400,
            "Round has expired",
        )
        assert await bob.wallet() == 5000  # refunded
        status = await bob.ok("GET", f"/party/{session_id}/status")
        # Nobody wrote an original, so there is nothing to copy or vote on: straight to results.
        assert status["current_phase"] == "RESULTS"


async def test_422_for_bodies_that_do_not_fit_their_schema() -> None:
    async with serve_apps([quipflip_app.app]) as served:
        client = served.client
        ada = await guest(client, "Ada")
        for body, field in (
            ({"min_players": "6"}, "min_players"),
            ({"colour": "red"}, None),
            ({"min_players": 1}, None),
            ({"min_players": 5, "max_players": 4}, None),
        ):
            response = await ada.post("/party/create", body)
            assert response.status_code == 422, (body, response.text)
            problems = response.json()["detail"]
            assert problems and problems[0]["loc"][0] == "body"
            if field is not None:
                assert problems[0]["loc"] == ["body", field]
        malformed = await client.post(
            "/party/create",
            headers={**ada.headers, "Content-Type": "application/json"},
            content="{nope",
        )
        assert malformed.status_code == 422
        assert (await ada.post("/party/join", {})).json()["detail"][0]["msg"] == "field required"
        assert (await ada.post("/party/join", {"party_code": "SHORT"})).status_code == 422
        assert (await client.post("/auth/guest", json={"username": 7})).status_code == 422
        # Nothing was created by any of them.
        assert (await ada.ok("GET", "/party/list"))["total_count"] == 0


async def test_the_socket_closes_for_a_player_who_leaves() -> None:
    async with serve_apps([quipflip_app.app]) as served:
        _ada, bob, session_id, _ = await lobby(served.client)
        async with served.client.websocket(
            f"/party/{session_id}/ws", params={"token": bob.token}
        ) as ws:
            await bob.ok("POST", f"/party/{session_id}/leave")
            left = await ws.receive_until("player_left")
            assert (left["player_id"], left["participant_count"]) == (bob.player_id, 1)
            with pytest.raises(WebSocketClosed) as closed:
                await ws.receive_json()
            assert closed.value.code == 1000
