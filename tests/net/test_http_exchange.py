"""HTTP connections of the served engine never hang (engine/net/_http_exchange.py, with the
listener's stream): keep-alive after an early response, `Connection: close`, a stalled body."""

from __future__ import annotations

import json

import trio

from engine.testing import serve_apps

from notes_app import app as notes
from raw_http import open_raw_http


async def test_engine_keeps_the_connection_after_a_405_sent_before_the_body(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with serve_apps([]) as served:
        http = await open_raw_http(served.port)
        async with http.stream:
            for _ in range(3):
                await http.send(b"PUT /health HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n")
                await trio.sleep(0.01)
                await http.send(b"hello")
                assert (await http.response()).status == 405
            await http.send(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            with trio.fail_after(60):
                assert (await http.response()).status == 200


async def test_engine_closes_a_connection_close_request_after_its_response(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with serve_apps([]) as served:
        http = await open_raw_http(served.port)
        async with http.stream:
            await http.send(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert (await http.response()).status == 200
            # Well before the keep-alive timeout, which would close it anyway.
            with trio.fail_after(1):
                assert await http.closed_by_server()


async def test_engine_answers_a_body_that_stops_coming_with_408_and_closes(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with serve_apps([notes], prefixed=False) as served:
        http = await open_raw_http(served.port)
        async with http.stream:
            await http.send(b'POST /notes HTTP/1.1\r\nHost: x\r\nContent-Length: 20\r\n\r\n{"te')
            with trio.fail_after(120):
                response = await http.response()
                assert response.status == 408
                assert "detail" in json.loads(response.body)
                assert await http.closed_by_server()
