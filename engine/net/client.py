"""A small Trio client for the engine's HTTP and WebSocket APIs: tests, the load harness and
embedding programs talk to a server with it as a user's client would.

::

    async with open_client("http://127.0.0.1:8000/watchparty") as client:
        body = {"name": "Films", "password": "popcorn"}
        created = (await client.post("/api/sessions/create", json=body)).json()
        params = {"token": created["token"]}
        async with client.websocket(f"/ws/{created['id']}", params=params) as ws:
            await ws.write_json({"type": "chat", "payload": {"message": "hi"}})
            chat = await ws.receive_until("chat", timeout=5)
            assert chat["payload"]["message"] == "hi"

HTTP is ``httpx.AsyncClient`` (which runs on Trio through anyio) and answers with its
``httpx.Response``; WebSockets are trio-websocket connections carrying JSON. A WebSocket path is
resolved against the same base URL, with the client's default headers and cookies, so a prefix or
an ``Authorization`` header set once applies to both.

Errors::

    ClientError
    ├── WebSocketHandshakeFailed  the connection could not be opened (unreachable, timed out)
    │   └── WebSocketRejected     the server answered the upgrade with an HTTP status
    ├── WebSocketClosed           the connection is closed; ``code`` and ``reason`` say why
    ├── ReceiveTimeout            no (matching) message arrived within the timeout
    └── InvalidMessage            a message was not JSON

HTTP failures stay httpx's own (``httpx.HTTPError``): the HTTP half is deliberately thin.
"""

from __future__ import annotations

import json
import math
import ssl
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from typing import Any, NoReturn, TypedDict, Unpack, final

import attrs
import httpx
import trio
import trio_websocket
from wsproto.utilities import LocalProtocolError

#: Seconds a receive waits by default; the engine's own ask timeout is the same.
DEFAULT_RECEIVE_TIMEOUT = 5.0

# Headers of an HTTP request that mean nothing on (or would corrupt) a WebSocket upgrade:
# the upgrade writes its own Host, Connection and Sec-WebSocket-* fields.
_NOT_FOR_UPGRADE = frozenset(
    {"host", "connection", "upgrade", "accept", "accept-encoding", "content-length"}
)


class ClientError(Exception):
    """Base of every error this module raises on purpose."""


class WebSocketHandshakeFailed(ClientError):
    """The WebSocket could not be opened: unreachable, refused, or no answer in time."""


class WebSocketRejected(WebSocketHandshakeFailed):
    """The server refused the upgrade with an HTTP response (401, 403, 404, ...)."""

    def __init__(self, status_code: int, headers: list[tuple[str, str]], body: bytes) -> None:
        super().__init__(f"the server rejected the WebSocket with HTTP {status_code}")
        self.status_code = status_code
        self.headers = headers
        self.body = body


class WebSocketClosed(ClientError):
    """The connection is closed. ``code`` is None when it ended without a close frame."""

    def __init__(self, code: int | None, reason: str | None) -> None:
        super().__init__(f"the WebSocket is closed (code={code}, reason={reason!r})")
        self.code = code
        self.reason = reason


class ReceiveTimeout(ClientError):
    """Nothing (or nothing matching) arrived in time; the connection is still open."""


class InvalidMessage(ClientError):
    """A message could not be decoded as JSON. ``data`` is the message as received."""

    def __init__(self, data: str | bytes) -> None:
        super().__init__(f"the WebSocket message is not JSON: {data[:200]!r}")
        self.data = data


class RequestOptions(TypedDict, total=False):
    """What an HTTP call may carry besides its method and path (httpx's meanings)."""

    params: Mapping[str, Any]
    headers: Mapping[str, str]
    json: Any
    content: str | bytes
    data: Mapping[str, Any]
    timeout: float | None


