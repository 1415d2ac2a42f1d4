"""One server-side WebSocket connection, over a connected socket, after the handshake.

Sending never waits. `WebSocket.send(frame)` writes the frame's bytes straight to the kernel with
a non-blocking `send` when nothing is queued, so a broadcast to a thousand sockets is a thousand
system calls in the broadcaster's task, with no task switch per recipient; inside a
`batched_sends()` block (`_batch.py`), the frames a connection is sent wait for the block's end
and leave in one call. Only bytes the kernel did not take go to the outbox, and only then is a
writer task started, which flushes it when `trio.lowlevel.wait_writable` says so and ends once
it is empty; while it holds a backlog, new frames join it. The socket is a plain stdlib
socket that this object owns (the listener detaches it from Trio's socket after the
handshake). Measured on loopback, 110-byte writes to 1,000 sockets cost
4.3 us each with a non-blocking stdlib `send`, against 10.2 us with `await` on Trio's socket
`send` and 12.6 us with `SocketStream.send_all` (each await is a checkpoint). A dup'd descriptor
would cost the same as detaching but leave two owners of one connection; Trio's private
stdlib socket is not ours to use.

Slow consumers are cut, never waited for. When accepting a frame would take the outbox past
`max_outbox_bytes` or `max_outbox_frames`, the queued frames are dropped (all but a frame the
kernel has already taken part of, which must be completed to keep the stream well formed), the
connection is closed with 1008 "slow consumer", and `send` returns False. Frames offered after
the connection started closing are dropped too (`send` returns False). Drops are counted in
`statistics()`.

Receiving is pull-based: `receive()` reads the socket in the caller's task and returns whole
messages. It answers pings (closing with 1008 "too many pings" past `ping_limit`), notes pongs
and completes the close handshake itself, so keep a task
in `receive()` for as long as the connection is wanted (a connection actor's reader does): a
connection nobody reads from hears nothing and is closed by the idle timeout.

The heartbeat pings every `ping_interval` and closes the connection with 1011 "idle timeout"
when nothing at all arrived for `idle_timeout`. Both read `trio.current_time()`, so they follow
a MockClock. The run's one schedule (`engine.actors.schedule`, shared with the actors' timers)
visits every connection when its ping or timeout is due: no task per connection for it, and a
connection that closes cancels its visit, so the schedule does not keep it alive.

Memory: an idle connection is this object, its socket, its request and wsproto's decoder, and
the one task that reads it; no task writes to it or pings it, and its outbox, message
assembler, ping limiter and events are made when first needed. Measured with 10,000 idle
connections (bench/fanout.py), this took the server from 24 KB to under 10 KB of resident
memory per connection.

Closing: whichever way a connection ends (`close()`, the peer's close frame, a protocol error,
an oversized message, the idle timeout, a slow consumer, a lost socket), `receive()` raises
`ConnectionClosed` with the first close's code and reason as soon as closing begins, even if it
was already waiting, so the task that reads learns of every ending, at once, in one place. The
writer task (started then) tears down: it flushes the close frame, reads until the peer's close
frame (or EOF), and closes the socket, all bounded by `close_timeout`. Writer tasks are Trio
system tasks: they belong to no connection's task, so a connection whose block was left still
finishes its close handshake, and they are cancelled (closing their sockets) when the run ends.
"""

from __future__ import annotations

import enum
import itertools
import math
import socket
from collections import deque
from contextlib import AbstractAsyncContextManager
from types import TracebackType
from typing import cast, final

import attrs
import trio
from wsproto.frame_protocol import FrameProtocol, ParseFailed

from engine.actors import Visit, schedule

from ._batch import current_batch
from ._frames import CloseReason, Frame, Opcode, close_frame, ping_frame, pong_frame
from ._ratelimit import RateLimiter
from ._ws_errors import ConnectionClosed, MessageTooBig
from ._ws_handshake import WebSocketRequest
from ._ws_messages import MessageAssembler
from ._ws_options import WebSocketOptions, WebSocketStatistics

__all__ = ["WebSocket", "open_server_websocket"]

