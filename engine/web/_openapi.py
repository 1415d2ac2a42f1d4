"""OpenAPI 3.1 documents generated from the routes, their attrs types and the apps' error formats.

A document is complete enough to generate a client from: every operation has its request body
(``Route.body``), its success response, and every error response it can give, each with the
app's error schema and an example made by the app's own error format; rate-limited routes
declare the ``X-RateLimit-*`` headers and their 429 ``Retry-After``; routes that want a bearer
token declare the ``bearerAuth`` scheme. WebSocket routes appear as GET operations answering
101 (the upgrade) or 426 (a plain GET). The engine's own routes (``EngineRoute``) are added as
given. ``info.version`` is the package's version, the same in every document.
"""

from __future__ import annotations

import importlib.metadata
import re
import types
import typing
from collections.abc import Callable, Sequence
from http import HTTPStatus
from typing import Any

import attrs

from ._app import AppSpec
from ._errors import HttpError, Problem, ValidationFailed
from ._routes import Route

_PRIMITIVES = {str: "string", int: "integer", float: "number", bool: "boolean"}
_ERROR_REASONS = {
    401: "Missing, invalid or expired credentials",
    403: "Not allowed",
    404: "Not found",
    413: "The request body is over 1 MiB",
    429: "Over the route's rate limit",
    503: "The app is restarting after a failure: try again shortly",
}
_HEADERS = {
    "X-RateLimit-Limit": "Requests allowed in the window",
    "X-RateLimit-Remaining": "Requests left in the window",
    "X-RateLimit-Reset": "Epoch second at which the window reopens",
    "Retry-After": "Seconds before a retry can pass",
}
_RATE_LIMIT_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


def package_version() -> str:
    """The installed party-engine's version: the version of every document."""
    try:
        return importlib.metadata.version("party-engine")
    except importlib.metadata.PackageNotFoundError:  # run from a source tree never installed
        return "0+unknown"


@attrs.frozen
class EngineRoute:
    """One of the engine's own GET routes, as documented in the root document."""

    path: str
    summary: str
    media_type: str = "application/json"
    schema: dict[str, Any] = attrs.field(factory=lambda: {"type": "object"})