@final
@attrs.define(eq=False)
class ClientWebSocket:
    """One open WebSocket carrying JSON messages, with selective receive.

    Messages arrive in order into a mailbox. ``receive_json`` takes the oldest; ``receive_until``
    takes the oldest that matches and leaves the others, in order, in ``pending``, where later
    receives find them first (Erlang's selective receive). ``pending`` holds at most
    ``max_pending`` messages: past that the oldest is dropped and counted in ``dropped``.

    Writing waits for the connection (``write_json``, ``write_text``, ``write_bytes``), so
    these are not named ``send``: in the engine ``send`` never waits (``Peer.send_json``).

    Cancellation: a cancelled receive loses no message. Made by ``Client.websocket``, whose
    context manager closes it; ``close`` may be called earlier and is idempotent.
    """

    _connection: trio_websocket.WebSocketConnection
    type_key: str
    max_pending: int
    _close_timeout: float
    _pending: deque[Any] = attrs.field(factory=deque, init=False)
    _dropped: int = attrs.field(default=0, init=False)

    @property
    def pending(self) -> tuple[Any, ...]:
        """Received but not yet taken (skipped by ``receive_until``), oldest first."""
        return tuple(self._pending)

    @property
    def dropped(self) -> int:
        """Skipped messages discarded because ``pending`` was full."""
        return self._dropped

    @property
    def subprotocol(self) -> str | None:
        """The subprotocol the server chose from those offered, if any."""
        return self._connection.subprotocol

    @property
    def closed(self) -> bool:
        return self._connection.closed is not None

    @property
    def close_code(self) -> int | None:
        """The close code once the connection is closed (as the peer sent or echoed it)."""
        reason = self._connection.closed
        return None if reason is None else reason.code

    @property
    def close_reason(self) -> str | None:
        reason = self._connection.closed
        return None if reason is None else reason.reason

    async def write_json(self, message: Any) -> None:
        """Send ``message`` as one JSON text message. Raises ``WebSocketClosed``."""
        await self.write_text(json.dumps(message, separators=(",", ":")))

    async def write_text(self, text: str) -> None:
        """Send ``text`` as is (for testing how a server treats malformed input)."""
        try:
            await self._connection.send_message(text)
        except trio_websocket.ConnectionClosed as exc:
            raise _closed(exc) from exc

    async def write_bytes(self, data: bytes) -> None:
        """Send ``data`` as one binary message (the engine's apps speak text: for testing how
        a server treats what it does not expect)."""
        try:
            await self._connection.send_message(data)
        except trio_websocket.ConnectionClosed as exc:
            raise _closed(exc) from exc

    async def receive_json(self, timeout: float = DEFAULT_RECEIVE_TIMEOUT) -> Any:
        """Take the oldest message, waiting up to ``timeout`` seconds (``math.inf``: forever).

        Raises ``ReceiveTimeout``, ``WebSocketClosed`` once the peer's close has been reached
        (messages sent before it are still delivered first), or ``InvalidMessage``.
        """
        if self._pending:
            return self._pending.popleft()
        try:
            with trio.fail_after(timeout):
                return await self._receive()
        except trio.TooSlowError:
            raise ReceiveTimeout(f"no message within {timeout} s") from None

    async def receive_until(
        self, match: str | Callable[[Any], bool], timeout: float = DEFAULT_RECEIVE_TIMEOUT
    ) -> Any:
        """Take the oldest message that matches, waiting up to ``timeout`` seconds in all.

        ``match`` is a predicate over decoded messages, or a type name: a string matches the
        objects whose ``type_key`` field equals it. Messages that do not match stay in
        ``pending``. Raises as ``receive_json`` does; on any error, every message received so
        far and decoded is in ``pending``.
        """
        predicate = _type_is(self.type_key, match) if isinstance(match, str) else match
        for index, message in enumerate(self._pending):
            if predicate(message):
                del self._pending[index]
                return message
        try:
            with trio.fail_after(timeout):
                while True:
                    message = await self._receive()
                    if predicate(message):
                        return message
                    self._keep(message)
        except trio.TooSlowError:
            raise ReceiveTimeout(
                f"no message matching {match!r} within {timeout} s; "
                f"{len(self._pending)} pending, {self._dropped} dropped"
            ) from None

    def take_pending(self) -> list[Any]:
        """Remove and return everything in ``pending``, oldest first."""
        taken = list(self._pending)
        self._pending.clear()
        return taken

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        """Send a close frame and wait for the peer's, at most the client's timeout; the TCP
        connection is closed either way. Messages in ``pending`` stay readable."""
        with trio.move_on_after(self._close_timeout):
            await self._connection.aclose(code, reason)

    async def _receive(self) -> Any:
        try:
            data = await self._connection.get_message()
        except trio_websocket.ConnectionClosed as exc:
            raise _closed(exc) from exc
        try:
            return json.loads(data)
        except ValueError as exc:
            raise InvalidMessage(data) from exc

    def _keep(self, message: Any) -> None:
        if len(self._pending) >= self.max_pending:
            self._pending.popleft()
            self._dropped += 1
        self._pending.append(message)


