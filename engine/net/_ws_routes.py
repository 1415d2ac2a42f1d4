"""How the listener asks the apps who serves a WebSocket upgrade, and how they answer.

The listener knows no routes. It hands each upgrade request to a resolver, which answers with
`Accept` (run this handler), `Reject` (refuse the upgrade with this HTTP response, in the app's
error format), or None (not ours: Hypercorn serves the request, so Quart's own websocket routes
keep working). A router that knows app prefixes and `/ws/{room_id}`-style parameters is a
resolver; a plain mapping of exact paths to handlers is accepted for the simple case.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from types import MappingProxyType

import attrs

from ._websocket import WebSocket
from ._ws_handshake import WebSocketRequest
from ._ws_options import WebSocketOptions

__all__ = ["Accept", "Reject", "WebSocketHandler", "WebSocketResolver", "as_resolver"]

WebSocketHandler = Callable[[WebSocket, Mapping[str, str]], Awaitable[object]]


def _error_status(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if not 400 <= value <= 599:
        raise ValueError(f"a refused upgrade needs a 4xx or 5xx status, got {value}")


def _read_only(params: Mapping[str, str]) -> Mapping[str, str]:
    # A function, not the MappingProxyType class: mypy cannot infer the class's type
    # parameters from an attrs converter, so every dict literal passed in failed to check.
    return MappingProxyType(params)


@attrs.frozen
class Accept:
    """Complete the handshake and run `handler(ws, path_params)` for the connection's life.

    `subprotocol` must be one of the request's `subprotocols`. `options` replaces the
    listener's default WebSocketOptions for this connection.
    """

    handler: WebSocketHandler
    path_params: Mapping[str, str] = attrs.field(factory=dict, converter=_read_only)
    subprotocol: str | None = None
    options: WebSocketOptions | None = None


@attrs.frozen
class Reject:
    """Refuse the upgrade with an HTTP error response; the connection is then closed."""

    status: int = attrs.field(validator=_error_status)
    body: bytes = b""
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()


WebSocketResolver = Callable[[WebSocketRequest], Awaitable[Accept | Reject | None]]


def as_resolver(routes: WebSocketResolver | Mapping[str, WebSocketHandler]) -> WebSocketResolver:
    """`routes` itself if it is a resolver, else a resolver matching its keys as exact paths."""
    if not isinstance(routes, Mapping):
        return routes
    table = dict(routes)

    async def resolve(request: WebSocketRequest) -> Accept | None:
        handler = table.get(request.path)
        return None if handler is None else Accept(handler)

    return resolve
