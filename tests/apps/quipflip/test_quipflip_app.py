"""Quipflip's set-up: served at the root and under /quipflip, and a game that survives a server
restart and a SIGKILL with everything acknowledged still there."""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Any

from engine import clock
from engine.apps.quipflip import app as quipflip_app
from engine.net.client import open_client
from engine.testing import serve_apps

from quipflip_client import Guest, guest
from served_process import start_serving

FAST_AI = {"PARTY_ENGINE_QUIPFLIP_AI_DELAY": "0"}


async def started_party(client: Any) -> tuple[Guest, Guest, str]:
    """Ada (host) and Bob with two AI players, started: (ada, bob, session_id)."""
    ada, bob = await guest(client, "Ada"), await guest(client, "Bob")
    session_id = (await ada.ok("POST", "/party/create", {"min_players": 4}))["session_id"]
    await bob.ok("POST", f"/party/{session_id}/join")
    for _ in range(2):
        await ada.ok("POST", f"/party/{session_id}/add-ai")
    for player in (ada, bob):
        await player.ok("POST", f"/party/{session_id}/ready")
    await ada.ok("POST", f"/party/{session_id}/start")
    return ada, bob, session_id


async def test_served_under_its_prefix_with_the_other_apps() -> None:
    async with serve_apps([quipflip_app.app], prefixed=True) as served:
        response = await served.client.post("/quipflip/auth/guest", json={"username": "Ada"})
        assert response.status_code == 200
        document = (await served.client.get("/quipflip/openapi.json")).json()
        assert "/quipflip/party/{session_id}/rounds/{round_id}/submit" in document["paths"]


async def test_a_game_carries_on_after_a_restart(durable_url: str) -> None:
    store = durable_url
    async with serve_apps([quipflip_app.app], store=store, environ=FAST_AI) as served:
        ada, bob, session_id = await started_party(served.client)
        await ada.play(session_id, "prompt")
        open_round = await bob.ok("POST", f"/party/{session_id}/rounds/prompt")
        wallets = (await ada.wallet(), await bob.wallet())
        tokens = (ada.token, bob.token)
    async with serve_apps([quipflip_app.app], store=store, environ=FAST_AI) as served:
        ada, bob = (
            Guest(served.client, t, p.player_id, p.username)
            for t, p in zip(tokens, (ada, bob), strict=False)
        )
        assert (await ada.wallet(), await bob.wallet()) == wallets
        status = await bob.ok("GET", f"/party/{session_id}/status")
        assert status["current_phase"] == "PROMPT"
        # Bob's open round is still his, and asking again gives it back free.
        again = await bob.ok("POST", f"/party/{session_id}/rounds/prompt")
        assert again["round_id"] == open_round["round_id"] and await bob.wallet() == wallets[1]
        await bob.ok(
            "POST",
            f"/party/{session_id}/rounds/{again['round_id']}/submit",
            {"phrase": "after the restart"},
        )
        for kind in ("copy", "vote"):
            for player in (ada, bob):
                status = await player.ok("GET", f"/party/{session_id}/status")
                me = next(p for p in status["participants"] if p["player_id"] == player.player_id)
                plural = {"copy": "copies", "vote": "votes"}[kind]
                for _ in range(me[f"{plural}_required"] - me[f"{plural}_submitted"]):
                    await player.play(session_id, kind)
        results = await ada.ok("GET", f"/party/{session_id}/results")
        for player in (ada, bob):
            net = next(r["net"] for r in results["rankings"] if r["player_id"] == player.player_id)
            assert await player.wallet() == 5000 + net


async def test_everything_acknowledged_survives_sigkill(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'quipflip.db'}"
    process, port = await start_serving("quipflip", store, FAST_AI)
    try:
        async with open_client(f"http://127.0.0.1:{port}") as client:
            ada, bob, session_id = await started_party(client)
            await ada.play(session_id, "prompt")
            await bob.play(session_id, "prompt")  # the last prompt: COPY starts, AI copy
            seen = await bob.ok("GET", f"/party/{session_id}/status")
            wallets = (await ada.wallet(), await bob.wallet())
            copy = await ada.ok("POST", f"/party/{session_id}/rounds/copy")
            wallets = (wallets[0] - copy["cost"], wallets[1])
        process.send_signal(signal.SIGKILL)
        await process.wait()
        process, port = await start_serving("quipflip", store, FAST_AI)
        async with open_client(f"http://127.0.0.1:{port}") as client:
            ada, bob = (Guest(client, p.token, p.player_id, p.username) for p in (ada, bob))
            assert (await ada.wallet(), await bob.wallet()) == wallets
            status = await bob.ok("GET", f"/party/{session_id}/status")
            assert status["current_phase"] == seen["current_phase"] == "COPY"
            assert status["version"] == seen["version"] + 1  # Ada's copy round
            again = await ada.ok("POST", f"/party/{session_id}/rounds/copy")
            assert again["round_id"] == copy["round_id"]
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_a_phase_that_ran_out_while_the_server_was_down_ends_when_it_is_back(
    tmp_path: Path,
) -> None:
    store = f"sqlite:///{tmp_path / 'quipflip.db'}"
    async with serve_apps([quipflip_app.app], store=store) as served:
        ada, bob = await guest(served.client, "Ada"), await guest(served.client, "Bob")
        session_id = (await ada.ok("POST", "/party/create", {"min_players": 2}))["session_id"]
        await bob.ok("POST", f"/party/{session_id}/join")
        for player in (ada, bob):
            await player.ok("POST", f"/party/{session_id}/ready")
        await ada.ok("POST", f"/party/{session_id}/start")
        await ada.play(session_id, "prompt")
        bobs = await bob.ok("POST", f"/party/{session_id}/rounds/prompt")
        tokens = (ada.token, bob.token)
    # Back an hour later: the 180 s PROMPT phase is long over.
    later = time.time() + 3600
    clock.set_wall_source(lambda: later)
    async with serve_apps([quipflip_app.app], store=store) as served:
        ada, bob = (
            Guest(served.client, t, p.player_id, p.username)
            for t, p in zip(tokens, (ada, bob), strict=False)
        )
        status = await ada.ok("GET", f"/party/{session_id}/status")
        # PROMPT ended on its timer as the session came back: Bob's round expired (refunded)
        # and COPY started then, with its own 180 s.
        assert status["current_phase"] == "COPY"
        assert status["phase_started_at"] > status["started_at"]
        assert await bob.wallet() == 5000
        late = await bob.post(
            f"/party/{session_id}/rounds/{bobs['round_id']}/submit", {"phrase": "too late"}
        )
        assert (late.status_code, late.json()) == (400, {"detail": "Round has expired"})