@final
@attrs.define(eq=False)
class Client:
    """HTTP calls and WebSockets against one base URL. Made by ``open_client``.

    ``http`` is the underlying ``httpx.AsyncClient`` for anything this thin layer leaves out
    (streaming, cookie jar); ``open_client`` closes it.
    """

    http: httpx.AsyncClient
    timeout: float

    async def request(
        self, method: str, path: str, **options: Unpack[RequestOptions]
    ) -> httpx.Response:
        """Send one request to ``path`` under the base URL and return the response, whatever
        its status. Raises ``httpx.HTTPError`` subclasses for transport failures."""
        return await self.http.request(method, path, **options)

    async def get(self, path: str, **options: Unpack[RequestOptions]) -> httpx.Response:
        return await self.request("GET", path, **options)

    async def post(self, path: str, **options: Unpack[RequestOptions]) -> httpx.Response:
        return await self.request("POST", path, **options)

    async def put(self, path: str, **options: Unpack[RequestOptions]) -> httpx.Response:
        return await self.request("PUT", path, **options)

    async def patch(self, path: str, **options: Unpack[RequestOptions]) -> httpx.Response:
        return await self.request("PATCH", path, **options)

    async def delete(self, path: str, **options: Unpack[RequestOptions]) -> httpx.Response:
        return await self.request("DELETE", path, **options)

    @asynccontextmanager
    async def websocket(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        subprotocols: Iterable[str] = (),
        type_key: str = "type",
        max_pending: int = 1000,
        local_address: str | None = None,
    ) -> AsyncIterator[ClientWebSocket]:
        """Open a WebSocket to ``path`` under the base URL (``http`` becomes ``ws``).

        ``local_address`` binds the connection's source address (say, one of 127/8 per
        simulated client, so per-address limits see several clients).

        ``type_key`` names the field that ``receive_until("name")`` compares (liaptui's
        messages use ``"event"``).

        Resource handling: the TCP connection is opened here and closed when the block exits,
        however it exits. On a normal exit the client first sends a close frame (1000) and
        waits up to the client's timeout for the server's; if the block is cancelled, the
        connection is simply dropped. Exceptions from the block propagate unchanged.

        Raises ``WebSocketRejected`` if the server answers the upgrade with an HTTP status, and
        ``WebSocketHandshakeFailed`` if it cannot be reached or does not answer in time.
        """
        if max_pending < 1:
            raise ValueError("max_pending must be at least 1")
        request = self.http.build_request("GET", path, params=params, headers=headers)
        url = request.url
        extra_headers = [
            (name.encode("latin-1"), value.encode("latin-1"))
            for name, value in request.headers.multi_items()
            if name not in _NOT_FOR_UPGRADE and not name.startswith("sec-websocket-")
        ]
        offered = list(subprotocols) or None
        async with _open_connection(
            url, extra_headers, offered, self.timeout, local_address
        ) as connection:
            yield ClientWebSocket(connection, type_key, max_pending, self.timeout)


