"""Two nodes in one process (two engines on one Redis and one SQLite file) serving the example
party app: every request and connection reaching either node is served by the party's owner."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import coredis
import trio

from engine import clock
from engine.actors import NameTaken
from engine.cluster.testing import RedisServer
from engine.parties import PartyDirectory
from engine.testing import Served, serve_apps

from party_app import ExampleParty, PartyState, Roster, app

ENVIRON = {"PARTY_ENGINE_CLUSTER_LEASE": "1"}


@asynccontextmanager
async def two_nodes(redis: RedisServer, tmp_path: Path) -> AsyncIterator[tuple[Served, Served]]:
    store = f"sqlite:///{tmp_path / 'cluster.db'}"
    async with (
        serve_apps([app], store=store, environ=ENVIRON, cluster=redis.url) as first,
        serve_apps([app], store=store, environ=ENVIRON, cluster=redis.url) as second,
    ):
        yield first, second


def directory(served: Served) -> PartyDirectory[ExampleParty]:
    found = served.engine.contexts["example"]
    assert isinstance(found, PartyDirectory)
    return found


async def test_requests_and_connections_reach_the_owner_through_any_node(
    redis: RedisServer, tmp_path: Path
) -> None:
    async with two_nodes(redis, tmp_path) as (owner, other):
        created = await owner.client.post("/api/parties", json={"user": "ada", "title": "T"})
        code = created.json()["code"]
        # An ask through the other node: answered by the owner, refusals in the app's format.
        joined = await other.client.post(f"/api/parties/{code}/join", json={"user": "bob"})
        assert joined.status_code == 200 and joined.json() == {"members": ["ada", "bob"]}
        assert directory(owner).find(code) is not None and directory(other).find(code) is None
        # The listing is the cluster's (it crosses through Redis: the other node's listener
        # hears it as it hears its own parties).
        listed = trio.Event()
        directory(other).listen(lambda party_id, summary: summary.members == 2 and listed.set())
        with trio.fail_after(5):
            if [s.members for s in directory(other).listing()] != [2]:
                await listed.wait()  # the creation's listing (1 member) may be there already
        parties = (await other.client.get("/api/parties")).json()["parties"]
        assert parties == [{"code": code, "title": "T", "members": 2, "seats": 4}]
        # Members on both nodes hear each other's broadcasts, numbered by the owner.
        async with (
            owner.client.websocket(f"/ws/{code}?user=ada", type_key="type") as ada,
            other.client.websocket(f"/ws/{code}?user=bob", type_key="type") as bob,
        ):
            await ada.receive_until("welcome")
            await bob.receive_until("welcome")
            await bob.write_json({"type": "say", "text": "hello"})
            heard = [await ws.receive_until("said") for ws in (ada, bob)]
            assert heard[0] == heard[1] and heard[0]["text"] == "hello"
            # A refusal from the owner reaches the other node's connection in the app's format.
            await bob.write_json({"type": "warp"})
            refused = await bob.receive_until(lambda message: "detail" in message)
            assert refused["detail"] == "unknown message 'warp'"


async def test_a_party_id_is_taken_on_one_node_only(redis: RedisServer, tmp_path: Path) -> None:
    async with two_nodes(redis, tmp_path) as nodes:
        outcomes: list[str] = []

        async def create(served: Served) -> None:
            seed = PartyState("T", ("ada",), clock.now())
            try:
                await directory(served).create(seed, party_id="SAME1")
                outcomes.append("created")
            except NameTaken:
                outcomes.append("taken")

        async with trio.open_nursery() as nursery:
            for served in nodes:
                nursery.start_soon(create, served)
        assert sorted(outcomes) == ["created", "taken"]
        assert sum(directory(served).find("SAME1") is not None for served in nodes) == 1


async def test_a_saved_party_nobody_runs_is_started_on_one_node(
    redis: RedisServer, tmp_path: Path
) -> None:
    store = f"sqlite:///{tmp_path / 'cluster.db'}"
    async with serve_apps([app], store=store) as alone:
        await directory(alone).create(PartyState("T", ("ada",), clock.now()), party_id="SAVED")
    # Started again as a cluster: the two nodes race to restore it at start and on first use.
    async with two_nodes(redis, tmp_path) as nodes:
        found: list[object] = []

        async def get(served: Served) -> None:
            found.append(await directory(served).get("SAVED"))

        async with trio.open_nursery() as nursery:
            for served in (*nodes, *nodes):
                nursery.start_soon(get, served)
        assert len(found) == 4 and None not in found
        running = [served for served in nodes if directory(served).find("SAVED") is not None]
        assert len(running) == 1


async def test_a_node_whose_lease_was_taken_stops_its_copy(
    redis: RedisServer, tmp_path: Path
) -> None:
    async with two_nodes(redis, tmp_path) as (owner, _):
        created = await owner.client.post("/api/parties", json={"user": "ada", "title": "T"})
        code = created.json()["code"]
        party = directory(owner).find(code)
        assert party is not None
        # As after a partition: another node holds the lease now. The next renewal finds out.
        async with coredis.Redis.from_url(redis.url) as client:
            await client.set(f"pe:owner:{ExampleParty.kind}:{code}", "elsewhere")
            with trio.fail_after(5):
                assert await party.wait_stopped() == "shutdown"
            # And it did not give away the lease it no longer held.
            assert await client.get(f"pe:owner:{ExampleParty.kind}:{code}") == b"elsewhere"
        assert directory(owner).find(code) is None


async def test_a_stand_in_asked_past_its_idle_period_serves_every_ask(
    redis: RedisServer, tmp_path: Path
) -> None:
    async with two_nodes(redis, tmp_path) as (owner, other):
        created = await owner.client.post("/api/parties", json={"user": "ada", "title": "T"})
        code = created.json()["code"]
        standin = await directory(other).get(code)
        assert standin is not None and directory(other).find(code) is None
        # No connection, asks alone, one after another past its idle lease period (1 s).
        deadline = trio.current_time() + 1.5
        while trio.current_time() < deadline:
            assert await standin.ask(Roster("ada", joining=True)) == ["ada"]
        # Unused for a lease period, it goes.
        with trio.fail_after(5):
            await standin.wait_stopped()
