"""The declared routes on the listener's direct HTTP/1.1 path (see ``engine.net._http1``).

`DirectRouteTable` matches a request to an `Endpoint` the way Quart's URL map would for the
same rules (``{name}`` matches one non-empty path segment; a literal path beats a pattern) and
answers it with the same `Endpoint.respond` and `cors_headers` as the Quart view: identical
bodies, statuses and headers whichever path carries the request. What it does not match is
handed to Hypercorn and Quart-Trio: other methods on a route's path (405), OPTIONS (CORS
preflight), unknown paths and everything the embedder added to the Quart app.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any, final
from urllib.parse import parse_qsl

import attrs
from werkzeug.exceptions import RequestEntityTooLarge, RequestTimeout

from engine.net import BodyRefused, HttpReply, HttpRequest, RouteHandler

from ._endpoint import Endpoint, cors_headers
from ._errors import ErrorFormat
from ._routes import Cors

_PARAM = re.compile(r"\{(\w+)\}")


@final
@attrs.define(eq=False)
class DirectRouteTable:
    """Every declared route, by method and path, for the direct path."""

    literal: dict[tuple[str, str], RouteHandler]
    patterns: list[tuple[str, re.Pattern[str], Endpoint, Cors | None]]

    @classmethod
    def build(
        cls,
        routes: Sequence[tuple[str, Endpoint]],
        format_for: Callable[[str], tuple[ErrorFormat, Cors | None]],
    ) -> DirectRouteTable:
        """`routes` as from ``_http.endpoints``; `format_for` gives a path's app CORS settings."""
        literal: dict[tuple[str, str], RouteHandler] = {}
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
        return cls(literal, patterns)

    def match(self, method: str, path: str) -> RouteHandler | None:
        handler = self.literal.get((method, path))
        if handler is not None:
            return handler
        for route_method, pattern, endpoint, cors in self.patterns:
            if route_method == method and (found := pattern.fullmatch(path)) is not None:
                return partial(_answer, endpoint, cors, found.groupdict())
        return None


async def _answer(
    endpoint: Endpoint, cors: Cors | None, params: Mapping[str, str], request: HttpRequest
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
        request.client[0] if request.client else "",
        read_body,
    )
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
