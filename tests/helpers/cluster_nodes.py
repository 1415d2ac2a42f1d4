"""Three ``party-engine serve`` processes forming one cluster on loopback, for the cluster's
end-to-end tests and benchmark."""

from __future__ import annotations

import inspect
import signal
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

import attrs
import trio

from engine.net.client import Client, open_client

from served_process import start_serving

#: Short leases, so a killed node's parties are adopted within about two seconds.
LEASE = "1"


@attrs.define(eq=False)
class Node:
    process: trio.Process
    port: int
    client: Client

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        """SIGKILL: no goodbye, its leases lapse."""
        self.process.send_signal(signal.SIGKILL)


@asynccontextmanager
async def open_nodes(
    app: str, store: str, redis_url: str, environ: Mapping[str, str], count: int = 3
) -> AsyncIterator[list[Node]]:
    """``count`` nodes of ``app`` sharing ``store`` and the Redis at ``redis_url``, each with an
    HTTP/WebSocket client; all killed on exit."""
    cluster = {"PARTY_ENGINE_CLUSTER": redis_url, "PARTY_ENGINE_CLUSTER_LEASE": LEASE}
    processes: list[tuple[trio.Process, int]] = []
    try:
        for _ in range(count):
            processes.append(await start_serving(app, store, {**cluster, **environ}))
        async with _clients(processes) as nodes:
            yield nodes
    finally:
        for process, _ in processes:
            if process.returncode is None:
                process.send_signal(signal.SIGKILL)
            await process.wait()


@asynccontextmanager
async def _clients(processes: list[tuple[trio.Process, int]]) -> AsyncIterator[list[Node]]:
    nodes: list[Node] = []
    async with _open_all([f"http://127.0.0.1:{port}" for _, port in processes]) as clients:
        for (process, port), client in zip(processes, clients, strict=True):
            nodes.append(Node(process, port, client))
        yield nodes


@asynccontextmanager
async def _open_all(urls: list[str]) -> AsyncIterator[list[Client]]:
    if not urls:
        yield []
        return
    async with open_client(urls[0]) as first, _open_all(urls[1:]) as rest:
        yield [first, *rest]


async def until(condition: Callable[[], Any], seconds: float = 5) -> None:
    """Poll ``condition`` (a function, or a coroutine function) until it is true: the nodes
    converge through Redis in their own time."""
    with trio.fail_after(seconds):
        while True:
            holds = condition()
            if inspect.isawaitable(holds):
                holds = await holds
            if holds:
                return
            await trio.sleep(0.02)
