"""The session actor end to end: notifications on the party WebSocket, resuming, the host's
ping, the AI players' think time, leaving, and the idle and abandonment timers (MockClock);
and asked directly, for a wallet no test player could empty over HTTP."""

from __future__ import annotations

import attrs
import pytest
import trio
import trio.testing

from engine import clock
from engine.apps.quipflip import app as quipflip_app
from engine.apps.quipflip import errors, lobby
from engine.apps.quipflip.economy import STARTING_WALLET
from engine.apps.quipflip.messages import Join, Ready, Start, StartRound, Status
from engine.apps.quipflip.party import PartyConfig, RoundKind
from engine.net.client import WebSocketClosed
from engine.testing import serve_apps
from engine.web import open_engine

from quipflip_client import guest


async def test_the_hosts_ping_reaches_the_others_and_the_party() -> None:
    async with serve_apps([quipflip_app.app]) as served:
        ada, bob = await guest(served.client, "Ada"), await guest(served.client, "Bob")
        session_id = (await ada.ok("POST", "/party/create"))["session_id"]
        await bob.ok("POST", f"/party/{session_id}/join")
        path = f"/party/{session_id}/ws"
        # Bob's socket carries its token in the access-token cookie.
        cookie = {"Cookie": f"access_token={bob.token}"}
        async with (
            served.client.websocket(
                path, params={"token": ada.token, "context": "lobby"}
            ) as ada_ws,
            served.client.websocket(path, headers=cookie) as bob_ws,
        ):
            status = await ada.ok("GET", f"/party/{session_id}/status")
            assert {p["connection_status"] for p in status["participants"]} == {"connected"}
            assert await ada.ok("POST", f"/party/{session_id}/ping") == {
                "success": True,
                "message": "Ping sent to all players",
            }
            ping = await bob_ws.receive_until("ping")
            assert (ping["from_username"], ping["join_url"]) == ("Ada", f"/party/{session_id}")
            for ws in (ada_ws, bob_ws):
                echo = await ws.receive_until("host_ping")
                assert echo["data"]["host_username"] == "Ada"
            assert [m["type"] for m in ada_ws.take_pending()] == []


async def test_a_client_resumes_from_its_last_sequence_number() -> None:
    async with serve_apps([quipflip_app.app]) as served:
        ada, bob = await guest(served.client, "Ada"), await guest(served.client, "Bob")
        session_id = (await ada.ok("POST", "/party/create"))["session_id"]
        path = f"/party/{session_id}/ws"
        async with served.client.websocket(path, params={"token": ada.token}) as ws:
            await bob.ok("POST", f"/party/{session_id}/join")
            seen = (await ws.receive_until("player_joined"))["sequence_number"]
        await bob.ok("POST", f"/party/{session_id}/ready")
        await ada.ok("POST", f"/party/{session_id}/add-ai")
        async with served.client.websocket(
            path, params={"token": ada.token, "last_seq": str(seen)}
        ) as ws:
            missed = [await ws.receive_json(), await ws.receive_json()]
            assert [m["type"] for m in missed] == ["player_ready", "player_joined"]
            assert [m["sequence_number"] for m in missed] == [seen + 1, seen + 2]
        # A sequence number the session never reached: the full status instead.
        async with served.client.websocket(
            path, params={"token": ada.token, "last_seq": "999"}
        ) as ws:
            snapshot = await ws.receive_until("session_status")
            assert snapshot["sequence_number"] == seen + 2
            assert len(snapshot["status"]["participants"]) == 3


async def test_a_socket_is_admitted_on_the_sessions_word_when_the_index_is_late() -> None:
    async with serve_apps([quipflip_app.app]) as served:
        ada, bob = await guest(served.client, "Ada"), await guest(served.client, "Bob")
        session_id = (await ada.ok("POST", "/party/create"))["session_id"]
        await bob.ok("POST", f"/party/{session_id}/join")
        # As a node's index may be a moment late in a cluster: it has not heard of Bob's join.
        index = served.engine.contexts["quipflip"].index
        listing = index.listing(session_id)
        index.report(session_id, attrs.evolve(listing, players=frozenset({ada.player_id})))
        path = f"/party/{session_id}/ws"
        async with served.client.websocket(path, params={"token": bob.token}) as ws:
            await ada.ok("POST", f"/party/{session_id}/add-ai")
            assert (await ws.receive_until("player_joined"))["is_ai"] is True


