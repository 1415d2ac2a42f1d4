"""The listener's direct HTTP/1.1 path on its own (engine/net/_http1.py): a route table of two
handlers beside a bare Quart-Trio app, over a raw socket."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

import trio
from quart import request
from quart_trio import QuartTrio

from engine.net._http1 import BodyRefused, Headers, HttpReply, HttpRequest, RouteHandler
from engine.net._listener import serve_tcp

from raw_http import raw_http


async def _echo(request: HttpRequest) -> HttpReply:
    """What the handler was given, as JSON."""
    body = request.body.name if isinstance(request.body, BodyRefused) else request.body.decode()
    seen = {
        "method": request.method,
        "path": request.path,
        "query": request.query,
        "agent": request.headers.get("USER-AGENT"),
        "body": body,
    }
    return HttpReply(200, {"content-type": "application/json"}, json.dumps(seen).encode())


class _Routes:
    def match(self, method: str, path: str) -> RouteHandler | None:
        return _echo if path.startswith("/direct/") and method in ("GET", "HEAD", "POST") else None


def _quart() -> QuartTrio:
    app = QuartTrio(__name__)

    @app.post("/quart")
    async def quart() -> dict[str, str]:
        body = await request.get_data(cache=True, as_text=True, parse_form_data=False)
        return {"served_by": "quart", "body": body}

    return app


@asynccontextmanager
async def _serving() -> AsyncIterator[int]:
    async with trio.open_nursery() as nursery:
        serve = partial(serve_tcp, _quart(), {}, "127.0.0.1", 0, direct=_Routes(), max_body=64)
        yield await nursery.start(serve)
        nursery.cancel_scope.cancel()


def test_headers_are_case_insensitive_and_keep_the_first_value():
    headers = Headers({"x-one": "1"})
    assert (headers["X-One"], headers.get("x-ONE"), headers.get("nope")) == ("1", "1", None)
    assert "X-ONE" in headers and list(headers) == ["x-one"]


async def test_a_connection_is_handed_to_hypercorn_from_the_first_request_not_ours():
    """Every byte from that request on reaches the ASGI app, pipelined body included."""
    async with _serving() as port, raw_http(port) as http:
        await http.send(
            b"GET /direct/a%20b?x=1 HTTP/1.1\r\nHost: t\r\nUser-Agent: raw\r\n\r\n"
            b"POST /quart HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello"
            b"POST /direct/after HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nhi"
        )
        direct, quart, after = await http.responses(3)
        assert json.loads(direct.body) == {
            "method": "GET", "path": "/direct/a b", "query": "x=1", "agent": "raw", "body": "",
        }  # fmt: skip
        assert json.loads(quart.body) == {"served_by": "quart", "body": "hello"}
        # Hypercorn's connection from then on: it has no route /direct/after.
        assert after.status == 404


async def test_a_body_over_the_limit_is_not_read_and_the_connection_closes():
    async with _serving() as port, raw_http(port) as http:
        await http.send(b"POST /direct/big HTTP/1.1\r\nHost: t\r\nContent-Length: 65\r\n\r\n")
        refused = await http.response()
        assert (json.loads(refused.body)["body"], refused.headers["connection"]) == (
            "TOO_LARGE",
            "close",
        )
        assert await http.closed_by_server()
