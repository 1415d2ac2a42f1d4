"""Redis client benchmark: coredis on Trio (through anyio) against redis-py's asyncio client on
Trio through trio-asyncio, the two ways a Trio engine can talk to Redis.

    python bench/redis_client.py [--json] [--seconds S] [--redis redis://HOST:PORT]

For each client, on the same throwaway server (or ``--redis``), one after the other in
alternating rounds: round trips per second for sequential ``SET``, ``GET`` and ``EVALSHA`` (the
cluster's lease script shape: one key, one argument), and pub/sub deliveries per second (one
task publishes 200-byte messages one at a time, another receives them on its own connection).
Needs ``redis-server`` (Debian) and the ``redis`` package (``pip install redis``) besides
coredis. With ``--json`` the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import coredis
import redis.asyncio as aioredis
import trio
import trio_asyncio

from engine.cluster.testing import redis_server

ROUNDS = 2
PAYLOAD = b"x" * 200
SCRIPT = "if redis.call('GET', KEYS[1]) == ARGV[1] then return 1 end return 0"


async def _rate(seconds: float, call: Callable[[], Awaitable[Any]]) -> float:
    done = 0
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        for _ in range(100):
            await call()
        done += 100
    return done / (time.perf_counter() - start)


async def bench_coredis(host: str, port: int, seconds: float) -> dict[str, float]:
    async with coredis.Redis(host=host, port=port) as client:
        await client.set("k", PAYLOAD)
        script = client.register_script(SCRIPT)
        found = {
            "set": await _rate(seconds, lambda: client.set("k", PAYLOAD)),
            "get": await _rate(seconds, lambda: client.get("k")),
            "eval": await _rate(seconds, lambda: script(keys=["k"], args=[PAYLOAD])),
        }
        async with client.pubsub(channels=["bench"], ignore_subscribe_messages=True) as pubsub:
            received = 0
            async with trio.open_nursery() as nursery:

                async def receive() -> None:
                    nonlocal received
                    async for _ in pubsub:
                        received += 1

                nursery.start_soon(receive)
                start = time.perf_counter()
                await _rate(seconds, lambda: client.publish("bench", PAYLOAD))
                sent_for = time.perf_counter() - start
                nursery.cancel_scope.cancel()
        found["pubsub"] = received / sent_for
    return found


async def bench_redis_py(host: str, port: int, seconds: float) -> dict[str, float]:
    # Every call crosses from Trio to the asyncio loop and back, as the engine's calls would.
    async with trio_asyncio.open_loop():
        client = aioredis.Redis(host=host, port=port)
        aio = trio_asyncio.aio_as_trio
        try:
            await aio(client.set)("k", PAYLOAD)
            script = client.register_script(SCRIPT)
            found = {
                "set": await _rate(seconds, lambda: aio(client.set)("k", PAYLOAD)),
                "get": await _rate(seconds, lambda: aio(client.get)("k")),
                "eval": await _rate(seconds, lambda: aio(script)(keys=["k"], args=[PAYLOAD])),
            }
            pubsub = client.pubsub(ignore_subscribe_messages=True)
            await aio(pubsub.subscribe)("bench")
            received = 0

            async def receive() -> None:
                nonlocal received
                async for message in pubsub.listen():
                    if message["type"] == "message":
                        received += 1

            receiver = asyncio.ensure_future(receive())
            start = time.perf_counter()
            await _rate(seconds, lambda: aio(client.publish)("bench", PAYLOAD))
            sent_for = time.perf_counter() - start
            receiver.cancel()
            await aio(pubsub.aclose)()
            found["pubsub"] = received / sent_for
            return found
        finally:
            await aio(client.aclose)()


async def run(host: str, port: int, seconds: float) -> dict[str, Any]:
    clients = {"coredis_trio": bench_coredis, "redis_py_trio_asyncio": bench_redis_py}
    best: dict[str, dict[str, float]] = {name: {} for name in clients}
    for _ in range(ROUNDS):
        for name, bench in clients.items():
            for metric, value in (await bench(host, port, seconds)).items():
                best[name][metric] = max(best[name].get(metric, 0.0), value)
    return {
        f"{name}_{metric}_per_s": round(value)
        for name, metrics in best.items()
        for metric, value in metrics.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--seconds", type=float, default=1.0, help="per measurement")
    parser.add_argument("--redis", help="redis://HOST:PORT (default: a throwaway server)")
    args = parser.parse_args()
    if args.redis:
        host, port = args.redis.removeprefix("redis://").rsplit(":", 1)
        results = trio.run(run, host, int(port), args.seconds)
    else:
        with redis_server() as server:
            results = trio.run(run, server.host, server.port, args.seconds)
    for name, value in results.items():
        print(f"{name:40} {value:>10,}")
    if args.json:
        json.dump(results, sys.stdout)
        print()


if __name__ == "__main__":
    main()