_RECEIVE_SIZE = 65536
# Buffers handed to one sendmsg() when flushing a backlog; far below Linux's IOV_MAX (1024).
_MAX_IOVECS = 64
_PING = ping_frame()
_SLOW_CONSUMER = "slow consumer"
# Bytes kept for a `batched_sends()` block's end past which they are written at once.
_PENDING_LIMIT = 64 * 1024


class _State(enum.Enum):
    OPEN = "open"
    # No more frames are accepted; the writer is flushing, awaiting the peer's close, tearing down.
    CLOSING = "closing"
    # The socket is closed.
    CLOSED = "closed"


@final
@attrs.define(eq=False, repr=False)
class WebSocket:
    """A server-side WebSocket connection; obtained from `open_server_websocket`, never built.

    `request` is the upgrade request (path, query string, headers, remote address) and
    `subprotocol` the one accepted, if any. `send` and `statistics` may be called from any task;
    `receive` from one task at a time.
    """

    request: WebSocketRequest
    subprotocol: str | None
    _sock: socket.socket
    _options: WebSocketOptions
    _last_heard: float
    _state: _State = attrs.field(init=False, default=_State.OPEN)
    _closed: ConnectionClosed | None = attrs.field(init=False, default=None)
    _decoder: FrameProtocol = attrs.field(
        init=False, factory=lambda: FrameProtocol(client=False, extensions=[])
    )
    # Joins data frames into messages; made with the first data frame (pongs need none).
    _messages: MessageAssembler | None = attrs.field(init=False, default=None)
    # The client's ping frames, under `ping_limit` (one connection, one key); made on the first.
    _pings: RateLimiter | None = attrs.field(init=False, default=None)
    _receiving: bool = attrs.field(init=False, default=False)
    # Scope of receive()'s wait for data, cancelled when this side starts closing.
    _read_wait: trio.CancelScope | None = attrs.field(init=False, default=None)
    # Set when a receive() leaves after closing began; from then on the writer may read. Made
    # only when the writer has to wait for that.
    _reader_gone: trio.Event | None = attrs.field(init=False, default=None)
    # Frames sent in the current `batched_sends()` block, written in one call at its end
    # (None: none). Only while the outbox is empty: behind a backlog, frames join the outbox.
    _pending: list[bytes] | None = attrs.field(init=False, default=None)
    _pending_bytes: int = attrs.field(init=False, default=0)
    # What the kernel has not taken yet, oldest first; made when it first would not.
    _outbox: deque[bytes | memoryview] | None = attrs.field(init=False, default=None)
    _outbox_bytes: int = attrs.field(init=False, default=0)
    # True when the kernel took part of the outbox's first frame, which must then be finished.
    _outbox_head_started: bool = attrs.field(init=False, default=False)
    # The running writer task's scope (None when there is none); its deadline is the close's.
    _writer: trio.CancelScope | None = attrs.field(init=False, default=None)
    _peer_closed: bool = attrs.field(init=False, default=False)
    # Set once the socket is closed; made only for a task that waits for that.
    _done: trio.Event | None = attrs.field(init=False, default=None)
    _close_deadline: float = attrs.field(init=False, default=math.inf)
    _next_ping: float = attrs.field(init=False, default=0.0)
    _visit: Visit | None = attrs.field(init=False, default=None)
    _messages_received: int = attrs.field(init=False, default=0)
    _bytes_received: int = attrs.field(init=False, default=0)
    _frames_sent: int = attrs.field(init=False, default=0)
    _bytes_sent: int = attrs.field(init=False, default=0)
    _frames_dropped: int = attrs.field(init=False, default=0)
    #: Messages received and refused by the client's rate limit (``serve_peer`` counts them).
    messages_rate_limited: int = attrs.field(init=False, default=0)

    def __repr__(self) -> str:
        return (
            f"<WebSocket {self.request.path!r} from {self.request.remote_addr} {self._state.value}>"
        )

    @property
    def closed(self) -> ConnectionClosed | None:
        """How the connection ended (or is ending), or None while it is open."""
        return self._closed

    def fileno(self) -> int:
        """The socket's file descriptor (-1 once closed), for diagnostics and measurement."""
        return self._sock.fileno()

    def statistics(self) -> WebSocketStatistics:
        """A snapshot of this connection's counters and outbox depth."""
        return WebSocketStatistics(
            messages_received=self._messages_received,
            bytes_received=self._bytes_received,
            frames_sent=self._frames_sent,
            bytes_sent=self._bytes_sent,
            frames_dropped=self._frames_dropped,
            outbox_frames=len(self._outbox or ()),
            outbox_bytes=self._outbox_bytes,
            messages_rate_limited=self.messages_rate_limited,
        )

    # Sending

    def send(self, frame: Frame) -> bool:
        """Offer `frame` to the peer without blocking and without a checkpoint.

        Returns True if the frame was written or queued (inside `batched_sends()`: kept for
        the block's end), False if it was dropped: the connection is closing or closed, or the
        frame would overflow the outbox, in which case the connection is now closing with 1008
        "slow consumer". A frame kept for a block's end and lost with the socket is counted as
        dropped in `statistics()`.
        """
        if self._state is not _State.OPEN:
            self._frames_dropped += 1
            return False
        data = frame.data
        outbox = self._outbox
        if outbox and (
            len(outbox) >= self._options.max_outbox_frames
            or self._outbox_bytes + len(data) > self._options.max_outbox_bytes
        ):
            self._frames_dropped += 1
            self._begin_close(CloseReason.POLICY_VIOLATION, _SLOW_CONSUMER, drop_outbox=True)
            return False
        pending = self._pending
        if pending is None:
            batch = current_batch()
            if batch is None or outbox:
                self._write(data)
                if self._state is _State.OPEN:
                    self._frames_sent += 1
                    return True
                # The socket failed under this very write.
                self._frames_dropped += 1
                return False
            self._pending = [data]
            self._pending_bytes = len(data)
            batch.append(self._flush_pending)
        else:
            pending.append(data)
            self._pending_bytes += len(data)
            # A long burst (a resume's replay) is offered now, as the kernel takes what it
            # can: the outbox's bounds then apply to what it did not, as they would have.
            if self._pending_bytes >= _PENDING_LIMIT:
                self._flush_pending()
        self._frames_sent += 1
        return True

    def _flush_pending(self) -> None:
        """Offer the frames kept for the block to the kernel in one write (at the block's end,
        or before anything that must follow them: a close frame)."""
        pending = self._pending
        if pending is None:
            return
        self._pending = None
        self._write(pending[0] if len(pending) == 1 else b"".join(pending))
        if self._state is not _State.OPEN:
            self._frames_dropped += len(pending)  # the socket failed under that write

    def _write(self, data: bytes) -> None:
        """Write `data` now, or queue what the kernel did not take, behind what is queued."""
        if self._outbox:
            self._outbox.append(data)
            self._outbox_bytes += len(data)
            return
        try:
            sent = self._sock.send(data)
        except BlockingIOError:
            sent = 0
        except OSError as exc:
            self._lose_transport(exc)
            return
        self._bytes_sent += sent
        if sent < len(data):
            if self._outbox is None:
                self._outbox = deque()
            self._outbox.append(memoryview(data)[sent:])
            self._outbox_bytes += len(data) - sent
            self._outbox_head_started = sent > 0
            self._start_writer()

    def _write_outbox(self) -> None:
        """Write as much of the outbox as the kernel takes now, in one system call."""
        outbox = self._outbox
        assert outbox
        try:
            if len(outbox) == 1:
                sent = self._sock.send(outbox[0])
            else:
                sent = self._sock.sendmsg(list(itertools.islice(outbox, _MAX_IOVECS)))
        except BlockingIOError:
            return
        except OSError as exc:
            self._lose_transport(exc)
            return
        self._bytes_sent += sent
        self._outbox_bytes -= sent
        while sent:
            head = outbox[0]
            if sent >= len(head):
                sent -= len(head)
                outbox.popleft()
                self._outbox_head_started = False
            else:
                outbox[0] = memoryview(head)[sent:]
                self._outbox_head_started = True
                sent = 0

    def _drop_outbox(self) -> None:
        """Drop the queued frames, but the one the kernel has taken part of."""
        outbox = self._outbox
        if not outbox:
            return
        keep = outbox[0] if self._outbox_head_started else None
        self._frames_dropped += len(outbox) - (keep is not None)
        outbox.clear()
        self._outbox_bytes = 0
        if keep is not None:
            outbox.append(keep)
            self._outbox_bytes = len(keep)

    def _clear_outbox(self) -> None:
        """Nothing more can be written: everything queued is dropped."""
        if self._pending is not None:
            self._frames_dropped += len(self._pending)
            self._pending = None
        if self._outbox:
            self._frames_dropped += len(self._outbox)
            self._outbox.clear()
        self._outbox_bytes = 0

    async def _flush(self) -> None:
        while self._outbox:
            await trio.lowlevel.wait_writable(self._sock)
            self._write_outbox()

    # Receiving

    async def receive(self) -> str | bytes:
        """The next whole message: `str` for text, `bytes` for binary.

        Raises ConnectionClosed as soon as the connection starts closing, whoever closes it,
        including while this call waits (messages not yet returned are discarded then);
        MessageTooBig for an oversized message if so configured (the connection stays open);
        trio.BusyResourceError if another task is already receiving. Cancelling it loses no
        data: a partly received message is kept for the next call.
        """
        await trio.lowlevel.checkpoint_if_cancelled()
        if self._receiving:
            raise trio.BusyResourceError("another task is already receiving on this WebSocket")
        if self._state is not _State.OPEN:
            raise self._closed_error()
        self._receiving = True
        blocked = False
        try:
            while (message := self._next_message()) is None:
                if self._state is not _State.OPEN:
                    raise self._closed_error()
                if self._read_some():
                    continue
                # Waited for here rather than in a helper: an idle connection's reader sits in
                # this wait for its whole life, and every frame on its stack is memory.
                blocked = True
                try:
                    with trio.CancelScope() as self._read_wait:
                        await trio.lowlevel.wait_readable(self._sock)
                except trio.ClosedResourceError:
                    # The writer closed the socket under us at the end of the teardown.
                    raise self._closed_error() from None
                finally:
                    self._read_wait = None
        finally:
            self._receiving = False
            if self._state is not _State.OPEN and self._reader_gone is not None:
                self._reader_gone.set()
        if not blocked:
            await trio.lowlevel.cancel_shielded_checkpoint()
        self._messages_received += 1
        return message

    def _read_some(self) -> bool:
        """Feed the decoder what the socket has; False if it has nothing yet.

        Raises ConnectionClosed at the end of the stream or if the socket failed (or was
        closed).
        """
        if self._state is _State.CLOSED:
            raise self._closed_error()
        try:
            data = self._sock.recv(_RECEIVE_SIZE)
        except BlockingIOError:
            return False
        except OSError as exc:
            self._lose_transport(exc)
            raise self._closed_error() from exc
        if not data:
            self._lose_transport(None)
            raise self._closed_error()
        self._last_heard = trio.current_time()
        self._bytes_received += len(data)
        self._decoder.receive_bytes(data)
        return True

    def _next_message(self) -> str | bytes | None:
        """The next complete message already received, or None; handles control frames."""
        try:
            for frame in self._decoder.received_frames():
                opcode = frame.opcode
                if opcode is Opcode.PING:
                    if self._pings is None and self._options.ping_limit is not None:
                        self._pings = RateLimiter(self._options.ping_limit)
                    if self._pings is not None and not self._pings.check(None).allowed:
                        self._begin_close(CloseReason.POLICY_VIOLATION, "too many pings")
                        raise self._closed_error()
                    # Through send(), so a peer pinging without reading meets the outbox bound.
                    self.send(pong_frame(cast(bytes, frame.payload)))
                elif opcode is Opcode.CLOSE:
                    self._on_peer_close(*frame.payload)
                    raise self._closed_error()
                elif opcode is not Opcode.PONG and self._state is _State.OPEN:
                    # (Once closing, RFC 6455 lets data be discarded until the peer's close.)
                    # wsproto gives data frames a str (text) or bytes (binary) payload.
                    payload = cast("str | bytes", frame.payload)
                    if self._messages is None:
                        self._messages = MessageAssembler(self._options.max_message_size)
                    message = self._messages.add(payload, frame.message_finished)
                    if message is not None:
                        return message
        except ParseFailed as exc:
            self._begin_close(exc.code, "protocol error")
            raise self._closed_error() from exc
        except MessageTooBig:
            if not self._options.close_on_oversize:
                raise
            self._begin_close(CloseReason.MESSAGE_TOO_BIG, "message too big")
            raise self._closed_error() from None
        return None

    # Closing

    async def close(self, code: int = CloseReason.NORMAL_CLOSURE, reason: str = "") -> None:
        """Close with `code` and `reason` and return once the socket is closed.

        Frames already accepted by `send` go out before the close frame. Returns within
        `close_timeout` however the peer behaves. Does nothing new if the connection is already
        closing (it still waits for the end). If cancelled, the teardown carries on in the
        background, still bounded by `close_timeout`. Raises ValueError, changing nothing, for
        a code outside 1000-4999.
        """
        self.begin_close(code, reason)
        await self._wait_closed()

    async def _wait_closed(self) -> None:
        """Return once the socket is closed (the writer task closes it)."""
        if self._state is _State.CLOSED:
            await trio.lowlevel.checkpoint()
            return
        if self._done is None:
            self._done = trio.Event()
        await self._done.wait()

    def _closed_error(self) -> ConnectionClosed:
        assert self._closed is not None
        closed = self._closed
        return ConnectionClosed(closed.code, closed.reason, by_peer=closed.by_peer)

    def begin_close(self, code: int = CloseReason.NORMAL_CLOSURE, reason: str = "") -> None:
        """Start closing with `code` and `reason` without waiting: the writer task finishes the
        close handshake within `close_timeout`. For callers that must not block (a party
        dropping a peer). Raises ValueError, changing nothing, for a code outside 1000-4999."""
        self._begin_close(code, reason)

    def _begin_close(self, code: int, reason: str, *, drop_outbox: bool = False) -> None:
        if self._state is not _State.OPEN:
            return
        # Encoded first: a bad code raises ValueError before anything changes.
        frame = close_frame(code, reason)
        self._flush_pending()
        if self._state is not _State.OPEN:
            return  # the socket failed under that write: there is no one to close with
        self._state = _State.CLOSING
        self._closed = ConnectionClosed(code, reason, by_peer=False)
        if drop_outbox:
            self._drop_outbox()
        self._write(frame.data)
        self._close_deadline = trio.current_time() + self._options.close_timeout
        self._start_writer()
        if self._read_wait is not None:
            # receive() then raises ConnectionClosed now rather than after the peer answers;
            # the writer reads the peer's close frame instead.
            self._read_wait.cancel()

    def _on_peer_close(self, code: int, reason: str) -> None:
        if self._state is _State.OPEN:
            self._flush_pending()
        if self._state is _State.OPEN:
            self._state = _State.CLOSING
            self._closed = ConnectionClosed(code, reason, by_peer=True)
            # RFC 6455 5.5.1: answer with a close frame, echoing the code.
            self._write(close_frame(code).data)
            self._close_deadline = trio.current_time() + self._options.close_timeout
        self._peer_closed = True
        self._start_writer()

    def _lose_transport(self, exc: OSError | None) -> None:
        """The socket failed or reached EOF: nothing more can be sent or received."""
        if self._closed is None:
            reason = "connection lost" if exc is None else f"connection lost: {exc.strerror or exc}"
            self._closed = ConnectionClosed(CloseReason.ABNORMAL_CLOSURE, reason, by_peer=True)
        if self._state is _State.OPEN:
            self._state = _State.CLOSING
            self._close_deadline = trio.current_time() + self._options.close_timeout
        self._clear_outbox()
        self._peer_closed = True
        self._start_writer()

    async def _await_peer_close(self) -> None:
        if self._peer_closed:
            return
        if self._receiving:
            # _begin_close interrupted that receive(), which is on its way out.
            self._reader_gone = trio.Event()
            await self._reader_gone.wait()
        # receive() refuses to start once closing, so this task is the only reader now.
        try:
            while not self._peer_closed:
                self._next_message()
                if not self._read_some():
                    await trio.lowlevel.wait_readable(self._sock)
        except ConnectionClosed:
            pass

    def _close_socket(self) -> None:
        if self._state is _State.CLOSED:
            return
        if self._closed is None:
            self._closed = ConnectionClosed(
                CloseReason.ABNORMAL_CLOSURE, "connection aborted", by_peer=False
            )
        self._state = _State.CLOSED
        if self._visit is not None:
            self._visit.cancel()
        self._clear_outbox()
        # Wakes a task blocked in wait_readable with ClosedResourceError before the fd goes.
        trio.lowlevel.notify_closing(self._sock)
        self._sock.close()
        if self._done is not None:
            self._done.set()

    # Tasks

    def _start_writer(self) -> None:
        """Have a writer task flush the outbox, and tear down once closing; start one if none
        runs. A running one gets the close's deadline."""
        if self._writer is not None:
            self._writer.deadline = self._close_deadline
            return
        if self._state is _State.CLOSED:
            return
        self._writer = trio.CancelScope(deadline=self._close_deadline)
        trio.lowlevel.spawn_system_task(self._run_writer, self._writer, name=repr(self))

    async def _run_writer(self, scope: trio.CancelScope) -> None:
        try:
            with scope:
                await self._flush()
                if self._state is _State.OPEN:
                    # Flushed: the next write the kernel does not take starts a new writer.
                    return
                await self._await_peer_close()
        except trio.ClosedResourceError:
            # The connection's block closed the socket under the wait (an aborted connection).
            pass
        finally:
            self._writer = None
            if self._state is not _State.OPEN:
                self._close_socket()

    def _beat(self, now: float) -> float | None:
        """The heartbeat's visit: ping or time out as due; when to come back (None: never)."""
        if self._state is not _State.OPEN:
            return None
        idle_deadline = self._last_heard + self._options.idle_timeout
        if now >= idle_deadline:
            self._begin_close(CloseReason.INTERNAL_ERROR, "idle timeout")
            return None
        if now >= self._next_ping:
            self.send(_PING)
            self._next_ping = now + self._options.ping_interval
        return min(self._next_ping, idle_deadline)


