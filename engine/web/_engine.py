"""The engine: an actor system, a store and the apps, embeddable in any Trio program.

::

    async with open_engine([liaptui.app], store="sqlite:///party-engine.db") as engine:
        await engine.serve("127.0.0.1", 8000)      # optional: HTTP + WebSocket on one port
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from functools import partial
from typing import TYPE_CHECKING, Any

import attrs
import trio
from hypercorn.config import Config
from quart import Blueprint, abort
from quart import Response as QuartResponse

from engine.net import Accept, Reject, TrustedProxies, WebSocketRequest, json_dumps, serve_tcp
from engine.settings import DEV_RATE_FACTOR, EngineSettings, read_settings
from engine.store import Store, open_store
from engine.supervisors import ActorSystem, open_actor_system

from ._app import AppSpec
from ._app_host import AppHost
from ._asyncapi import asyncapi_document, has_asyncapi
from ._dashboard import PAGE_PATH, Dashboard, DashboardAccess
from ._dashboard import asset as dashboard_asset
from ._direct import ReplyMaker
from ._endpoint import Reply, json_reply
from ._errors import HttpError
from ._http import (
    BODY_TIMEOUT,
    MAX_BODY_BYTES,
    HttpCounters,
    HttpEdge,
    build_http_edge,
    quart_view,
)
from ._metrics import ConnectionCounters, render_metrics
from ._openapi import EngineRoute, openapi_document, package_version
from ._pages import documents, explorer_asset, explorer_page, index_page
from ._static import page_routes, shared_routes
from ._ws_router import WebSocketRouter

if TYPE_CHECKING:
    # Only for the annotation: a single node never loads the Redis client.
    from engine.cluster import ClusterNode

#: Connections the kernel queues for accept(): a burst of players, not Hypercorn's 100.
LISTEN_BACKLOG = 4096

log = logging.getLogger("engine.web")


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
    #: The deployment settings read from ``environ`` (trusted proxies, development mode).
    settings: EngineSettings = attrs.field(factory=EngineSettings)
    contexts: dict[str, Any] = attrs.field(factory=dict)
    hosts: dict[str, AppHost] = attrs.field(factory=dict)
    http_counters: HttpCounters = attrs.field(factory=HttpCounters)
    connections: ConnectionCounters = attrs.field(factory=ConnectionCounters)
    #: Set by ``open_engine``: the live view at ``/dashboard`` (off unless configured).
    dashboard: Dashboard | None = None
    #: This process as a node of a cluster (``open_engine(cluster=...)``), else None.
    node: ClusterNode | None = None

    def http_app(self, *, prefixed: bool | None = None) -> Any:
        """The ASGI app serving every app's HTTP routes plus /health, /metrics, /openapi.json."""
        return self._http_edge(prefixed).app

    def _http_edge(self, prefixed: bool | None) -> HttpEdge:
        prefixed = len(self.apps) != 1 if prefixed is None else prefixed
        pages, fixed = self._engine_routes(prefixed)
        return build_http_edge(
            self.apps,
            self.contexts,
            prefixed=prefixed,
            counters=self.http_counters,
            cors={app.name: app.cors_for(self.environ) for app in self.apps},
            extra=pages,
            fixed=fixed,
            proxies=self._proxies,
        )

    @property
    def _proxies(self) -> TrustedProxies:
        return TrustedProxies(self.settings.trusted_proxies)

    def websocket_router(self, *, prefixed: bool | None = None) -> Callable[..., Awaitable[Any]]:
        prefixed = len(self.apps) != 1 if prefixed is None else prefixed
        router = WebSocketRouter.build(
            self.apps, self.contexts, prefixed=prefixed, counters=self.connections
        )
        dashboard = self.dashboard

        async def resolve(request: WebSocketRequest) -> Accept | Reject | None:
            answer = await router(request)
            if answer is None and dashboard is not None:
                return await dashboard.resolve(request)
            return answer

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
        # The direct path sends none: the same headers whichever path answers.
        config.include_server_header = False
        # Hypercorn's default backlog (100) made the kernel drop handshakes when thousands of
        # players connect at once (loadtest: 8,657 TcpExtListenOverflows in one run); the
        # kernel caps this at net.core.somaxconn.
        config.backlog = LISTEN_BACKLOG
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
            trusted_proxies=self._proxies,
            task_status=task_status,
        )

    def _engine_routes(self, prefixed: bool) -> tuple[Blueprint, dict[str, ReplyMaker]]:
        """The engine's own GET routes: ``/`` (the index page), ``/docs`` (the API explorer and
        its assets), ``/health``, ``/metrics``, ``/openapi.json``, ``/shared/`` (what the
        playable pages share); under each prefix ``/<app>/openapi.json``, ``/<app>/health`` and
        the app's pages at ``/<app>/play/``; ``/<app>/asyncapi.json`` for an app that declares
        its WebSocket protocol (``/asyncapi.json`` for one served at the root); and a 426 for a
        plain GET on every WebSocket route. A route an app declares itself (served alone, at the
        root) wins.

        All are Quart routes (the blueprint); ``/health``, ``/metrics`` and the OpenAPI
        documents are also given by path, for the listener's direct path to answer with the
        same `Reply`."""
        blueprint = Blueprint("engine", __name__)
        fixed: dict[str, ReplyMaker] = {}
        taken = {
            ("GET", (f"/{a.name}" if prefixed else "") + r.path)
            for a in self.apps
            for r in a.routes.http
        }

        def add(path: str, endpoint: str, view: Callable[..., Any]) -> None:
            if ("GET", path) not in taken:
                blueprint.add_url_rule(path, endpoint=endpoint, view_func=view, methods=["GET"])

        def add_fixed(path: str, endpoint: str, make: ReplyMaker) -> None:
            if ("GET", path) not in taken:
                add(path, endpoint, quart_view(make))
                fixed[path] = make

        documented = [
            EngineRoute("/", "The index page: the apps served, links to their documents", *_TEXT),
            EngineRoute("/docs", "The API explorer (Swagger UI)", *_TEXT),
            EngineRoute("/health", "The server is up", schema=_HEALTH_SCHEMA),
            EngineRoute("/metrics", "Prometheus metrics", "text/plain", {"type": "string"}),
            EngineRoute("/openapi.json", "This document"),
        ]

        async def index() -> QuartResponse:
            page = index_page(
                self.apps,
                prefixed=prefixed,
                version=package_version(),
                dashboard=self.dashboard is not None and self.dashboard.access.enabled,
            )
            return QuartResponse(page, content_type="text/html; charset=utf-8")

        async def explorer() -> QuartResponse:
            page = explorer_page(documents(self.apps, prefixed=prefixed))
            return QuartResponse(page, content_type="text/html; charset=utf-8")

        async def explorer_file(name: str) -> QuartResponse:
            found = explorer_asset(name)
            if found is None:
                abort(404)
            data, media_type = found
            cache = {"Cache-Control": "max-age=86400"}
            return QuartResponse(data, content_type=media_type, headers=cache)

        async def health() -> Reply:
            return json_reply({"status": "ok", "apps": [a.name for a in self.apps]}, 200, {})

        async def metrics() -> Reply:
            tree, store = self.system.snapshot(), self.store.statistics()
            text = render_metrics(tree, store, self.http_counters, self.connections)
            return Reply(200, {}, text.encode(), "text/plain; version=0.0.4")

        async def dashboard_page() -> QuartResponse:
            return _dashboard_file("dashboard.html")

        async def dashboard_file(name: str) -> QuartResponse:
            return _dashboard_file(name)

        async def openapi() -> Reply:
            document = openapi_document(self.apps, prefixed=prefixed, engine_routes=documented)
            return json_reply(document, 200, {})

        add("/", "index", index)
        add("/docs", "explorer", explorer)
        add("/docs/assets/<name>", "explorer_file", explorer_file)
        if self.dashboard is not None and self.dashboard.access.enabled:
            add(PAGE_PATH, "dashboard", dashboard_page)
            add(f"{PAGE_PATH}/assets/<name>", "dashboard_file", dashboard_file)
        for route, make in zip(documented[2:], (health, metrics, openapi), strict=True):
            add_fixed(route.path, make.__name__, make)
        for rule, name, view in shared_routes():
            add(rule, name, view)
        for app in self.apps:
            prefix = f"/{app.name}" if prefixed else ""
            if app.pages is not None:
                for rule, name, view in page_routes(app.name, prefix, app.pages):
                    add(rule, name, view)
            if prefixed:
                document = partial(_app_document, app)
                add_fixed(f"{prefix}/openapi.json", f"{app.name}-openapi", document)
                app_health = partial(self._app_health, app.name)
                add_fixed(f"{prefix}/health", f"{app.name}-health", app_health)
            if has_asyncapi(app):
                protocol = partial(asyncapi_document, app, prefixed=prefixed)
                add(f"{prefix}/asyncapi.json", f"{app.name}-asyncapi", protocol)
            for ws in app.routes.websockets:
                refuse = partial(_upgrade_required, app)
                add(prefix + _rule(ws.path), f"{app.name}-upgrade-{ws.path}", refuse)
        return blueprint, fixed

    async def _app_health(self, name: str) -> Reply:
        """``/<app>/health``: 200 while the app serves, 503 while it is being set up again."""
        up = name in self.contexts
        body = {"status": "ok" if up else "unavailable", "app": name}
        return json_reply(body, 200 if up else 503, {})


