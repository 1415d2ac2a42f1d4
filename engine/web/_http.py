"""The Quart-Trio side: every app's HTTP routes as one ASGI app.

Each route's view parses and validates the body, applies the route's rate limit, calls the
handler, and maps what comes back (a value, a ``Response``, an ``HttpError``, a ``Rejection``, a
crash) to the app's own format. Nothing here holds state beyond the rate limiters, which belong
to this app instance.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import Any

import attrs
import cattrs
from quart import Blueprint, has_request_context, request, websocket
from quart import Response as QuartResponse
from quart_trio import QuartTrio
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from engine.actors import ActorCrashed, ActorStopped, AskTimeout, MailboxFull
from engine.net import JsonRejected, json_dumps, json_loads
from engine.net._ratelimit import RateLimiter

from ._app import AppSpec
from ._errors import (
    DetailErrors, ErrorFormat, HttpError, Problem, ValidationFailed, app_unavailable, as_http_error,
)
from ._routes import Cors, Request, Response, Route, rate_limit_headers
from ._validation import make_request_converter, structure_body

log = logging.getLogger("engine.web")

MAX_BODY_BYTES = 1 << 20
# Seconds a client has to send a request body the route reads (past it: 408, and the connection
# closes); a megabyte at 35 kB/s. Quart's default is 60.
BODY_TIMEOUT = 30.0


@attrs.define(eq=False)
class HttpCounters:
    requests: int = 0
    errors: int = 0
    rate_limited: int = 0


def build_http_app(
    apps: Sequence[AppSpec],
    contexts: dict[str, Any],
    *,
    prefixed: bool,
    counters: HttpCounters,
    cors: dict[str, Cors | None],
    extra: Blueprint | None = None,
) -> QuartTrio:
    """A Quart-Trio app with each app's routes under ``/<name>`` (or at the root if not
    ``prefixed``, for one app served alone)."""
    app = QuartTrio("party-engine")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.config["BODY_TIMEOUT"] = BODY_TIMEOUT
    converter = make_request_converter()
    formats: list[tuple[str, ErrorFormat, Cors | None]] = []
    for spec in apps:
        prefix = f"/{spec.name}" if prefixed else ""
        blueprint = Blueprint(spec.name, __name__, url_prefix=prefix or None)
        for route in spec.routes.http:
            view = _make_view(route, spec, contexts, converter, counters)
            blueprint.add_url_rule(
                _quart_path(route.path),
                endpoint=f"{route.method}_{route.handler.__name__}",
                view_func=view,
                methods=[route.method],
            )
        app.register_blueprint(blueprint)
        formats.append((prefix, spec.routes.errors, cors.get(spec.name)))
    if extra is not None:
        app.register_blueprint(extra)
    formats.sort(key=lambda item: len(item[0]), reverse=True)

    def format_for(path: str) -> tuple[ErrorFormat, Cors | None]:
        for prefix, errors, cors in formats:
            if path == prefix or path.startswith(prefix + "/") or not prefix:
                return errors, cors
        return DetailErrors(), None

    @app.errorhandler(HTTPException)
    async def http_exception(exc: HTTPException) -> QuartResponse:
        errors, _ = format_for(_handled_path())
        error = HttpError(exc.code or 500, exc.description or exc.name)
        response = _error_response(errors, error)
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            # RFC 9110: a 405 must say which methods the resource does support.
            response.headers["Allow"] = ", ".join(sorted(exc.valid_methods))
        return response

    @app.after_request
    async def cors_headers(response: QuartResponse) -> QuartResponse:
        _, cors = format_for(request.path)
        origin = request.headers.get("Origin")
        if cors is not None and origin and cors.allows(origin):
            response.headers["Access-Control-Allow-Origin"] = "*" if "*" in cors.origins and not cors.credentials else origin
            response.headers["Vary"] = "Origin"
            response.headers["Access-Control-Expose-Headers"] = ", ".join(cors.expose)
            if cors.credentials:
                response.headers["Access-Control-Allow-Credentials"] = "true"
            if request.method == "OPTIONS":
                response.headers["Access-Control-Allow-Methods"] = ", ".join(cors.methods)
                response.headers["Access-Control-Allow-Headers"] = ", ".join(cors.headers)
                response.headers["Access-Control-Max-Age"] = str(cors.max_age)
        return response

    return app


def _make_view(
    route: Route,
    spec: AppSpec,
    contexts: dict[str, Any],
    converter: cattrs.Converter,
    counters: HttpCounters,
) -> Any:
    errors = spec.routes.errors
    limiter = RateLimiter(route.rate_limit.rule) if route.rate_limit is not None else None

    async def view(**params: str) -> QuartResponse:
        counters.requests += 1
        request_id = request.headers.get("X-Request-ID") or uuid.uuid4().hex
        headers: dict[str, str] = {"X-Request-ID": request_id}
        try:
            if spec.name not in contexts:
                raise app_unavailable(spec.name)
            body = await _read_body(route, converter)
            req = Request(
                method=request.method,
                path=request.path,
                params=params,
                query=dict(request.args),
                headers=request.headers,
                client_ip=request.remote_addr or "",
                body=body,
                context=contexts[spec.name],
                request_id=request_id,
            )
            if limiter is not None:
                decision = limiter.check(route.rate_limit.key(req))
                headers.update(rate_limit_headers(decision.limit, decision.remaining, decision.reset_after))
                if not decision.allowed:
                    counters.rate_limited += 1
                    retry_after = max(1, int(decision.retry_after + 0.999))
                    headers["Retry-After"] = str(retry_after)
                    raise HttpError(429, route.rate_limit.message, details={"retry_after": retry_after})
            result = await route.handler(req)
            if isinstance(result, Response):
                headers.update(result.headers)
                return _json_response(converter.unstructure(result.body), result.status, headers)
            return _json_response(converter.unstructure(result), route.status, headers)
        except Exception as exc:
            # An answer JSON cannot carry (UnencodableValue) is a bug like any other: a 500.
            error = _expected(exc, f"{request_id} ({route.method} {route.path})", request_id)
            counters.errors += 1
            response = _error_response(errors, error)
            response.headers.update(headers)
            response.headers.update(error.headers)
            return response

    view.__name__ = f"{spec.name}_{route.handler.__name__}"
    return view


async def _read_body(route: Route, converter: cattrs.Converter) -> Any:
    if request.method in ("GET", "DELETE", "OPTIONS") and route.body is None:
        return None
    raw = await request.get_data(as_text=False)
    if not raw:
        data = None
    else:
        try:
            data = json_loads(raw)
        except JsonRejected as exc:
            raise ValidationFailed([Problem(("body",), exc.reason, "json_invalid")]) from None
    if route.body is None:
        return data
    if data is None:
        raise ValidationFailed([Problem(("body",), "a JSON body is required", "missing")])
    return structure_body(converter, data, route.body)


def _expected(exc: Exception, where: str, request_id: str) -> HttpError:
    """The `HttpError` answering `exc`; unexpected ones are logged as request `where`."""
    error = as_http_error(exc)
    if error is not None:
        return error
    if isinstance(exc, HTTPException):  # e.g. 413 from the body size limit
        return HttpError(exc.code or 400, exc.description or exc.name)
    if isinstance(exc, (AskTimeout, MailboxFull)):
        log.warning("request %s: %r", where, exc)
        return HttpError(503, "The server is busy, try again", details={"request_id": request_id})
    if isinstance(exc, (ActorCrashed, ActorStopped)):
        log.error("request %s: %r", where, exc, exc_info=exc)
    else:
        log.exception("request %s failed", where, exc_info=exc)
    return HttpError(500, f"Internal server error (request id {request_id})", details={"request_id": request_id})


def _error_response(errors: ErrorFormat, error: HttpError) -> QuartResponse:
    """The app's error body; raises `UnencodableValue` only for a bug of the error format."""
    return _json_response(errors.body(error), errors.status(error), {})


def _json_response(body: Any, status: int, headers: dict[str, str]) -> QuartResponse:
    """`body` as strict JSON (`engine.net.json_dumps`); raises `UnencodableValue` for what
    JSON cannot carry, before anything is sent."""
    if status == 204:
        return QuartResponse("", status=204, headers=headers)
    return QuartResponse(json_dumps(body), status=status, headers=headers, content_type="application/json")


def _handled_path() -> str:
    """The path of the request being handled, or of the WebSocket upgrade: one that no route of
    the engine's listener takes reaches Quart, which answers it (404) in a WebSocket context."""
    return (request if has_request_context() else websocket).path


def _quart_path(path: str) -> str:
    """``/api/sessions/{id}`` -> ``/api/sessions/<id>`` (Werkzeug's rule syntax)."""
    return path.replace("{", "<").replace("}", ">")
