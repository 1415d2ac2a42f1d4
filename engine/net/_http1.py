"""HTTP/1.1 served on the listener's own connections, for the routes an app declared.

The listener passes each HTTP connection here with the bytes it has read. Each request head is
framed here and parsed by httptools (llhttp, in C); a request for a route that `DirectRoutes`
matches is answered by calling its handler in the connection's own task (no task per request,
no ASGI); its body is read first (``Content-Length`` or chunked, ``Expect: 100-continue``
answered). Anything else, from the first request that is not ours to the end of the
connection, goes to `handoff` with every byte not yet consumed, starting at that request's
first byte: Hypercorn and the ASGI app then serve it exactly as they would have from the start.
That covers other routes, other methods, OPTIONS, HTTP/2 and h2c, upgrades, absolute or
non-ASCII targets, heads that llhttp refuses (Hypercorn answers 400) or that exceed the head
limit, transfer codings other than chunked, and any ``Expect`` but ``100-continue``.

Guarantees, the same as on Hypercorn's path as the listener drives it: responses go out in
request order (requests are served one at a time, so pipelined requests are answered in
order); HEAD is answered like GET without the body; a connection closes after a request that
asks for it (``Connection: close``, or HTTP/1.0 without keep-alive). No connection waits on
its client for ever: a request head must be complete within `keep_alive_timeout` of the
previous answer (or of the connection's start), which also closes idle connections; a body
over `max_body` is not read and one not complete within `body_timeout` is given up, the handler
told which (`BodyRefused`) and the connection closed after the answer; an answer the client
does not take within `send_timeout` drops the connection. Once `begin_shutdown` is called,
idle connections close at once, busy ones after their answer.

The wait for a request head has no timer of its own: `enforce_head_deadlines`, one task for
all the connections, closes those whose head is late. A cancel scope per wait costs
about 11 µs, a tenth of a request's CPU on this path; a connection instead notes its deadline,
a float. (A body that does not come with its head is waited for under a scope of its own: few
requests wait for one.)
"""

from __future__ import annotations

import contextlib
import enum
import logging
import os
import re
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from email.utils import formatdate
from typing import Protocol, final
from urllib.parse import unquote

import attrs
import httptools
import trio

__all__ = [
    "BodyRefused",
    "DirectHttp",
    "DirectRoutes",
    "Headers",
    "HttpReply",
    "HttpRequest",
    "RouteHandler",
]

_logger = logging.getLogger(__name__)
_RECEIVE_SIZE = 65536
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
_MAX_CHUNK_LINE = 4096
_TIMER_RESOLUTION = 0.01
# Read by engine.net.TrustedProxies, right to left: every line counts, the last above all.
_JOINED_HEADERS = frozenset({"forwarded", "x-forwarded-for"})


@final
class Headers(Mapping[str, str]):
    """A request's headers, looked up case-insensitively; a repeated header keeps its first
    value, but for the forwarding headers (``Forwarded``, ``X-Forwarded-For``), whose lines are
    one list (RFC 9110, 5.3) as the Quart path reads them: a proxy may add its own line after
    the client's.

    Iterating yields the names in lower case.
    """

    __slots__ = ("_items",)

    def __init__(self, items: dict[str, str]) -> None:
        self._items = items

    def __getitem__(self, name: str) -> str:
        return self._items[name.lower()]

    def get(self, name: str, default: str | None = None) -> str | None:  # type: ignore[override]
        return self._items.get(name.lower(), default)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"


@attrs.frozen(slots=True)
class HttpRequest:
    """One request as its route handler sees it.

    ``path`` is percent-decoded, ``query`` is the raw query string (without ``?``), ``body``
    the whole body, or why there is none to give.
    """

    method: str
    path: str
    query: str
    headers: Headers
    client: tuple[str, int] | None
    body: bytes | BodyRefused


class BodyRefused(enum.Enum):
    """Why a request has no body for its handler; the connection closes after the answer."""

    TOO_LARGE = "over the server's size limit (not read)"
    TIMED_OUT = "not complete within the body timeout"


@attrs.frozen(slots=True)
class HttpReply:
    """A complete answer: status, headers (without framing ones) and body."""

    status: int
    headers: Mapping[str, str]
    body: bytes


RouteHandler = Callable[[HttpRequest], Awaitable[HttpReply]]


class DirectRoutes(Protocol):
    """Which requests are served directly."""

    def match(self, method: str, path: str) -> RouteHandler | None:
        """The handler for `method` (as sent: a HEAD is answered like the GET it returns for,
        without the body) on the decoded `path`, or None to hand the request off."""


Handoff = Callable[[trio.SocketStream, bytes], Awaitable[None]]


class _NotOurs(Exception):
    """The current request goes to the handoff, from its first byte."""


