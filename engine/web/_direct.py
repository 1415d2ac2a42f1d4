"""What the listener's direct HTTP/1.1 path answers itself (see ``engine.net._http1``).

`DirectRouteTable` matches a request to a declared route's `Endpoint` the way Quart's URL map
would for the same rules (``{name}`` matches one non-empty path segment; a literal path beats a
pattern) and answers it with the same `Endpoint.respond` and `cors_headers` as the Quart view.
The engine's own routes that are not pages (``/health``, ``/metrics``, the OpenAPI documents)
are answered from the same `Reply` makers as their Quart views.

A request no declared route takes is decided by the Quart app's own URL map, so that what
Quart serves stays Quart's (embedders' routes and blueprints, static files, the pages, rules
added after this table was built): a path no rule matches is the 404, a method its rules do
not allow the 405, and an OPTIONS request on a rule with Quart's automatic OPTIONS (a CORS
preflight) its 200, each answered here as Quart's error handler and ``after_request`` answer
it; anything a rule of Quart's matches, or a redirect, goes to Quart. An app whose URL map
depends on the host (``host_matching``, ``SERVER_NAME``) has everything not declared served
by Quart.

Every answer given here, declared or not, passes through `DirectRouteTable.match`'s one
wrapper: it has its access line (``engine.logs``), with the client as the trusted proxies tell
it, the address its rate limits count against.
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from functools import partial
from typing import Any, final
from urllib.parse import parse_qsl

import attrs
from quart_trio import QuartTrio
from werkzeug.exceptions import (
    HTTPException,
    MethodNotAllowed,
    NotFound,
    RequestEntityTooLarge,
    RequestTimeout,
)
from werkzeug.routing import MapAdapter

from engine.logs import log_request
from engine.net import BodyRefused, HttpReply, HttpRequest, RouteHandler, TrustedProxies

from ._endpoint import Endpoint, Reply, cors_headers, options_reply, routing_error_reply
from ._errors import ErrorFormat
from ._metrics import HttpCounters
from ._routes import Cors

_PARAM = re.compile(r"\{(\w+)\}")

FormatFor = Callable[[str], tuple[ErrorFormat, "Cors | None"]]
#: The answer to a GET that takes no input (the engine's own routes).
ReplyMaker = Callable[[], Awaitable[Reply]]
#: An answer given here, to a request from a client (as the trusted proxies tell it).
Answer = Callable[[HttpRequest, str], Awaitable[HttpReply]]


@final
@attrs.define(eq=False)
class DirectRouteTable:
    """Every declared route, by method and path, and the Quart app for everything else."""

    literal: dict[tuple[str, str], Answer]
    patterns: list[tuple[str, re.Pattern[str], Endpoint, Cors | None]]
    quart: QuartTrio
    format_for: FormatFor
    proxies: TrustedProxies
    #: Every answer of the direct path is counted here, as ``direct``.
    counters: HttpCounters
    _adapter: MapAdapter | None = attrs.field(default=None, init=False)

    @classmethod
    def build(
        cls,
        routes: Sequence[tuple[str, Endpoint]],
        format_for: FormatFor,
        quart: QuartTrio,
        counters: HttpCounters,
        fixed: Mapping[str, ReplyMaker] = {},
        proxies: TrustedProxies = TrustedProxies(),
    ) -> DirectRouteTable:
        """`routes` as from ``_http.endpoints``; `format_for` gives a path's error format and
        CORS settings; `fixed` are GET routes by path, which declared routes override; `proxies`
        say who the client is."""
        literal: dict[tuple[str, str], Answer] = {}
        patterns = []
        for path, endpoint in routes:
            cors = format_for(path)[1]
            method = endpoint.route.method
            if _PARAM.search(path) is None:
                literal.setdefault((method, path), partial(_answer, endpoint, cors, {}))
            else:
                parts = _PARAM.split(path)
                # Alternate literal text and parameter names, as re.split with a group gives.
                regex = "".join(
                    re.escape(part) if i % 2 == 0 else f"(?P<{part}>[^/]+)"
                    for i, part in enumerate(parts)
                )
                patterns.append((method, re.compile(regex), endpoint, cors))
        for path, make in fixed.items():
            literal.setdefault(("GET", path), partial(_fixed, make, format_for(path)[1]))
        return cls(literal, patterns, quart, format_for, proxies, counters)

    def match(self, method: str, path: str) -> RouteHandler | None:
        """The handler answering `method` on `path` here, or None if it is Quart's."""
        answer = self._answer_for(method, path)
        return None if answer is None else partial(self._served, answer)

    async def _served(self, answer: Answer, request: HttpRequest) -> HttpReply:
        """`answer` to `request`, from its client as the proxies tell it, and its access line."""
        started = time.perf_counter()
        peer = request.client
        client = self.proxies.client(peer[0], request.headers) if peer else ""
        reply = await answer(request, client)
        self.counters.answered("direct", reply.status)
        log_request(request.method, request.path, reply.status, started, reply.headers, client)
        return reply

    def _answer_for(self, method: str, path: str) -> Answer | None:
        route_method = "GET" if method == "HEAD" else method
        answer = self.literal.get((route_method, path))
        if answer is not None:
            return answer
        for pattern_method, pattern, endpoint, cors in self.patterns:
            if pattern_method == route_method and (found := pattern.fullmatch(path)) is not None:
                return partial(_answer, endpoint, cors, found.groupdict())
        return self._not_declared(method, path)

    def _not_declared(self, method: str, path: str) -> Answer | None:
        """The answer to a request no declared route takes, or None if it is Quart's."""
        adapter = self._url_adapter()
        if adapter is None:
            return None
        errors, cors = self.format_for(path)
        try:
            rule, _ = adapter.match(path, method=method, return_rule=True, websocket=False)
        except (NotFound, MethodNotAllowed) as exc:
            return partial(_given, routing_error_reply(errors, exc), cors)
        except HTTPException:  # a redirect (a missing trailing slash), a WebSocket-only rule
            return None
        if method == "OPTIONS" and getattr(rule, "provide_automatic_options", False):
            allowed = adapter.allowed_methods(path)
            return partial(_given, options_reply(allowed), cors)
        return None

    def _url_adapter(self) -> MapAdapter | None:
        """The Quart app's URL map, bound as Quart binds it for any request, or None if its
        rules depend on the host. Matching brings the map up to date with rules added since."""
        if self._adapter is None:
            url_map = self.quart.url_map
            if url_map.host_matching or self.quart.config["SERVER_NAME"] is not None:
                return None
            self._adapter = url_map.bind("localhost")
        return self._adapter