def open_server_websocket(
    sock: socket.socket,
    request: WebSocketRequest,
    *,
    subprotocol: str | None = None,
    options: WebSocketOptions = WebSocketOptions(),
    received: bytes = b"",
) -> AbstractAsyncContextManager[WebSocket]:
    """Run a WebSocket over `sock`, whose handshake is complete, for the body of the block.

    `sock` is a connected stdlib socket; it is made non-blocking and from here on belongs to
    the WebSocket, which closes it. `received` is whatever arrived after the request head
    (frames a client sent without waiting for the 101).

    On normal exit the connection is closed with 1000 (unless already closing) and the block
    waits for the teardown, at most `close_timeout`. If the body raises, a close frame with
    1011 "internal error" (1001 for cancellation) is sent if the socket takes it at once, the
    socket is closed without waiting, and the exception propagates.
    """
    sock.setblocking(False)
    ws = WebSocket(request, subprotocol, sock, options, last_heard=trio.current_time())
    if received:
        ws._decoder.receive_bytes(received)
    return _Block(ws)


@final
class _Block:
    """The block of `open_server_websocket`: a plain class rather than an
    `asynccontextmanager`, whose suspended generator would stay in memory as long as the
    connection."""

    __slots__ = ("_ws",)

    def __init__(self, ws: WebSocket) -> None:
        self._ws = ws

    async def __aenter__(self) -> WebSocket:
        ws = self._ws
        now = trio.current_time()
        ws._next_ping = now + ws._options.ping_interval
        ws._visit = schedule().watch(ws._beat, min(ws._next_ping, now + ws._options.idle_timeout))
        return ws

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        ws = self._ws
        if exc is not None:
            if isinstance(exc, Exception):
                ws._begin_close(CloseReason.INTERNAL_ERROR, "internal error")
            else:
                ws._begin_close(CloseReason.GOING_AWAY, "going away")
            ws._close_socket()
            return
        ws._begin_close(CloseReason.NORMAL_CLOSURE, "")
        try:
            await ws._wait_closed()
        except BaseException:
            ws._close_socket()
            raise
