"""``GET /metrics``: the names and labels a scraper relies on, counted for real on loopback.

Each test drives a served engine through both HTTP paths (the direct path and Quart-Trio),
WebSocket routes that accept, refuse and rate-limit, and a party, then reads the exposition.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pytest
import trio
import trio.testing

from engine.net import Accept, RateLimiter, RateLimitRule, WebSocket, WebSocketRequest, serve_peer
from engine.net.client import WebSocketClosed, WebSocketRejected
from engine.store import LatencyHistogram, StoreStatistics
from engine.supervisors import SupervisorNode
from engine.testing import serve_apps
from engine.web import AppSpec, Routes
from engine.web._metrics import ConnectionCounters, HttpCounters, render_metrics

import crash_app

limited_routes = Routes()


@limited_routes.websocket("/ws")
async def limited_socket(
    context: crash_app.Context, request: WebSocketRequest, params: Mapping[str, str]
) -> Accept:
    """A peer of the worker allowed one message a minute."""
    limiter = RateLimiter(RateLimitRule(1, 60.0))

    async def serve(ws: WebSocket, params: Mapping[str, str]) -> None:
        errors = crash_app.PeerErrors()
        await serve_peer(ws, context.worker, errors=errors, rate_limit=limiter.keyed("one"))

    return Accept(serve)


@limited_routes.websocket("/buggy")
async def buggy_socket(
    context: crash_app.Context, request: WebSocketRequest, params: Mapping[str, str]
) -> Accept:
    """A handler with a bug: the listener closes its socket with 1011."""

    async def serve(ws: WebSocket, params: Mapping[str, str]) -> None:
        raise RuntimeError("a bug")

    return Accept(serve)


limited = AppSpec(name="limited", routes=limited_routes, setup=crash_app.setup)


def samples(text: str) -> dict[str, float]:
    """Every sample line, ``name{labels}`` -> value."""
    found = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            found[name] = float(value)
    return found


@pytest.mark.parametrize("through_quart", [False, True])
async def test_every_metric_is_named_and_labelled(through_quart: bool) -> None:
    apps = [crash_app.rooms, limited]
    async with serve_apps(apps, prefixed=True, through_quart=through_quart) as served:
        client = served.client
        created = await client.post("/rooms/api/parties", json={"user": "ann", "title": "T"})
        code = created.json()["code"]
        assert (await client.get("/rooms/api/parties")).status_code == 200
        assert (await client.post("/rooms/api/parties/zz/join", json={"user": "x"})).status_code
        assert (await client.get("/nowhere")).status_code == 404
        with pytest.raises(WebSocketRejected):
            async with client.websocket("/rooms/ws/NOPE1", params={"user": "ann"}):
                pass
        async with client.websocket(f"/rooms/ws/{code}", params={"user": "ann"}) as member:
            await member.receive_until("welcome")
            async with client.websocket("/limited/ws") as spammer:
                for _ in range(3):
                    await spammer.write_json({"type": "ping"})
                replies = [await spammer.receive_json() for _ in range(3)]
                assert replies.count({"type": "error", "message": "slow down"}) == 2
                text = (await client.get("/metrics")).text
    found = samples(text)

    # Every family has its HELP and TYPE.
    for name, kind in [
        ("actors_alive", "gauge"),
        ("mailbox_depth", "gauge"),
        ("messages_handled_total", "counter"),
        ("actor_restarts_total", "counter"),
        ("parties", "gauge"),
        ("websocket_connections", "gauge"),
        ("websocket_connections_opened_total", "counter"),
        ("websocket_messages_in_total", "counter"),
        ("websocket_messages_out_total", "counter"),
        ("websocket_frames_dropped_total", "counter"),
        ("websocket_refusals_total", "counter"),
        ("websocket_closes_total", "counter"),
        ("http_requests_total", "counter"),
        ("http_errors_total", "counter"),
        ("http_rate_limited_total", "counter"),
        ("store_commits_total", "counter"),
        ("store_saves_total", "counter"),
        ("store_queue_depth", "gauge"),
        ("store_commit_latency_seconds", "histogram"),
    ]:
        assert f"# TYPE party_engine_{name} {kind}\n" in text, name
        assert f"# HELP party_engine_{name} " in text, name

    # Actors by class: the party's and the worker's, never the factory that built them.
    assert found['party_engine_actors_alive{kind="CrashyParty"}'] == 1
    assert found['party_engine_actors_alive{kind="Crashy"}'] == 1
    kinds = set(re.findall(r'party_engine_actors_alive\{kind="([^"]*)"\}', text))
    assert kinds.isdisjoint({"partial", "<lambda>", "incarnation"}), kinds

    assert found['party_engine_parties{app="rooms",kind="crashy.room"}'] == 1

    # WebSockets, by route and cause.
    assert found['party_engine_websocket_connections{route="/rooms/ws/{code}"}'] == 1
    assert found['party_engine_websocket_connections{route="/limited/ws"}'] == 1
    assert found['party_engine_websocket_messages_in_total{route="/limited/ws"}'] == 3
    assert found['party_engine_websocket_messages_out_total{route="/limited/ws"}'] == 3
    assert found['party_engine_websocket_refusals_total{cause="not_found"}'] == 1
    assert found['party_engine_websocket_refusals_total{cause="message_rate_limited"}'] == 2
    # The refused upgrade never opened a connection; nothing has closed yet.
    assert found['party_engine_websocket_connections_opened_total{route="/rooms/ws/{code}"}'] == 1
    assert not any(name.startswith("party_engine_websocket_closes_total") for name in found)

    # HTTP, by the server that answered: the direct path (the app's routes, the 404 of
    # /nowhere) unless every request goes through Quart.
    server = "quart" if through_quart else "direct"
    assert found[f'party_engine_http_requests_total{{server="{server}"}}'] == 4
    assert found[f'party_engine_http_errors_total{{server="{server}",class="4xx"}}'] == 2
    assert len([name for name in found if name.startswith("party_engine_http_requests")]) == 1

    # The store's commit latency as a Prometheus histogram.
    buckets = [
        (bound, value)
        for name, value in found.items()
        if (bound := re.fullmatch(r'.*_seconds_bucket\{le="([^"]+)"\}', name))
    ]
    assert len(buckets) == len(LatencyHistogram().bounds) + 1
    assert buckets[-1][0].group(1) == "+Inf"
    counts = [value for _, value in buckets]
    assert counts == sorted(counts)  # cumulative
    assert counts[-1] == found["party_engine_store_commit_latency_seconds_count"] >= 1
    assert found["party_engine_store_commit_latency_seconds_sum"] > 0
    assert found["party_engine_store_saves_total"] >= 1


async def test_closes_are_counted_by_code() -> None:
    async with serve_apps([crash_app.rooms], prefixed=False) as served:
        client = served.client
        code = (await client.post("/api/parties", json={"user": "ann", "title": "T"})).json()[
            "code"
        ]
        async with client.websocket(f"/ws/{code}", params={"user": "ann"}) as member:
            await member.receive_until("welcome")
            await member.write_json({"type": "finish"})  # the party ends: 1000 "party over"
        with trio.fail_after(10):
            while not served.engine.connections.closes:
                await trio.testing.wait_all_tasks_blocked()
        found = samples((await client.get("/metrics")).text)
    assert found['party_engine_websocket_closes_total{code="1000"}'] == 1
    assert found['party_engine_websocket_connections{route="/ws/{code}"}'] == 0
    assert not any(name.startswith("party_engine_parties{") for name in found)


def test_label_values_are_escaped() -> None:
    connections = ConnectionCounters()
    connections.refused['a "quoted" \\ cause\n'] += 1
    empty = SupervisorNode(id="engine", strategy="one_for_one", restarts=0, children=())
    store = StoreStatistics(0, 0, 0.0, 0.0, 0.0, 0)
    text = render_metrics(empty, store, HttpCounters(), connections)
    assert 'party_engine_websocket_refusals_total{cause="a \\"quoted\\" \\\\ cause\\n"} 1' in text


async def test_a_handler_that_fails_is_counted_as_the_listener_closes_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with serve_apps([limited], prefixed=False) as served:
        async with served.client.websocket("/buggy") as ws:
            with pytest.raises(WebSocketClosed) as closed:
                await ws.receive_json()
        assert closed.value.code == 1011
        found = samples((await served.client.get("/metrics")).text)
    assert found['party_engine_websocket_closes_total{code="1011"}'] == 1
    assert "a bug" in caplog.text
