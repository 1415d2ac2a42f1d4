from __future__ import annotations

import base64
import hashlib
import json
import socket
from functools import partial

import hypercorn.config
import hypercorn.trio
import pytest
import trio
import trio.testing
import trio_websocket
from quart import request, websocket
from quart_trio import QuartTrio

from engine.net.client import (
    InvalidMessage,
    ReceiveTimeout,
    WebSocketClosed,
    WebSocketHandshakeFailed,
    WebSocketRejected,
    open_client,
)


async def _ws_handler(ws_request: trio_websocket.WebSocketRequest) -> None:
    """A scriptable peer: each JSON command says what to send back."""
    if ws_request.path.startswith("/reject"):
        await ws_request.reject(403, body=b"not for you")
        return
    offered = ws_request.proposed_subprotocols
    ws = await ws_request.accept(subprotocol=offered[-1] if offered else None)
    headers = {name.decode(): value.decode() for name, value in ws_request.headers}
    hello = {"type": "hello", "path": ws_request.path, "headers": headers}
    await ws.send_message(json.dumps(hello))
    while True:
        try:
            text = await ws.get_message()
        except trio_websocket.ConnectionClosed:
            return
        try:
            command = json.loads(text)
        except ValueError:
            await ws.send_message(json.dumps({"type": "error", "got": text}))
            continue
        match command.get("cmd"):
            case "emit":
                for message in command["messages"]:
                    await ws.send_message(json.dumps(message))
            case "drip":  # one message per second, under whichever clock runs the test
                for n in range(command["count"]):
                    await trio.sleep(1)
                    await ws.send_message(json.dumps({"type": "tick", "n": n}))
            case "raw":
                await ws.send_message(command["text"])
            case "close":
                await ws.aclose(command["code"], command["reason"])
                return
            case "silence":
                pass
            case _:
                await ws.send_message(json.dumps({"type": "echo", "message": command}))


@pytest.fixture
async def ws_base(nursery: trio.Nursery) -> str:
    server = await nursery.start(trio_websocket.serve_websocket, _ws_handler, "127.0.0.1", 0, None)
    return f"http://127.0.0.1:{server.port}"


def _quart_app() -> QuartTrio:
    app = QuartTrio(__name__)

    @app.get("/api/hello")
    async def hello() -> dict:
        return {
            "name": request.args.get("name"),
            "authorization": request.headers.get("Authorization"),
            "cookie": request.cookies.get("sid"),
        }

    @app.route("/api/items/<item>", methods=["POST", "PUT", "PATCH", "DELETE"])
    async def items(item: str) -> tuple[dict, int]:
        body = await request.get_json(silent=True)
        return {"method": request.method, "item": item, "body": body}, 201

    @app.websocket("/api/ws")
    async def ws() -> None:
        await websocket.accept()
        await websocket.send_json(
            {
                "type": "hello",
                "room": websocket.args.get("room"),
                "authorization": websocket.headers.get("Authorization"),
                "cookie": websocket.cookies.get("sid"),
            }
        )
        while True:
            message = await websocket.receive_json()
            await websocket.send_json({"type": "echo", "message": message})

    return app


@pytest.fixture
async def http_base(nursery: trio.Nursery) -> str:
    config = hypercorn.config.Config()
    config.bind = ["127.0.0.1:0"]
    (bound,) = await nursery.start(hypercorn.trio.serve, _quart_app(), config)
    return bound  # "http://127.0.0.1:<port>"


async def test_http_calls_resolve_under_the_base_url_with_default_headers(http_base: str) -> None:
    async with open_client(
        f"{http_base}/api", headers={"Authorization": "Bearer t0k"}, cookies={"sid": "s1"}
    ) as client:
        response = await client.get("/hello", params={"name": "ada"})
        assert response.status_code == 200
        assert response.json() == {"name": "ada", "authorization": "Bearer t0k", "cookie": "s1"}

        for method in ("post", "put", "patch", "delete"):
            response = await getattr(client, method)("/items/7", json={"n": 1})
            assert response.status_code == 201
            assert response.json() == {"method": method.upper(), "item": "7", "body": {"n": 1}}

        missing = await client.get("/nowhere")
        assert missing.status_code == 404


