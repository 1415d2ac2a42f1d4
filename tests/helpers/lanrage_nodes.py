"""LANrage nodes as real processes: ``python -m engine serve --app lanrage`` on loopback.

``lanrage_node`` starts one on a free port (its stdout's first line names the port), yields it
and stops it with SIGTERM at the end (or finds it already gone: a test may kill it). Settings
go in as ``PARTY_ENGINE_LANRAGE_*`` variables, as a user would set them. ``peer_info`` is a
node as another node's control plane hears of it.
"""

from __future__ import annotations

import signal
import socket
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import attrs
import httpx
import trio

from engine.apps.lanrage import NatType, PeerInfo, generate_identity

from served_process import start_serving

#: Heartbeats and probes fast enough for a test to see changes within a second or two.
FAST = {
    "PARTY_ENGINE_LANRAGE_HEARTBEAT_INTERVAL": "0.2",
    "PARTY_ENGINE_LANRAGE_PEER_TIMEOUT": "30",
    "PARTY_ENGINE_LANRAGE_CLEANUP_INTERVAL": "1",
    "PARTY_ENGINE_LANRAGE_PROBE_INTERVAL": "0.2",
}


def peer_info(name: str = "Alice", **overrides: object) -> PeerInfo:
    """A valid ``PeerInfo`` with a fresh identity; keyword arguments override its fields."""
    identity = generate_identity()
    values: dict[str, object] = {
        "peer_id": identity.peer_id,
        "name": name,
        "public_key": identity.public_key,
        "nat_type": NatType.UNKNOWN,
        "endpoint": None,
    }
    values.update(overrides)
    return PeerInfo(**values)  # type: ignore[arg-type]


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@attrs.define(eq=False)
class NodeProcess:
    process: trio.Process
    port: int
    client: httpx.AsyncClient

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def status(self) -> dict:
        response = await self.client.get("/status")
        assert response.status_code == 200, response.text
        return response.json()

    async def wait_for(self, check, *, timeout: float = 15.0) -> dict:
        """Poll ``/status`` until ``check(status)`` holds; the status that passed."""
        with trio.fail_after(timeout):
            while True:
                status = await self.status()
                if check(status):
                    return status
                await trio.sleep(0.1)


@asynccontextmanager
async def lanrage_node(
    store: str = "memory://", settings: Mapping[str, str] | None = None
) -> AsyncIterator[NodeProcess]:
    process, port = await start_serving("lanrage", store, {**FAST, **(settings or {})})
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=15) as client:
            yield NodeProcess(process, port, client)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            with trio.move_on_after(15):
                await process.wait()
        if process.returncode is None:
            process.kill()
            await process.wait()
