"""Three LANrage processes, one Redis, one PostgreSQL: one node and one control plane. Parties
are created, joined and left through different processes, every process answers the same, and
the process that owns a party (and the node actor) is killed without it being lost."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import trio
from lanrage_nodes import FAST, peer_info

from engine.apps.lanrage.errors import ControlPlaneUnavailable, PartyNotFound
from engine.apps.lanrage.party import Party
from engine.apps.lanrage.remote import RemoteControlPlane, open_remote_control_plane
from engine.cluster.testing import RedisServer
from engine.store.testing import PostgresServer

from cluster_nodes import Node, open_nodes

TOKEN = "cluster-control-token"


@asynccontextmanager
async def lanrage_cluster(
    redis: RedisServer, postgres: PostgresServer
) -> AsyncIterator[tuple[list[Node], list[RemoteControlPlane]]]:
    """The three processes, and a client of each one's control plane (as other machines'
    nodes call it)."""
    environ = {**FAST, "PARTY_ENGINE_LANRAGE_CONTROL_TOKEN": TOKEN}
    with postgres.database() as store:
        async with open_nodes("lanrage", store, redis.url, environ) as nodes:
            async with AsyncExitStack() as stack:
                controls = [
                    await stack.enter_async_context(open_remote_control_plane(node.url, TOKEN))
                    for node in nodes
                ]
                yield nodes, controls


async def call(node: Node, path: str, body: Any = None) -> dict[str, Any]:
    """A local API call (GET without a body); its 200 answer."""
    if body is None:
        response = await node.client.get(path)
    else:
        response = await node.client.post(path, json=body)
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def members(party: Party) -> list[tuple[str, str]]:
    return [(member.peer_id, member.virtual_ip) for member in party.members]


async def status_until(node: Node, check: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """``node``'s status once ``check`` holds: a change made through another process shows at
    the node actor's next heartbeat."""
    with trio.fail_after(10):
        while True:
            status = await call(node, "/status")
            if check(status):
                return status
            await trio.sleep(0.05)


def peers_in(status: dict[str, Any]) -> list[str]:
    return list(status["party"]["peers"]) if status["status"] == "in_party" else []


async def gone(control: RemoteControlPlane, party_id: str) -> bool:
    """Whether ``control`` answers that there is no such party (404). Through a process that
    reached the party by a stand-in, a party that just ended answers 404 as on its owner
    (its ``ActorStopped`` crosses as one), never a 500."""
    try:
        await control.get(party_id)
    except PartyNotFound:
        return True
    return False


async def test_parties_made_through_every_process_are_the_same_everywhere(
    redis: RedisServer, postgres: PostgresServer
) -> None:
    async with lanrage_cluster(redis, postgres) as (nodes, controls):
        # The cluster's own node hosts a party, created through one process...
        created = await call(nodes[0], "/party/create", {"name": "Gaming Night"})
        party_id, me = created["party_id"], created["party"]["host_id"]
        # ...which every process shows.
        for node in nodes:
            status = await call(node, "/status")
            assert (status["status"], peers_in(status)) == ("in_party", [me])

        # Twelve machines join at once through the three control planes: one actor hands out
        # the addresses, so none is given twice.
        joiners = [peer_info(f"Peer{i}") for i in range(12)]
        async with trio.open_nursery() as nursery:
            for i, peer in enumerate(joiners):
                nursery.start_soon(controls[i % 3].join, party_id, peer)
        # Some leave, each through another process than the one it joined through.
        for i, peer in enumerate(joiners[:6]):
            assert await controls[(i + 1) % 3].leave(party_id, peer.peer_id) == "left"

        seen = [members(await control.get(party_id)) for control in controls]
        assert seen[0] == seen[1] == seen[2]
        peers, addresses = zip(*seen[0], strict=True)
        assert peers[0] == me and set(peers[1:]) == {peer.peer_id for peer in joiners[6:]}
        assert addresses[0] == "10.66.0.1" and len(set(addresses)) == 7
        for node in nodes:
            await status_until(node, lambda s: peers_in(s) == list(peers))

        # The host leaves through a third process: the party is gone from every one.
        assert await call(nodes[2], "/party/leave", {}) == {"status": "left"}
        for node, control in zip(nodes, controls, strict=True):
            assert (await call(node, "/status"))["status"] == "no_party"
            assert await gone(control, party_id)


async def test_the_owner_is_killed_and_its_party_is_used_through_the_others(
    redis: RedisServer, postgres: PostgresServer
) -> None:
    async with lanrage_cluster(redis, postgres) as (nodes, controls):
        owner, others = nodes[0], nodes[1:]
        # Created through the first process, which runs the node actor: it owns both.
        created = await call(owner, "/party/create", {"name": "Gaming Night"})
        party_id, me = created["party_id"], created["party"]["host_id"]
        alice, bob = peer_info("Alice"), peer_info("Bob")
        await controls[1].join(party_id, alice)

        owner.kill()
        # The next call through another process finds the party restored there, or adopted by
        # the third, once the dead process's lease has lapsed (a call meanwhile may fail).
        with trio.fail_after(15):
            while True:
                try:
                    party = await controls[2].get(party_id)
                    break
                except ControlPlaneUnavailable:
                    await trio.sleep(0.1)
        assert members(party) == [(me, "10.66.0.1"), (alice.peer_id, "10.66.0.2")]
        joined = await controls[1].join(party_id, bob)
        assert members(joined)[-1] == (bob.peer_id, "10.66.0.3")
        assert members(await controls[2].heartbeat(party_id, alice)) == members(joined)

        # The node actor was adopted too: the party is still its own, with everyone in it.
        everyone = [me, alice.peer_id, bob.peer_id]
        for node in others:
            status = await status_until(node, lambda s: peers_in(s) == everyone)
            assert status["party"]["host_id"] == me
        assert await call(others[1], "/party/leave", {}) == {"status": "left"}
        for node in others:
            assert (await call(node, "/status"))["status"] == "no_party"
