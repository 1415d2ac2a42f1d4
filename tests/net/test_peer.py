"""serve_peer and Peer (engine/net/_peer.py) over real loopback sockets, with a recording party.

Every test waits for events, never for time: the party answers `Seen(n)` once it has recorded
n messages (stashing the ask until then), and clients wait for frames or for the close.
"""

from __future__ import annotations

import logging
import math
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

import attrs
import pytest
import trio
import trio.testing
from quart_trio import QuartTrio

from engine.actors import Actor, ActorRef, on
from engine.net import (
    Peer,
    PeerConnected,
    PeerDisconnected,
    PeerMessage,
    RateLimiter,
    RateLimitKind,
    RateLimitRule,
    WebSocket,
    WebSocketOptions,
    serve_peer,
    serve_tcp,
)
from engine.net.client import ClientWebSocket, WebSocketClosed, open_client
from engine.supervisors import ActorSystem, open_actor_system


class Errors:
    def malformed(self, reason: str) -> dict[str, Any]:
        return {"error": "malformed", "reason": reason}

    def too_big(self, limit: int) -> dict[str, Any]:
        return {"error": "too_big", "limit": limit}

    def rate_limited(self, retry_after: float) -> dict[str, Any]:
        return {"error": "rate_limited", "retry_after": retry_after}

    def internal_error(self) -> dict[str, Any]:
        return {"error": "internal"}


@attrs.frozen
class Seen:
    """Ask: the recorded messages, once there are at least `count`."""

    count: int


class Recorder(Actor):
    """A party that records what it is told, says hello, echoes, and obeys a few commands."""

    def __init__(self, gate: trio.Event | None = None) -> None:
        self.log: list[Any] = []
        self.gate = gate

    @on(PeerConnected)
    async def connected(self, message: PeerConnected) -> None:
        if self.gate is not None:
            await self.gate.wait()
        self._record(message)
        message.peer.send_json({"hello": message.peer.id})

    @on(PeerMessage)
    def received(self, message: PeerMessage) -> None:
        self._record(message)
        body = message.message
        if "close" in body:
            message.peer.close(body["close"], body.get("reason", ""))
        elif "unencodable" in body:
            # A bug of the party: an answer JSON cannot carry.
            message.peer.send_json({"ratio": math.inf, "name": "\ud800"})
        else:
            message.peer.send_json({"echo": body})

    @on(PeerDisconnected)
    def disconnected(self, message: PeerDisconnected) -> None:
        self._record(message)

    @on(Seen)
    def seen(self, message: Seen) -> list[Any]:
        if len(self.log) < message.count:
            self.stash()
        return list(self.log)

    def _record(self, message: Any) -> None:
        self.log.append(message)
        self.unstash_all()


Route = Callable[[WebSocket, Mapping[str, str]], Any]


@asynccontextmanager
async def serving(
    route: Route, options: WebSocketOptions = WebSocketOptions()
) -> AsyncIterator[str]:
    """Serve `route` at /peer on a loopback port; yields the base URL."""
    stop = trio.Event()
    async with trio.open_nursery() as nursery:
        port = await nursery.start(
            partial(
                serve_tcp,
                QuartTrio(__name__),
                {"/peer": route},
                "127.0.0.1",
                0,
                websocket_options=options,
                shutdown_trigger=stop.wait,
            )
        )
        yield f"http://127.0.0.1:{port}"
        stop.set()


@asynccontextmanager
async def party_and_route(
    **serve_options: Any,
) -> AsyncIterator[tuple[ActorSystem, ActorRef, Route]]:
    async with open_actor_system() as system:
        party = await system.spawn(Recorder)

        async def route(ws: WebSocket, path_params: Mapping[str, str]) -> None:
            await serve_peer(ws, party, errors=Errors(), **serve_options)

        yield system, party, route


@asynccontextmanager
async def connect(url: str) -> AsyncIterator[ClientWebSocket]:
    async with open_client(url) as client, client.websocket("/peer") as ws:
        yield ws


async def closed_with(ws: ClientWebSocket) -> tuple[int | None, str | None]:
    """Read until the server's close; return its code and reason."""
    with pytest.raises(WebSocketClosed) as info:
        while True:
            await ws.receive_json()
    return info.value.code, info.value.reason


