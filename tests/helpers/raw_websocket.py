"""A raw WebSocket client for tests where the client must misbehave: never read, never answer
pings, send malformed frames. A few lines over wsproto's frame codec."""

from __future__ import annotations

import base64
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import trio
from wsproto.frame_protocol import FrameProtocol, Opcode


@asynccontextmanager
async def raw_client(
    port: int, path: str, *, receive_buffer: int | None = None, early: bytes = b""
) -> AsyncIterator[RawClient]:
    """Connect to 127.0.0.1:``port``, complete the handshake for ``path``, close on exit.

    ``early`` is sent in the same write as the request head, before the 101 arrives.
    """
    with trio.socket.socket() as sock:
        if receive_buffer is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
        await sock.connect(("127.0.0.1", port))
        stream = trio.SocketStream(sock)
        key = base64.b64encode(os.urandom(16))
        await stream.send_all(
            b"GET " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "
            + key
            + b"\r\n\r\n"
            + early
        )
        head = b""
        while b"\r\n\r\n" not in head:
            head += await stream.receive_some(1)
        assert head.startswith(b"HTTP/1.1 101 "), head
        yield RawClient(stream)


class RawClient:
    """Reads and writes frames only when told to. ``texts_received`` counts the whole text
    messages ``read_until_close`` skipped."""

    def __init__(self, stream: trio.SocketStream) -> None:
        self.stream = stream
        self.codec = FrameProtocol(client=True, extensions=[])
        self.texts_received = 0

    async def send(self, data: bytes) -> None:
        await self.stream.send_all(data)

    async def read_frame(self) -> tuple[Opcode, object]:
        """The next frame, or (CLOSE, None) at EOF."""
        while True:
            for frame in self.codec.received_frames():
                # wsproto hands a large frame over in pieces as its bytes arrive.
                self.texts_received += frame.opcode is Opcode.TEXT and frame.message_finished
                return frame.opcode, frame.payload
            data = await self.stream.receive_some(65536)
            if not data:
                return Opcode.CLOSE, None
            self.codec.receive_bytes(data)

    async def read_until_close(self, *, answer: bool = True) -> tuple[int, str]:
        """Skip to the close frame and return its (code, reason); answer it unless told not to
        (a server that already dropped the socket cannot take the answer)."""
        while True:
            opcode, payload = await self.read_frame()
            if opcode is Opcode.CLOSE:
                assert isinstance(payload, tuple), "EOF before the close frame"
                if answer:
                    await self.send(bytes(self.codec.close(payload[0])))
                return payload
