"""The listing scripts on a throwaway Redis, without nodes: who may list and withdraw a party,
and what pruning a dead node's listings leaves."""

from __future__ import annotations

import json
import pickle
from collections.abc import AsyncIterator

import coredis
import pytest

from engine.cluster import _keys as keys
from engine.cluster.testing import RedisServer

KIND = "test.kind"


@pytest.fixture
async def client(redis: RedisServer) -> AsyncIterator[coredis.Redis[bytes]]:
    async with coredis.Redis.from_url(redis.url) as connected:
        yield connected


async def alive(client: coredis.Redis[bytes], node: str, *parties: str) -> None:
    """``node`` has a heartbeat and holds the leases of ``parties``."""
    await client.set(keys.node_key(node), "1")
    for party in parties:
        await client.set(keys.owner_key(KIND, party), node)


async def list_(client: coredis.Redis[bytes], node: str, party: str, summary: str | None) -> int:
    encoded = b"" if summary is None else pickle.dumps(summary)
    note = pickle.dumps((node, party, summary))
    done: object = await client.register_script(keys.LIST)(
        keys=[
            keys.listing_key(KIND),
            keys.listed_by_key(KIND),
            keys.listing_nodes_key(KIND),
            keys.node_listings_prefix(KIND) + node,
            keys.owner_key(KIND, party),
        ],
        args=[node, party, encoded, note, keys.node_listings_prefix(KIND)],
    )
    assert isinstance(done, int)
    return done


async def prune(client: coredis.Redis[bytes]) -> int:
    withdrawn: object = await client.register_script(keys.PRUNE)(
        keys=[keys.listing_key(KIND), keys.listed_by_key(KIND), keys.listing_nodes_key(KIND)],
        args=[keys.NODE_PREFIX, keys.node_listings_prefix(KIND), keys.delisted_channel(KIND)],
    )
    assert isinstance(withdrawn, int)
    return withdrawn


async def listings(client: coredis.Redis[bytes]) -> dict[str, tuple[str, str]]:
    """party -> (its lister, its summary)."""
    summaries = await client.hgetall(keys.listing_key(KIND))
    listers = await client.hgetall(keys.listed_by_key(KIND))
    assert summaries.keys() == listers.keys()
    return {p.decode(): (listers[p].decode(), pickle.loads(s)) for p, s in summaries.items()}


async def test_only_the_lease_holder_lists_and_only_the_lister_withdraws(
    client: coredis.Redis[bytes],
) -> None:
    await alive(client, "a", "p1")
    await alive(client, "b")
    assert await list_(client, "a", "p1", "first") == 1
    assert await list_(client, "b", "p1", "stale") == 0  # b does not hold the lease
    await client.set(keys.owner_key(KIND, "p1"), "b")  # b took the party over
    assert await list_(client, "a", "p1", "late") == 0  # a lost its lease
    assert await list_(client, "b", "p1", "second") == 1
    assert await list_(client, "a", "p1", None) == 0  # a listed it once; b's listing stays
    assert await listings(client) == {"p1": ("b", "second")}
    assert await client.smembers(keys.node_listings_prefix(KIND) + "a") == set()
    assert await list_(client, "b", "p1", None) == 1
    assert await listings(client) == {}


async def test_pruning_withdraws_the_listings_of_dead_nodes_only_and_announces_them(
    client: coredis.Redis[bytes],
) -> None:
    await alive(client, "dead", "d1", "d2", "moved")
    await alive(client, "live", "l1")
    for party in ("d1", "d2", "moved"):
        assert await list_(client, "dead", party, party)
    assert await list_(client, "live", "l1", "l1")
    await client.set(keys.owner_key(KIND, "moved"), "live")  # adopted before the pruning
    assert await list_(client, "live", "moved", "moved again")
    assert await prune(client) == 0  # nobody died yet
    async with client.pubsub(channels=[keys.delisted_channel(KIND)]) as announcements:
        await client.delete([keys.node_key("dead")])
        assert await prune(client) == 2
        async for message in announcements:
            data = message["data"]
            if message["type"] == "message" and isinstance(data, bytes):
                assert sorted(json.loads(data)) == ["d1", "d2"]
                break
    assert await listings(client) == {"l1": ("live", "l1"), "moved": ("live", "moved again")}
    assert await client.smembers(keys.listing_nodes_key(KIND)) == {b"live"}
    assert not await client.exists([keys.node_listings_prefix(KIND) + "dead"])
    assert await prune(client) == 0
