"""WebSocket connections (engine/net/_websocket.py, _frames.py) over real loopback sockets.

Servers run through `serve_tcp` on 127.0.0.1 port 0. Clients are trio-websocket where a full
client is wanted, and `RawClient` (tests/helpers/raw_websocket.py) where the test needs
to misbehave: never read, never answer pings, send malformed frames.
"""

from __future__ import annotations

import gc
import struct
import weakref
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from functools import partial

import pytest
import trio
import trio.lowlevel
import trio.testing
import trio_websocket
from quart_trio import QuartTrio
from wsproto.frame_protocol import CloseReason, FrameProtocol, Opcode

from engine.net._batch import batched_sends
from engine.net._frames import binary_frame, close_frame, ping_frame, text_frame
from engine.net._listener import serve_tcp
from engine.net._ratelimit import RateLimitKind, RateLimitRule
from engine.net._websocket import WebSocket
from engine.net._ws_errors import ConnectionClosed, MessageTooBig
from engine.net._ws_handshake import WebSocketRequest
from engine.net._ws_options import WebSocketOptions
from engine.net._ws_routes import Accept, WebSocketHandler, WebSocketResolver

from raw_websocket import RawClient, raw_client


def close_code(closed: trio_websocket.ConnectionClosed) -> int:
    assert closed.reason is not None
    return closed.reason.code


def close_reason(closed: trio_websocket.ConnectionClosed) -> str | None:
    assert closed.reason is not None
    return closed.reason.reason


@asynccontextmanager
async def serving(
    routes: WebSocketResolver | Mapping[str, WebSocketHandler],
    options: WebSocketOptions = WebSocketOptions(),
) -> AsyncIterator[int]:
    stop = trio.Event()
    async with trio.open_nursery() as nursery:
        port = await nursery.start(
            partial(
                serve_tcp,
                QuartTrio(__name__),
                routes,
                "127.0.0.1",
                0,
                websocket_options=options,
                shutdown_trigger=stop.wait,
            )
        )
        yield port
        stop.set()


class Room:
    """Test handler: keeps its members, records what they receive and how they end."""

    def __init__(self) -> None:
        self.members: list[WebSocket] = []
        self.messages: list[str | bytes] = []
        self.closes: list[ConnectionClosed] = []
        self._changed = trio.Event()

    async def handler(self, ws: WebSocket, path_params: Mapping[str, str]) -> None:
        self.members.append(ws)
        self._changed.set()
        try:
            while True:
                self.messages.append(await ws.receive())
                self._changed.set()
        except ConnectionClosed as exc:
            self.closes.append(exc)
            self._changed.set()

    async def wait_until(self, condition: Callable[[], bool]) -> None:
        while not condition():
            self._changed = trio.Event()
            await self._changed.wait()


def test_frames_use_the_shortest_length_encoding_and_decode_back() -> None:
    decoder = FrameProtocol(client=True, extensions=[])
    for size in (0, 125, 126, 65535, 65536):
        frame = binary_frame(b"x" * size)
        header = {125: 2, 65535: 4}.get(size, 2 if size < 126 else 4 if size < 65536 else 10)
        assert len(frame.data) == header + size
        decoder.receive_bytes(frame.data)
        [decoded] = decoder.received_frames()
        assert (decoded.opcode, decoded.payload, decoded.message_finished) == (
            Opcode.BINARY,
            b"x" * size,
            True,
        )
    decoder.receive_bytes(text_frame("héllo").data + close_frame(4000, "é" * 100).data)
    text, close = decoder.received_frames()
    assert text.payload == "héllo"
    # The reason is cut to the 123 bytes a close frame has room for, between characters.
    assert close.payload == (4000, "é" * 61)
    with pytest.raises(ValueError):
        ping_frame(b"x" * 126)
    with pytest.raises(ValueError):
        close_frame(999)


async def test_echo_text_and_binary() -> None:
    async def echo(ws: WebSocket, path_params: Mapping[str, str]) -> None:
        while True:
            message = await ws.receive()
            ws.send(text_frame(message) if isinstance(message, str) else binary_frame(message))

    async with serving({"/echo": echo}) as port:
        async with trio_websocket.open_websocket_url(f"ws://127.0.0.1:{port}/echo") as client:
            await client.send_message("hello")
            assert await client.get_message() == "hello"
            await client.send_message(b"\x00\x01")
            assert await client.get_message() == b"\x00\x01"


