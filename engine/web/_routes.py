"""An app's routes, declared once: HTTP routes (served through Quart-Trio) and WebSocket routes
(served by the engine's own listener on the same port, for fan-out speed: see
docs/architecture.md)."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Hashable, Mapping
from typing import Any, TypeVar

import attrs
import cattrs

from engine.net import RateLimitRule

from ._errors import DetailErrors, ErrorFormat
from ._ws_protocol import WebSocketProtocol

F = TypeVar("F", bound=Callable[..., Any])

#: ``parse(data, cls)``: decoded JSON (None for an empty body) as a ``cls``, or an error of the
#: app (an ``AppError``, answered in the app's format) naming what is wrong.
BodyParser = Callable[[Any, type], Any]


@attrs.frozen
class Request:
    """What an HTTP handler sees of its request.

    ``body`` is the structured request body when the route declares one, else the decoded JSON
    (or None). ``context`` is what the app's ``setup`` yielded.
    """

    method: str
    path: str
    params: Mapping[str, str]
    query: Mapping[str, str]
    headers: Mapping[str, str]
    client_ip: str
    body: Any
    context: Any
    request_id: str

    def bearer_token(self) -> str | None:
        """The token of an ``Authorization: Bearer ...`` header, if there is one."""
        scheme, _, token = (self.headers.get("Authorization") or "").partition(" ")
        return token.strip() or None if scheme.lower() == "bearer" else None


#: Runs before a request's body is read (authentication, a limit across routes): raises to
#: refuse the request, or returns headers to add to whatever it is answered.
Guard = Callable[[Request], Awaitable[Mapping[str, str]]]


@attrs.frozen
class Response:
    """A reply with a status or headers other than 200 and none."""

    body: Any = None
    status: int = 200
    headers: Mapping[str, str] = attrs.field(factory=dict)


@attrs.frozen
class RateLimit:
    """Limit a route by ``key(request)`` (e.g. client IP); answers 429 with the app's error
    body and ``X-RateLimit-Limit/Remaining/Reset`` (and ``Retry-After``) headers. ``rule`` is
    a rule, or a function of the app's context giving it (a rule from the app's settings, so
    from its ``PARTY_ENGINE_<APP>_*`` variables); ``message``, the 429's text, likewise (to
    name the allowance in force).

    The limit is checked after the body is decoded and before it is validated, so a flood of
    malformed requests is limited too: ``key`` sees ``request.body`` as decoded JSON (not yet
    the route's ``body`` type) and must not trust its shape."""

    rule: RateLimitRule | Callable[[Any], RateLimitRule]
    key: Callable[[Request], Hashable] = lambda request: request.client_ip
    message: str | Callable[[Any], str] = "Too many requests, try again later"


@attrs.frozen
class Cors:
    """Cross-origin settings of one app (origins ``("*",)`` allows any)."""

    origins: tuple[str, ...] = ("*",)
    methods: tuple[str, ...] = ("GET", "POST", "PUT", "DELETE", "OPTIONS")
    headers: tuple[str, ...] = ("Content-Type", "Authorization")
    expose: tuple[str, ...] = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")
    credentials: bool = False
    max_age: int = 600

    def allows(self, origin: str) -> bool:
        return "*" in self.origins or origin in self.origins


@attrs.frozen
class Route:
    """One HTTP route. ``body`` is structured (strictly) into that attrs type before the
    handler runs; with ``body_optional`` a request without a body is structured from ``{}``
    (every field has a default). ``parse_body`` is the app's own reader of bodies (see
    `Routes.parse_body`). ``guard`` runs before the body is read, after the ``Routes``' own
    (a token checked before the body is validated, so a caller without one hears 401 rather
    than what is wrong with its body). ``bearer`` says the route wants ``Authorization:
    Bearer`` (its guard or handler checks it); the examples go into the OpenAPI document as
    they are."""

    method: str
    path: str
    handler: Callable[[Request], Awaitable[Any]]
    body: type | None = None
    response: type | None = None
    status: int = 200
    summary: str = ""
    rate_limit: RateLimit | None = None
    parse_body: BodyParser | None = None
    guard: Guard | None = None
    bearer: bool = False
    request_example: Any = None
    response_example: Any = None
    #: Other answers to document (an error's status and when it happens), in the app's error
    #: format: ``{404: "no such host"}``.
    responses: Mapping[int, str] = attrs.field(factory=dict)
    #: The OpenAPI security requirements of this route when they differ from its ``Routes``'
    #: (``()``: open).
    security: tuple[Mapping[str, tuple[str, ...]], ...] | None = None
    body_optional: bool = False


@attrs.frozen
class WebSocketRoute:
    """``connect(context, request, params)`` runs before the handshake and returns the
    listener's ``Accept`` (with the handler that serves the socket) or ``Reject``."""

    path: str
    connect: Callable[..., Awaitable[Any]]
    summary: str = ""
    #: Its messages, for the app's AsyncAPI document (``/<app>/asyncapi.json``).
    protocol: WebSocketProtocol | None = None


@attrs.define
class Routes:
    """Collects an app's routes with decorators: ``@routes.post("/api/x", body=X)``.

    ``guard`` and ``converter`` apply to every route (see the fields). ``include`` serves
    another collection's routes under a prefix, so a set declared once can be mounted twice
    (``/api`` and ``/api/v1``). For the OpenAPI document: ``security_schemes`` are the app's
    security schemes and ``security`` the requirements of every route that does not give its
    own. ``forbid_extra_keys``: a body field the route's type does not have is refused
    (422/400, named) rather than ignored (with the engine's converter; a ``converter`` given
    decides that itself).

    ``parse_body`` replaces the converter for an app whose specification words its
    validation errors its own way (labels, order, one body for a non-object): the routes
    still declare ``body=``, so the OpenAPI document and the handler see the type, and the
    parser's errors are answered in the app's format like any other.
    """

    errors: ErrorFormat = attrs.field(factory=DetailErrors)
    http: list[Route] = attrs.field(factory=list)
    websockets: list[WebSocketRoute] = attrs.field(factory=list)
    #: Runs before a request's body is read, for every route (see `Guard`).
    guard: Guard | None = None
    #: The converter request bodies are structured with (the engine's strict one if None).
    converter: cattrs.Converter | None = None
    forbid_extra_keys: bool = False
    #: Reads the bodies of the routes declared on this collection (see above).
    parse_body: BodyParser | None = None
    security_schemes: Mapping[str, Mapping[str, Any]] = attrs.field(factory=dict)
    security: tuple[Mapping[str, tuple[str, ...]], ...] = ()

    def include(self, other: Routes, prefix: str = "") -> None:
        """Serve ``other``'s routes (as they are now) under ``prefix`` as well (``"/api/v1"``;
        their paths start with ``/``)."""
        if prefix and (not prefix.startswith("/") or prefix.endswith("/")):
            raise ValueError(f"a prefix starts with / and does not end with one: {prefix!r}")
        self.http.extend(attrs.evolve(route, path=prefix + route.path) for route in other.http)
        self.websockets.extend(
            attrs.evolve(route, path=prefix + route.path) for route in other.websockets
        )

    def route(self, method: str, path: str, **options: Any) -> Callable[[F], F]:
        def register(handler: F) -> F:
            summary = options.pop("summary", None) or (handler.__doc__ or "").strip().split("\n")[0]
            options.setdefault("parse_body", self.parse_body)
            self.http.append(Route(method, path, handler, summary=summary, **options))
            return handler

        return register

    def get(self, path: str, **options: Any) -> Callable[[F], F]:
        return self.route("GET", path, **options)

    def post(self, path: str, **options: Any) -> Callable[[F], F]:
        return self.route("POST", path, **options)

    def put(self, path: str, **options: Any) -> Callable[[F], F]:
        return self.route("PUT", path, **options)

    def delete(self, path: str, **options: Any) -> Callable[[F], F]:
        return self.route("DELETE", path, **options)

    def patch(self, path: str, **options: Any) -> Callable[[F], F]:
        return self.route("PATCH", path, **options)

    def websocket(
        self, path: str, *, protocol: WebSocketProtocol | None = None
    ) -> Callable[[F], F]:
        """A WebSocket route; ``protocol`` declares its messages for the AsyncAPI document."""

        def register(connect: F) -> F:
            summary = (connect.__doc__ or "").strip().split("\n")[0]
            self.websockets.append(WebSocketRoute(path, connect, summary, protocol))
            return connect

        return register


def rate_limit_headers(limit: int, remaining: int, reset_after: float) -> dict[str, str]:
    """The ``X-RateLimit-*`` headers; Reset is the epoch second the window reopens."""
    return {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(max(0, remaining)),
        "X-RateLimit-Reset": str(int(time.time() + reset_after + 0.999)),
    }
