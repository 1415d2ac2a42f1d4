"""``/dashboard``: off unless configured, only with its token, and a view that follows the engine.

Served for real on loopback. The view tests run on a frozen MockClock: the dashboard sends an
update when a viewer joins, then one per ``UPDATE_INTERVAL``, so each ``jump`` of the interval
releases exactly one update, whatever happened in between.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
import trio
import trio.testing

from engine.net.client import Client, ClientWebSocket, WebSocketClosed, WebSocketRejected
from engine.settings import SettingsError
from engine.testing import serve_apps
from engine.web import _dashboard, open_engine
from engine.web._dashboard import AUTH_TIMEOUT, MAX_CPU_SHARE, UNAUTHORIZED, UPDATE_INTERVAL

import crash_app
import party_app

TOKEN = "s3cret-token"
ON = {"PARTY_ENGINE_DASHBOARD_TOKEN": TOKEN}


@asynccontextmanager
async def viewer(client: Client, token: str = TOKEN) -> AsyncIterator[ClientWebSocket]:
    """A dashboard viewer that has sent ``token``."""
    async with client.websocket("/dashboard/ws") as ws:
        await ws.write_json({"token": token})
        yield ws


async def next_update(ws: ClientWebSocket, clock: trio.testing.MockClock) -> dict[str, Any]:
    """Let the engine settle, move the clock one interval: the update that releases."""
    await trio.testing.wait_all_tasks_blocked()
    clock.jump(UPDATE_INTERVAL)
    update: dict[str, Any] = await ws.receive_json()
    return update


async def update_where(
    ws: ClientWebSocket, clock: trio.testing.MockClock, holds: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    """The first update for which ``holds`` (the engine may need a few messages to get there)."""
    for _ in range(20):
        update = await next_update(ws, clock)
        if holds(update):
            return update
    raise AssertionError(f"no update showed it; the last: {update}")


def supervisor(tree: dict[str, Any], node_id: str) -> dict[str, Any]:
    if tree["id"] == node_id:
        return tree
    for child in tree["supervisors"]:
        try:
            return supervisor(child, node_id)
        except LookupError:
            pass
    raise LookupError(node_id)


def rooms(update: dict[str, Any]) -> dict[str, Any]:
    (app,) = [app for app in update["apps"] if app["name"] == "rooms"]
    return app


async def test_off_without_a_token() -> None:
    async with serve_apps([crash_app.rooms], environ={}) as served:
        client = served.client
        for path in ("/dashboard", "/dashboard/assets/dashboard.js"):
            assert (await client.get(path)).status_code == 404, path
        with pytest.raises(WebSocketRejected) as rejected:
            async with client.websocket("/dashboard/ws"):
                pass
        assert rejected.value.status_code == 404
        assert "/dashboard" not in (await client.get("/")).text


async def test_the_page_is_served_and_linked_and_holds_nothing_secret() -> None:
    async with serve_apps([crash_app.rooms], environ=ON) as served:
        client = served.client
        page = await client.get("/dashboard")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert TOKEN not in page.text
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        for name, media_type in [("dashboard.js", "javascript"), ("dashboard.css", "text/css")]:
            assert f"/dashboard/assets/{name}" in page.text
            served_file = await client.get(f"/dashboard/assets/{name}")
            assert served_file.status_code == 200
            assert media_type in served_file.headers["content-type"]
        assert (await client.get("/dashboard/assets/secrets.txt")).status_code == 404
        assert 'href="/dashboard"' in (await client.get("/")).text


@pytest.mark.parametrize("first", ['{"token": "wrong"}', "not json", '["s3cret-token"]', "{}"])
async def test_a_viewer_without_the_token_is_closed(first: str) -> None:
    async with serve_apps([crash_app.rooms], environ=ON) as served:
        async with served.client.websocket("/dashboard/ws") as ws:
            await ws.write_text(first)
            with pytest.raises(WebSocketClosed) as closed:
                await ws.receive_json()
        assert closed.value.code == UNAUTHORIZED
        assert served.engine.dashboard is not None and served.engine.dashboard.viewers == 0


async def test_a_viewer_that_sends_nothing_is_closed_in_time(
    mock_clock: trio.testing.MockClock,
) -> None:
    async with serve_apps([crash_app.rooms], environ=ON) as served:
        async with served.client.websocket("/dashboard/ws") as ws:
            await trio.testing.wait_all_tasks_blocked()
            mock_clock.jump(AUTH_TIMEOUT)
            with pytest.raises(WebSocketClosed) as closed:
                await ws.receive_json()
        assert closed.value.code == UNAUTHORIZED


async def test_development_mode_draws_a_token_and_logs_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, "engine.web")
    async with serve_apps([crash_app.rooms], environ={"PARTY_ENGINE_DEV": "1"}) as served:
        (token,) = re.findall(r"dashboard's token is (\S+)", caplog.text)
        assert (await served.client.get("/dashboard")).status_code == 200
        async with viewer(served.client, token) as ws:
            assert (await ws.receive_json())["type"] == "update"
        async with viewer(served.client, "guessed") as ws:
            with pytest.raises(WebSocketClosed):
                await ws.receive_json()


async def test_a_token_set_wins_over_development_mode(caplog: pytest.LogCaptureFixture) -> None:
    environ = {**ON, "PARTY_ENGINE_DEV": "yes"}
    async with serve_apps([crash_app.rooms], environ=environ) as served:
        assert "dashboard's token" not in caplog.text
        async with viewer(served.client) as ws:
            assert (await ws.receive_json())["type"] == "update"


async def test_a_development_mode_that_is_neither_yes_nor_no_stops_the_engine() -> None:
    with pytest.raises(SettingsError, match="PARTY_ENGINE_DEV"):
        async with open_engine([crash_app.rooms], environ={"PARTY_ENGINE_DEV": "maybe"}):
            pass


async def test_the_view_follows_a_party_through_a_crash_to_its_end(
    mock_clock: trio.testing.MockClock,
) -> None:
    async with serve_apps([crash_app.rooms], environ=ON, prefixed=True) as served:
        client = served.client
        async with viewer(client) as ws:
            first = await ws.receive_json()
            assert rooms(first) == {
                "name": "rooms",
                "up": True,
                "restarts": 0,
                "parties": 0,
                "shown": [],
            }
            created = await client.post("/rooms/api/parties", json={"user": "ann", "title": "T"})
            code = created.json()["code"]
            party_id = party_app.CODES.parse(code)
            async with client.websocket(f"/rooms/ws/{code}", params={"user": "ann"}) as member:
                await member.receive_until("welcome")
                update = await update_where(ws, mock_clock, lambda u: rooms(u)["parties"] == 1)
                (party,) = rooms(update)["shown"]
                assert party["id"] == party_id
                assert party["kind"] == "crashy.room"
                assert (party["members"], party["connections"]) == (["ann"], 1)
                assert (party["restarts"], party["crashes"], party["last_crash"]) == (0, 0, None)
                parties = supervisor(update["tree"], "crashy.room.parties")
                assert [kind["kind"] for kind in parties["actors"]] == ["CrashyParty"]
                (route,) = update["connections"]["routes"]
                assert (route["route"], route["open"]) == ("/rooms/ws/{code}", 1)

                await member.write_json({"type": "crash"})
                update = await update_where(
                    ws, mock_clock, lambda u: rooms(u)["shown"][0]["crashes"] == 1
                )
                (party,) = rooms(update)["shown"]
                assert party["restarts"] == 1
                assert party["members"] == ["ann"]  # a crash loses no member
                reason = f"RuntimeError: party {party_id} crashed on demand"
                assert party["last_crash"]["reason"] == reason
                parties = supervisor(update["tree"], "crashy.room.parties")
                assert (parties["crashes"], parties["last_crash"]["reason"]) == (1, reason)
                (kind,) = parties["actors"]
                assert (kind["count"], kind["restarts"], kind["crashes"]) == (1, 1, 1)

                await member.write_json({"type": "finish"})
                update = await update_where(ws, mock_clock, lambda u: rooms(u)["parties"] == 0)
                parties = supervisor(update["tree"], "crashy.room.parties")
                assert parties["actors"] == []
                assert parties["last_crash"]["reason"] == reason  # kept after the party went


async def test_updates_are_coalesced_and_every_viewer_gets_the_same(
    mock_clock: trio.testing.MockClock,
) -> None:
    async with serve_apps([crash_app.rooms], environ=ON, prefixed=True) as served:
        client = served.client
        async with viewer(client) as one, viewer(client) as two:
            first = await one.receive_json()
            assert await two.receive_json() == first
            for _ in range(20):
                assert (await client.get("/rooms/api/parties")).status_code == 200
            await one.write_json({"type": "anything"})  # read-only: ignored
            update = await next_update(one, mock_clock)
            # Twenty requests, one update: the next interval's, carrying them all.
            assert update["uptime"] == pytest.approx(first["uptime"] + UPDATE_INTERVAL)
            assert sum(update["http"]["requests"].values()) == 20
            assert update["http"]["requests_per_second"] == 20 / UPDATE_INTERVAL
            assert await two.receive_json() == update
        assert served.engine.dashboard is not None
        with trio.fail_after(5):
            while served.engine.dashboard.viewers:
                await trio.testing.wait_all_tasks_blocked()


async def test_an_update_that_costs_much_stretches_the_interval(
    mock_clock: trio.testing.MockClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    cost = 0.2  # seconds of CPU per update, as a huge engine would take
    thread_time = iter(step * cost for step in range(1000))  # each reading `cost` later
    monkeypatch.setattr(_dashboard.time, "thread_time", lambda: next(thread_time))
    stretched = cost / MAX_CPU_SHARE
    assert stretched > UPDATE_INTERVAL
    async with serve_apps([crash_app.rooms], environ=ON) as served:
        async with viewer(served.client) as ws:
            first = await ws.receive_json()
            await trio.testing.wait_all_tasks_blocked()
            mock_clock.jump(UPDATE_INTERVAL)
            await trio.testing.wait_all_tasks_blocked()  # no update at the usual interval
            mock_clock.jump(stretched - UPDATE_INTERVAL)
            second = await ws.receive_json()
            assert second["uptime"] == pytest.approx(first["uptime"] + stretched)
