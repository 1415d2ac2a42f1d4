"""The Quart-Trio side: every app's HTTP routes as one ASGI app.

Each route's view hands its request to the route's `Endpoint` (body, validation, rate limit,
handler, errors in the app's format: the same code the listener's direct path runs) and turns
the `Reply` into Quart's response. Nothing here holds state beyond the endpoints' rate
limiters, which belong to this app instance. Every request through Quart gets its access line
(``engine.logs``), and its client address (Quart's ``request.remote_addr``) as the trusted
proxies tell it.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from functools import partial
from typing import Any, cast

import attrs
import cattrs
from quart import Blueprint, has_request_context, request, websocket
from quart import Response as QuartResponse
from quart_trio import QuartTrio
from werkzeug.exceptions import HTTPException

from engine.logs import log_request
from engine.net import TrustedProxies

from ._app import AppSpec
from ._direct import DirectRouteTable, ReplyMaker
from ._endpoint import Endpoint, Reply, cors_headers, routing_error_reply
from ._errors import DetailErrors, ErrorFormat
from ._metrics import HttpCounters
from ._routes import Cors
from ._validation import make_request_converter

FormatFor = Callable[[str], tuple[ErrorFormat, "Cors | None"]]

__all__ = ["MAX_BODY_BYTES", "HttpCounters", "HttpEdge", "build_http_edge"]

MAX_BODY_BYTES = 1 << 20
# Seconds a client has to send a request body the route reads (past it: 408, and the connection
# closes); a megabyte at 35 kB/s. Quart's default is 60.
BODY_TIMEOUT = 30.0


@attrs.frozen
class HttpEdge:
    """The declared routes twice over, sharing one `Endpoint` (and rate limiter) per route: as
    the Quart-Trio app, which also serves everything else, and as the direct path's table."""

    app: QuartTrio
    direct: DirectRouteTable


def build_http_edge(
    apps: Sequence[AppSpec],
    contexts: Mapping[str, Any],
    *,
    prefixed: bool,
    counters: HttpCounters,
    cors: Mapping[str, Cors | None],
    extra: Blueprint | None = None,
    fixed: Mapping[str, ReplyMaker] = {},
    proxies: TrustedProxies = TrustedProxies(),
) -> HttpEdge:
    """Each app's routes under ``/<name>`` (or at the root if not ``prefixed``, for one app
    served alone). `extra` is served by Quart only; the GET routes of `fixed` (by path) are
    on the direct path too, and `extra` must serve them on Quart's (see `quart_view`);
    `proxies` say who the client is on both paths."""
    converters = {
        strict: make_request_converter(forbid_extra_keys=strict) for strict in (False, True)
    }
    routes = endpoints(apps, contexts, prefixed=prefixed, counters=counters, converters=converters)
    format_for = app_formats(apps, prefixed=prefixed, cors=cors)
    app = build_http_app(routes, format_for, counters, extra=extra)
    app.asgi_app = _access_logged(app.asgi_app, proxies)  # type: ignore[method-assign]
    direct = DirectRouteTable.build(routes, format_for, app, counters, fixed, proxies)
    return HttpEdge(app, direct)


def endpoints(
    apps: Sequence[AppSpec],
    contexts: Mapping[str, Any],
    *,
    prefixed: bool,
    counters: HttpCounters,
    converters: Mapping[bool, cattrs.Converter],
) -> list[tuple[str, Endpoint]]:
    """Every declared route as (full path, its endpoint), in declaration order; `converters`
    by whether the app forbids unknown body fields."""
    return [
        ((f"/{spec.name}" if prefixed else "") + route.path,
         Endpoint(route, spec.name, spec.routes.errors, contexts,
                  spec.routes.converter or converters[spec.routes.forbid_extra_keys],
                  counters, spec.routes.guard))
        for spec in apps
        for route in spec.routes.http
    ]  # fmt: skip


