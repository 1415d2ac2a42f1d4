"""serve_tcp (engine/net/_listener.py): our WebSocket routes and a Quart-Trio app on one port."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

import httpx
import pytest
import trio
import trio_websocket
from hypercorn.config import Config
from quart import request, websocket
from quart_trio import QuartTrio

from engine.net._frames import text_frame
from engine.net._listener import serve_tcp
from engine.net._websocket import WebSocket
from engine.net._ws_errors import ConnectionClosed
from engine.net._ws_handshake import WebSocketRequest
from engine.net._ws_routes import Accept, Reject, WebSocketHandler, WebSocketResolver

from raw_http import open_raw_http


class Site:
    """A tiny Quart-Trio app, with events to hold a request in flight."""

    def __init__(self) -> None:
        self.app = QuartTrio(__name__)
        self.lifespan: list[str] = []
        self.slow_entered = trio.Event()
        self.slow_release = trio.Event()
        app = self.app

        @app.before_serving
        async def startup() -> None:
            self.lifespan.append("startup")

        @app.after_serving
        async def shutdown() -> None:
            self.lifespan.append("shutdown")

        @app.get("/hello")
        async def hello() -> dict[str, str]:
            return {"hello": "world"}

        @app.post("/echo")
        async def echo() -> bytes:
            # Every argument spelled out: only then do Quart's overloads say bytes, not str | bytes.
            return await request.get_data(cache=True, as_text=False, parse_form_data=False)

        @app.get("/big")
        async def big() -> bytes:
            return b"x" * BIG_BODY

        @app.get("/slow")
        async def slow() -> dict[str, bool]:
            self.slow_entered.set()
            await self.slow_release.wait()
            return {"finished": True}

        @app.websocket("/quart-ws")
        async def quart_ws() -> None:
            while True:
                message = await websocket.receive()
                assert isinstance(message, str)
                await websocket.send("quart: " + message)


async def echo(ws: WebSocket, path_params: Mapping[str, str]) -> None:
    while True:
        message = await ws.receive()
        assert isinstance(message, str)
        ws.send(text_frame(f"{path_params.get('room_id', '-')}: {message}"))


async def rooms(request: WebSocketRequest) -> Accept | Reject | None:
    """A resolver with a path parameter and an auth check, as an app's router would do."""
    prefix = "/ws/"
    if not request.path.startswith(prefix):
        return None
    if request.header("authorization") != "Bearer good":
        return Reject(
            401, b'{"detail": "Not authenticated"}', headers=(("WWW-Authenticate", "Bearer"),)
        )
    return Accept(echo, {"room_id": request.path[len(prefix) :]})


@asynccontextmanager
async def serving(
    site: Site, routes: WebSocketResolver | Mapping[str, WebSocketHandler] = rooms, **kwargs: Any
) -> AsyncIterator[int]:
    stop = trio.Event()
    async with trio.open_nursery() as nursery:
        port = await nursery.start(
            partial(
                serve_tcp, site.app, routes, "127.0.0.1", 0, shutdown_trigger=stop.wait, **kwargs
            )
        )
        yield port
        stop.set()


AUTH = [(b"Authorization", b"Bearer good")]
# More than a loopback socket's buffers hold, so a client that does not read blocks the send.
BIG_BODY = 32 << 20


async def test_http_and_websocket_routes_share_one_port() -> None:
    site = Site()
    async with serving(site) as port:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            assert (await http.get("/hello")).json() == {"hello": "world"}
            assert (await http.post("/echo", content=b"x" * 100_000)).content == b"x" * 100_000
            assert (await http.get("/missing")).status_code == 404
            async with trio_websocket.open_websocket_url(
                f"ws://127.0.0.1:{port}/ws/r1", extra_headers=AUTH
            ) as ws:
                await ws.send_message("hi")
                assert await ws.get_message() == "r1: hi"
            # The keep-alive connection still works after the WebSocket came and went.
            assert (await http.get("/hello")).status_code == 200
    assert site.lifespan == ["startup", "shutdown"]


async def test_upgrade_refused_with_the_apps_status_and_body() -> None:
    async with serving(Site()) as port:
        with pytest.raises(trio_websocket.ConnectionRejected) as info:
            async with trio_websocket.open_websocket_url(f"ws://127.0.0.1:{port}/ws/r1"):
                pass
    assert info.value.status_code == 401
    assert info.value.body == b'{"detail": "Not authenticated"}'
    headers = dict(info.value.headers)
    assert (headers[b"content-type"], headers[b"www-authenticate"]) == (
        b"application/json",
        b"Bearer",
    )