async def test_fragmented_messages_and_frames_sent_with_the_handshake_are_received() -> None:
    room = Room()
    codec = FrameProtocol(client=True, extensions=[])
    early = bytes(codec.send_data("hel", fin=False)) + bytes(codec.send_data("lo"))
    async with serving({"/room": room.handler}) as port:
        async with raw_client(port, "/room", early=early) as client:
            await client.send(
                bytes(client.codec.send_data(b"b", fin=False))
                + bytes(client.codec.send_data(b"in"))
            )
            await room.wait_until(lambda: len(room.messages) == 2)
            assert room.messages == ["hello", b"bin"]


async def test_one_encoded_frame_reaches_every_member() -> None:
    room = Room()
    async with serving({"/room": room.handler}) as port:
        async with trio.open_nursery() as nursery:
            received: list[str | bytes] = []

            async def member() -> None:
                async with trio_websocket.open_websocket_url(
                    f"ws://127.0.0.1:{port}/room"
                ) as client:
                    received.append(await client.get_message())

            for _ in range(50):
                nursery.start_soon(member)
            await room.wait_until(lambda: len(room.members) == 50)
            frame = text_frame('{"type": "tick"}')
            assert all(ws.send(frame) for ws in room.members)
        assert received == ['{"type": "tick"}'] * 50
        assert all(ws.statistics().frames_sent == 1 for ws in room.members)


async def test_request_details_reach_the_handler() -> None:
    room = Room()
    async with serving({"/room": room.handler}) as port:
        url = f"ws://127.0.0.1:{port}/room?token=abc"
        async with trio_websocket.open_websocket_url(url, extra_headers=[(b"X-Player", b"ann")]):
            await room.wait_until(lambda: bool(room.members))
    request = room.members[0].request
    assert (request.path, request.query_string, request.header("x-player")) == (
        "/room",
        b"token=abc",
        "ann",
    )
    assert request.remote_addr is not None and request.remote_addr[0] == "127.0.0.1"


async def test_oversized_message_closes_with_1009() -> None:
    room = Room()
    async with serving({"/room": room.handler}, WebSocketOptions(max_message_size=1000)) as port:
        async with trio_websocket.open_websocket_url(f"ws://127.0.0.1:{port}/room") as client:
            await client.send_message("x" * 1000)
            await client.send_message("y" * 1001)
            with pytest.raises(trio_websocket.ConnectionClosed) as info:
                await client.get_message()
        assert close_code(info.value) == 1009
        await room.wait_until(lambda: bool(room.closes))
    assert room.messages == ["x" * 1000]
    assert (room.closes[0].code, room.closes[0].by_peer) == (1009, False)


async def test_oversized_message_can_be_answered_and_the_connection_kept() -> None:
    async def strict(ws: WebSocket, path_params: Mapping[str, str]) -> None:
        while True:
            try:
                message = await ws.receive()
            except MessageTooBig as exc:
                ws.send(text_frame(f'{{"error": "too_big", "limit": {exc.limit}}}'))
            else:
                ws.send(text_frame(f"ok {len(message)}"))

    options = WebSocketOptions(max_message_size=100, close_on_oversize=False)
    async with serving({"/strict": strict}, options) as port:
        async with raw_client(port, "/strict") as client:
            # A message over the limit split across frames, then a small one.
            await client.send(bytes(client.codec.send_data("a" * 80, fin=False)))
            await client.send(bytes(client.codec.send_data("a" * 80, fin=False)))
            await client.send(
                bytes(client.codec.send_data("a" * 80)) + bytes(client.codec.send_data("é" * 10))
            )
            assert await client.read_frame() == (Opcode.TEXT, '{"error": "too_big", "limit": 100}')
            assert await client.read_frame() == (Opcode.TEXT, "ok 10")


