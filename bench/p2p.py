"""P2P coordinator benchmark: its main loop, host heartbeats, and WebSocket signaling relays.

    python bench/p2p.py [--json] [--hosts N] [--clients N] [--seconds S] [--store URL]

One process serves the coordinator on a loopback port (``party-engine``'s own server, the
rate limits off) and drives it with real HTTP and WebSocket clients in the same Trio run.

- **Heartbeats.** ``--hosts`` hosts are registered; ``--clients`` concurrent HTTP clients
  then send heartbeats to them in turn for ``--seconds``: each one is parsed, checked, applied
  by the host's actor, rescored and committed to the store before it is answered.
  ``heartbeats_per_s`` and their ``heartbeat_p50_ms``/``_p99_ms``. Baselines in the same run,
  same clients and duration: ``GET /health`` (the engine's own route: no actor, no store), and
  ``GET /api/hosts/{id}`` (the same route layer and an ask of the same actors, nothing
  committed). ``heartbeat_vs_health`` and ``heartbeat_vs_read`` are the throughput ratios.
- **Signaling.** Two peers in one session bounce an offer between them for ``--seconds``:
  ``relays_per_s`` (one relay is a message from one peer reaching the other through the
  session's actor) and its p50/p99; the baseline is ``rules_relays_per_s``, the pure
  ``signaling.relay`` rule called in a loop (no socket, no actor, no JSON), and
  ``relay_vs_rules`` the ratio.

The default store is SQLite in a temporary directory (every heartbeat is an fsynced commit,
shared by the group commit). With ``--json`` the last line is one JSON object. Bounded: about
four times ``--seconds`` plus set-up.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import trio

from engine.apps.p2p.app import app
from engine.apps.p2p.protocol import Offer
from engine.apps.p2p.signaling import SignalingRoom, relay
from engine.loadtest.scenarios.p2p import host_registration
from engine.net.client import Client, open_client
from engine.web import open_engine

HOSTS = 200
CLIENTS = 32
SECONDS = 5.0


async def load(
    clients: int, seconds: float, request: Callable[[int], Awaitable[Any]]
) -> tuple[float, list[float]]:
    """Run ``request(n)`` from ``clients`` concurrent tasks for ``seconds``; requests per
    second and each one's latency."""
    latencies: list[float] = []
    counter = iter(range(10**12))
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            await request(next(counter))
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    async with trio.open_nursery() as nursery:
        for _ in range(clients):
            nursery.start_soon(client)
    return len(latencies) / (time.perf_counter() - started), latencies


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000


async def heartbeats(client: Client, hosts: int, clients: int, seconds: float) -> dict[str, float]:
    for n in range(hosts):
        answer = await client.post("/api/hosts/", json=host_registration(f"host-{n}", "player-1"))
        assert answer.status_code == 201, answer.text

    async def beat(n: int) -> None:
        body = {"latency_ms": n % 50, "current_players": n % 40}
        answer = await client.post(f"/api/hosts/host-{n % hosts}/heartbeat", json=body)
        assert answer.status_code == 200, answer.text

    async def health(n: int) -> None:
        assert (await client.get("/health")).status_code == 200

    async def read(n: int) -> None:
        assert (await client.get(f"/api/hosts/host-{n % hosts}")).status_code == 200

    rate, latencies = await load(clients, seconds, beat)
    health_rate, _ = await load(clients, seconds, health)
    read_rate, _ = await load(clients, seconds, read)
    return {
        "heartbeats_per_s": rate,
        "heartbeat_p50_ms": percentile(latencies, 0.5),
        "heartbeat_p99_ms": percentile(latencies, 0.99),
        "health_per_s": health_rate,
        "read_per_s": read_rate,
        "heartbeat_vs_health": rate / health_rate,
        "heartbeat_vs_read": rate / read_rate,
    }


async def relays(client: Client, seconds: float) -> dict[str, float]:
    zone = {"zone_id": "bench", "zone_name": "Bench"}
    assert (await client.post("/api/zones/", json=zone)).status_code == 201
    created = await client.post("/api/sessions/", json={"host_id": "host-0", "zone_id": "bench"})
    session_id = created.json()["session_id"]
    sdp = "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n" + "a=candidate\r\n" * 40
    latencies: list[float] = []
    params = {"session_id": session_id}
    async with (
        client.websocket("/ws", params={**params, "peer_id": "a"}) as a,
        client.websocket("/ws", params={**params, "peer_id": "b"}) as b,
    ):
        for ws in (a, b):
            await ws.write_json({"type": "join"})
            await ws.receive_until("session-joined")
        await a.receive_until("peer-joined")
        ends = ((a, "b"), (b, "a"))
        deadline = time.perf_counter() + seconds
        started = time.perf_counter()
        while time.perf_counter() < deadline:
            sender, to = ends[len(latencies) % 2]
            receiver = ends[(len(latencies) + 1) % 2][0]
            sent = time.perf_counter()
            await sender.write_json({"type": "offer", "to": to, "sdp": sdp})
            await receiver.receive_until("offer")
            latencies.append(time.perf_counter() - sent)
        rate = len(latencies) / (time.perf_counter() - started)
    room = SignalingRoom(session_id, ("a", "b"))
    offer = Offer("b", sdp)
    count = 0
    rules_started = time.perf_counter()
    rules_deadline = rules_started + min(seconds, 1.0)
    while time.perf_counter() < rules_deadline:
        for _ in range(1000):
            relay(room, "a", offer)
        count += 1000
    rules_rate = count / (time.perf_counter() - rules_started)
    return {
        "relays_per_s": rate,
        "relay_p50_ms": percentile(latencies, 0.5),
        "relay_p99_ms": percentile(latencies, 0.99),
        "rules_relays_per_s": rules_rate,
        "relay_vs_rules": rate / rules_rate,
    }


async def run(store: str, hosts: int, clients: int, seconds: float) -> dict[str, float]:
    # No limits: the bench measures the work, and sends faster than a client should.
    environ = {"PARTY_ENGINE_P2P_RATE_LIMIT": "0", "PARTY_ENGINE_P2P_SIGNALING_RATE_LIMIT": "0"}
    async with (
        open_engine([app], store=store, environ=environ) as engine,
        trio.open_nursery() as nursery,
    ):
        port = await nursery.start(engine.serve, "127.0.0.1", 0)
        async with open_client(f"http://127.0.0.1:{port}") as client:
            figures = await heartbeats(client, hosts, clients, seconds)
            figures.update(await relays(client, seconds))
        nursery.cancel_scope.cancel()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--hosts", type=int, default=HOSTS)
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--seconds", type=float, default=SECONDS)
    parser.add_argument("--store", default=None, help="default: SQLite in a temporary directory")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        store = args.store or f"sqlite:///{Path(directory) / 'bench.db'}"
        figures = trio.run(run, store, args.hosts, args.clients, args.seconds)
    backend = store.partition("://")[0]
    print(f"{args.hosts} hosts, {args.clients} clients, {args.seconds:.0f} s a phase, {backend}")
    for name, value in figures.items():
        print(f"{name:>22}: {value:,.3f}" if value < 10 else f"{name:>22}: {value:,.0f}")
    if args.json:
        print(json.dumps({key: round(value, 4) for key, value in figures.items()}))


if __name__ == "__main__":
    main()
