"""Apps isolated from the root: crash loops anywhere in one app never stop the engine.

Served for real on loopback. The clock is a frozen MockClock: every crash lands in the same
instant (so each intensity is exceeded deterministically) and a failed app stays down until
the test moves the clock past its restart backoff.
"""

from __future__ import annotations

import logging
import re

import pytest
import trio
import trio.testing

from engine.actors import ActorCrashed
from engine.apps.liaptui import lobby as liaptui_lobby
from engine.apps.liaptui.app import make_app as make_liaptui
from engine.net.client import Client, WebSocketRejected
from engine.supervisors import SupervisorNode
from engine.testing import serve_apps
from engine.web import Engine, open_engine
from engine.web._app_host import APP_RESTART_BACKOFF

import crash_app
import notes_app

DOWN = {"detail": "crashy is restarting after a failure, try again shortly"}


def supervisor_node(tree: SupervisorNode, node_id: str) -> SupervisorNode:
    for child in tree.children:
        if isinstance(child, SupervisorNode):
            if child.id == node_id:
                return child
            try:
                return supervisor_node(child, node_id)
            except LookupError:
                pass
    raise LookupError(node_id)


async def upgrade_status(client: Client, path: str) -> int:
    """101 if the upgrade to ``path`` is accepted, else the status it was refused with."""
    try:
        async with client.websocket(path):
            return 101
    except WebSocketRejected as rejected:
        return rejected.status_code


@pytest.mark.parametrize("through_quart", [False, True], ids=["direct", "quart"])
async def test_an_app_crashing_past_every_intensity_answers_503_then_comes_back(
    mock_clock: trio.testing.MockClock, through_quart: bool
) -> None:
    async with serve_apps([crash_app.app, notes_app.app], through_quart=through_quart) as served:
        client, engine = served.client, served.engine
        host = engine.hosts["crashy"]
        assert (await client.get("/crashy/ping")).status_code == 200
        for _ in range(4):  # the worker's supervisor allows 3 restarts in 5 s
            assert (await client.post("/crashy/crash")).status_code == 500
        await trio.testing.wait_all_tasks_blocked()

        assert not host.available
        down = await client.get("/crashy/ping")
        assert (down.status_code, down.json()) == (503, DOWN)
        assert (await client.post("/crashy/crash")).status_code == 503
        assert await upgrade_status(client, "/crashy/ws/worker") == 503
        assert (await client.post("/notes/notes", json={"text": "still here"})).status_code == 201
        assert (await client.get("/health")).status_code == 200
        assert all(c.id != "app:crashy" for c in engine.system.snapshot().children)

        mock_clock.jump(APP_RESTART_BACKOFF.delay(1))
        await host.wait_available()
        assert host.restarts == 1
        assert (await client.get("/crashy/ping")).status_code == 200
        assert await upgrade_status(client, "/crashy/ws/worker") == 101
        workers = supervisor_node(engine.system.snapshot(), "crashy.workers")
        assert workers.restarts == 0  # a fresh set-up: a new supervisor


async def test_the_app_keeps_failing_and_coming_back_while_the_engine_stays_up(
    mock_clock: trio.testing.MockClock,
) -> None:
    async with serve_apps([crash_app.app, notes_app.app]) as served:
        client, host = served.client, served.engine.hosts["crashy"]
        for attempt in range(1, 4):
            for _ in range(4):
                await client.post("/crashy/crash")
            await trio.testing.wait_all_tasks_blocked()
            assert (await client.get("/crashy/ping")).status_code == 503
            assert (await client.get("/notes/notes/1")).status_code == 404  # notes: up
            mock_clock.jump(APP_RESTART_BACKOFF.delay(attempt))
            await host.wait_available()
            assert host.restarts == attempt
        assert (await client.get("/crashy/ping")).status_code == 200


async def test_a_party_crashing_on_every_request_is_stopped_and_the_app_stays_up(
    mock_clock: trio.testing.MockClock,
) -> None:
    async with serve_apps([crash_app.app, notes_app.app]) as served:
        client, engine = served.client, served.engine
        assert (await client.get("/crashy/parties/calm")).json() == {"party": "calm"}
        for _ in range(20):  # far past the party's 3 restarts, and again on each fresh start
            assert (await client.post("/crashy/parties/loop/crash")).status_code == 500
        await trio.testing.wait_all_tasks_blocked()

        parties = supervisor_node(engine.system.snapshot(), "crashy.parties")
        assert (parties.restarts, parties.failed_children) == (15, 5)
        assert engine.hosts["crashy"].available and engine.hosts["crashy"].restarts == 0
        assert (await client.get("/crashy/parties/calm")).json() == {"party": "calm"}
        assert (await client.get("/crashy/ping")).status_code == 200


async def test_crashing_the_liaptui_lobby_sixteen_times_leaves_the_process_serving(
    mock_clock: trio.testing.MockClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue's denial of service, with the lobby's crash injected into its pong instead
    of the non-finite number the codec now refuses."""

    def crashing_pong(*args: object, **kwargs: object) -> None:
        raise RuntimeError("injected lobby crash")

    monkeypatch.setattr(liaptui_lobby, "pong", crashing_pong)
    async with serve_apps([make_liaptui(), crash_app.app]) as served:
        client, engine = served.client, served.engine
        refused = 0
        for _ in range(16):
            try:
                async with client.websocket("/liaptui/ws/lobby", type_key="event") as ws:
                    await ws.write_json({"event": "ping", "data": {"client_time": 1}})
            except WebSocketRejected as rejected:
                assert rejected.status_code == 503
                refused += 1
        await trio.testing.wait_all_tasks_blocked()

        assert refused > 0
        assert await upgrade_status(client, "/liaptui/ws/lobby") == 503
        assert (await client.get("/crashy/ping")).status_code == 200
        assert (await client.get("/health")).status_code == 200

        monkeypatch.undo()
        mock_clock.jump(APP_RESTART_BACKOFF.delay(1))
        await engine.hosts["liaptui"].wait_available()
        async with client.websocket("/liaptui/ws/lobby", type_key="event") as ws:
            await ws.write_json({"event": "ping", "data": {"client_time": 1}})
            assert (await ws.receive_until("pong"))["event"] == "pong"


async def test_the_set_up_backoff_doubles_then_starts_over_once_the_app_has_run_a_minute(
    mock_clock: trio.testing.MockClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="engine.web")

    async def fail(engine: Engine) -> None:  # the worker's supervisor allows 3 restarts in 5 s
        for _ in range(4):
            with pytest.raises(ActorCrashed):
                await engine.contexts["crashy"].worker.ask(crash_app.Crash())
        await trio.testing.wait_all_tasks_blocked()

    async with open_engine([crash_app.app]) as engine:
        host = engine.hosts["crashy"]
        for wait_then in (0, 0, 0, APP_RESTART_BACKOFF.reset_after + 1):
            mock_clock.jump(wait_then)
            await fail(engine)
            delay = float(re.findall(r"setting it up again in ([\d.]+) s", caplog.text)[-1])
            mock_clock.jump(delay)
            await host.wait_available()
        delays = re.findall(r"setting it up again in ([\d.]+) s", caplog.text)
        assert delays == ["0.5", "1.0", "2.0", "0.5"]
        assert host.restarts == 4