async def test_the_party_hears_connect_messages_and_disconnect_in_order() -> None:
    async with party_and_route(attrs={"user": 7}) as (_, party, route), serving(route) as url:
        async with connect(url) as ws:
            hello = await ws.receive_json()
            await ws.write_json({"type": "hi"})
            assert await ws.receive_json() == {"echo": {"type": "hi"}}
            await ws.close(4000, "bye")
        connected, message, disconnected = await party.ask(Seen(3))
    peer = connected.peer
    assert isinstance(peer, Peer)
    assert hello == {"hello": peer.id}
    assert message == PeerMessage(peer, {"type": "hi"})
    assert disconnected == PeerDisconnected(peer, 4000, "bye", by_peer=True)
    assert type(disconnected.code) is int
    assert peer.attrs == {"user": 7}
    assert peer.remote_addr is not None and peer.remote_addr[0] == "127.0.0.1"
    assert peer.closed
    assert not peer.send_json({"too": "late"})


async def test_by_peer_tells_a_client_leaving_from_the_server_closing() -> None:
    async with party_and_route() as (_, party, route), serving(route) as url:
        # The client leaves with the very code a server shutdown uses (1001)...
        async with connect(url) as ws:
            await ws.receive_json()
            await ws.close(1001, "tab closed")
        # ...and the server closes the next connection (a lost socket, 1006 with by_peer
        # True, is the WebSocket's own report: see test_websocket.py).
        async with connect(url) as ws:
            await ws.receive_json()
            await ws.write_json({"close": 1001, "reason": "server going down"})
            assert await closed_with(ws) == (1001, "server going down")
        log = await party.ask(Seen(5))
    assert log[1] == PeerDisconnected(log[0].peer, 1001, "tab closed", by_peer=True)
    assert log[4] == PeerDisconnected(log[2].peer, 1001, "server going down", by_peer=False)


async def test_an_answer_that_cannot_be_encoded_is_logged_and_replaced_by_the_apps_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with party_and_route() as (system, party, route), serving(route) as url:
        async with connect(url) as ws:
            await ws.receive_json()
            await ws.write_json({"unencodable": True})
            assert await ws.receive_json() == {"error": "internal"}
            await ws.write_json({"still": "open"})
            assert await ws.receive_json() == {"echo": {"still": "open"}}
        await party.ask(Seen(4))
        assert system.snapshot().restarts == 0
        assert [actor.restarts for actor in system.snapshot().actors()] == [0]
    bug, where = [r for r in caplog.records if r.levelno == logging.ERROR]
    # Which party's handler sent it (in the stack), to whom and on which route.
    assert "could not encode" in bug.getMessage()
    assert bug.stack_info is not None
    assert "in received" in bug.stack_info and "test_peer.py" in bug.stack_info
    assert "/peer" in where.getMessage() and "Peer" in where.getMessage()


async def test_bad_messages_are_answered_and_the_connection_kept() -> None:
    options = WebSocketOptions(max_message_size=100, close_on_oversize=False)
    async with party_and_route() as (_, party, route), serving(route, options) as url:
        async with connect(url) as ws:
            await ws.receive_json()
            await ws.write_text("{oops")
            answer = await ws.receive_json()
            assert answer["error"] == "malformed"
            assert answer["reason"].startswith("malformed JSON")
            await ws.write_text("[1]")
            assert await ws.receive_json() == {
                "error": "malformed",
                "reason": "not a JSON object: got array",
            }
            await ws.write_text("x" * 101)
            assert await ws.receive_json() == {"error": "too_big", "limit": 100}
            await ws.write_json({"still": "open"})
            assert await ws.receive_json() == {"echo": {"still": "open"}}
        log = await party.ask(Seen(3))
    assert [type(m) for m in log] == [PeerConnected, PeerMessage, PeerDisconnected]


async def test_oversized_messages_close_with_1009_unless_the_route_keeps_them_open() -> None:
    options = WebSocketOptions(max_message_size=100)
    async with party_and_route() as (_, party, route), serving(route, options) as url:
        async with connect(url) as ws:
            await ws.receive_json()
            await ws.write_text("x" * 101)
            assert await closed_with(ws) == (1009, "message too big")
        log = await party.ask(Seen(2))
    assert log[1] == PeerDisconnected(log[0].peer, 1009, "message too big", by_peer=False)