def schema_of(
    tp: Any,
    components: dict[str, Any],
    json_name: Callable[[attrs.Attribute[Any]], str] = lambda field: field.name,
) -> dict[str, Any]:
    """A JSON schema for a type built from attrs classes, primitives and containers;
    ``json_name`` gives an attrs field's name on the wire (its own name by default)."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp in _PRIMITIVES:
        return {"type": _PRIMITIVES[tp]}
    if tp is type(None):
        return {"type": "null"}
    if origin in (typing.Union, types.UnionType):
        return {"anyOf": [schema_of(arg, components, json_name) for arg in args]}
    if origin in (list, tuple, set, frozenset, Sequence) or tp in (list, tuple):
        item = args[0] if args else Any
        return {"type": "array", "items": schema_of(item, components, json_name)}
    if origin is dict or tp is dict:
        return {"type": "object"}
    if isinstance(tp, type) and attrs.has(tp):
        name = tp.__name__
        if name not in components:
            components[name] = {}  # placeholder against recursion
            hints = typing.get_type_hints(tp)
            fields = attrs.fields(tp)
            schema: dict[str, Any] = {
                "type": "object",
                "properties": {
                    json_name(f): schema_of(hints.get(f.name, Any), components, json_name)
                    for f in fields
                },
                "required": [json_name(f) for f in fields if f.default is attrs.NOTHING],
            }
            description = (tp.__doc__ or "").strip()
            if description and not description.startswith(f"{name}("):  # attrs' generated doc
                schema["description"] = description
            components[name] = schema
        return {"$ref": f"#/components/schemas/{name}"}
    if isinstance(tp, type) and issubclass(tp, str):
        return {"type": "string"}
    return {}


def openapi_document(
    apps: Sequence[AppSpec], *, prefixed: bool, engine_routes: Sequence[EngineRoute] = ()
) -> dict[str, Any]:
    """The document of ``apps`` (under ``/<name>`` when ``prefixed``) and ``engine_routes``."""
    builder = _Builder()
    for app in apps:
        builder.add_app(app, f"/{app.name}" if prefixed else "")
    for route in engine_routes:
        builder.add_engine_route(route)
    if len(apps) == 1:
        info = {"title": apps[0].title or apps[0].name}
        if apps[0].version:
            info["x-protocol-version"] = apps[0].version
    else:
        info = {"title": "party-engine"}
    info["version"] = package_version()
    components: dict[str, Any] = {"schemas": builder.schemas}
    if builder.headers:
        components["headers"] = builder.headers
    schemes = dict(builder.schemes)
    if builder.bearer:
        schemes["bearerAuth"] = {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    if schemes:
        components["securitySchemes"] = schemes
    return {
        "openapi": "3.1.0",
        "info": info,
        "tags": builder.tags,
        "paths": builder.paths,
        "components": components,
    }


@attrs.define
class _Builder:
    schemas: dict[str, Any] = attrs.field(factory=dict)
    headers: dict[str, Any] = attrs.field(factory=dict)
    paths: dict[str, Any] = attrs.field(factory=dict)
    tags: list[dict[str, str]] = attrs.field(factory=list)
    bearer: bool = False
    #: Security schemes declared by the apps (``Routes.security_schemes``).
    schemes: dict[str, Any] = attrs.field(factory=dict)

    def add_app(self, app: AppSpec, prefix: str) -> None:
        self.tags.append({"name": app.name, "description": app.title or app.name})
        error = self._error_schema(app)
        for route in app.routes.http:
            operation = self._operation(app, route, error)
            self.paths.setdefault(prefix + route.path, {})[route.method.lower()] = operation
        for ws in app.routes.websockets:
            self.paths.setdefault(prefix + ws.path, {})["get"] = {
                "operationId": _operation_id(app.name, "GET", ws.path),
                "summary": ws.summary or "WebSocket",
                "tags": [app.name],
                "description": "A WebSocket (RFC 6455): the messages are described in the app's "
                "protocol page. A refused upgrade answers an HTTP error in the app's format.",
                "parameters": _path_parameters(ws.path),
                "responses": {
                    "101": {"description": "Switching Protocols: the WebSocket is open"},
                    "426": {
                        "description": "Upgrade Required: a plain GET on a WebSocket route",
                        "headers": {
                            "Upgrade": {"schema": {"type": "string", "const": "websocket"}}
                        },
                        "content": _json(error, app.routes.errors.body(_upgrade_required())),
                    },
                    "default": {"description": "The upgrade was refused", "content": _json(error)},
                },
            }

    def add_engine_route(self, route: EngineRoute) -> None:
        content = {route.media_type: {"schema": route.schema}}
        self.paths.setdefault(route.path, {})["get"] = {
            "operationId": _operation_id("engine", "GET", route.path),
            "summary": route.summary,
            "tags": ["engine"],
            "responses": {"200": {"description": "OK", "content": content}},
        }
        if not any(tag["name"] == "engine" for tag in self.tags):
            self.tags.append({"name": "engine", "description": "What every server serves"})

    def _error_schema(self, app: AppSpec) -> dict[str, Any]:
        name = f"{_camel(app.name)}Error"
        self.schemas[name] = app.routes.errors.schema()
        return {"$ref": f"#/components/schemas/{name}"}

    def _operation(self, app: AppSpec, route: Route, error: dict[str, Any]) -> dict[str, Any]:
        errors = app.routes.errors
        success: dict[str, Any] = {"description": HTTPStatus(route.status).phrase}
        if route.status != 204:
            schema = schema_of(route.response, self.schemas) if route.response else {}
            success["content"] = _json(schema, route.response_example)
        responses: dict[str, Any] = {str(route.status): success}
        body_type = route.body
        reads_body = body_type is not None or route.method in ("POST", "PUT", "PATCH")
        if reads_body:
            invalid = ValidationFailed([Problem(("body", "field"), "what is wrong with it")])
            responses[str(errors.status(invalid))] = {
                "description": "The body is not valid JSON, or not of the declared shape",
                "content": _json(error, errors.body(invalid)),
            }
        statuses = [503]
        if reads_body:
            statuses.append(413)
        if route.bearer:
            statuses += [401, 403]
        if "{" in route.path:
            statuses.append(404)
        if route.rate_limit is not None:
            statuses.append(429)
        reasons = {status: _ERROR_REASONS[status] for status in statuses}
        # The route's own documented answers (its app's refusals) say more than the defaults.
        reasons.update(route.responses)
        for status, reason in sorted(reasons.items()):
            example = errors.body(HttpError(status, reason))
            responses[str(status)] = {"description": reason, "content": _json(error, example)}
        responses["default"] = {"description": "Any other error", "content": _json(error)}
        if route.rate_limit is not None:
            limited = self._rate_limit_headers()
            success["headers"] = limited
            responses["429"]["headers"] = {**limited, "Retry-After": self._header("Retry-After")}
        operation: dict[str, Any] = {
            "operationId": _operation_id(app.name, route.method, route.path),
            "summary": route.summary,
            "tags": [app.name],
            "responses": responses,
        }
        description = _description(route)
        if description:
            operation["description"] = description
        if "{" in route.path:
            operation["parameters"] = _path_parameters(route.path)
        if body_type is not None:
            operation["requestBody"] = {
                "required": not route.body_optional,
                "content": _json(schema_of(body_type, self.schemas), route.request_example),
            }
        if route.bearer:
            self.bearer = True
            operation["security"] = [{"bearerAuth": []}]
        if app.routes.security_schemes:
            self.schemes.update(app.routes.security_schemes)
            security = app.routes.security if route.security is None else route.security
            operation["security"] = [
                {name: list(scopes) for name, scopes in requirement.items()}
                for requirement in security
            ]
        return operation

    def _rate_limit_headers(self) -> dict[str, Any]:
        return {name: self._header(name) for name in _RATE_LIMIT_HEADERS}

    def _header(self, name: str) -> dict[str, str]:
        self.headers[name] = {"description": _HEADERS[name], "schema": {"type": "integer"}}
        return {"$ref": f"#/components/headers/{name}"}


def _json(schema: dict[str, Any], example: Any = None) -> dict[str, Any]:
    media: dict[str, Any] = {"schema": schema}
    if example is not None:
        media["example"] = example
    return {"application/json": media}


def _path_parameters(path: str) -> list[dict[str, Any]]:
    return [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"\{(\w+)\}", path)
    ]


def _operation_id(app: str, method: str, path: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", path) or ["root"]
    return f"{app}_{method.lower()}_{'_'.join(words)}"


def _camel(name: str) -> str:
    return "".join(word.capitalize() for word in re.split(r"[^A-Za-z0-9]+", name) if word)


def _description(route: Route) -> str:
    """The handler's docstring after its first line (the summary)."""
    doc = (route.handler.__doc__ or "").strip()
    _, _, rest = doc.partition("\n")
    return " ".join(rest.split())


def _upgrade_required() -> HttpError:
    return HttpError(426, "This is a WebSocket route: connect with a WebSocket client")
