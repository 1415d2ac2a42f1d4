"""A small chat room on the engine's peer layer, for the net end-to-end tests.

Each room is a persistent actor holding its peers and an `EventStream`; clients connect to
`/rooms/{room_id}?name=NAME` and are served by `serve_peer`. Client messages:

- `{"type": "say", "text": T}`: everyone gets `{"type": "said", "name", "text",
  "sequence_number"}`, durable before it is sent.
- `{"type": "whisper", "to": NAME, "text": T}`: only NAME's connections get
  `{"type": "whisper", "from", "text"}` (private: not sequenced, not replayed).
- `{"type": "resume", "last_seq": N}`: the missed `said` events, then
  `{"type": "resumed", "replayed": n}`; or `{"type": "snapshot", "seq", "said"}` when they
  are too old.

On connecting, a client gets `{"type": "welcome", "name", "seq", "members"}`. Errors are
`{"type": "error", "code", "message"}` with codes `malformed`, `too_big`, `rate_limited`,
`unknown_type`, `invalid` and `unknown_peer`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from functools import partial
from typing import Any
from urllib.parse import parse_qs

import attrs
import trio
from quart_trio import QuartTrio

from engine.actors import ActorRef, on
from engine.net import (
    Accept,
    EventStream,
    Peer,
    PeerConnected,
    PeerDisconnected,
    PeerMessage,
    RateLimiter,
    RateLimitRule,
    WebSocket,
    WebSocketOptions,
    WebSocketRequest,
    WebSocketResolver,
    serve_peer,
    serve_tcp,
)
from engine.store import PersistentActor, Store, open_store
from engine.supervisors import ActorSystem, open_actor_system

#: What a snapshot carries: the newest said messages.
HISTORY = 20


@attrs.frozen
class Said:
    name: str
    text: str


@attrs.frozen
class RoomState:
    seq: int = 0
    said: tuple[Said, ...] = ()


@attrs.frozen
class Members:
    """Ask: the names of the connected peers, in joining order."""


@attrs.frozen
class WaitGone:
    """Ask: wait until no peer is named `name`; answers how its last connection ended."""

    name: str


@attrs.frozen
class Stats:
    """Ask: the room's `EventStreamStatistics`."""


class RoomErrors:
    """The room's error format, for what `serve_peer` answers itself."""

    def malformed(self, reason: str) -> dict[str, Any]:
        return _error("malformed", reason)

    def too_big(self, limit: int) -> dict[str, Any]:
        return _error("too_big", f"messages are limited to {limit} bytes")

    def rate_limited(self, retry_after: float) -> dict[str, Any]:
        return {**_error("rate_limited", "slow down"), "retry_after": retry_after}

    def internal_error(self) -> dict[str, Any]:
        return _error("internal", "the server could not answer")


def _error(code: str, message: str) -> dict[str, Any]:
    return {"type": "error", "code": code, "message": message}


class Room(PersistentActor[RoomState]):
    kind = "test.room"
    state_type = RoomState

    def __init__(self, store: Store, key: str, *, capacity: int) -> None:
        super().__init__(store, key)
        self.events = EventStream(capacity=capacity)
        self.peers: dict[Peer, None] = {}
        self.departures: dict[str, tuple[int, str]] = {}

    def initial_state(self) -> RoomState:
        return RoomState()

    async def on_loaded(self, restored: bool) -> None:
        if restored:
            after = max(0, self.state.seq - self.events.capacity)
            log = await self.store.read_events(self.kind, self.key, after=after)
            self.events.restore(self.state.seq, log, after=after)

    @on(PeerConnected)
    def connected(self, message: PeerConnected) -> None:
        self._admit(message.peer)
        message.peer.send_json(
            {
                "type": "welcome",
                "name": message.peer.attrs["name"],
                "seq": self.events.seq,
                "members": self._names(),
            }
        )

    @on(PeerDisconnected)
    def disconnected(self, message: PeerDisconnected) -> None:
        self.peers.pop(message.peer, None)
        self.departures[message.peer.attrs["name"]] = (message.code, message.reason)
        self.unstash_all()

    @on(PeerMessage)
    def received(self, message: PeerMessage) -> None:
        peer, body = message.peer, message.message
        if peer not in self.peers:
            # Connections outlive a crash of the room; take them back as they speak.
            self._admit(peer)
        kind = body.get("type")
        if kind == "say" and isinstance(body.get("text"), str):
            self._say(peer, body["text"])
        elif kind == "whisper" and isinstance(body.get("text"), str):
            self._whisper(peer, body.get("to"), body["text"])
        elif kind == "resume" and type(body.get("last_seq")) is int:
            self._resume(peer, body["last_seq"])
        elif kind in ("say", "whisper", "resume"):
            peer.send_json(_error("invalid", f"bad fields for {kind}"))
        else:
            peer.send_json(_error("unknown_type", f"unknown message type {kind!r}"))

    @on(Members)
    def members(self, message: Members) -> list[str]:
        return self._names()

    @on(WaitGone)
    def wait_gone(self, message: WaitGone) -> tuple[int, str] | None:
        if message.name in self._names():
            self.stash()
            return None
        return self.departures.get(message.name)

    @on(Stats)
    def stats(self, message: Stats) -> Any:
        return self.events.statistics()

    def _admit(self, peer: Peer) -> None:
        # Live events reach the peer from here on; a resume replays only what came before.
        peer.attrs["joined_at"] = self.events.seq
        self.peers[peer] = None

    def _names(self) -> list[str]:
        return [peer.attrs["name"] for peer in self.peers]

    def _say(self, peer: Peer, text: str) -> None:
        name = peer.attrs["name"]
        event = {"type": "said", "name": name, "text": text}
        seq = self.events.publish(event, self.peers, journal=self)
        said = (*self.state.said, Said(name, text))[-HISTORY:]
        self.state = attrs.evolve(self.state, seq=seq, said=said)

    def _whisper(self, peer: Peer, to: Any, text: str) -> None:
        targets = [other for other in self.peers if other.attrs["name"] == to]
        if not targets:
            peer.send_json(_error("unknown_peer", f"nobody here is called {to!r}"))
        for target in targets:
            target.send_json({"type": "whisper", "from": peer.attrs["name"], "text": text})

    def _resume(self, peer: Peer, last_seq: int) -> None:
        frames = self.events.since(last_seq, upto=peer.attrs["joined_at"])
        if frames is None:
            said = [attrs.asdict(item) for item in self.state.said]
            peer.send_json({"type": "snapshot", "seq": self.state.seq, "said": said})
            return
        for frame in frames:
            peer.send(frame)
        peer.send_json({"type": "resumed", "replayed": len(frames)})