async def test_websocket_shares_the_base_url_headers_and_cookies(http_base: str) -> None:
    async with open_client(
        f"{http_base}/api", headers={"Authorization": "Bearer t0k"}, cookies={"sid": "s1"}
    ) as client:
        async with client.websocket("/ws", params={"room": "r1"}) as ws:
            assert await ws.receive_json() == {
                "type": "hello",
                "room": "r1",
                "authorization": "Bearer t0k",
                "cookie": "s1",
            }
            await ws.write_json({"say": "hi"})
            assert await ws.receive_json() == {"type": "echo", "message": {"say": "hi"}}


async def test_websocket_sends_path_query_and_extra_headers(ws_base: str) -> None:
    async with open_client(ws_base, headers={"X-Client": "tests"}) as client:
        async with client.websocket(
            "/rooms/9",
            params={"token": "a b"},
            headers={"X-Trace": "42"},
            subprotocols=["party.v0", "party.v1"],
        ) as ws:
            assert ws.subprotocol == "party.v1"
            hello = await ws.receive_json()
            assert hello["path"] == "/rooms/9?token=a+b"
            assert hello["headers"]["x-client"] == "tests"
            assert hello["headers"]["x-trace"] == "42"
            assert hello["headers"]["connection"].lower() == "upgrade"
            assert not ws.closed


async def test_receive_until_skips_into_pending_and_later_receives_take_those_first(
    ws_base: str,
) -> None:
    async with open_client(ws_base) as client, client.websocket("/") as ws:
        await ws.receive_until("hello")
        await ws.write_json(
            {"cmd": "emit", "messages": [{"type": "a"}, {"type": "b", "n": 1}, {"type": "c"}, [1]]}
        )
        assert await ws.receive_until("c") == {"type": "c"}
        assert ws.pending == ({"type": "a"}, {"type": "b", "n": 1})

        assert await ws.receive_until(lambda m: m == [1]) == [1]
        assert await ws.receive_until("b") == {"type": "b", "n": 1}  # found among pending
        assert await ws.receive_json() == {"type": "a"}
        assert not ws.pending


async def test_type_key_selects_the_field_that_names_a_message(ws_base: str) -> None:
    async with open_client(ws_base) as client, client.websocket("/", type_key="event") as ws:
        await ws.write_json({"cmd": "emit", "messages": [{"type": "x"}, {"event": "room_created"}]})
        assert await ws.receive_until("room_created") == {"event": "room_created"}
        assert [m["type"] for m in ws.take_pending()] == ["hello", "x"]
        assert ws.pending == ()


async def test_pending_is_bounded_and_drops_the_oldest(ws_base: str) -> None:
    async with open_client(ws_base) as client, client.websocket("/", max_pending=2) as ws:
        numbered = [{"type": "n", "n": n} for n in range(4)]
        await ws.write_json({"cmd": "emit", "messages": [*numbered, {"type": "end"}]})
        await ws.receive_until("end")
        assert ws.pending == ({"type": "n", "n": 2}, {"type": "n", "n": 3})
        assert ws.dropped == 3  # hello, n=0 and n=1


async def test_server_close_is_reported_with_its_code_and_reason_after_earlier_messages(
    ws_base: str,
) -> None:
    async with open_client(ws_base) as client, client.websocket("/") as ws:
        await ws.write_json({"cmd": "close", "code": 4001, "reason": "rate limited"})
        assert (await ws.receive_json())["type"] == "hello"
        with pytest.raises(WebSocketClosed) as closed:
            await ws.receive_until("anything")
        assert (closed.value.code, closed.value.reason) == (4001, "rate limited")
        assert (ws.close_code, ws.close_reason) == (4001, "rate limited")
        assert ws.closed
        with pytest.raises(WebSocketClosed):
            await ws.write_json({"too": "late"})


async def test_closing_from_the_client_side(ws_base: str) -> None:
    async with open_client(ws_base) as client, client.websocket("/") as ws:
        await ws.receive_json()
        await ws.close()
        await ws.close()  # idempotent
        assert ws.close_code == 1000
        with pytest.raises(WebSocketClosed):
            await ws.receive_json()


