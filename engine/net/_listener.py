"""One TCP port for HTTP and WebSockets: our WebSocket routes, and everything else by Hypercorn.

Each accepted connection's request head is read first (bounded in size and time). A GET that
asks to upgrade to websocket goes to the resolver (see `_ws_routes`); if it accepts, the
handshake is completed here and the connection becomes a `WebSocket` with encode-once sends,
outside Quart. Anything else, including upgrades the resolver declines, is handed to
Hypercorn's Trio `TCPServer` together with the bytes already read, so every HTTP route and
Quart's own websocket routes behave as under `hypercorn.trio.serve`, except that no HTTP
connection hangs (see `_http_exchange` and `_ReplayStream`). Only a
connection's first request is examined: later requests on a keep-alive connection are
Hypercorn's, as browsers open a fresh connection for each WebSocket. With `direct` routes,
HTTP connections go to `engine.net._http1` first, which serves the requests those routes match
and hands the connection to Hypercorn from the first request they do not.

Hypercorn internals used, as of Hypercorn 0.17 (`hypercorn.trio.tcp_server.TCPServer`,
`hypercorn.trio.lifespan.Lifespan`, `hypercorn.trio.worker_context.WorkerContext`,
`hypercorn.utils.wrap_app`): `TCPServer(app, config, context, state, stream).run()` serves one
connection and treats a stream without `do_handshake` as plain TCP, reading it only through
`receive_some`, writing through `send_all` and closing through `send_eof` and `aclose`, and
its peer address through `stream.socket`; the shutdown sequence mirrors
`hypercorn.trio.run.worker_serve`.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Awaitable, Callable, Mapping
from functools import partial
from typing import final

import attrs
import h11
import trio
from hypercorn.config import Config
from hypercorn.trio.lifespan import Lifespan
from hypercorn.trio.tcp_server import TCPServer
from hypercorn.trio.worker_context import WorkerContext
from hypercorn.typing import AppWrapper, ConnectionState, LifespanState
from hypercorn.utils import wrap_app

from engine.logs import log_websocket_closed, log_websocket_refused

from ._forwarded import TrustedProxies
from ._frames import CloseReason
from ._http1 import DirectHttp, DirectRoutes
from ._http_exchange import exchange_app
from ._websocket import WebSocket, open_server_websocket
from ._ws_errors import ConnectionClosed
from ._ws_handshake import (
    HandshakeRefused,
    WebSocketRequest,
    accept_response,
    http_response,
    upgrade_request,
)
from ._ws_options import WebSocketOptions
from ._ws_routes import Accept, Reject, WebSocketHandler, WebSocketResolver, as_resolver

__all__ = ["serve_tcp"]

_logger = logging.getLogger(__name__)
_RECEIVE_SIZE = 65536
_HEAD_END = b"\r\n\r\n"


async def serve_tcp(
    http_app: object,
    ws_routes: WebSocketResolver | Mapping[str, WebSocketHandler],
    host: str,
    port: int,
    *,
    hypercorn_config: Config | None = None,
    websocket_options: WebSocketOptions = WebSocketOptions(),
    head_timeout: float = 10.0,
    send_timeout: float = 30.0,
    drain_timeout: float = 5.0,
    direct: DirectRoutes | None = None,
    max_body: int = 1 << 20,
    body_timeout: float = 30.0,
    shutdown_trigger: Callable[[], Awaitable[object]] | None = None,
    shutdown_reason: str = "server shutting down",
    trusted_proxies: TrustedProxies = TrustedProxies(),
    task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve `http_app` (an ASGI app, e.g. Quart-Trio) and `ws_routes` on `host:port`.

    Reports the bound port through `task_status` once listening and after the app's lifespan
    startup, so `port=0` works with `nursery.start`. With a host that resolves to several
    addresses and `port=0`, each address gets its own port and the first is reported.

    `hypercorn_config` supplies Hypercorn's settings (graceful_timeout, keep_alive_timeout,
    h11_max_incomplete_size, which also bounds our request head, backlog, ...); its `bind` is
    ignored. `head_timeout` bounds the wait for a GET's request head; other requests go to
    Hypercorn as soon as their method shows. `websocket_options` apply to every WebSocket whose
    `Accept` does not carry its own.

    No HTTP connection waits on its client for ever: the rest of a request head must come
    within Hypercorn's `keep_alive_timeout` (which also closes idle keep-alive connections);
    a body, within the app's own body timeout (Quart's `BODY_TIMEOUT`) while the app reads it,
    and within `drain_timeout` after the app answered without reading it (then the connection
    closes instead of staying alive, see `_http_exchange`); each write of the response must
    be taken by the client within `send_timeout`, or the connection is dropped.

    `direct` routes are served on the listener's own HTTP/1.1 path (see `engine.net._http1`)
    with the same bounds: bodies up to `max_body` bytes, complete within `body_timeout` (give
    both the values the app gives Quart).

    Graceful shutdown starts when `shutdown_trigger` returns (wait on SIGINT/SIGTERM there):
    accepting stops; connections still sending their request head are dropped; every open
    WebSocket is closed with 1001 and `shutdown_reason`; Hypercorn closes idle keep-alive
    connections and lets in-flight requests finish; after `graceful_timeout` what is left is
    cancelled; then the app's lifespan shutdown runs and this returns. Without a trigger it
    serves until cancelled, and cancellation stops everything at once.

    A WebSocket upgrade's `remote_addr` is the client's as `trusted_proxies` tell it. Each
    refused upgrade is logged (a WARNING), and each WebSocket when it closes (``engine.logs``).

    A WebSocket handler may let `ConnectionClosed` escape; one that raises anything else is
    logged and its connection closed with 1011; the server carries on. Errors from Hypercorn
    and from the app's lifespan propagate, as under Hypercorn.
    """
    config = hypercorn_config or Config()
    exchange = exchange_app(http_app, drain_timeout=drain_timeout)
    app = wrap_app(exchange, config.wsgi_max_body_size, None)
    lifespan_state: LifespanState = {}
    lifespan = Lifespan(app, config, lifespan_state)
    server = _Server(
        app=app,
        config=config,
        context=WorkerContext(config.max_requests),
        lifespan_state=lifespan_state,
        resolver=as_resolver(ws_routes),
        options=websocket_options,
        head_timeout=head_timeout,
        send_timeout=send_timeout,
        proxies=trusted_proxies,
        direct=None
        if direct is None
        else DirectHttp(
            direct,
            max_body=max_body,
            max_head=config.h11_max_incomplete_size,
            keep_alive_timeout=config.keep_alive_timeout,
            body_timeout=body_timeout,
            send_timeout=send_timeout,
        ),
    )
    # Bound before the lifespan starts: a port that cannot be had raises its OSError alone,
    # with no app started (and no lifespan torn down mid-startup, which Hypercorn logs as an
    # error of the app's).
    listeners = await trio.open_tcp_listeners(port, host=host, backlog=config.backlog)
    bound_port = listeners[0].socket.getsockname()[1]
    try:
        async with trio.open_nursery() as lifespan_nursery:
            await lifespan_nursery.start(lifespan.handle_lifespan)
            await lifespan.wait_for_startup()
            async with trio.open_nursery() as timers:
                if server.direct is not None:
                    timers.start_soon(server.direct.enforce_head_deadlines)
                async with trio.open_nursery() as connections:
                    async with trio.open_nursery() as accepting:
                        accepting.start_soon(
                            partial(
                                trio.serve_listeners,
                                server.handle,
                                listeners,
                                handler_nursery=connections,
                            )
                        )
                        task_status.started(bound_port)
                        await (shutdown_trigger or trio.sleep_forever)()
                        # serve_listeners closes the listening sockets as it is cancelled.
                        accepting.cancel_scope.cancel()
                    await server.begin_shutdown(connections, shutdown_reason)
                    connections.cancel_scope.deadline = (
                        trio.current_time() + config.graceful_timeout
                    )
                timers.cancel_scope.cancel()
            await lifespan.wait_for_shutdown()
            lifespan_nursery.cancel_scope.cancel()
    finally:
        # Already closed unless the lifespan's startup failed.
        for listener in listeners:
            await trio.aclose_forcefully(listener)