async def test_ai_players_play_after_their_think_time(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with serve_apps([quipflip_app.app]) as served:  # the default think time, 2 s
        ada = await guest(served.client, "Ada")
        session_id = (await ada.ok("POST", "/party/create", {"min_players": 2}))["session_id"]
        await ada.ok("POST", f"/party/{session_id}/add-ai")
        await ada.ok("POST", f"/party/{session_id}/ready")
        async with served.client.websocket(
            f"/party/{session_id}/ws", params={"token": ada.token}
        ) as ws:
            await ada.ok("POST", f"/party/{session_id}/start")
            status = await ada.ok("GET", f"/party/{session_id}/status")
            assert status["progress"]["total_prompts"] == 0
            update = await ws.receive_until("progress_update", timeout=10)
            assert (update["action"], update["progress"]["prompts_submitted"]) == (
                "submitted_prompt",
                1,
            )
            # The host's kick plays nothing more: the AI player is done with the phase.
            kicked = await ada.ok("POST", f"/party/{session_id}/process-ai")
            assert kicked == {
                "success": True,
                "stats": {"phase": "PROMPT", "submitted": 0, "phase_advanced": False},
            }


async def test_the_host_leaving_hands_over_and_the_last_human_deletes() -> None:
    async with serve_apps([quipflip_app.app]) as served:
        ada, bob = await guest(served.client, "Ada"), await guest(served.client, "Bob")
        session_id = (await ada.ok("POST", "/party/create"))["session_id"]
        await bob.ok("POST", f"/party/{session_id}/join")
        await ada.ok("POST", f"/party/{session_id}/add-ai")
        async with served.client.websocket(
            f"/party/{session_id}/ws", params={"token": bob.token}
        ) as ws:
            left = await ada.ok("POST", f"/party/{session_id}/leave")
            assert left == {
                "success": True,
                "message": "Left party session",
                "session_deleted": False,
            }
            event = await ws.receive_until("player_left")
            assert (event["player_id"], event["host_player_id"]) == (ada.player_id, bob.player_id)
            assert (await bob.ok("POST", f"/party/{session_id}/add-ai"))["is_ai"] is True
            last = await bob.ok("POST", f"/party/{session_id}/leave")
            assert last["session_deleted"] is True
            with pytest.raises(WebSocketClosed) as closed:
                await ws.receive_until("never")
            assert closed.value.code == 1000
        gone = await bob.get(f"/party/{session_id}/status")
        assert gone.status_code == 404
        # Both are free to start another session.
        await ada.ok("POST", "/party/create")


async def test_idle_lobby_participants_are_removed(autojump_clock: trio.testing.MockClock) -> None:
    async with serve_apps([quipflip_app.app]) as served:
        ada, bob = await guest(served.client, "Ada"), await guest(served.client, "Bob")
        session_id = (await ada.ok("POST", "/party/create"))["session_id"]
        await bob.ok("POST", f"/party/{session_id}/join")
        async with served.client.websocket(
            f"/party/{session_id}/ws", params={"token": ada.token}
        ) as ws:
            await trio.sleep(1799)
            assert len((await ada.ok("GET", f"/party/{session_id}/status"))["participants"]) == 2
            event = await ws.receive_until("player_left", timeout=10)
            # Bob was idle and away; Ada, connected, stays however long she waits.
            assert event["player_id"] == bob.player_id
            await trio.sleep(3600)
            status = await ada.ok("GET", f"/party/{session_id}/status")
            assert [p["username"] for p in status["participants"]] == ["Ada"]


async def test_a_session_is_abandoned_after_a_day(autojump_clock: trio.testing.MockClock) -> None:
    environ = {
        "PARTY_ENGINE_QUIPFLIP_IDLE_TIMEOUT": "86400",
        "PARTY_ENGINE_QUIPFLIP_TOKEN_TTL": "172800",
    }
    async with serve_apps([quipflip_app.app], environ=environ) as served:
        ada = await guest(served.client, "Ada")
        session_id = (await ada.ok("POST", "/party/create"))["session_id"]
        async with served.client.websocket(
            f"/party/{session_id}/ws", params={"token": ada.token}
        ) as ws:
            await trio.sleep(86399)
            assert (await ada.get(f"/party/{session_id}/status")).status_code == 200
            with pytest.raises(WebSocketClosed) as closed:
                await ws.receive_until("never", timeout=10)
            assert (closed.value.code, closed.value.reason) == (1000, "party over")
        assert (await ada.get(f"/party/{session_id}/status")).status_code == 404
        await ada.ok("POST", "/party/create")


async def test_what_a_client_sends_is_ignored_or_answered_and_the_socket_stays() -> None:
    async with serve_apps([quipflip_app.app]) as served:
        ada = await guest(served.client, "Ada")
        session_id = (await ada.ok("POST", "/party/create"))["session_id"]
        async with served.client.websocket(
            f"/party/{session_id}/ws", params={"token": ada.token}
        ) as ws:
            await ws.write_text("{not json")
            error = await ws.receive_json()
            assert (error["type"], error["code"]) == ("error", "malformed")
            await ws.write_json({"type": "start"})  # read-only: ignored, nothing happens
            await ws.write_text('"\\ud800"')  # a lone surrogate
            assert (await ws.receive_json())["code"] == "malformed"
            await ada.ok("POST", f"/party/{session_id}/add-ai")
            joined = await ws.receive_json()
            assert joined["type"] == "player_joined"
            status = await ada.ok("GET", f"/party/{session_id}/status")
            assert status["current_phase"] == "LOBBY"


async def test_a_flood_on_the_socket_is_refused(autojump_clock: trio.testing.MockClock) -> None:
    async with serve_apps([quipflip_app.app]) as served:
        ada = await guest(served.client, "Ada")
        session_id = (await ada.ok("POST", "/party/create"))["session_id"]
        async with served.client.websocket(
            f"/party/{session_id}/ws", params={"token": ada.token}
        ) as ws:
            for _ in range(61):
                await ws.write_json({"type": "keepalive"})
            refusal = await ws.receive_until("error")
            assert refusal["code"] == "rate_limited"


async def test_a_round_needs_the_coins_for_it() -> None:
    async with open_engine([quipflip_app.app]) as engine:
        party = engine.contexts["quipflip"]
        host = lobby.Newcomer("seat-1", "p1", "Ada", STARTING_WALLET)
        seed = lobby.create(
            session_id="",
            party_code=party.new_code(),
            host=host,
            config=PartyConfig(min_players=2),
            now=clock.now(),
        )
        _, session = await party.sessions.create(seed)
        await session.ask(Join(lobby.Newcomer("seat-2", "p2", "Bob", 99), elsewhere=False))
        for player in ("p1", "p2"):
            await session.ask(Ready(player))
        await session.ask(Start("p1"))
        before = await session.ask(Status())
        with pytest.raises(errors.InsufficientBalance) as refused:
            await session.ask(StartRound("p2", RoundKind.PROMPT))
        assert (refused.value.status, refused.value.message) == (400, "Insufficient balance")
        assert await session.ask(Status()) == before
