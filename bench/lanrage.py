"""LANrage benchmark: a node joining and leaving a party through another node's control plane.

    python bench/lanrage.py [--json] [--cycles N] [--store URL]

Two nodes are served on loopback in this process: ``alpha`` hosts a party and serves its
control plane (Bearer token), ``beta`` uses alpha's control plane over HTTP, as configured by
``PARTY_ENGINE_LANRAGE_CONTROL_URL``. One client drives beta, one request at a time:

- a **cycle** is ``POST /party/join``, ``GET /status``, ``POST /party/leave`` on beta: the join
  and the leave each make a control-plane round trip to alpha (HTTP, token check, the party
  actor, the commit to alpha's store) and a commit to beta's store before answering;
- the **baseline**, in the same run, is the engine's bare ``GET /health`` on beta (HTTP in and
  out, no actor, no store), and ``GET /status`` alone (one ask of the node actor).

Figures: ``health_per_s``, ``status_per_s``, ``cycles_per_s``; ``join_p50_ms``, ``join_p99_ms``,
``leave_p50_ms``, ``leave_p99_ms``; the ratios ``status_vs_health`` and ``cycle_vs_health``
(a cycle's time over a ``/health``'s). Heartbeats run meanwhile at their default interval. The
default store is ``memory://`` for both nodes; ``--store sqlite`` gives each a SQLite file in a
temporary directory (every acknowledgement then waits for an fsync). With ``--json`` the last
line is one JSON object. The run is bounded (60 s).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import trio

from engine.apps.lanrage.app import make_app
from engine.apps.lanrage.settings import LanrageSettings
from engine.web import open_engine

CYCLES = 300
TIME_LIMIT = 60.0
TOKEN = "bench-token"


@asynccontextmanager
async def serving(settings: LanrageSettings, store: str) -> AsyncIterator[httpx.AsyncClient]:
    """A node on a loopback port, and a client of it."""
    async with open_engine([make_app(settings)], store=store) as engine:
        async with trio.open_nursery() as nursery:
            port = await nursery.start(partial(engine.serve, "127.0.0.1", 0, prefixed=False))
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
                yield client
            nursery.cancel_scope.cancel()


async def timed(times: list[float], call: Callable[[], Awaitable[httpx.Response]]) -> Any:
    started = time.perf_counter()
    response = await call()
    times.append(time.perf_counter() - started)
    if response.status_code != 200:
        raise RuntimeError(f"{response.request.url}: {response.status_code} {response.text}")
    return response.json()


async def run(cycles: int, stores: tuple[str, str]) -> dict[str, float]:
    async with serving(LanrageSettings(control_token=TOKEN), stores[0]) as alpha:
        alpha_url = str(alpha.base_url).rstrip("/")
        beta_settings = LanrageSettings(control_url=alpha_url, control_token=TOKEN)
        async with serving(beta_settings, stores[1]) as beta:
            party = await timed([], lambda: alpha.post("/party/create", json={"name": "Bench"}))
            join_body = {"party_id": party["party_id"], "peer_name": "Beta"}
            health: list[float] = []
            status: list[float] = []
            joins: list[float] = []
            leaves: list[float] = []
            cycle_times: list[float] = []
            for _ in range(cycles):
                await timed(health, lambda: beta.get("/health"))
                await timed(status, lambda: beta.get("/status"))
            for _ in range(cycles):
                started = time.perf_counter()
                await timed(joins, lambda: beta.post("/party/join", json=join_body))
                await timed([], lambda: beta.get("/status"))
                await timed(leaves, lambda: beta.post("/party/leave"))
                cycle_times.append(time.perf_counter() - started)
    health_s, status_s = statistics.fmean(health), statistics.fmean(status)
    cycle_s = statistics.fmean(cycle_times)
    return {
        "cycles": cycles,
        "health_per_s": 1 / health_s,
        "status_per_s": 1 / status_s,
        "cycles_per_s": 1 / cycle_s,
        "join_p50_ms": _percentile(joins, 50) * 1000,
        "join_p99_ms": _percentile(joins, 99) * 1000,
        "leave_p50_ms": _percentile(leaves, 50) * 1000,
        "leave_p99_ms": _percentile(leaves, 99) * 1000,
        "status_vs_health": status_s / health_s,
        "cycle_vs_health": cycle_s / health_s,
    }


def _percentile(samples: list[float], percent: int) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, len(ordered) * percent // 100)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print a JSON object as the last line")
    parser.add_argument("--cycles", type=int, default=CYCLES)
    parser.add_argument("--store", choices=("memory", "sqlite"), default="memory")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        if args.store == "sqlite":
            stores = tuple(f"sqlite:///{Path(directory) / name}.db" for name in ("alpha", "beta"))
        else:
            stores = ("memory://", "memory://")

        async def bounded() -> dict[str, float]:
            with trio.fail_after(TIME_LIMIT):
                return await run(args.cycles, stores)  # type: ignore[arg-type]

        figures = trio.run(bounded)
    for key, value in figures.items():
        print(f"{key:>18}: {value:,.3f}")
    if args.json:
        print(json.dumps({key: round(value, 3) for key, value in figures.items()}))


if __name__ == "__main__":
    main()