def build_http_app(
    routes: Sequence[tuple[str, Endpoint]],
    format_for: FormatFor,
    counters: HttpCounters,
    *,
    extra: Blueprint | None = None,
) -> QuartTrio:
    """A Quart-Trio app serving `routes` (from `endpoints`) and `extra`; errors and CORS of each
    path as `format_for` says; every answer it sends is counted in `counters`."""
    app = QuartTrio("party-engine")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.config["BODY_TIMEOUT"] = BODY_TIMEOUT
    blueprint = Blueprint("routes", __name__)
    for path, endpoint in routes:
        blueprint.add_url_rule(
            _quart_path(path),
            # The path, not the handler's name: one handler may serve several paths.
            endpoint=f"{endpoint.route.method} {path}".replace(".", "_"),
            view_func=_make_view(endpoint),
            methods=[endpoint.route.method],
        )
    app.register_blueprint(blueprint)
    if extra is not None:
        app.register_blueprint(extra)

    @app.errorhandler(HTTPException)
    async def http_exception(exc: HTTPException) -> QuartResponse:
        errors, _ = format_for(_handled_path())
        return quart_response(routing_error_reply(errors, exc))

    @app.after_request
    async def add_cors_headers(response: QuartResponse) -> QuartResponse:
        _, app_cors = format_for(request.path)
        response.headers.update(
            cors_headers(app_cors, request.headers.get("Origin"), request.method)
        )
        counters.answered("quart", response.status_code)
        return response

    return app


def app_formats(
    apps: Sequence[AppSpec], *, prefixed: bool, cors: Mapping[str, Cors | None]
) -> FormatFor:
    """A function of a path giving the error format and CORS settings of the app it is under."""
    formats = sorted(
        (
            (f"/{spec.name}" if prefixed else "", spec.routes.errors, cors.get(spec.name))
            for spec in apps
        ),
        key=lambda item: len(item[0]),
        reverse=True,
    )

    def format_for(path: str) -> tuple[ErrorFormat, Cors | None]:
        for prefix, errors, app_cors in formats:
            if path == prefix or path.startswith(prefix + "/") or not prefix:
                return errors, app_cors
        return DetailErrors(), None

    return format_for


def _access_logged(app: Any, proxies: TrustedProxies) -> Any:
    """The ASGI `app` with an access line per HTTP request it answers, and the scope's client
    as `proxies` tell it."""

    async def logged(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        started = time.perf_counter()
        peer = scope.get("client")
        client = peer[0] if peer else ""
        if proxies.networks and peer:
            headers: dict[str, str] = {}
            for raw_name, raw_value in scope["headers"]:
                name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
                headers[name] = f"{headers[name]}, {value}" if name in headers else value
            client = proxies.client(client, headers)
            scope = {**scope, "client": (client, 0 if client != peer[0] else peer[1])}
        response: dict[str, str] = {}
        status = 0

        async def sending(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                for name, value in message.get("headers", ()):
                    if name.lower() == b"x-request-id":
                        response["X-Request-ID"] = value.decode("latin-1")
            await send(message)

        try:
            await app(scope, receive, sending)
        finally:
            if status:  # else the client left before an answer began: nothing was served
                log_request(scope["method"], scope["path"], status, started, response, client)

    return logged


def _make_view(endpoint: Endpoint) -> Any:
    async def view(**params: str) -> QuartResponse:
        reply = await endpoint.respond(
            request.method,
            request.path,
            params,
            dict(request.args),
            # Werkzeug's Headers reads like a case-insensitive Mapping without being one.
            cast(Mapping[str, str], request.headers),
            request.remote_addr or "",
            partial(request.get_data, as_text=False),
        )
        return quart_response(reply)

    view.__name__ = f"{endpoint.app}_{endpoint.route.handler.__name__}"
    return view


def quart_view(make: ReplyMaker) -> Callable[[], Awaitable[QuartResponse]]:
    """A Quart view answering what `make` makes: the Quart side of a `fixed` route."""

    async def view() -> QuartResponse:
        return quart_response(await make())

    return view


def quart_response(reply: Reply) -> QuartResponse:
    """`reply` as Quart's response."""
    if reply.content_type is None:
        return QuartResponse("", status=reply.status, headers=reply.headers)
    return QuartResponse(
        reply.body, status=reply.status, headers=reply.headers, content_type=reply.content_type
    )


def _handled_path() -> str:
    """The path of the request being handled, or of the WebSocket upgrade: one that no route of
    the engine's listener takes reaches Quart, which answers it (404) in a WebSocket context."""
    return (request if has_request_context() else websocket).path


def _quart_path(path: str) -> str:
    """``/api/sessions/{id}`` -> ``/api/sessions/<id>`` (Werkzeug's rule syntax)."""
    return path.replace("{", "<").replace("}", ">")
