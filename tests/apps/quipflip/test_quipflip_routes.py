"""Quipflip end to end: a real server on loopback, real HTTP and WebSocket clients."""

from __future__ import annotations

from typing import Any

import pytest
import trio
import trio.testing

from engine.apps.quipflip import app as quipflip_app
from engine.apps.quipflip import errors
from engine.apps.quipflip.economy import (
    COPY_COST,
    CORRECT_VOTE_PAYOUT,
    PROMPT_COST,
    STARTING_WALLET,
    VOTE_COST,
)
from engine.apps.quipflip.routes import failing_as
from engine.testing import serve_apps
from engine.web import HttpError, Request

from quipflip_client import Guest, guest

PLURAL = {"prompt": "prompts", "copy": "copies", "vote": "votes"}
FAST_AI = {"PARTY_ENGINE_QUIPFLIP_AI_DELAY": "0"}


SEEN: dict[int, list[dict[str, Any]]] = {}


async def next_event(ws: Any, kind: str) -> dict[str, Any]:
    """The next ``kind`` notification on ``ws``, noted with the others taken from it."""
    event: dict[str, Any] = await ws.receive_until(kind)
    SEEN.setdefault(id(ws), []).append(event)
    return event


async def test_two_humans_and_four_ai_play_from_lobby_to_results(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with serve_apps([quipflip_app.app], environ=FAST_AI) as served:
        ada, bob = await guest(served.client, "Ada"), await guest(served.client, "Bob")
        created = await ada.ok("POST", "/party/create", {"min_players": 6, "max_players": 6})
        session_id, code = created["session_id"], created["party_code"]
        assert created["current_phase"] == "LOBBY" and created["host_player_id"] == ada.player_id
        listed = await bob.ok("GET", "/party/list")
        assert [p["party_code"] for p in listed["parties"]] == [code]
        async with (
            served.client.websocket(f"/party/{session_id}/ws", params={"token": ada.token}) as ws,
        ):
            joined = await bob.ok("POST", "/party/join", {"party_code": code.lower()})
            assert joined["participant_count"] == 2
            event = await next_event(ws, "player_joined")
            assert (event["player_id"], event["is_ai"]) == (bob.player_id, False)
            async with served.client.websocket(
                f"/party/{session_id}/ws", params={"token": bob.token}
            ) as bob_ws:
                for _ in range(4):
                    added = await ada.ok("POST", f"/party/{session_id}/add-ai")
                    assert added["is_ai"] is True
                    assert (await next_event(ws, "player_joined"))["is_ai"] is True
                for player in (ada, bob):
                    await player.ok("POST", f"/party/{session_id}/ready")
                    ready = await next_event(ws, "player_ready")
                    assert ready["player_id"] == player.player_id
                assert ready["ready_count"] == 6
                started = await ada.ok("POST", f"/party/{session_id}/start")
                assert started["current_phase"] == "PROMPT"
                assert (await next_event(bob_ws, "session_started"))["participant_count"] == 6

                spent = {ada.player_id: 0, bob.player_id: 0}
                rounds_played = {ada.player_id: 0, bob.player_id: 0}
                earned = {ada.player_id: 0, bob.player_id: 0}
                for kind, old, new in (
                    ("prompt", "PROMPT", "COPY"),
                    ("copy", "COPY", "VOTE"),
                    ("vote", "VOTE", "RESULTS"),
                ):
                    for player in (ada, bob):
                        played = await play_phase(player, session_id, kind, spent, earned)
                        rounds_played[player.player_id] += played
                    moved = await next_event(ws, "phase_transition")
                    assert (moved["old_phase"], moved["new_phase"]) == (old, new)
                completed = await next_event(bob_ws, "session_completed")
                assert completed["session_id"] == session_id
                await next_event(ws, "session_completed")
                # Ada's socket got every notification of the session, each once, in order.
                events = sorted(
                    SEEN[id(ws)] + ws.take_pending(), key=lambda e: e["sequence_number"]
                )
                assert [e["sequence_number"] for e in events] == list(range(1, len(events) + 1))
                updates = [e for e in events if e["type"] == "progress_update"]
                # One per human submission, one per AI player and phase.
                submissions = sum(rounds_played.values())
                assert len(updates) == submissions + 4 * 3
                kinds = [e["type"] for e in events if e["type"] != "progress_update"]
                assert kinds == [
                    "player_joined",
                    *["player_joined"] * 4,
                    "player_ready",
                    "player_ready",
                    "session_started",
                    "phase_transition",
                    "phase_transition",
                    "phase_transition",
                    "session_completed",
                ]

        results = await bob.ok("GET", f"/party/{session_id}/results")
        assert len(results["rankings"]) == 6
        nets = [r["net"] for r in results["rankings"]]
        assert nets == sorted(nets, reverse=True)
        status = await ada.ok("GET", f"/party/{session_id}/status")
        assert (status["status"], status["current_phase"]) == ("COMPLETED", "RESULTS")
        for player in (ada, bob):
            ranking = next(r for r in results["rankings"] if r["player_id"] == player.player_id)
            assert ranking["spent"] == spent[player.player_id]
            assert await player.wallet() == STARTING_WALLET + ranking["net"]
            # What the player saw charged and paid at once; prize payouts come on top.
            assert ranking["earned"] >= earned[player.player_id]


async def play_phase(
    player: Guest, session_id: str, kind: str, spent: dict[str, int], earned: dict[str, int]
) -> int:
    """Play every round ``player`` owes in the current phase, checking the wallet as it goes;
    how many rounds that was."""
    rounds = 0
    while True:
        status = await player.ok("GET", f"/party/{session_id}/status")
        me = next(p for p in status["participants"] if p["player_id"] == player.player_id)
        plural = PLURAL[kind]
        owed = me[f"{plural}_required"] - me[f"{plural}_submitted"]
        if owed <= 0 or status["current_phase"] != kind.upper():
            return rounds
        rounds += 1
        before = await player.wallet()
        played = await player.play(session_id, kind)
        cost = played["started"]["cost"]
        assert cost == {"prompt": PROMPT_COST, "copy": COPY_COST, "vote": VOTE_COST}[kind]
        payout = played["submitted"]["payout"]
        assert payout in (0, CORRECT_VOTE_PAYOUT)
        spent[player.player_id] += cost
        earned[player.player_id] += payout
        if played["submitted"]["phase_transition"] is None or kind != "vote":
            assert await player.wallet() == before - cost + payout


async def test_the_openapi_document_describes_every_route() -> None:
    async with serve_apps([quipflip_app.app]) as served:
        document = (await served.client.get("/openapi.json")).json()
    paths = document["paths"]
    ours = [
        (p, op) for p, ops in paths.items() for op in ops.values() if op["tags"] == ["quipflip"]
    ]
    assert len(ours) == 19
    for path, operation in ours:
        if path in ("/auth/guest", "/party/{session_id}/ws"):
            continue
        assert operation["security"] == [{"bearerAuth": []}], path
        assert "401" in operation["responses"], path
    create = paths["/party/create"]["post"]
    assert create["requestBody"]["required"] is False
    submit = paths["/party/{session_id}/rounds/{round_id}/submit"]["post"]
    schema = submit["requestBody"]["content"]["application/json"]["schema"]
    assert document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]["required"] == [
        "phrase"
    ]
    assert "bearerAuth" in document["components"]["securitySchemes"]


async def test_an_unexpected_failure_is_a_500_in_the_original_words() -> None:
    request = Request("POST", "/party/create", {}, {}, {}, "127.0.0.1", None, None, "r1")

    @failing_as("create party session")
    async def broken(_: Request) -> None:
        raise RuntimeError("a bug")

    @failing_as("create party session")
    async def refusing(_: Request) -> None:
        raise errors.InAnotherSession()

    with pytest.raises(HttpError) as failed:
        await broken(request)
    assert (failed.value.status, failed.value.message) == (500, "Failed to create party session")
    assert failed.value.details == {"request_id": "r1"}
    with pytest.raises(errors.InAnotherSession):
        await refusing(request)