@asynccontextmanager
async def open_client(
    base_url: str,
    *,
    headers: Mapping[str, str] | None = None,
    cookies: Mapping[str, str] | None = None,
    timeout: float = 10.0,
) -> AsyncIterator[Client]:
    """A ``Client`` for ``base_url`` (``http://`` or ``https://``, may end in a prefix).

    ``headers`` and ``cookies`` go with every request and WebSocket upgrade. ``timeout`` bounds
    each HTTP phase (connect, read, write, pool) and each WebSocket handshake. The HTTP
    connection pool is closed on exit; WebSockets are closed by their own blocks, which nest
    inside this one.
    """
    if httpx.URL(base_url).scheme not in ("http", "https"):
        raise ValueError(f"the base URL must be http:// or https://, not {base_url!r}")
    if not 0 < timeout < math.inf:
        raise ValueError("the timeout must be a positive number of seconds")
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, cookies=dict(cookies or {}), timeout=timeout
    ) as http:
        yield Client(http, timeout)


@asynccontextmanager
async def _open_connection(
    url: httpx.URL,
    extra_headers: list[tuple[bytes, bytes]],
    subprotocols: list[str] | None,
    timeout: float,
    local_address: str | None = None,
) -> AsyncIterator[trio_websocket.WebSocketConnection]:
    """trio-websocket's ``open_websocket``, except that the TCP stream is ours: opened here and
    closed here. ``open_websocket`` leaves the socket open when the server closes or rejects
    first, until the garbage collector finds it."""
    stream = await _connect_tcp(url, timeout, local_address)
    async with stream:
        connection = None
        try:
            async with trio.open_nursery() as nursery:
                try:
                    with trio.fail_after(timeout):
                        connection = await trio_websocket.wrap_client_stream(
                            nursery,
                            stream,
                            url.netloc.decode("ascii"),
                            url.raw_path.decode("ascii"),
                            subprotocols=subprotocols,
                            extra_headers=extra_headers,
                        )
                except trio.TooSlowError as exc:
                    raise WebSocketHandshakeFailed(f"no upgrade response from {url}") from exc
                try:
                    yield connection
                finally:
                    with trio.move_on_after(timeout):
                        await connection.aclose()  # a no-op if already closed
                    nursery.cancel_scope.cancel()  # the reader, should the server never hang up
        except BaseExceptionGroup as group:
            # The nursery wraps whatever ends it: the caller's own exception, or the server's
            # rejection, which trio-websocket raises in its reader task.
            if len(group.exceptions) != 1:
                raise
            sole = group.exceptions[0]
            if connection is None and isinstance(sole, trio_websocket.ConnectionRejected):
                raise _rejected(sole) from sole
            if (
                isinstance(sole, LocalProtocolError)
                and connection is not None
                and connection.closed is not None
            ):
                # trio-websocket's reader answers a ping that crossed our close with a pong,
                # which wsproto refuses once the close is sent: closing as asked, not failing.
                # (The reader's end cancelled what was left of the block after the close.)
                return
            _reraise(sole)


async def _connect_tcp(
    url: httpx.URL, timeout: float, local_address: str | None = None
) -> trio.SocketStream | trio.SSLStream[trio.SocketStream]:
    secure = url.scheme == "https"
    port = url.port or (443 if secure else 80)
    try:
        with trio.fail_after(timeout):
            if secure:
                context = ssl.create_default_context()
                return await trio.open_ssl_over_tcp_stream(
                    url.host, port, ssl_context=context, https_compatible=True
                )
            return await trio.open_tcp_stream(url.host, port, local_address=local_address)
    except (OSError, trio.TooSlowError) as exc:
        raise WebSocketHandshakeFailed(f"cannot connect to {url}: {exc!r}") from exc


def _closed(exc: trio_websocket.ConnectionClosed) -> WebSocketClosed:
    reason = exc.reason
    if reason is None:
        return WebSocketClosed(None, None)
    return WebSocketClosed(reason.code, reason.reason)


def _rejected(exc: trio_websocket.ConnectionRejected) -> WebSocketRejected:
    headers = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in exc.headers]
    return WebSocketRejected(exc.status_code, headers, exc.body or b"")


def _reraise(exc: BaseException) -> NoReturn:
    """Raise ``exc`` out of an ``except`` block without making that block's exception its
    context: the group it came in is noise, its own context is not."""
    context = exc.__context__
    try:
        raise exc
    finally:
        exc.__context__ = context
        del exc, context


def _type_is(type_key: str, name: str) -> Callable[[Any], bool]:
    return lambda message: isinstance(message, dict) and message.get(type_key) == name