class _Closed(Exception):
    """The connection ends: the client left, timed out or asked for it, or the server stops."""


class _BodyTimedOut(Exception):
    """The body did not arrive within the body timeout."""


class _BadFraming(Exception):
    """A chunked body that breaks the framing rules: answered 400 and closed, as Hypercorn does."""


_BAD_REQUEST = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
_SERVER_ERROR = (
    b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
)
_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,15}")


@final
@attrs.define(eq=False)
class DirectHttp:
    """The direct HTTP/1.1 path of one listener: settings, and the connections it serves."""

    routes: DirectRoutes
    max_body: int
    max_head: int
    keep_alive_timeout: float
    body_timeout: float
    send_timeout: float
    _connections: set[_Connection] = attrs.field(factory=set, init=False)
    _stopping: bool = attrs.field(default=False, init=False)

    async def serve(self, stream: trio.SocketStream, received: bytes, handoff: Handoff) -> None:
        """Serve `stream` until it closes or its requests are no longer ours (then `handoff`).

        `enforce_head_deadlines` must be running meanwhile."""
        connection = _Connection(self, stream, bytearray(received))
        self._connections.add(connection)
        try:
            await connection.run()
        except _NotOurs:
            self._connections.discard(connection)
            await handoff(stream, bytes(connection.buffer))
        except _BadFraming:
            await _send_quietly(stream, _BAD_REQUEST)
        except (_Closed, trio.BrokenResourceError, trio.ClosedResourceError):
            pass
        finally:
            self._connections.discard(connection)

    async def enforce_head_deadlines(self) -> None:
        """Close every connection still waiting for a request head past its deadline; runs
        until cancelled.

        It wakes at the earliest deadline of the connections waiting, or a keep-alive timeout
        from now if none is: a deadline is always set a keep-alive timeout ahead, so none set
        meanwhile comes sooner. It wakes at most every `_TIMER_RESOLUTION` seconds (the most a
        head deadline is enforced late).
        """
        while True:
            now = trio.current_time()
            wake = now + self.keep_alive_timeout
            for connection in self._connections:
                if connection.waiting is not _Waiting.NO:
                    if connection.head_deadline <= now:
                        connection.scope.cancel()
                    else:
                        wake = min(wake, connection.head_deadline)
            await trio.sleep_until(max(wake, now + _TIMER_RESOLUTION))

    def begin_shutdown(self) -> None:
        """Close idle connections now and every other one after its current answer."""
        self._stopping = True
        for connection in self._connections:
            if connection.waiting is _Waiting.IDLE:
                connection.scope.cancel()


class _Waiting(enum.Enum):
    """What a connection waits for from its client, as `enforce_head_deadlines` sees it."""

    NO = enum.auto()  # not a request head: it serves one, or waits for a body or a send
    IDLE = enum.auto()  # the first byte of the next request
    HEAD = enum.auto()  # the rest of a request head