async def test_rate_limited_messages_are_answered_until_the_abuse_threshold(
    autojump_clock: trio.testing.MockClock,
) -> None:
    limit = RateLimiter(RateLimitRule(2, 10.0, RateLimitKind.TOKEN_BUCKET)).keyed("me")
    async with party_and_route(rate_limit=limit, abuse_threshold=3) as (_, party, route):
        async with serving(route) as url, connect(url) as ws:
            await ws.receive_json()
            for n in range(4):
                await ws.write_json({"n": n})
            assert [await ws.receive_json() for _ in range(4)] == [
                {"echo": {"n": 0}},
                {"echo": {"n": 1}},
                {"error": "rate_limited", "retry_after": pytest.approx(5.0)},
                {"error": "rate_limited", "retry_after": pytest.approx(5.0)},
            ]
            # Refilled after the retry time: an allowed message resets the count.
            await trio.sleep(5.0)
            await ws.write_json({"n": 4})
            assert await ws.receive_json() == {"echo": {"n": 4}}
            for n in range(5, 9):
                await ws.write_json({"n": n})
            # 5 and 6 are refused; 7 is the third refusal in a row and closes; 8 is never read.
            limited = {"error": "rate_limited", "retry_after": pytest.approx(5.0)}
            assert [await ws.receive_json() for _ in range(2)] == [limited, limited]
            assert await closed_with(ws) == (1008, "rate limit exceeded")
        log = await party.ask(Seen(5))
    assert [m.message["n"] for m in log if type(m) is PeerMessage] == [0, 1, 4]
    assert log[-1].code == 1008


async def test_the_rate_limit_is_the_clients_across_its_connections(
    autojump_clock: trio.testing.MockClock,
) -> None:
    limiter = RateLimiter(RateLimitRule(3, 60.0, RateLimitKind.FIXED_WINDOW))

    def route_for(key: str) -> Route:
        async def route(ws: WebSocket, path_params: Mapping[str, str]) -> None:
            await serve_peer(ws, party, errors=Errors(), rate_limit=limiter.keyed(key))

        return route

    async with open_actor_system() as system:
        party = await system.spawn(Recorder)
        async with serving(route_for("me")) as url:
            for n in range(2):
                async with connect(url) as ws:
                    await ws.receive_json()
                    await ws.write_json({"n": n})
                    assert await ws.receive_json() == {"echo": {"n": n}}
            async with connect(url) as ws:
                await ws.receive_json()
                for n in (2, 3):
                    await ws.write_json({"n": n})
                # Reconnecting reset nothing: the fourth message of the window is refused.
                assert [await ws.receive_json() for _ in range(2)] == [
                    {"echo": {"n": 2}},
                    {"error": "rate_limited", "retry_after": pytest.approx(60.0)},
                ]
        async with serving(route_for("someone else")) as url, connect(url) as ws:
            await ws.receive_json()
            await ws.write_json({"n": 4})
            assert await ws.receive_json() == {"echo": {"n": 4}}


async def test_on_message_routes_messages_and_the_party_keeps_the_lifecycle() -> None:
    routed: list[tuple[Peer, Any]] = []
    async with open_actor_system() as system:
        party = await system.spawn(Recorder)

        def on_message(peer: Peer, message: Any) -> None:
            routed.append((peer, message))
            peer.send_json({"routed": message})

        async def route(ws: WebSocket, path_params: Mapping[str, str]) -> None:
            await serve_peer(ws, party, errors=Errors(), on_message=on_message)

        async with serving(route) as url, connect(url) as ws:
            await ws.receive_json()
            await ws.write_json({"a": 1})
            assert await ws.receive_json() == {"routed": {"a": 1}}
        log = await party.ask(Seen(2))
    assert [type(m) for m in log] == [PeerConnected, PeerDisconnected]
    assert routed == [(log[0].peer, {"a": 1})]


