"""A raw HTTP/1.1 client for tests that control every byte and its timing: half-sent bodies,
keep-alive reuse after an early response, clients that stop reading, pipelining, chunked
bodies, HEAD, ``Expect: 100-continue``, malformed requests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import attrs
import trio


@attrs.frozen
class RawResponse:
    status: int
    #: By lower-case name (a repeated header: its last value).
    headers: dict[str, str]
    body: bytes
    #: Every header line as sent, (lower-case name, value), in order.
    fields: tuple[tuple[str, str], ...] = ()


class RawHttp:
    """One connection; bytes are sent exactly as given, responses parsed as they come."""

    def __init__(self, stream: trio.SocketStream) -> None:
        self.stream = stream
        self._buffer = bytearray()

    async def send(self, data: bytes) -> None:
        await self.stream.send_all(data)

    async def response(self) -> RawResponse:
        """The next response on the connection (bodies framed by Content-Length only).

        Raises EOFError if the server closed the connection before a whole response."""
        head = await self._read_until(b"\r\n\r\n")
        status_line, *lines = head.decode("latin-1").split("\r\n")
        fields = []
        for line in lines:
            name, _, value = line.partition(":")
            fields.append((name.strip().lower(), value.strip()))
        headers = dict(fields)
        length = int(headers.get("content-length", "0"))
        while len(self._buffer) < length:
            await self._fill()
        body = bytes(self._buffer[:length])
        del self._buffer[:length]
        return RawResponse(int(status_line.split()[1]), headers, body, tuple(fields))

    async def responses(self, count: int) -> list[RawResponse]:
        """The next `count` responses, in order (pipelined requests are answered so)."""
        return [await self.response() for _ in range(count)]

    async def head(self) -> bytes:
        """The next response's status line and headers, without reading a body: the answer to
        a HEAD request, or an interim ``100 Continue``."""
        return await self._read_until(b"\r\n\r\n")

    async def closed_by_server(self) -> bool:
        """Read until the server ends the connection; True once it has (EOF or reset).

        Whatever arrives meanwhile is discarded. Never returns False: a server that keeps the
        connection open keeps this waiting, so callers bound it."""
        while True:
            try:
                if not await self.stream.receive_some(65536):
                    return True
            except trio.BrokenResourceError:
                return True

    async def _read_until(self, marker: bytes) -> bytes:
        while (end := self._buffer.find(marker)) < 0:
            await self._fill()
        data = bytes(self._buffer[:end])
        del self._buffer[: end + len(marker)]
        return data

    async def _fill(self) -> None:
        chunk = await self.stream.receive_some(65536)
        if not chunk:
            raise EOFError("the server closed the connection")
        self._buffer += chunk


async def open_raw_http(port: int) -> RawHttp:
    return RawHttp(await trio.open_tcp_stream("127.0.0.1", port))


@asynccontextmanager
async def raw_http(port: int) -> AsyncIterator[RawHttp]:
    """`open_raw_http`, closed on exit."""
    http = await open_raw_http(port)
    async with http.stream:
        yield http
