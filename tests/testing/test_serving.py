"""engine.testing: the served engine and the engine under a mock clock, as embedders use them."""

from __future__ import annotations

import types

import trio

import engine.testing
from engine import clock
from engine.testing import open_test_engine, serve_apps

from party_app import PartyState
from party_app import app as party_app


def test_public_names() -> None:
    public = {
        name
        for name, value in vars(engine.testing).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert public == {
        "MemoryPeerInbox",
        "MemoryPeerStatistics",
        "Served",
        "memory_member",
        "memory_peer",
        "open_test_engine",
        "serve_apps",
    }


async def test_served_apps_answer_on_loopback_and_the_environment_is_the_tests() -> None:
    async with serve_apps([party_app], environ={"PARTY_ENGINE_EXAMPLE_SEATS": "1"}) as served:
        assert served.base_url == f"http://127.0.0.1:{served.port}"
        created = await served.client.post("/api/parties", json={"user": "ann", "title": "t"})
        code = created.json()["code"]
        full = await served.client.post(f"/api/parties/{code}/join", json={"user": "bob"})
        assert full.status_code == 409  # one seat, as the environment said
        assert served.engine.environ == {"PARTY_ENGINE_EXAMPLE_SEATS": "1"}


async def test_a_party_timer_runs_under_the_mock_clock(autojump_clock: trio.testing.MockClock):
    async with open_test_engine([party_app]) as engine:
        directory = engine.contexts["example"]
        party_id, _ = await directory.create(PartyState("t", ("ann",), clock.now()))
        assert directory.find(party_id) is not None
        await trio.sleep(3600 + 1)  # the example party's ttl: an hour, in no time
        assert directory.find(party_id) is None
        assert await directory.get(party_id) is None  # finished: deleted from the store
