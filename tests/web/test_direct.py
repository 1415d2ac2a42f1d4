"""What the direct path answers itself and what it leaves to Quart (engine/web/_direct.py):
declared routes, then the Quart app's own URL map for everything else, rules added to it after
the table was built included (an embedder's routes)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

import trio

from engine.net import HttpHeaders, HttpRequest, serve_tcp
from engine.web._http import HttpCounters, HttpEdge, build_http_edge

from notes_app import app
from raw_http import raw_http


def _edge() -> HttpEdge:
    edge = build_http_edge(
        [app], {}, prefixed=False, counters=HttpCounters(), cors={"notes": app.cors_for({})}
    )

    # An embedder's own routes, added once the table is built.
    @edge.app.get("/mine")
    async def mine() -> str:
        return "mine"

    @edge.app.get("/folder/")
    async def folder() -> str:
        return "folder"

    return edge


def _request(method: str, path: str, **headers: str) -> HttpRequest:
    return HttpRequest(method, path, "", HttpHeaders(headers), ("127.0.0.1", 1), b"")


async def test_quarts_own_rules_are_left_to_quart():
    table = _edge().direct
    assert table.match("GET", "/mine") is None
    assert table.match("HEAD", "/mine") is None
    assert table.match("GET", "/folder") is None  # Quart redirects to /folder/


async def test_no_rule_is_a_404_and_a_method_no_rule_allows_a_405_with_allow():
    table = _edge().direct
    missing = table.match("GET", "/nowhere")
    assert missing is not None
    reply = await missing(_request("GET", "/nowhere", origin="https://ok.example"))
    assert reply.status == 404
    assert json.loads(reply.body)["detail"].startswith("The requested URL was not found")
    assert reply.headers["Access-Control-Allow-Origin"] == "https://ok.example"
    not_allowed = table.match("DELETE", "/mine")
    assert not_allowed is not None
    reply = await not_allowed(_request("DELETE", "/mine"))
    assert (reply.status, reply.headers["Allow"]) == (405, "GET, HEAD, OPTIONS")


async def test_options_on_a_rule_is_answered_with_its_methods():
    table = _edge().direct
    preflight = table.match("OPTIONS", "/mine")
    assert preflight is not None
    reply = await preflight(_request("OPTIONS", "/mine", origin="https://ok.example"))
    assert (reply.status, reply.body) == (200, b"")
    assert set(reply.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    assert "POST" in reply.headers["Access-Control-Allow-Methods"]


async def test_a_host_dependent_url_map_leaves_every_undeclared_request_to_quart():
    edge = _edge()
    edge.app.config["SERVER_NAME"] = "example.org"
    assert edge.direct.match("GET", "/nowhere") is None


@asynccontextmanager
async def _serving(edge: HttpEdge) -> AsyncIterator[int]:
    async with trio.open_nursery() as nursery:
        yield await nursery.start(
            partial(serve_tcp, edge.app, {}, "127.0.0.1", 0, direct=edge.direct)
        )
        nursery.cancel_scope.cancel()


async def test_an_embedders_route_is_served_by_quart_on_a_direct_connection():
    async with _serving(_edge()) as port, raw_http(port) as http:
        await http.send(
            b"GET /nowhere HTTP/1.1\r\nHost: t\r\n\r\n"
            b"GET /mine HTTP/1.1\r\nHost: t\r\n\r\n"
            b"GET /folder HTTP/1.1\r\nHost: t\r\n\r\n"
        )
        missing, mine, redirect = await http.responses(3)
        assert (missing.status, json.loads(missing.body)["detail"][:13]) == (404, "The requested")
        assert (mine.status, mine.body) == (200, b"mine")
        assert (redirect.status, redirect.headers["location"]) == (308, "http://t/folder/")
