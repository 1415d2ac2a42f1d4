"""One declared route's behaviour, whichever server carries its requests.

The Quart-Trio view (``_http``) and the listener's direct HTTP/1.1 path (``_direct``) both call
`Endpoint.respond` and send back the `Reply` it returns, and both add `cors_headers`: the body
parsing and validation, the rate limit, the handler call, the mapping of what it returns or
raises to the app's format, the request id and the counters are written once, here. So are the
answers to requests no route takes (`routing_error_reply`: 404, 405) and to a CORS preflight
(`options_reply`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Awaitable, Callable, Iterable, Mapping
from functools import partial
from typing import Any, final

import attrs
import cattrs
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from engine.actors import ActorCrashed, ActorStopped, AskTimeout, MailboxFull
from engine.net import JsonRejected, RateLimiter, RateLimitRule, json_dumps, json_loads

from ._errors import (
    ErrorFormat,
    HttpError,
    Problem,
    ValidationFailed,
    app_unavailable,
    as_http_error,
)
from ._metrics import HttpCounters
from ._routes import Cors, Request, Response, Route, rate_limit_headers
from ._validation import structure_body

log = logging.getLogger("engine.web")

JSON = "application/json"


@final
@attrs.frozen(slots=True)
class Reply:
    """A complete answer. ``content_type`` is None for 204 (no body)."""

    status: int
    headers: dict[str, str]
    body: bytes
    content_type: str | None = JSON


@final
@attrs.define(eq=False)
class Endpoint:
    """A declared route of one app, with its rate limiter."""

    route: Route
    app: str
    errors: ErrorFormat
    contexts: Mapping[str, Any]
    converter: cattrs.Converter
    counters: HttpCounters
    #: The app's ``Routes.guard``, run before the body is read.
    guard: Callable[[Request], Awaitable[Mapping[str, str]]] | None = None
    limiter: RateLimiter | None = attrs.field(init=False, default=None)

    def _limiter(self, context: Any) -> RateLimiter:
        """The route's limiter under the rule in force; a new one (counting from zero) only
        when the app came back with another rule."""
        assert self.route.rate_limit is not None
        rule = self.route.rate_limit.rule
        if not isinstance(rule, RateLimitRule):
            rule = rule(context)
        if self.limiter is None or self.limiter.rule != rule:
            self.limiter = RateLimiter(rule)
        return self.limiter

    async def respond(
        self,
        method: str,
        path: str,
        params: Mapping[str, str],
        query: Mapping[str, str],
        headers: Mapping[str, str],
        client_ip: str,
        read_body: Callable[[], Awaitable[bytes]],
    ) -> Reply:
        """Answer one request; never raises (a bug in the handler is a logged 500). While the
        app is being set up again after a failure, the answer is its 503.

        `read_body` returns the raw body, or raises werkzeug's ``RequestEntityTooLarge`` when
        it exceeds the server's limit.
        """
        # 128 random bits as 32 hex digits: uuid4().hex costs four times as much.
        request_id = headers.get("X-Request-ID") or os.urandom(16).hex()
        reply_headers = {"X-Request-ID": request_id}
        route = self.route
        try:
            if self.app not in self.contexts:
                raise app_unavailable(self.app)
            new_request = partial(
                Request,
                method=method,
                path=path,
                params=params,
                query=query,
                headers=headers,
                client_ip=client_ip,
                context=self.contexts[self.app],
                request_id=request_id,
            )
            for guard in (self.guard, route.guard):
                if guard is not None:
                    reply_headers.update(await guard(new_request(body=None)))
            # Made once its body is read (the guards' has none): an attrs.evolve costs more.
            request = new_request(body=await self._json(method, read_body))
            if route.rate_limit is not None:
                limiter = self._limiter(request.context)
                decision = limiter.check(route.rate_limit.key(request))
                reply_headers.update(
                    rate_limit_headers(decision.limit, decision.remaining, decision.reset_after)
                )
                if not decision.allowed:
                    self.counters.rate_limited += 1
                    retry_after = max(1, int(decision.retry_after + 0.999))
                    reply_headers["Retry-After"] = str(retry_after)
                    message = route.rate_limit.message
                    if not isinstance(message, str):
                        message = message(request.context)
                    raise HttpError(429, message, details={"retry_after": retry_after})
            if route.body is not None:
                request = attrs.evolve(request, body=self._structure(request.body, route.body))
            result = await route.handler(request)
            if isinstance(result, Response):
                reply_headers.update(result.headers)
                return json_reply(
                    self.converter.unstructure(result.body), result.status, reply_headers
                )
            return json_reply(self.converter.unstructure(result), route.status, reply_headers)
        except Exception as exc:
            # An answer JSON cannot carry (UnencodableValue) is a bug like any other: a 500.
            error = _expected(exc, f"{request_id} ({route.method} {route.path})", request_id)
            reply = error_reply(self.errors, error)
            reply.headers.update(reply_headers)
            reply.headers.update(error.headers)
            return reply

    async def _json(self, method: str, read_body: Callable[[], Awaitable[bytes]]) -> Any:
        """The decoded body (None when there is none); a GET without a declared body is not
        read."""
        if method in ("GET", "DELETE", "OPTIONS") and self.route.body is None:
            return None
        raw = await read_body()
        if not raw:
            return None
        try:
            return json_loads(raw)
        except JsonRejected as exc:
            raise ValidationFailed([Problem(("body",), exc.reason, "json_invalid")]) from None

    def _structure(self, data: Any, cls: type) -> Any:
        if self.route.parse_body is not None:
            return self.route.parse_body(data, cls)
        if data is None:
            if not self.route.body_optional:
                raise ValidationFailed([Problem(("body",), "a JSON body is required", "missing")])
            data = {}
        return structure_body(self.converter, data, cls)


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
    return HttpError(
        500,
        f"Internal server error (request id {request_id})",
        details={"request_id": request_id},
    )


def error_reply(errors: ErrorFormat, error: HttpError) -> Reply:
    """`error` in the app's format, with no headers yet; raises `UnencodableValue` only for a
    bug of the error format."""
    return json_reply(errors.body(error), errors.status(error), {})


def routing_error_reply(errors: ErrorFormat, exc: HTTPException) -> Reply:
    """Werkzeug's routing answer `exc` (404, 405, ...) in the app's format; a 405 says which
    methods the resource does support (RFC 9110)."""
    reply = error_reply(errors, HttpError(exc.code or 500, exc.description or exc.name))
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        reply.headers["Allow"] = ", ".join(sorted(exc.valid_methods))
    return reply


def options_reply(allowed: Iterable[str]) -> Reply:
    """The answer to an OPTIONS request on a route, as Quart makes it (a preflight gets its
    `cors_headers` added): 200, empty, the route's methods in ``Allow``."""
    return Reply(200, {"Allow": ", ".join(allowed)}, b"", "text/html; charset=utf-8")


def json_reply(body: Any, status: int, headers: dict[str, str]) -> Reply:
    """`body` as strict JSON (`engine.net.json_dumps`); raises `UnencodableValue` for what
    JSON cannot carry, before anything is sent."""
    if status == 204:
        return Reply(204, headers, b"", None)
    return Reply(status, headers, json_dumps(body).encode())


def cors_headers(cors: Cors | None, origin: str | None, method: str) -> dict[str, str]:
    """The CORS headers answering a request from `origin` (a preflight when ``OPTIONS``)."""
    if cors is None or not origin or not cors.allows(origin):
        return {}
    headers = {
        "Access-Control-Allow-Origin": "*"
        if "*" in cors.origins and not cors.credentials
        else origin,
        "Vary": "Origin",
        "Access-Control-Expose-Headers": ", ".join(cors.expose),
    }
    if cors.credentials:
        headers["Access-Control-Allow-Credentials"] = "true"
    if method == "OPTIONS":
        headers["Access-Control-Allow-Methods"] = ", ".join(cors.methods)
        headers["Access-Control-Allow-Headers"] = ", ".join(cors.headers)
        headers["Access-Control-Max-Age"] = str(cors.max_age)
    return headers