async def test_an_error_in_the_block_propagates_unwrapped_and_the_socket_is_closed(
    ws_base: str,
) -> None:
    class Boom(Exception):
        pass

    async with open_client(ws_base) as client:
        with pytest.raises(Boom):
            async with client.websocket("/") as ws:
                await ws.receive_json()
                raise Boom
        assert ws.closed


async def test_receive_times_out_and_the_connection_stays_usable(
    ws_base: str, autojump_clock: trio.testing.MockClock
) -> None:
    async with open_client(ws_base) as client, client.websocket("/") as ws:
        await ws.receive_json()
        await ws.write_json({"cmd": "silence"})
        before = trio.current_time()
        with pytest.raises(ReceiveTimeout):
            await ws.receive_json(timeout=30)
        assert trio.current_time() - before == pytest.approx(30)
        await ws.write_json({"ping": 1})
        assert (await ws.receive_json())["type"] == "echo"


async def test_receive_until_timeout_bounds_the_whole_wait(
    ws_base: str, autojump_clock: trio.testing.MockClock
) -> None:
    async with open_client(ws_base) as client, client.websocket("/") as ws:
        await ws.receive_json()
        await ws.write_json({"cmd": "drip", "count": 10})
        with pytest.raises(ReceiveTimeout, match="3 pending"):
            await ws.receive_until("never", timeout=3.5)
        assert [m["n"] for m in ws.pending] == [0, 1, 2]


async def test_non_json_messages_raise_invalid_message(ws_base: str) -> None:
    async with open_client(ws_base) as client, client.websocket("/") as ws:
        await ws.receive_json()
        await ws.write_text("{not json")
        assert await ws.receive_json() == {"type": "error", "got": "{not json"}
        await ws.write_json({"cmd": "raw", "text": "plain words"})
        with pytest.raises(InvalidMessage) as invalid:
            await ws.receive_json()
        assert invalid.value.data == "plain words"


async def test_a_rejected_upgrade_reports_status_and_body(ws_base: str) -> None:
    async with open_client(ws_base) as client:
        with pytest.raises(WebSocketRejected) as rejected:
            async with client.websocket("/reject"):
                pytest.fail("the server should have rejected the upgrade")
        assert rejected.value.status_code == 403
        assert rejected.value.body == b"not for you"


async def test_an_unreachable_server_fails_the_handshake() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago and has no listener
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    async with open_client(f"http://127.0.0.1:{port}") as client:
        with pytest.raises(WebSocketHandshakeFailed) as failed:
            async with client.websocket("/"):
                pytest.fail("nothing listens there")
        assert not isinstance(failed.value, WebSocketRejected)


async def test_open_client_checks_its_arguments() -> None:
    with pytest.raises(ValueError):
        async with open_client("ws://127.0.0.1:1"):
            pass
    with pytest.raises(ValueError):
        async with open_client("http://127.0.0.1:1", timeout=0):
            pass


async def _ping_while_closing(stream: trio.SocketStream) -> None:
    """A server that answers the client's close with a ping first, then its own close: the
    pings of a heartbeat cross a close on a real network."""
    head = b""
    while b"\r\n\r\n" not in head:
        head += await stream.receive_some(4096)
    key = next(
        line.split(b":", 1)[1].strip()
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"sec-websocket-key:")
    )
    accept = base64.b64encode(hashlib.sha1(key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
    await stream.send_all(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n"
    )
    received = b""
    while not received or received[0] & 0x0F != 0x8:  # the client's close frame
        received = await stream.receive_some(4096)
    ping, close = b"\x89\x00", b"\x88\x02\x03\xe8"  # unmasked: ping, close 1000
    await stream.send_all(ping + close)
    await stream.aclose()


async def test_a_ping_arriving_while_the_client_closes_is_no_error(
    nursery: trio.Nursery,
) -> None:
    # trio-websocket's reader answers the ping with a pong, which wsproto refuses once our
    # close is sent: the connection was closing as asked, not failing.
    [listener] = await nursery.start(
        partial(trio.serve_tcp, _ping_while_closing, 0, host="127.0.0.1")
    )
    port = listener.socket.getsockname()[1]
    async with open_client(f"http://127.0.0.1:{port}") as client:
        async with client.websocket("/") as ws:
            await ws.close()
        assert ws.close_code == 1000
