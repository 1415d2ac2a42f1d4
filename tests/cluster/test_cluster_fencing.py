"""Three engine processes, one Redis, one PostgreSQL: the owner of a party is paused (SIGSTOP)
past its lease while another node takes the party over and writes to it; a request that
reached the paused node meanwhile is handled when it resumes (SIGCONT). Whatever runs first
there, its renewal or its copy's write, nothing acknowledged is lost: its stale copy's write is
refused (503), or the renewal stopped that copy first and the request reached the party where
it runs."""

from __future__ import annotations

import signal
from pathlib import Path

import coredis
import trio

from engine.cluster import _keys as keys
from engine.cluster.testing import RedisServer
from engine.store.testing import PostgresServer

from cluster_nodes import open_nodes
from party_app import ExampleParty

HELPERS = str(Path(__file__).parents[1] / "helpers")


async def test_a_paused_owner_resumes_without_losing_or_overwriting_a_write(
    redis: RedisServer, postgres: PostgresServer
) -> None:
    environ = {"PYTHONPATH": HELPERS}
    with postgres.database() as store:
        async with (
            open_nodes("party_app:app", store, redis.url, environ) as (paused, taker, third),
            coredis.Redis.from_url(redis.url) as client,
        ):
            created = await paused.client.post("/api/parties", json={"user": "ada", "title": "T"})
            code = created.json()["code"]
            lease = keys.owner_key(ExampleParty.kind, code)
            holder = await client.get(lease)
            paused.process.send_signal(signal.SIGSTOP)
            try:
                # Its lease lapses (1 s), and another node may adopt the party at once.
                with trio.fail_after(10):
                    while True:
                        if await client.get(lease) != holder:
                            break
                        await trio.sleep(0.05)
                joined = await taker.client.post(f"/api/parties/{code}/join", json={"user": "bob"})
                assert joined.json() == {"members": ["ada", "bob"]}
                answers: list[int] = []

                async def join_through_the_paused_node() -> None:
                    path = f"/api/parties/{code}/join"
                    answer = await paused.client.post(path, json={"user": "cyd"}, timeout=30)
                    answers.append(answer.status_code)

                async with trio.open_nursery() as nursery:
                    nursery.start_soon(join_through_the_paused_node)
                    await trio.sleep(0.2)  # the request waits in the paused node's socket
                    paused.process.send_signal(signal.SIGCONT)
            finally:
                paused.process.send_signal(signal.SIGCONT)
            assert answers in ([200], [503])
            joined = await third.client.post(f"/api/parties/{code}/join", json={"user": "dan"})
            members = joined.json()["members"]
            cyd = ["cyd"] if answers == [200] else []  # refused: not written
            assert members == ["ada", "bob", *cyd, "dan"]
            # And the paused node serves the party again, wherever it runs now.
            again = await paused.client.post(f"/api/parties/{code}/join", json={"user": "eve"})
            assert again.json()["members"] == [*members, "eve"]