@final
@attrs.define(eq=False)
class _Server:
    """State shared by the connections of one `serve_tcp` call."""

    app: AppWrapper
    config: Config
    context: WorkerContext
    lifespan_state: LifespanState
    resolver: WebSocketResolver
    options: WebSocketOptions
    head_timeout: float
    send_timeout: float
    proxies: TrustedProxies
    direct: DirectHttp | None
    websockets: set[WebSocket] = attrs.Factory(set)
    # Cancel scopes of connections still sending their head, cancelled at shutdown.
    reading_heads: set[trio.CancelScope] = attrs.Factory(set)
    # Set when graceful shutdown starts.
    shutdown_reason: str | None = None

    async def handle(self, stream: trio.SocketStream) -> None:
        """Serve one accepted connection; `serve_listeners` closes `stream` afterwards."""
        head = await self._read_head(stream)
        if head is None:
            return
        if not head.startswith(b"GET "):
            await self._serve_http(stream, head)
            return
        parser = h11.Connection(
            h11.SERVER, max_incomplete_event_size=self.config.h11_max_incomplete_size
        )
        parser.receive_data(head)
        try:
            event = parser.next_event()
        except h11.RemoteProtocolError:
            event = None
        request = None
        if isinstance(event, h11.Request):
            request = upgrade_request(event, _peer_address(stream.socket))
            request = None if request is None else self.proxies.upgrade(request)
        verdict = None if request is None else await self._resolve(request)
        if verdict is None:
            await self._serve_http(stream, head)
        elif isinstance(verdict, Accept):
            assert request is not None
            received = parser.trailing_data[0]
            # A WebSocket may stay open for hours: keep none of the HTTP parsing alive meanwhile.
            del head, parser, event
            await self._serve_websocket(stream, request, verdict, received)
        else:
            await _send_quietly(stream, verdict)

    async def _read_head(self, stream: trio.SocketStream) -> bytes | None:
        """Bytes up to the end of a GET's head, or the first bytes of any other request.

        None if the client left, or was too slow, or the server is shutting down, before that.
        Stops early at the head size limit: Hypercorn then answers the oversized head.
        """
        buffer = bytearray()
        with trio.CancelScope(deadline=trio.current_time() + self.head_timeout) as scope:
            self.reading_heads.add(scope)
            try:
                while True:
                    chunk = await stream.receive_some(_RECEIVE_SIZE)
                    if not chunk:
                        return None
                    buffer += chunk
                    if (
                        not b"GET ".startswith(bytes(buffer[:4]))
                        or _HEAD_END in buffer
                        or len(buffer) > self.config.h11_max_incomplete_size
                    ):
                        return bytes(buffer)
            except (trio.BrokenResourceError, trio.ClosedResourceError):
                return None
            finally:
                self.reading_heads.discard(scope)
        return None

    async def _resolve(self, request: WebSocketRequest) -> Accept | bytes | None:
        """The route's Accept, the response refusing the upgrade, or None to let Hypercorn serve it.

        A resolver that raises is a bug: it is logged and the upgrade refused with 500.
        """
        try:
            verdict = await self.resolver(request)
            if isinstance(verdict, Reject):
                log_websocket_refused(request.path, verdict.status, _host(request))
                return http_response(
                    verdict.status,
                    verdict.body,
                    content_type=verdict.content_type,
                    headers=verdict.headers,
                )
        except Exception:
            _logger.exception("resolving the WebSocket route for %r failed", request.path)
            return http_response(500, b"")
        return verdict

    async def _serve_http(self, stream: trio.SocketStream, head: bytes) -> None:
        if self.direct is None:
            await self._serve_hypercorn(stream, head)
        else:
            await self.direct.serve(stream, head, self._serve_hypercorn)

    async def _serve_hypercorn(self, stream: trio.SocketStream, head: bytes) -> None:
        replay = _ReplayStream(stream, head, self.send_timeout)
        state = ConnectionState(self.lifespan_state.copy())
        await TCPServer(self.app, self.config, self.context, state, replay).run()

    async def _serve_websocket(
        self, stream: trio.SocketStream, request: WebSocketRequest, accept: Accept, received: bytes
    ) -> None:
        try:
            response = accept_response(request, accept.subprotocol)
        except HandshakeRefused as exc:
            log_websocket_refused(request.path, 400, _host(request))
            await _send_quietly(stream, exc.response)
            return
        except ValueError:
            _logger.exception("the WebSocket route for %r accepted badly", request.path)
            await _send_quietly(stream, http_response(500, b""))
            return
        if not await _send_quietly(stream, response):
            return
        # From here the connection is the WebSocket's: it owns the socket and closes it.
        sock = socket.socket(fileno=stream.socket.detach())
        started = time.perf_counter()
        ws: WebSocket | None = None
        try:
            async with open_server_websocket(
                sock,
                request,
                subprotocol=accept.subprotocol,
                options=accept.options or self.options,
                received=received,
            ) as ws:
                self.websockets.add(ws)
                try:
                    if self.shutdown_reason is not None:
                        await ws.close(CloseReason.GOING_AWAY, self.shutdown_reason)
                    else:
                        await accept.handler(ws, accept.path_params)
                except ConnectionClosed:
                    # The usual way for a handler to end: its receive() reported the close.
                    pass
                except Exception:
                    _logger.exception("WebSocket handler for %r failed", request.path)
                    await ws.close(CloseReason.INTERNAL_ERROR, "internal error")
                finally:
                    self.websockets.discard(ws)
        finally:
            if ws is not None:
                _log_closed(ws, started)

    async def begin_shutdown(self, nursery: trio.Nursery, reason: str) -> None:
        """Start closing every connection; `nursery` runs the WebSocket closes."""
        self.shutdown_reason = reason
        for scope in self.reading_heads:
            scope.cancel()
        for ws in self.websockets:
            nursery.start_soon(ws.close, CloseReason.GOING_AWAY, reason)
        if self.direct is not None:
            self.direct.begin_shutdown()
        # Hypercorn closes idle keep-alive connections when this is set.
        await self.context.terminated.set()