@final
class _Connection:
    """One connection's request loop.

    It reads and writes the socket's descriptor itself rather than through the stream: Trio's
    socket methods yield to the scheduler after every successful call, three round trips per
    request where one is needed. Here a request yields once, waiting for readability (or, if
    the next request is already buffered, at an explicit checkpoint), which keeps the
    connection cancellable and fair to the others.
    """

    __slots__ = (
        "buffer", "client", "fd", "head_deadline", "scope", "server", "stream", "waiting",
    )  # fmt: skip

    def __init__(self, server: DirectHttp, stream: trio.SocketStream, buffer: bytearray) -> None:
        self.server = server
        self.stream = stream
        self.fd = stream.socket.fileno()
        self.buffer = buffer
        self.client = _peer_address(stream.socket)
        self.head_deadline = trio.current_time() + server.keep_alive_timeout
        self.waiting = _Waiting.NO
        # Cancelled (only while it waits for a head) when the head is late or at shutdown.
        self.scope = trio.CancelScope()

    async def run(self) -> None:
        with self.scope:
            while True:
                await self._serve_one()
        raise _Closed

    async def _serve_one(self) -> None:
        server = self.server
        head_end = await self._head_end()
        head = _Head.parse(bytes(self.buffer[:head_end]))
        handler = server.routes.match(head.method, head.path)
        if handler is None:
            raise _NotOurs
        content_length, chunked = head.body_framing()
        if head.expect not in (None, "100-continue"):
            raise _NotOurs
        del self.buffer[:head_end]
        body: bytes | BodyRefused = BodyRefused.TOO_LARGE
        if content_length <= server.max_body:
            if head.expect is not None and (chunked or len(self.buffer) < content_length):
                await self._send(_CONTINUE)
            deadline = trio.current_time() + server.body_timeout
            try:
                if chunked:
                    body = await self._chunked_body(deadline)
                else:
                    body = await self._body(content_length, deadline)
            except _BodyTimedOut:
                body = BodyRefused.TIMED_OUT
        request = HttpRequest(head.method, head.path, head.query, head.headers, self.client, body)
        keep_alive = head.keep_alive and not isinstance(body, BodyRefused) and not server._stopping
        try:
            response = _encode(await handler(request), head.method == "HEAD", keep_alive)
        except Exception:
            # Route handlers answer their own errors; this is a bug in one, or a bad header.
            _logger.exception("serving %s %s failed", head.method, head.path)
            response, keep_alive, body = _SERVER_ERROR, False, b""
        await self._send(response)
        if not keep_alive:
            if body is BodyRefused.TOO_LARGE:
                await self._linger()
            raise _Closed
        self.head_deadline = trio.current_time() + server.keep_alive_timeout

    async def _head_end(self) -> int:
        """The end of the next request head in the buffer, reading until it is there."""
        # One scheduling point per request: the wait for it, or a checkpoint if it is here.
        if self._read_now() or self.buffer:
            await trio.lowlevel.checkpoint()
        elif self.server._stopping:
            raise _Closed
        else:
            await self._receive_head(_Waiting.IDLE)
        while (end := self.buffer.find(b"\r\n\r\n")) < 0:
            if len(self.buffer) > self.server.max_head or b"\n\n" in self.buffer:
                raise _NotOurs  # Hypercorn answers oversized heads and bare-LF heads
            await self._receive_head(_Waiting.HEAD)
        return end + 4

    async def _body(self, length: int, deadline: float) -> bytes:
        while len(self.buffer) < length:
            await self._receive_body(deadline)
        body = bytes(self.buffer[:length])
        del self.buffer[:length]
        return body

    async def _chunked_body(self, deadline: float) -> bytes | BodyRefused:
        """The decoded chunked body, or TOO_LARGE once it grows past the limit (left unread)."""
        body = bytearray()
        while True:
            line_end = await self._find(b"\r\n", _MAX_CHUNK_LINE, deadline)
            size_text = bytes(self.buffer[:line_end]).split(b";", 1)[0].strip(b" \t")
            if _CHUNK_SIZE.fullmatch(size_text) is None:
                raise _BadFraming
            size = int(size_text, 16)
            if size == 0:
                del self.buffer[: line_end + 2]
                break
            if len(body) + size > self.server.max_body:
                return BodyRefused.TOO_LARGE
            del self.buffer[: line_end + 2]
            while len(self.buffer) < size + 2:
                await self._receive_body(deadline)
            if self.buffer[size : size + 2] != b"\r\n":
                raise _BadFraming
            body += self.buffer[:size]
            del self.buffer[: size + 2]
        # Trailer fields, if any, end with an empty line.
        while True:
            line_end = await self._find(b"\r\n", _MAX_CHUNK_LINE, deadline)
            del self.buffer[: line_end + 2]
            if line_end == 0:
                return bytes(body)

    async def _find(self, needle: bytes, limit: int, deadline: float) -> int:
        while (found := self.buffer.find(needle)) < 0:
            if len(self.buffer) > limit:
                raise _BadFraming
            await self._receive_body(deadline)
        return found

    def _read_now(self) -> bool:
        """Add what the socket holds to the buffer without waiting; False if it held nothing."""
        try:
            chunk = os.read(self.fd, _RECEIVE_SIZE)
        except BlockingIOError:
            return False
        except OSError:
            raise _Closed from None
        if not chunk:
            raise _Closed
        self.buffer += chunk
        return True

    async def _receive_head(self, waiting: _Waiting) -> None:
        """Add what the client sends next of a request head to the buffer; the connection's
        scope is cancelled if it does not come by `head_deadline` (or, `IDLE`, at shutdown).

        A head that arrives as the time runs out may be served or not, as the timer task sees
        it: a wait it has cancelled ends the connection, even if the bytes came meanwhile.
        """
        while not self._read_now():
            self.waiting = waiting
            try:
                await trio.lowlevel.wait_readable(self.fd)
            finally:
                self.waiting = _Waiting.NO
            if self.scope.cancel_called:
                raise _Closed

    async def _receive_body(self, deadline: float) -> None:
        """Add what the client sends next of a body to the buffer; `_BodyTimedOut` if it does
        not by `deadline`.

        Bytes that arrive as the time runs out are still served: once the socket is readable
        the read happens with no checkpoint that could cancel it.
        """
        while not self._read_now():
            with trio.move_on_at(deadline) as scope:
                await trio.lowlevel.wait_readable(self.fd)
            if scope.cancelled_caught:
                raise _BodyTimedOut

    async def _send(self, data: bytes) -> None:
        """Write `data`; what the socket does not take at once goes through the stream."""
        try:
            sent = os.write(self.fd, data)
        except BlockingIOError:
            sent = 0
        except OSError:
            raise _Closed from None
        if sent < len(data):
            with trio.move_on_after(self.server.send_timeout):
                await self.stream.send_all(memoryview(data)[sent:])
                return
            raise _Closed  # the client stopped reading

    async def _linger(self) -> None:
        """After refusing an unread body: stop sending, and read what the client still sends
        for a moment, so that closing does not reset the connection before it reads the answer."""
        with trio.move_on_after(self.server.keep_alive_timeout):
            await self.stream.send_eof()
            while await self.stream.receive_some(_RECEIVE_SIZE):
                pass