async def test_upgrades_the_routes_decline_reach_quart() -> None:
    async with serving(Site()) as port:
        async with trio_websocket.open_websocket_url(f"ws://127.0.0.1:{port}/quart-ws") as ws:
            await ws.send_message("hi")
            assert await ws.get_message() == "quart: hi"


async def test_a_mapping_of_exact_paths_is_a_resolver() -> None:
    async with serving(Site(), {"/ws": echo}) as port:
        async with trio_websocket.open_websocket_url(f"ws://127.0.0.1:{port}/ws") as ws:
            await ws.send_message("hi")
            assert await ws.get_message() == "-: hi"
        async with trio_websocket.open_websocket_url(f"ws://127.0.0.1:{port}/quart-ws") as ws:
            await ws.send_message("hi")
            assert await ws.get_message() == "quart: hi"


async def test_invalid_handshake_is_answered_not_served() -> None:
    async with serving(Site()) as port:
        async with await trio.open_tcp_stream("127.0.0.1", port) as stream:
            await stream.send_all(
                b"GET /ws/r1 HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                b"Authorization: Bearer good\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                b"Sec-WebSocket-Version: 8\r\n\r\n"
            )
            response = b""
            while chunk := await stream.receive_some():
                response += chunk
    assert response.startswith(b"HTTP/1.1 426 Upgrade Required\r\n")
    assert b"\r\nSec-WebSocket-Version: 13\r\n" in response


async def test_crashing_resolver_answers_500_and_the_server_carries_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(request: WebSocketRequest) -> None:
        raise RuntimeError("bug")

    async with serving(Site(), broken) as port:
        with pytest.raises(trio_websocket.ConnectionRejected) as info:
            async with trio_websocket.open_websocket_url(f"ws://127.0.0.1:{port}/any"):
                pass
        assert info.value.status_code == 500
        async with httpx.AsyncClient() as http:
            assert (await http.get(f"http://127.0.0.1:{port}/hello")).status_code == 200
    assert "resolving the WebSocket route for '/any' failed" in caplog.text