async def _send_quietly(stream: trio.SocketStream, data: bytes) -> bool:
    """Send `data`; False if the client is already gone."""
    try:
        await stream.send_all(data)
    except (trio.BrokenResourceError, trio.ClosedResourceError):
        return False
    return True


def _host(request: WebSocketRequest) -> str:
    return "" if request.remote_addr is None else request.remote_addr[0]


def _log_closed(ws: WebSocket, started: float) -> None:
    closed = ws.closed
    counts = ws.statistics()
    log_websocket_closed(
        ws.request.path,
        None if closed is None else closed.code,
        "" if closed is None else closed.reason,
        started,
        counts.messages_received,
        counts.frames_sent,
        _host(ws.request),
    )


def _peer_address(sock: trio.socket.SocketType) -> tuple[str, int] | None:
    try:
        address = sock.getpeername()
    except OSError:
        return None
    return (address[0], address[1]) if isinstance(address, tuple) else None


@final
class _ReplayStream(trio.abc.HalfCloseableStream):
    """A SocketStream whose first bytes, already read, are delivered again.

    It has no `do_handshake`, which is how Hypercorn's TCPServer tells plain TCP from TLS.
    A send the client does not take within `send_timeout` closes the stream (which also ends
    Hypercorn's pending read) and raises BrokenResourceError, as a vanished client would:
    Hypercorn shields its sends, so nothing else would ever end it. Closing is shielded too:
    Hypercorn may close from a task that is being cancelled, and a close cut short leaves the
    socket open.
    """

    def __init__(self, stream: trio.SocketStream, head: bytes, send_timeout: float) -> None:
        self._stream = stream
        self._head = head
        self._send_timeout = send_timeout
        self.socket = stream.socket

    async def receive_some(self, max_bytes: int | None = None) -> bytes:
        if not self._head:
            return await self._stream.receive_some(max_bytes)
        await trio.lowlevel.checkpoint()
        size = len(self._head) if max_bytes is None else max_bytes
        data, self._head = self._head[:size], self._head[size:]
        return data

    async def send_all(self, data: bytes | bytearray | memoryview) -> None:
        with trio.move_on_after(self._send_timeout):
            await self._stream.send_all(data)
            return
        await self.aclose()
        raise trio.BrokenResourceError("the client stopped reading")

    async def wait_send_all_might_not_block(self) -> None:
        await self._stream.wait_send_all_might_not_block()

    async def send_eof(self) -> None:
        with trio.CancelScope(shield=True):
            await self._stream.send_eof()

    async def aclose(self) -> None:
        with trio.CancelScope(shield=True):
            await self._stream.aclose()