async def test_slow_consumer_is_closed_while_others_keep_receiving() -> None:
    room = Room()
    options = WebSocketOptions(max_outbox_bytes=64 * 1024)
    async with serving({"/room": room.handler}, options) as port:
        async with raw_client(port, "/room", receive_buffer=4096) as slow:
            await room.wait_until(lambda: len(room.members) == 1)
            async with trio_websocket.open_websocket_url(
                f"ws://127.0.0.1:{port}/room", message_queue_size=10_000
            ) as fast:
                await room.wait_until(lambda: len(room.members) == 2)
                slow_ws, fast_ws = room.members
                frame = binary_frame(b"z" * 8192)
                sent = 0
                # Broadcast until the slow member is cut; the loop bound only guards against a hang.
                while slow_ws.send(frame) and sent < 100_000:
                    assert fast_ws.send(frame)
                    sent += 1
                    await trio.lowlevel.checkpoint()
                assert fast_ws.send(frame)
                assert not slow_ws.send(frame)
                for _ in range(sent + 1):
                    assert await fast.get_message() == b"z" * 8192
            stats = slow_ws.statistics()
            assert stats.frames_dropped >= 2
            assert stats.outbox_frames <= 2  # the frame the kernel took part of, and the close
            assert slow_ws.closed is not None and slow_ws.closed.code == 1008
            # The slow client finds whole frames, then the close frame with the reason.
            assert await slow.read_until_close() == (1008, "slow consumer")
            await room.wait_until(lambda: len(room.closes) == 2)


def _tasks(nursery: trio.Nursery) -> list[trio.lowlevel.Task]:
    tasks = []
    for task in nursery.child_tasks:
        tasks.append(task)
        for child in task.child_nurseries:
            tasks += _tasks(child)
    return tasks


def all_tasks() -> list[trio.lowlevel.Task]:
    """Every task of the run, system tasks included."""
    root = trio.lowlevel.current_root_task()
    assert root is not None
    return [root, *(task for nursery in root.child_nurseries for task in _tasks(nursery))]


async def test_an_idle_connection_runs_only_its_reader_task(
    autojump_clock: trio.testing.MockClock,
) -> None:
    room = Room()
    options = WebSocketOptions(ping_interval=10, idle_timeout=1000)
    async with serving({"/room": room.handler}, options) as port:
        async with raw_client(port, "/room") as first:
            await room.wait_until(lambda: len(room.members) == 1)
            before = len(all_tasks())
            async with raw_client(port, "/room") as second:
                await room.wait_until(lambda: len(room.members) == 2)
                # The handler's task, which reads; no writer, no heartbeat of its own.
                assert len(all_tasks()) == before + 1
                # The one heartbeat still pings both connections.
                for client in (first, second):
                    assert await client.read_frame() == (Opcode.PING, b"")
                    assert await client.read_frame() == (Opcode.PING, b"")
                assert len(all_tasks()) == before + 1


async def test_a_write_the_kernel_refuses_is_queued_and_flushed_in_order() -> None:
    """Sends go straight to the socket until it would block; then they queue, a writer task
    flushes them once the client reads, and ends, and the next blockage starts another."""
    room = Room()
    async with serving({"/room": room.handler}) as port:
        async with raw_client(port, "/room", receive_buffer=4096) as client:
            await room.wait_until(lambda: len(room.members) == 1)
            ws = room.members[0]
            baseline = len(all_tasks())
            for blockage in range(2):
                sent = 0
                while ws.statistics().outbox_frames == 0:
                    assert ws.send(binary_frame(sent.to_bytes(4, "big") * 256))
                    sent += 1
                assert ws.statistics().outbox_frames == 1
                assert len(all_tasks()) == baseline + 1  # the writer
                # Later frames queue behind, even once the kernel could take them.
                assert ws.send(binary_frame(sent.to_bytes(4, "big") * 256))
                for n in range(sent + 1):
                    expected = n.to_bytes(4, "big") * 256
                    assert await client.read_frame() == (Opcode.BINARY, expected)
                # A bound for a writer that never ends: a failure, not a hang.
                with trio.fail_after(10):
                    while ws.statistics().outbox_frames or len(all_tasks()) != baseline:
                        await trio.testing.wait_all_tasks_blocked(0.01)
                assert ws.closed is None, blockage
            stats = ws.statistics()
            assert (stats.frames_dropped, stats.outbox_bytes) == (0, 0)


async def test_a_batch_writes_each_connections_frames_together_at_its_end() -> None:
    room = Room()
    async with serving({"/room": room.handler}) as port:
        async with raw_client(port, "/room") as first, raw_client(port, "/room") as second:
            await room.wait_until(lambda: len(room.members) == 2)
            with batched_sends():
                for n in range(3):
                    for ws in room.members:
                        assert ws.send(text_frame(f"frame {n}"))
                # Kept for the block's end: nothing has gone to the kernel yet.
                assert [ws.statistics().bytes_sent for ws in room.members] == [0, 0]
            sizes = [ws.statistics() for ws in room.members]
            assert [(s.frames_sent, s.bytes_sent) for s in sizes] == [(3, 3 * 9)] * 2
            for client in (first, second):
                for n in range(3):
                    assert await client.read_frame() == (Opcode.TEXT, f"frame {n}")


