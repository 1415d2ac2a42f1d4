"""An OpenAPI 3.1 document generated from the routes and their attrs request/response types."""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Sequence
from typing import Any

import attrs

from ._app import AppSpec

_PRIMITIVES = {str: "string", int: "integer", float: "number", bool: "boolean"}


def schema_of(tp: Any, components: dict[str, Any]) -> dict[str, Any]:
    """A JSON schema for a type built from attrs classes, primitives and containers."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp in _PRIMITIVES:
        return {"type": _PRIMITIVES[tp]}
    if tp is type(None):
        return {"type": "null"}
    if origin in (typing.Union, types.UnionType):
        return {"anyOf": [schema_of(arg, components) for arg in args]}
    if origin in (list, tuple, set, frozenset, Sequence) or tp in (list, tuple):
        item = args[0] if args else Any
        return {"type": "array", "items": schema_of(item, components)}
    if origin is dict or tp is dict:
        return {"type": "object"}
    if isinstance(tp, type) and attrs.has(tp):
        name = tp.__name__
        if name not in components:
            components[name] = {}  # placeholder against recursion
            hints = typing.get_type_hints(tp)
            fields = attrs.fields(tp)
            components[name] = {
                "type": "object",
                "properties": {f.name: schema_of(hints.get(f.name, Any), components) for f in fields},
                "required": [f.name for f in fields if f.default is attrs.NOTHING],
            }
        return {"$ref": f"#/components/schemas/{name}"}
    if isinstance(tp, type) and issubclass(tp, str):
        return {"type": "string"}
    return {}


def _add_path_parameters(operation: dict[str, Any], path: str) -> None:
    """Declare each ``{name}`` of ``path``: OpenAPI requires every path template's parameters."""
    params = re.findall(r"\{(\w+)\}", path)
    if params:
        operation["parameters"] = [
            {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
            for p in params
        ]


def openapi_document(apps: Sequence[AppSpec], *, prefixed: bool) -> dict[str, Any]:
    components: dict[str, Any] = {}
    paths: dict[str, Any] = {}
    for app in apps:
        prefix = f"/{app.name}" if prefixed else ""
        for route in app.routes.http:
            operation: dict[str, Any] = {
                "summary": route.summary,
                "tags": [app.name],
                "responses": {str(route.status): {"description": "OK"}},
            }
            _add_path_parameters(operation, route.path)
            if route.body is not None:
                operation["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": schema_of(route.body, components)}},
                }
            if route.response is not None:
                operation["responses"][str(route.status)]["content"] = {
                    "application/json": {"schema": schema_of(route.response, components)}
                }
            paths.setdefault(prefix + route.path, {})[route.method.lower()] = operation
        for ws in app.routes.websockets:
            upgrade: dict[str, Any] = {
                "summary": ws.summary or "WebSocket",
                "tags": [app.name],
                "description": "WebSocket upgrade (RFC 6455).",
                "responses": {"101": {"description": "Switching Protocols"}},
            }
            _add_path_parameters(upgrade, ws.path)
            paths.setdefault(prefix + ws.path, {})["get"] = upgrade
    title = apps[0].title or apps[0].name if len(apps) == 1 else "party-engine"
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": apps[0].version if len(apps) == 1 else "1.0.0"},
        "paths": paths,
        "components": {"schemas": components},
    }