@attrs.frozen
class RoomConfig:
    capacity: int = 100
    rate_limit: RateLimitRule | None = None
    abuse_threshold: int = 10
    options: WebSocketOptions = WebSocketOptions(
        max_message_size=64 * 1024, close_on_oversize=False
    )


ROOM_ERRORS = RoomErrors()


def room_resolver(system: ActorSystem, store: Store, config: RoomConfig) -> WebSocketResolver:
    """The `/rooms/{room_id}` route, for `serve_tcp`; the rate limit is per name."""
    limiter = None if config.rate_limit is None else RateLimiter(config.rate_limit)

    async def serve(ws: WebSocket, path_params: Mapping[str, str]) -> None:
        room_id = path_params["room_id"]
        room = await system.get_or_spawn(
            partial(Room, store, room_id, capacity=config.capacity), name=("room", room_id)
        )
        query = parse_qs(ws.request.query_string.decode("ascii"))
        name = query.get("name", ["anonymous"])[0]
        await serve_peer(
            ws,
            room,
            errors=ROOM_ERRORS,
            rate_limit=None if limiter is None else limiter.keyed(name),
            abuse_threshold=config.abuse_threshold,
            attrs={"name": name},
        )

    async def resolve(request: WebSocketRequest) -> Accept | None:
        prefix = "/rooms/"
        if not request.path.startswith(prefix):
            return None
        return Accept(serve, {"room_id": request.path[len(prefix) :]}, options=config.options)

    return resolve


@attrs.define(eq=False)
class RoomServer:
    """A running room server: its port, actor system and store."""

    port: int
    system: ActorSystem
    store: Store
    _stop: trio.Event
    _stopped: trio.Event

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def room(self, room_id: str) -> ActorRef:
        ref = self.system.lookup(("room", room_id))
        assert ref is not None, f"no room {room_id!r}"
        return ref

    async def shut_down(self) -> None:
        """Stop serving gracefully (clients get 1001); the rooms and the store stay up."""
        self._stop.set()
        await self._stopped.wait()


@asynccontextmanager
async def serve_rooms(
    store_url: str = "memory://", config: RoomConfig = RoomConfig()
) -> AsyncIterator[RoomServer]:
    """Serve rooms on a loopback port for the block; shut down gracefully on exit."""
    stop, stopped = trio.Event(), trio.Event()

    async def run_listener(
        system: ActorSystem, store: Store, *, task_status: trio.TaskStatus[int]
    ) -> None:
        try:
            await serve_tcp(
                QuartTrio(__name__),
                room_resolver(system, store, config),
                "127.0.0.1",
                0,
                shutdown_trigger=stop.wait,
                task_status=task_status,
            )
        finally:
            stopped.set()

    async with open_store(store_url) as store, open_actor_system() as system:
        async with trio.open_nursery() as nursery:
            port = await nursery.start(partial(run_listener, system, store))
            server = RoomServer(port, system, store, stop, stopped)
            try:
                yield server
            finally:
                await server.shut_down()
