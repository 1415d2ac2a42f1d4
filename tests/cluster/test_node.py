"""Two nodes in one process (two engines on one Redis and one SQLite file) serving the example
party app (Liap Tui for seats): every request and connection reaching either node is served by
the party's owner; a dead node's listings go; a node paused past its lease cannot write."""

from __future__ import annotations

import pickle
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager
from pathlib import Path

import coredis
import pytest
import trio

from engine import clock
from engine.actors import ActorRef, ActorStopped, NameTaken
from engine.apps.liaptui.app import app as liaptui
from engine.cluster import ClusterNode, ClusterPlacement
from engine.cluster import _keys as keys
from engine.cluster.testing import RedisServer
from engine.parties import Admission, PartyDirectory
from engine.store import Superseded
from engine.testing import Served, serve_apps

from cluster_nodes import until
from liaptui_players import create_room, join
from party_app import ExampleParty, Listing, PartyState, Roster, app


@asynccontextmanager
async def two_nodes(
    redis: RedisServer, tmp_path: Path, *, lease: float = 1
) -> AsyncIterator[tuple[Served, Served]]:
    store = f"sqlite:///{tmp_path / 'cluster.db'}"
    environ = {"PARTY_ENGINE_CLUSTER_LEASE": str(lease)}
    async with (
        serve_apps([app], store=store, environ=environ, cluster=redis.url) as first,
        serve_apps([app], store=store, environ=environ, cluster=redis.url) as second,
    ):
        yield first, second


def directory(served: Served) -> PartyDirectory[ExampleParty]:
    found = served.engine.contexts["example"]
    assert isinstance(found, PartyDirectory)
    return found


def node_of(served: Served) -> ClusterNode:
    placement = directory(served).placement
    assert isinstance(placement, ClusterPlacement)
    return placement.node


async def create_party(served: Served) -> str:
    """A party created through ``served`` (so owned by it, ada seated); its code."""
    created = await served.client.post("/api/parties", json={"user": "ada", "title": "T"})
    code: str = created.json()["code"]
    return code


async def test_requests_and_connections_reach_the_owner_through_any_node(
    redis: RedisServer, tmp_path: Path
) -> None:
    async with two_nodes(redis, tmp_path) as (owner, other):
        code = await create_party(owner)
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


async def test_a_party_made_by_get_or_create_keeps_the_lease_its_get_let_go(
    redis: RedisServer, tmp_path: Path
) -> None:
    async with two_nodes(redis, tmp_path) as (first, second):
        # ``get`` takes the lease, finds nothing saved and lets it go (a queued release);
        # ``create`` takes it again at once: the release must not delete it afterwards.
        await directory(first).get_or_create("ONE", PartyState("T", ("ada",), clock.now()))
        assert await directory(second).get("ONE") is not None
        assert directory(second).find("ONE") is None  # a stand-in: no second copy runs
        async with coredis.Redis.from_url(redis.url) as client:
            owner = await client.get(f"pe:owner:{ExampleParty.kind}:ONE")
        assert owner == node_of(first).id.encode()


async def test_a_get_of_a_party_nobody_saved_leaves_nothing_to_adopt(
    redis: RedisServer, tmp_path: Path
) -> None:
    async with two_nodes(redis, tmp_path) as (first, _):
        assert await directory(first).get("GHOST") is None
        async with coredis.Redis.from_url(redis.url) as client:
            assert not await client.sismember(f"pe:parties:{ExampleParty.kind}", "GHOST")


async def test_an_ask_reaching_the_owner_before_its_party_is_live_waits_for_it(
    redis: RedisServer, tmp_path: Path
) -> None:
    async with two_nodes(redis, tmp_path) as (owner, other):
        seed = PartyState("T", ("ada",), clock.now())
        _, party = await directory(owner).create(seed, party_id="LATE1")
        await directory(owner).supervisor.terminate_child(party)
        # As while the owner restores or creates it: its lease taken, the party not live yet.
        placement = directory(owner).placement
        assert placement is not None and await placement.claim("LATE1")
        standin = await directory(other).get("LATE1")
        assert standin is not None
        assert await standin.ask(Roster("bob", joining=True)) == ["ada", "bob"]
        assert directory(owner).find("LATE1") is not None


async def test_a_node_whose_lease_was_taken_stops_its_copy(
    redis: RedisServer, tmp_path: Path
) -> None:
    async with two_nodes(redis, tmp_path) as (owner, _):
        code = await create_party(owner)
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
        code = await create_party(owner)
        standin = await directory(other).get(code)
        assert standin is not None and directory(other).find(code) is None
        # No connection, asks alone, one after another past its idle lease period (1 s).
        deadline = trio.current_time() + 1.5
        while trio.current_time() < deadline:
            assert await standin.ask(Roster("ada", joining=True)) == ["ada"]
        # Unused for a lease period, it goes.
        with trio.fail_after(5):
            await standin.wait_stopped()


