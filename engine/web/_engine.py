"""The engine: an actor system, a store and the apps, embeddable in any Trio program.

::

    async with open_engine([liaptui.app], store="sqlite:///party-engine.db") as engine:
        await engine.serve("127.0.0.1", 8000)      # optional: HTTP + WebSocket on one port
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import attrs
import trio
from hypercorn.config import Config
from quart import Blueprint
from quart import Response as QuartResponse

from engine.net._listener import serve_tcp
from engine.net._ws_routes import Accept
from engine.store import Store, open_store
from engine.supervisors import ActorSystem, open_actor_system

from ._app import AppSpec
from ._app_host import AppHost
from ._http import BODY_TIMEOUT, MAX_BODY_BYTES, HttpCounters, HttpEdge, build_http_edge
from ._metrics import ConnectionCounters, render_metrics
from ._openapi import openapi_document
from ._ws_router import WebSocketRouter

@attrs.define(eq=False)
class Engine:
    """A running engine.

    ``contexts[name]`` is what app ``name``'s setup yielded, present while the app is up: an app
    whose supervisor failed is set up again with backoff (``hosts[name]``, see
    ``engine/web/_app_host.py``), and its routes answer 503 until it is back.
    """

    system: ActorSystem
    store: Store
    apps: tuple[AppSpec, ...]
    environ: Mapping[str, str]
    contexts: dict[str, Any] = attrs.field(factory=dict)
    hosts: dict[str, AppHost] = attrs.field(factory=dict)
    http_counters: HttpCounters = attrs.field(factory=HttpCounters)
    connections: ConnectionCounters = attrs.field(factory=ConnectionCounters)

    def http_app(self, *, prefixed: bool | None = None) -> Any:
        """The ASGI app serving every app's HTTP routes plus /health, /metrics, /openapi.json."""
        return self._http_edge(prefixed).app

    def _http_edge(self, prefixed: bool | None) -> HttpEdge:
        prefixed = len(self.apps) != 1 if prefixed is None else prefixed
        return build_http_edge(
            self.apps,
            self.contexts,
            prefixed=prefixed,
            counters=self.http_counters,
            cors={app.name: app.cors_for(self.environ) for app in self.apps},
            extra=self._engine_routes(prefixed),
        )

    def websocket_router(self, *, prefixed: bool | None = None) -> Callable[..., Awaitable[Any]]:
        prefixed = len(self.apps) != 1 if prefixed is None else prefixed
        router = WebSocketRouter.build(self.apps, self.contexts, prefixed=prefixed)
        connections = self.connections

        async def resolve(request: Any) -> Any:
            answer = await router(request)
            if not isinstance(answer, Accept):
                return answer
            handler = answer.handler

            async def counted(ws: Any, params: Any) -> None:
                connections.opened_one(ws)
                try:
                    await handler(ws, params)
                finally:
                    connections.closed_one(ws)

            return attrs.evolve(answer, handler=counted)

        return resolve

    async def serve(
        self,
        host: str = "127.0.0.1",
        port: int = 8000,
        *,
        prefixed: bool | None = None,
        through_quart: bool = False,
        shutdown_trigger: Callable[[], Awaitable[object]] | None = None,
        task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED,
    ) -> None:
        """Serve HTTP and WebSocket on one port until cancelled or ``shutdown_trigger`` returns
        (then: stop accepting, close sockets with 1001, finish in-flight requests). Reports the
        bound port through ``task_status``.

        The apps' declared routes are answered on the listener's direct HTTP/1.1 path, the
        rest by Quart-Trio on Hypercorn; ``through_quart`` sends every request through
        Quart-Trio (for its middleware), with the same answers."""
        config = Config()
        config.graceful_timeout = 5.0
        config.accesslog = None
        edge = self._http_edge(prefixed)
        await serve_tcp(
            edge.app,
            self.websocket_router(prefixed=prefixed),
            host,
            port,
            hypercorn_config=config,
            direct=None if through_quart else edge.direct,
            max_body=MAX_BODY_BYTES,
            body_timeout=BODY_TIMEOUT,
            shutdown_trigger=shutdown_trigger,
            task_status=task_status,
        )

    def _engine_routes(self, prefixed: bool) -> Blueprint:
        blueprint = Blueprint("engine", __name__)
        app_paths = {("GET", r.path) for a in self.apps for r in a.routes.http} if not prefixed else set()

        async def health() -> Any:
            return {"status": "ok", "apps": [a.name for a in self.apps]}

        async def metrics() -> QuartResponse:
            text = render_metrics(self.system, self.store, self.http_counters, self.connections)
            return QuartResponse(text, content_type="text/plain; version=0.0.4")

        async def openapi() -> Any:
            return openapi_document(self.apps, prefixed=prefixed)

        for path, view in (("/health", health), ("/metrics", metrics), ("/openapi.json", openapi)):
            if ("GET", path) not in app_paths:
                blueprint.add_url_rule(path, endpoint=view.__name__, view_func=view, methods=["GET"])
        if prefixed:
            for app in self.apps:
                def app_openapi(app: AppSpec = app) -> Any:
                    return openapi_document([app], prefixed=True)

                blueprint.add_url_rule(
                    f"/{app.name}/openapi.json", endpoint=f"{app.name}-openapi", view_func=app_openapi
                )
        return blueprint


@asynccontextmanager
async def open_engine(
    apps: Sequence[AppSpec] = (),
    *,
    store: str = "memory://",
    environ: Mapping[str, str] | None = None,
) -> AsyncIterator[Engine]:
    """Open the store and the actor system, then set up each app (in order) under a supervisor
    of its own; a setup that fails here propagates.

    While the engine is open, an app whose supervisor fails is set up again with backoff, and
    its routes answer 503 meanwhile; nothing an app does stops the engine. On exit the apps are
    torn down in reverse order (each leaves its setup, then its actors stop: their last state is
    already committed, persistent actors commit before they reply), then the rest of the actor
    system stops, then the store flushes and closes.
    """
    environ = os.environ if environ is None else environ
    async with AsyncExitStack() as stack:
        opened_store = await stack.enter_async_context(open_store(store))
        system = await stack.enter_async_context(open_actor_system())
        engine = Engine(
            system=system,
            store=opened_store,
            apps=tuple(apps),
            environ=environ,
        )
        nursery = await stack.enter_async_context(trio.open_nursery())
        stack.push_async_callback(_stop_in_reverse, engine.hosts)
        for app in apps:
            host = engine.hosts[app.name] = AppHost(app, engine)
            await nursery.start(host.run)
        yield engine


async def _stop_in_reverse(hosts: dict[str, AppHost]) -> None:
    for host in reversed(hosts.values()):
        await host.stop()