async def test_crashing_handler_closes_with_1011_and_the_server_carries_on(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(ws: WebSocket, path_params: Mapping[str, str]) -> None:
        await ws.receive()
        raise RuntimeError("bug")

    caplog.set_level(logging.ERROR)
    async with serving(Site(), {"/broken": broken, "/ws": echo}) as port:
        async with trio_websocket.open_websocket_url(f"ws://127.0.0.1:{port}/broken") as ws:
            await ws.send_message("boom")
            with pytest.raises(trio_websocket.ConnectionClosed) as info:
                await ws.get_message()
        assert info.value.reason is not None
        assert info.value.reason.code == 1011
        async with trio_websocket.open_websocket_url(f"ws://127.0.0.1:{port}/ws") as ws:
            await ws.send_message("still here")
            assert await ws.get_message() == "-: still here"
    assert "WebSocket handler for '/broken' failed" in caplog.text


async def test_slow_request_head_is_dropped(autojump_clock: trio.testing.MockClock) -> None:
    async with serving(Site(), head_timeout=5) as port:
        async with await trio.open_tcp_stream("127.0.0.1", port) as stream:
            await stream.send_all(b"GET /ws/r1 HTTP/1.1\r\nHost: x\r\n")
            start = trio.current_time()
            assert await stream.receive_some() == b""
    assert trio.current_time() - start == pytest.approx(5)


async def test_keep_alive_after_an_early_response_with_an_unread_body(
    autojump_clock: trio.testing.MockClock,
) -> None:
    # The 405 goes out before the body arrives; the connection must serve the next request.
    async with serving(Site()) as port:
        http = await open_raw_http(port)
        async with http.stream:
            await http.send(b"PUT /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n")
            await trio.sleep(0.01)
            await http.send(b"hello")
            assert (await http.response()).status == 405
            await http.send(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            with trio.fail_after(60):
                response = await http.response()
            assert (response.status, json.loads(response.body)) == (200, {"hello": "world"})


async def test_a_body_that_never_follows_an_early_response_closes_the_connection(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with serving(Site(), drain_timeout=2) as port:
        http = await open_raw_http(port)
        async with http.stream:
            await http.send(b"PUT /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n")
            assert (await http.response()).status == 405
            with trio.fail_after(60):
                assert await http.closed_by_server()


async def test_connection_close_is_honoured(autojump_clock: trio.testing.MockClock) -> None:
    async with serving(Site()) as port:
        http = await open_raw_http(port)
        async with http.stream:
            await http.send(b"GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert (await http.response()).status == 200
            # Well before the keep-alive timeout, which would close it anyway.
            with trio.fail_after(1):
                assert await http.closed_by_server()


async def test_idle_keep_alive_connection_is_closed(autojump_clock: trio.testing.MockClock) -> None:
    config = Config.from_mapping(keep_alive_timeout=5)
    async with serving(Site(), hypercorn_config=config) as port:
        http = await open_raw_http(port)
        async with http.stream:
            for _ in range(2):
                await http.send(b"GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
                assert (await http.response()).status == 200
            with trio.fail_after(60):
                assert await http.closed_by_server()


@pytest.mark.parametrize(
    "sent",
    [
        pytest.param(b"POST /echo HTTP/1.1\r\nHost: x\r\n", id="half a head"),
        pytest.param(b"", id="nothing"),
    ],
)
async def test_silent_client_is_dropped(
    autojump_clock: trio.testing.MockClock, sent: bytes
) -> None:
    async with serving(Site()) as port:
        http = await open_raw_http(port)
        async with http.stream:
            await http.send(sent)
            with trio.fail_after(120):
                assert await http.closed_by_server()


async def test_body_that_stops_coming_gets_408_and_the_connection_closes(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with serving(Site()) as port:
        http = await open_raw_http(port)
        async with http.stream:
            await http.send(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhello")
            with trio.fail_after(120):
                assert (await http.response()).status == 408
                assert await http.closed_by_server()


async def test_client_that_stops_reading_is_dropped(autojump_clock: trio.testing.MockClock) -> None:
    async with serving(Site(), send_timeout=10) as port:
        with trio.socket.socket() as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            await sock.connect(("127.0.0.1", port))
            stream = trio.SocketStream(sock)
            await stream.send_all(b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
            # Not reading lets the server's send block; once it has timed out, the server
            # closes the connection, so reading everything there is ends in EOF (or a reset).
            await trio.sleep(60)
            received = 0
            with trio.fail_after(60):
                try:
                    while chunk := await stream.receive_some(1 << 20):
                        received += len(chunk)
                except trio.BrokenResourceError:
                    pass
            assert received < BIG_BODY


async def test_graceful_shutdown() -> None:
    site = Site()
    stop = trio.Event()
    closed: list[ConnectionClosed] = []

    async def member(ws: WebSocket, path_params: Mapping[str, str]) -> None:
        try:
            await ws.receive()
        except ConnectionClosed as exc:
            closed.append(exc)
            raise

    async with trio.open_nursery() as nursery:
        port = await nursery.start(
            partial(
                serve_tcp,
                site.app,
                {"/ws": member},
                "127.0.0.1",
                0,
                hypercorn_config=Config.from_mapping(graceful_timeout=30),
                shutdown_trigger=stop.wait,
                shutdown_reason="maintenance",
            )
        )
        responses: list[httpx.Response] = []

        async def slow_request() -> None:
            async with httpx.AsyncClient() as http:
                responses.append(await http.get(f"http://127.0.0.1:{port}/slow"))

        nursery.start_soon(slow_request)
        async with trio_websocket.open_websocket_url(f"ws://127.0.0.1:{port}/ws") as ws:
            await site.slow_entered.wait()
            stop.set()
            with pytest.raises(trio_websocket.ConnectionClosed) as info:
                await ws.get_message()
        reason = info.value.reason
        assert reason is not None
        assert (reason.code, reason.reason) == (1001, "maintenance")
        assert [(exc.code, exc.by_peer) for exc in closed] == [(1001, False)]
        # No longer accepting, while the request in flight is still being served.
        with pytest.raises(OSError):
            await trio.open_tcp_stream("127.0.0.1", port)
        assert responses == []
        site.slow_release.set()
    assert responses[0].json() == {"finished": True}
    assert site.lifespan == ["startup", "shutdown"]
