"""Serve apps on a loopback port for end-to-end tests, the way ``party-engine serve`` does."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from functools import partial

import attrs
import trio

from engine.net.client import Client, open_client
from engine.web import AppSpec, Engine, open_engine


@attrs.frozen
class Served:
    engine: Engine
    port: int
    client: Client

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@asynccontextmanager
async def serve_apps(
    apps: Sequence[AppSpec],
    *,
    store: str = "memory://",
    environ: Mapping[str, str] | None = None,
    prefixed: bool | None = None,
    through_quart: bool = False,
    cluster: str | None = None,
) -> AsyncIterator[Served]:
    """Open an engine with ``apps``, serve it on 127.0.0.1:<ephemeral>, and yield a client.

    ``through_quart`` serves every request through Quart-Trio instead of answering the
    declared routes on the listener's direct path (see ``Engine.serve``). ``cluster``: the
    engine is a node of the cluster on that Redis (see ``open_engine``).

    Leaving the block stops the server and the engine (actors stop, the store flushes), so a
    second ``serve_apps`` on the same store is a server restart.
    """
    async with open_engine(apps, store=store, environ=environ or {}, cluster=cluster) as engine:
        async with trio.open_nursery() as nursery:
            port = await nursery.start(
                partial(
                    engine.serve, "127.0.0.1", 0, prefixed=prefixed, through_quart=through_quart
                )
            )
            async with open_client(f"http://127.0.0.1:{port}") as client:
                yield Served(engine, port, client)
            nursery.cancel_scope.cancel()