async def test_on_message_alone_needs_no_party() -> None:
    async def route(ws: WebSocket, path_params: Mapping[str, str]) -> None:
        await serve_peer(ws, errors=Errors(), on_message=lambda peer, m: peer.send_json(m))

    async with serving(route) as url, connect(url) as ws:
        await ws.write_json({"a": 1})
        assert await ws.receive_json() == {"a": 1}


async def test_the_party_can_close_a_peer_with_its_own_code() -> None:
    async with party_and_route() as (_, party, route), serving(route) as url:
        async with connect(url) as ws:
            await ws.receive_json()
            await ws.write_json({"close": 4001, "reason": "kicked"})
            assert await closed_with(ws) == (4001, "kicked")
        log = await party.ask(Seen(3))
    assert log[2] == PeerDisconnected(log[0].peer, 4001, "kicked", by_peer=False)


async def test_a_stopped_party_closes_its_peers_connections_at_their_next_message() -> None:
    async with party_and_route() as (system, party, route), serving(route) as url:
        async with connect(url) as ws:
            await ws.receive_json()
            await system.stop(party)
            await ws.write_json({"anyone": "there?"})
            assert await closed_with(ws) == (1011, "party unavailable")


async def test_a_full_party_mailbox_closes_the_connection_with_1013() -> None:
    gate = trio.Event()
    async with open_actor_system() as system:
        # The party is stuck on the first PeerConnected; its mailbox holds two more messages.
        party = await system.spawn(partial(Recorder, gate), mailbox_capacity=2)

        async def route(ws: WebSocket, path_params: Mapping[str, str]) -> None:
            await serve_peer(ws, party, errors=Errors())

        async with serving(route) as url, connect(url) as ws:
            for n in range(4):
                await ws.write_json({"n": n})
            assert await closed_with(ws) == (1013, "party busy")
            gate.set()


async def test_a_bug_in_on_message_closes_with_1011_and_the_party_still_hears_of_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def on_message(peer: Peer, message: Any) -> None:
        raise RuntimeError("bug")

    async with open_actor_system() as system:
        party = await system.spawn(Recorder)

        async def route(ws: WebSocket, path_params: Mapping[str, str]) -> None:
            await serve_peer(ws, party, errors=Errors(), on_message=on_message)

        with caplog.at_level(logging.ERROR):
            async with serving(route) as url, connect(url) as ws:
                await ws.receive_json()
                await ws.write_json({"boom": True})
                assert await closed_with(ws) == (1011, "internal error")
        log = await party.ask(Seen(2))
    assert log[1] == PeerDisconnected(log[0].peer, 1011, "internal error", by_peer=False)
    assert "RuntimeError: bug" in caplog.text


async def test_cancellation_tells_the_party_the_peer_went_away() -> None:
    async with party_and_route() as (_, party, route):
        async with trio.open_nursery() as nursery:
            server = trio.CancelScope()

            async def run_server(*, task_status: trio.TaskStatus[int]) -> None:
                with server:
                    # No shutdown trigger: cancelling it is the only way it ends.
                    await serve_tcp(
                        QuartTrio(__name__),
                        {"/peer": route},
                        "127.0.0.1",
                        0,
                        task_status=task_status,
                    )

            port = await nursery.start(run_server)
            async with connect(f"http://127.0.0.1:{port}") as ws:
                await ws.receive_json()
                server.cancel()
                code, _ = await closed_with(ws)
        log = await party.ask(Seen(2))
    # Whichever task of the connection Trio cancels first decides: the reader (a close frame
    # with 1001 goes out if the socket takes it) or the writer (the socket is just closed).
    assert code in (1001, 1006)
    assert log[1] in (
        PeerDisconnected(log[0].peer, 1001, "going away", by_peer=False),
        PeerDisconnected(log[0].peer, 1006, "connection aborted", by_peer=False),
    )


async def test_arguments_are_checked_and_peers_are_made_only_by_serve_peer() -> None:
    with pytest.raises(TypeError):
        await serve_peer(None, errors=Errors())  # type: ignore[arg-type]
    async with open_actor_system() as system:
        party = await system.spawn(Recorder)
        with pytest.raises(ValueError):
            await serve_peer(None, party, errors=Errors(), abuse_threshold=0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Peer(None, {}, None)  # type: ignore[arg-type]