async def test_an_ask_to_a_party_that_ended_on_its_node_is_actor_stopped_as_locally(
    redis: RedisServer, tmp_path: Path
) -> None:
    """Apps answer ``ActorStopped`` as "gone" (404): through a stand-in as from a local party,
    and the stand-in carries on."""
    async with two_nodes(redis, tmp_path) as (owner, other):
        code = await create_party(owner)
        standin = await directory(other).get(code)
        assert standin is not None and directory(other).find(code) is None
        assert await directory(owner).finish(code)
        for _ in range(2):
            with pytest.raises(ActorStopped):
                await standin.ask(Roster("ada", joining=True))
        assert standin.alive


def listed(served: Served, party_id: str) -> Listing | None:
    return next((s for s in directory(served).listing() if s.code == party_id), None)


async def ghost_lists(
    client: coredis.Redis[bytes], party_id: str, summary: Listing, *, heartbeat_ms: int = 300
) -> None:
    """A node "ghost" takes the party's lease and lists it, then dies: its lease lapses within
    0.3 s, its heartbeat after ``heartbeat_ms``, and nothing of it says goodbye (as after
    SIGKILL)."""
    kind = ExampleParty.kind
    await client.set(keys.node_key("ghost"), "1", px=heartbeat_ms)
    await client.set(keys.owner_key(kind, party_id), "ghost", px=300)
    note = pickle.dumps(("ghost", party_id, summary))
    done: object = await client.register_script(keys.LIST)(
        keys=[
            keys.listing_key(kind),
            keys.listed_by_key(kind),
            keys.listing_nodes_key(kind),
            keys.node_listings_prefix(kind) + "ghost",
            keys.owner_key(kind, party_id),
        ],
        args=["ghost", party_id, pickle.dumps(summary), note, keys.node_listings_prefix(kind)],
    )
    assert done == 1


async def test_the_listings_of_a_dead_node_are_withdrawn_everywhere(
    redis: RedisServer, tmp_path: Path
) -> None:
    ghostly = Listing("GHOST", "Boo", 1, 4)
    async with two_nodes(redis, tmp_path) as nodes, coredis.Redis.from_url(redis.url) as client:
        await ghost_lists(client, "GHOST", ghostly)

        def everywhere(summary: Listing | None) -> bool:
            return all(listed(served, "GHOST") == summary for served in nodes)

        await until(lambda: everywhere(ghostly))
        # Its heartbeat lapses: the first node to look withdraws the listing from the hash,
        # and every node from its mirror, within half a lease (0.5 s here).
        await until(lambda: everywhere(None))
        kind = ExampleParty.kind
        assert await client.hgetall(keys.listing_key(kind)) == {}
        assert await client.hgetall(keys.listed_by_key(kind)) == {}
        assert await client.smembers(keys.listing_nodes_key(kind)) == set()


async def test_a_party_restored_by_another_node_is_listed_by_it(
    redis: RedisServer, tmp_path: Path
) -> None:
    kind = ExampleParty.kind
    state = PartyState("T", ("ada",), clock.now())
    async with two_nodes(redis, tmp_path) as nodes, coredis.Redis.from_url(redis.url) as client:
        first, second = nodes
        data = ExampleParty.converter.unstructure(state, PartyState)
        await first.engine.store.save(kind, "SAVED", data, expected_version=0)
        # Listed by a node whose lease lapsed while its heartbeat lives on a while, with the
        # summary the party reports again once restored (so that report changes nothing).
        summary = Listing("SAVED", "T", 1, 4)
        await ghost_lists(client, "SAVED", summary, heartbeat_ms=60_000)
        await until(lambda: all(listed(served, "SAVED") == summary for served in nodes))

        async def lapsed() -> bool:
            return not await client.exists([keys.owner_key(kind, "SAVED")])

        await until(lapsed)
        assert await directory(second).get("SAVED") is not None
        assert directory(second).find("SAVED") is not None

        async def listed_by_second() -> bool:
            lister = await client.hget(keys.listed_by_key(kind), "SAVED")
            return lister == node_of(second).id.encode()

        await until(listed_by_second)
        # The dead node's withdrawal, when its heartbeat lapses, leaves it listed everywhere.
        await client.delete([keys.node_key("ghost")])
        assert await node_of(first).prune_listings(kind) == 0
        assert all(listed(served, "SAVED") == summary for served in nodes)
        stored = await client.hget(keys.listing_key(kind), "SAVED")
        assert stored is not None and pickle.loads(stored) == summary