@asynccontextmanager
async def one_member() -> AsyncIterator[tuple[RawClient, WebSocket]]:
    """A raw client connected to a room, and the server's side of its connection."""
    room = Room()
    async with serving({"/room": room.handler}) as port, raw_client(port, "/room") as client:
        await room.wait_until(lambda: len(room.members) == 1)
        yield client, room.members[0]


async def test_a_close_in_a_batch_follows_the_frames_kept_for_it() -> None:
    async with one_member() as (client, ws):
        with batched_sends():
            assert ws.send(text_frame("last words"))
            ws.begin_close(CloseReason.GOING_AWAY, "bye")
            assert not ws.send(text_frame("too late"))
        assert await client.read_frame() == (Opcode.TEXT, "last words")
        assert await client.read_until_close() == (CloseReason.GOING_AWAY, "bye")


async def test_a_batch_past_its_byte_limit_is_written_at_once() -> None:
    async with one_member() as (client, ws):
        chunk = b"x" * 1000
        with batched_sends():
            for _ in range(70):
                assert ws.send(binary_frame(chunk))
            # 64 KB of frames went out as they came; the last few wait for the end.
            assert 64 * 1000 <= ws.statistics().bytes_sent < 70 * 1000
        assert ws.statistics().bytes_sent == 70 * 1004
        received = b""
        while len(received) < 70 * 1000:
            opcode, piece = await client.read_frame()
            assert opcode is Opcode.BINARY and isinstance(piece, bytes)
            received += piece
        assert received == chunk * 70


async def test_idle_connection_is_pinged_then_closed(
    autojump_clock: trio.testing.MockClock,
) -> None:
    room = Room()
    options = WebSocketOptions(ping_interval=10, idle_timeout=35, close_timeout=5)
    # Mock seconds: a heartbeat that never fires fails here instead of pinging forever.
    with trio.fail_after(100):
        async with serving({"/room": room.handler}, options) as port:
            async with raw_client(port, "/room") as client:
                start = trio.current_time()
                pings = 0
                while (frame := await client.read_frame())[0] is Opcode.PING:
                    pings += 1
                assert frame == (Opcode.CLOSE, (1011, "idle timeout"))
                assert pings == 3
                # The handler hears of it at once, not when the close handshake ends.
                await room.wait_until(lambda: bool(room.closes))
                assert trio.current_time() - start == pytest.approx(35)
                # The client never answers the close: the server gives up after close_timeout.
                assert await client.read_frame() == (Opcode.CLOSE, None)
                assert trio.current_time() - start == pytest.approx(40)
    assert room.closes[0].code == 1011


async def test_answering_pings_keeps_the_connection(autojump_clock: trio.testing.MockClock) -> None:
    room = Room()
    options = WebSocketOptions(ping_interval=10, idle_timeout=25)
    async with serving({"/room": room.handler}, options) as port:
        async with raw_client(port, "/room") as client:
            for _ in range(10):
                assert await client.read_frame() == (Opcode.PING, b"")
                await client.send(bytes(client.codec.pong()))
            assert room.closes == []
            assert trio.current_time() >= 100


async def test_ping_is_answered_with_its_payload() -> None:
    room = Room()
    async with serving({"/room": room.handler}) as port:
        async with raw_client(port, "/room") as client:
            await client.send(bytes(client.codec.ping(b"are you there")))
            assert await client.read_frame() == (Opcode.PONG, b"are you there")


async def test_a_ping_flood_is_closed_with_1008(autojump_clock: trio.testing.MockClock) -> None:
    room = Room()
    options = WebSocketOptions(ping_limit=RateLimitRule(3, 3.0, RateLimitKind.TOKEN_BUCKET))
    async with serving({"/room": room.handler}, options) as port:
        async with raw_client(port, "/room") as client:
            for _ in range(3):
                await client.send(bytes(client.codec.ping(b"x")))
                assert await client.read_frame() == (Opcode.PONG, b"x")
            # A ping a second is the sustained rate: paced pings go on being answered.
            await trio.sleep(1.0)
            await client.send(bytes(client.codec.ping(b"y")))
            assert await client.read_frame() == (Opcode.PONG, b"y")
            await client.send(bytes(client.codec.ping(b"z")))
            assert await client.read_until_close() == (1008, "too many pings")
    await room.wait_until(lambda: bool(room.closes))
    assert room.closes[0].code == 1008