@final
@attrs.define(slots=True)
class _Head:
    """A request head, parsed by llhttp."""

    method: str = ""
    path: str = ""
    query: str = ""
    headers: Headers = attrs.field(init=False)
    keep_alive: bool = True
    expect: str | None = None
    version: str = ""
    _url: bytes = b""
    _fields: dict[str, str] = attrs.Factory(dict)
    _parser: httptools.HttpRequestParser | None = None

    @classmethod
    def parse(cls, data: bytes) -> _Head:
        """Raises `_NotOurs` for anything the direct path leaves to Hypercorn."""
        head = cls()
        head._parser = httptools.HttpRequestParser(head)
        try:
            head._parser.feed_data(data)
        except (httptools.HttpParserError, httptools.HttpParserUpgrade):
            raise _NotOurs from None
        finally:
            # The parser holds the head's callbacks: a cycle, which only the collector would
            # free, and every collection pauses every connection (see docs/architecture.md).
            head._parser = None
        if not head._url.startswith(b"/") or head.version not in ("1.1", "1.0"):
            raise _NotOurs
        raw_path, _, query = head._url.partition(b"?")
        try:
            head.path = unquote(raw_path.decode("ascii"))
            head.query = query.decode("ascii")
        except UnicodeDecodeError:
            raise _NotOurs from None
        head.headers = Headers(head._fields)
        expect = head._fields.get("expect")
        head.expect = None if expect is None else expect.lower()
        return head

    def on_url(self, url: bytes) -> None:
        self._url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        key, text = name.decode("latin-1").lower(), value.decode("latin-1")
        known = self._fields.setdefault(key, text)
        if known is not text and key in _JOINED_HEADERS:
            self._fields[key] = f"{known}, {text}"

    def on_headers_complete(self) -> None:
        # Read here: once a message without a body completes, llhttp resets for the next one.
        assert self._parser is not None
        self.method = self._parser.get_method().decode("ascii")
        self.version = self._parser.get_http_version()
        self.keep_alive = self._parser.should_keep_alive()

    def body_framing(self) -> tuple[int, bool]:
        """(Content-Length, chunked); a transfer coding other than chunked is not ours."""
        coding = self._fields.get("transfer-encoding")
        if coding is not None:
            if coding.strip().lower() != "chunked":
                raise _NotOurs
            return 0, True
        length = self._fields.get("content-length")
        return (int(length) if length else 0), False


_REASONS = {
    200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 400: "Bad Request",
    401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed",
    409: "Conflict", 413: "Payload Too Large", 422: "Unprocessable Entity",
    429: "Too Many Requests", 500: "Internal Server Error", 503: "Service Unavailable",
}  # fmt: skip


def _encode(reply: HttpReply, head_only: bool, keep_alive: bool) -> bytes:
    lines = [f"HTTP/1.1 {reply.status} {_REASONS.get(reply.status, '')}"]
    for name, value in reply.headers.items():
        if "\n" in value or "\r" in value or "\n" in name or "\r" in name:
            raise ValueError(f"header {name!r} holds a line break")
        lines.append(f"{name}: {value}")
    if reply.status != 204 and not 100 <= reply.status < 200 and reply.status != 304:
        lines.append(f"content-length: {len(reply.body)}")
    lines.append(f"date: {_date()}")
    if not keep_alive:
        lines.append("connection: close")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head if head_only or not reply.body else head + reply.body


_date_cache: tuple[int, str] = (0, "")


def _date() -> str:
    """The Date header's value, formatted once a second."""
    global _date_cache
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache = (now, formatdate(now, usegmt=True))
    return _date_cache[1]


async def _send_quietly(stream: trio.SocketStream, data: bytes) -> None:
    with contextlib.suppress(trio.BrokenResourceError, trio.ClosedResourceError):
        await stream.send_all(data)


def _peer_address(sock: trio.socket.SocketType) -> tuple[str, int] | None:
    try:
        address = sock.getpeername()
    except OSError:
        return None
    return (address[0], address[1]) if isinstance(address, tuple) else None