async def _answer(
    endpoint: Endpoint,
    cors: Cors | None,
    params: Mapping[str, str],
    request: HttpRequest,
    client: str,
) -> HttpReply:
    async def read_body() -> bytes:
        # Quart's request.get_data raises these two: the same answers, in the app's format.
        if request.body is BodyRefused.TOO_LARGE:
            raise RequestEntityTooLarge()
        if request.body is BodyRefused.TIMED_OUT:
            raise RequestTimeout()
        return request.body

    reply = await endpoint.respond(
        request.method,
        request.path,
        params,
        _query(request.query),
        request.headers,
        client,
        read_body,
    )
    return _http_reply(reply, cors, request)


async def _fixed(
    make: ReplyMaker, cors: Cors | None, request: HttpRequest, client: str
) -> HttpReply:
    return _http_reply(await make(), cors, request)


async def _given(reply: Reply, cors: Cors | None, request: HttpRequest, client: str) -> HttpReply:
    return _http_reply(reply, cors, request)


def _http_reply(reply: Reply, cors: Cors | None, request: HttpRequest) -> HttpReply:
    """`reply` with its content type and, as Quart's ``after_request`` adds them, its CORS
    headers."""
    headers = reply.headers
    if reply.content_type is not None:
        headers["content-type"] = reply.content_type
    origin = request.headers.get("Origin")
    if origin is not None:
        headers.update(cors_headers(cors, origin, request.method))
    return HttpReply(reply.status, headers, reply.body)


def _query(query: str) -> dict[str, str]:
    """The first value of each query parameter, as ``dict(request.args)`` gives under Quart."""
    values: dict[str, Any] = {}
    if query:
        for name, value in parse_qsl(query, keep_blank_values=True):
            values.setdefault(name, value)
    return values
