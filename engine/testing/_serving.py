"""An engine for tests: served on an ephemeral loopback port with a client, or unserved under
whatever clock the test runs with."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from functools import partial
from typing import final

import attrs
import trio

from engine.net.client import Client, open_client
from engine.web import AppSpec, Engine, open_engine

__all__ = ["Served", "open_test_engine", "serve_apps"]


@final
@attrs.frozen
class Served:
    """An engine being served, the port it listens on, and a client of it."""

    engine: Engine
    port: int
    client: Client

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@asynccontextmanager
async def open_test_engine(
    apps: Sequence[AppSpec],
    *,
    store: str = "memory://",
    environ: Mapping[str, str] | None = None,
    cluster: str | None = None,
) -> AsyncIterator[Engine]:
    """`open_engine` for a test: the memory store and an empty environment unless given (the
    test's process environment never leaks in). Nothing listens: this is the engine for rules
    with timers, run under ``trio.testing.MockClock`` (``autojump_threshold=0``), where every
    timer, ``engine.clock.now()``, rate limit and timeout follows the mock clock; reach the
    apps through ``engine.contexts[name]`` and their parties with the in-memory peers.
    ``cluster``: the engine is a node of the cluster on that Redis (see ``open_engine``)."""
    environ = {} if environ is None else environ
    async with open_engine(apps, store=store, environ=environ, cluster=cluster) as engine:
        yield engine


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
    """Open an engine with ``apps`` (as `open_test_engine`), serve it on 127.0.0.1 at a free
    port, and yield it with a client whose base URL is the server's.

    One app is served at the root, several under ``/<name>`` (``prefixed`` decides otherwise);
    ``through_quart`` serves every request through Quart-Trio instead of answering the declared
    routes on the listener's direct path (see ``Engine.serve``); with ``cluster`` the engine is
    a node of the cluster on that Redis (see ``open_engine``). Real sockets wait in real time:
    use the real clock, not an autojumping mock one.

    Leaving the block closes the client, stops the server and then the engine (actors stop, the
    store flushes), so a second ``serve_apps`` on the same store is a server restart.
    """
    async with open_test_engine(apps, store=store, environ=environ, cluster=cluster) as engine:
        async with trio.open_nursery() as nursery:
            port = await nursery.start(
                partial(
                    engine.serve, "127.0.0.1", 0, prefixed=prefixed, through_quart=through_quart
                )
            )
            async with open_client(f"http://127.0.0.1:{port}") as client:
                yield Served(engine, port, client)
            nursery.cancel_scope.cancel()