# A node paused past its lease (SIGSTOP, a long GC pause) is not dead: when it wakes, its copy
# of a party another node took over may still write before its next renewal finds the lease
# gone. In these tests the lease is long, so that renewal never comes, and the lapse is the
# lease's deletion: what stops the paused copy is the store alone.


@asynccontextmanager
async def lease_lapsed(
    redis: RedisServer, tmp_path: Path
) -> AsyncIterator[tuple[Served, Served, str, ActorRef]]:
    """Two nodes, and a party created on the first ("paused") whose lease has lapsed while
    its copy there still runs: the nodes, the party's code and that copy."""
    async with (
        two_nodes(redis, tmp_path, lease=60) as (paused, other),
        coredis.Redis.from_url(redis.url) as client,
    ):
        code = await create_party(paused)
        stale = directory(paused).find(code)
        assert stale is not None
        await client.delete([keys.owner_key(ExampleParty.kind, code)])
        yield paused, other, code, stale


async def test_a_paused_owners_write_after_a_takeover_is_refused_and_stops_its_copy(
    redis: RedisServer, tmp_path: Path
) -> None:
    kind = ExampleParty.kind
    async with lease_lapsed(redis, tmp_path) as (paused, other, code, stale):
        # Taken over: the other node restores the party and writes to it.
        joined = await other.client.post(f"/api/parties/{code}/join", json={"user": "bob"})
        assert joined.json() == {"members": ["ada", "bob"]}
        assert directory(other).find(code) is not None
        # The paused node wakes; its copy, which still seats ada alone, writes: refused.
        with pytest.raises(Superseded):
            await stale.ask(Roster("cyd", joining=True))
        assert await stale.wait_stopped() == "shutdown"
        assert directory(paused).find(code) is None
        record = await other.engine.store.load(kind, code)
        assert record is not None and record.data["members"] == ["ada", "bob"]
        # Its unlisting was refused (the listing is the other node's now): it mirrors that.
        await until(lambda: listed(paused, code) == Listing(code, "T", 2, 4))
        # Requests through it reach the party where it runs.
        joined = await paused.client.post(f"/api/parties/{code}/join", json={"user": "cyd"})
        assert joined.json() == {"members": ["ada", "bob", "cyd"]}


async def test_a_paused_owner_that_writes_first_supersedes_the_new_copy(
    redis: RedisServer, tmp_path: Path
) -> None:
    # The other order: nothing acknowledged is lost either way, and one copy is left.
    kind = ExampleParty.kind
    async with lease_lapsed(redis, tmp_path) as (_, other, code, stale):
        taken = await directory(other).get(code)  # restored there, nothing written yet
        assert taken is not None and directory(other).find(code) is taken
        assert await stale.ask(Roster("cyd", joining=True)) == ["ada", "cyd"]
        with pytest.raises(Superseded):
            await taken.ask(Roster("bob", joining=True))
        assert await taken.wait_stopped() == "shutdown"
        record = await other.engine.store.load(kind, code)
        assert record is not None and record.data["members"] == ["ada", "cyd"]


def limit_keys(served: Served) -> list[Hashable]:
    """The keys the node's Liap Tui connections to rooms elsewhere count against."""
    placement = served.engine.contexts["liaptui"].rooms.placement
    assert isinstance(placement, ClusterPlacement)
    return [
        value.rate_limit.key
        for peer in placement.node.local.values()
        for value in peer.attrs.values()
        if isinstance(value, Admission) and value.rate_limit is not None
    ]


async def test_a_forwarded_connection_is_rate_limited_by_its_seat_once_seated(
    redis: RedisServer, tmp_path: Path
) -> None:
    # As a node serving the party itself would, once the owner re-keys it (a seat claimed:
    # PeerGroup.reassign); until then, as its route keyed it.
    store = f"sqlite:///{tmp_path / 'cluster.db'}"
    environ = {"PARTY_ENGINE_CLUSTER_LEASE": "1"}
    async with (
        serve_apps([liaptui], store=store, environ=environ, cluster=redis.url) as owner,
        serve_apps([liaptui], store=store, environ=environ, cluster=redis.url) as other,
    ):
        room = (await create_room(owner.client))["room_id"]
        async with other.client.websocket(f"/ws/{room}", type_key="event") as ws:
            # A visitor: counted as the route keyed it (its own connection).
            await until(lambda: limit_keys(other))
            assert limit_keys(other) != [("liaptui.room", room, "seat 1")]
            seated = await join(ws, "Bob")
            seat = f"seat {seated['position']}"
            await until(lambda: limit_keys(other) == [("liaptui.room", room, seat)])