_TEXT = ("text/html", {"type": "string"})
_HEALTH_SCHEMA = {
    "type": "object",
    "properties": {
        "status": {"type": "string"},
        "apps": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["status", "apps"],
}


async def _upgrade_required(app: AppSpec, **params: str) -> QuartResponse:
    """A plain GET on a WebSocket route: 426 (RFC 9110) in the app's error format."""
    errors = app.routes.errors
    error = HttpError(426, "This is a WebSocket route: connect with a WebSocket client")
    return QuartResponse(
        json_dumps(errors.body(error)),
        status=errors.status(error),
        headers={"Upgrade": "websocket", "Connection": "Upgrade"},
        content_type="application/json",
    )


async def _app_document(app: AppSpec) -> Reply:
    """``/<app>/openapi.json``: the document of one app under its prefix."""
    return json_reply(openapi_document([app], prefixed=True), 200, {})


def _dashboard_file(name: str) -> QuartResponse:
    """One of the dashboard page's files: static, the same for everyone (no data, no token).
    The page runs its own files only and cannot be framed by another site."""
    found = dashboard_asset(name)
    if found is None:
        abort(404)
    data, media_type = found
    return QuartResponse(data, content_type=media_type, headers=_DASHBOARD_HEADERS)


_DASHBOARD_HEADERS = {
    "Cache-Control": "no-cache",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
}


def _rule(path: str) -> str:
    """``/ws/{id}`` -> ``/ws/<id>`` (Werkzeug's rule syntax)."""
    return path.replace("{", "<").replace("}", ">")


@asynccontextmanager
async def open_engine(
    apps: Sequence[AppSpec] = (),
    *,
    store: str = "memory://",
    environ: Mapping[str, str] | None = None,
    cluster: str | None = None,
) -> AsyncIterator[Engine]:
    """Open the store and the actor system, then set up each app (in order) under a supervisor
    of its own; a setup that fails here propagates.

    While the engine is open, an app whose supervisor fails is set up again with backoff, and
    its routes answer 503 meanwhile; nothing an app does stops the engine. On exit the apps are
    torn down in reverse order (each leaves its setup, then its actors stop: their last state is
    already committed, persistent actors commit before they reply), then the rest of the actor
    system stops, then the store flushes and closes.

    The engine's own settings are read from ``environ`` first (``EngineSettings``: a value that
    cannot be used raises ``SettingsError`` before anything opens); development mode is
    announced with a WARNING.

    With ``cluster`` (``redis://HOST:PORT``) the engine is a node of the cluster sharing that
    Redis (and the same store): see ``engine.cluster``; its lease is read from
    ``PARTY_ENGINE_CLUSTER_LEASE``. The node leaves after the actor system has stopped.

    The dashboard (``/dashboard``) is on if ``environ`` sets ``PARTY_ENGINE_DASHBOARD_TOKEN`` or
    ``PARTY_ENGINE_DEV``; an unusable value raises ``SettingsError`` before anything opens.
    """
    environ = os.environ if environ is None else environ
    # A bad setting stops us here, before anything opens.
    settings = read_settings(EngineSettings, environ, app=None)
    access = DashboardAccess.from_settings(settings)
    if settings.dev:
        log.warning(
            "DEVELOPMENT MODE (PARTY_ENGINE_DEV): every rate limit allows %d times as much; "
            "not for production",
            DEV_RATE_FACTOR,
        )
    async with AsyncExitStack() as stack:
        opened_store = await stack.enter_async_context(open_store(store))
        node = None
        if cluster is not None:
            # Imported here: a single node never loads the Redis client.
            from engine.cluster import ClusterSettings, open_cluster

            node_settings = read_settings(ClusterSettings, environ, app="cluster")
            node = await stack.enter_async_context(open_cluster(cluster, node_settings))
        system = await stack.enter_async_context(open_actor_system())
        if node is not None:
            await node.attach(system)
        engine = Engine(
            system=system,
            store=opened_store,
            apps=tuple(apps),
            environ=environ,
            settings=settings,
            node=node,
        )
        engine.dashboard = Dashboard(engine, access)
        nursery = await stack.enter_async_context(trio.open_nursery())
        if engine.dashboard.access.enabled:
            await nursery.start(engine.dashboard.run)
            stack.callback(engine.dashboard.stop)
        stack.push_async_callback(_stop_in_reverse, engine.hosts)
        for app in apps:
            host = engine.hosts[app.name] = AppHost(app, engine)
            await nursery.start(host.run)
        yield engine


async def _stop_in_reverse(hosts: dict[str, AppHost]) -> None:
    for host in reversed(hosts.values()):
        await host.stop()