async def test_pings_are_limited_by_default() -> None:
    room = Room()
    async with serving({"/room": room.handler}) as port:
        async with raw_client(port, "/room") as client:
            await client.send(b"".join(bytes(client.codec.ping(b"")) for _ in range(100)))
            pongs = 0
            # A bound for a server that answers every ping and then waits: a failure, not a hang.
            with trio.fail_after(30):
                while (frame := await client.read_frame())[0] is Opcode.PONG:
                    pongs += 1
            assert frame == (Opcode.CLOSE, (1008, "too many pings"))
            assert pongs < 100


async def test_peer_close_reaches_the_handler_with_its_code() -> None:
    room = Room()
    async with serving({"/room": room.handler}) as port:
        async with trio_websocket.open_websocket_url(f"ws://127.0.0.1:{port}/room") as client:
            await room.wait_until(lambda: bool(room.members))
            await client.aclose(4000, "bye")
        await room.wait_until(lambda: bool(room.closes))
    closed = room.closes[0]
    assert (closed.code, closed.reason, closed.by_peer) == (4000, "bye", True)


async def test_lost_socket_reaches_the_handler_as_1006() -> None:
    room = Room()
    async with serving({"/room": room.handler}) as port:
        async with raw_client(port, "/room") as client:
            await room.wait_until(lambda: bool(room.members))
            await client.stream.aclose()
            await room.wait_until(lambda: bool(room.closes))
    assert (room.closes[0].code, room.closes[0].by_peer) == (1006, True)
    assert not room.members[0].send(text_frame("late"))


async def test_close_sends_queued_frames_then_code_and_reason() -> None:
    async def farewell(ws: WebSocket, path_params: Mapping[str, str]) -> None:
        ws.send(text_frame("last words"))
        await ws.close(4001, "game over")
        with pytest.raises(ConnectionClosed):
            await ws.receive()

    async with serving({"/bye": farewell}) as port:
        async with trio_websocket.open_websocket_url(f"ws://127.0.0.1:{port}/bye") as client:
            assert await client.get_message() == "last words"
            with pytest.raises(trio_websocket.ConnectionClosed) as info:
                await client.get_message()
    assert (close_code(info.value), close_reason(info.value)) == (4001, "game over")


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        # Unmasked: clients must mask.
        (struct.pack("!BB", 0x81, 2) + b"hi", CloseReason.PROTOCOL_ERROR),
        # Masked with a zero key, so the payload is sent as is: not UTF-8.
        (
            struct.pack("!BBI", 0x81, 0x80 | 2, 0) + b"\xff\xfe",
            CloseReason.INVALID_FRAME_PAYLOAD_DATA,
        ),
    ],
)
async def test_protocol_errors_close_with_their_code(frame: bytes, code: int) -> None:
    room = Room()
    async with serving({"/room": room.handler}) as port:
        async with raw_client(port, "/room") as client:
            await client.send(frame)
            assert (await client.read_until_close())[0] == code
            await room.wait_until(lambda: bool(room.closes))
    assert room.closes[0].code == code


async def test_accept_can_carry_per_route_options() -> None:
    room = Room()

    async def resolve(request: WebSocketRequest) -> Accept:
        return Accept(room.handler, options=WebSocketOptions(max_message_size=10))

    async with serving(resolve) as port:
        async with trio_websocket.open_websocket_url(f"ws://127.0.0.1:{port}/any") as client:
            await client.send_message("x" * 11)
            with pytest.raises(trio_websocket.ConnectionClosed) as info:
                await client.get_message()
        assert close_code(info.value) == 1009


async def test_a_closed_connection_is_freed_before_its_next_heartbeat() -> None:
    """The heartbeat's schedule lets a closed connection go at once, not at its next ping
    (20 s by default): under churn it would otherwise keep every recent connection alive."""
    gone: list[weakref.ref[WebSocket]] = []
    done = trio.Event()

    async def close_at_once(ws: WebSocket, path_params: Mapping[str, str]) -> None:
        gone.append(weakref.ref(ws))
        done.set()

    async with serving({"/bye": close_at_once}) as port:
        async with trio_websocket.open_websocket_url(f"ws://127.0.0.1:{port}/bye") as client:
            with pytest.raises(trio_websocket.ConnectionClosed):
                await client.get_message()
        await done.wait()
        await trio.testing.wait_all_tasks_blocked()
        gc.collect()
        assert gone[0]() is None
