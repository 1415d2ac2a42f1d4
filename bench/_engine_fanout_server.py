"""party-engine's side of the fan-out bench (see _fanout_common for the protocol).

Everything goes through the engine's own path: `serve_tcp` on one port (a Quart-Trio app behind
it for plain HTTP), each room member served by `serve_peer`, and one party actor under an actor
system that holds the peers and publishes through an `EventStream`. The control connection tells
the party `Broadcast(event)`; the party numbers the event, encodes it once, keeps it for resumes
and offers the one frame to every peer's WebSocket.

`floor <text>` is the same delivery without the engine: the party sends the same frame (the
event numbered and encoded the same way) to the same members' sockets in a bare loop of
non-blocking `send()`, which is what the kernel costs and the least any server could spend.

`--heartbeat` runs the WebSocket heartbeat as deployed (a ping every second), for the idle
memory measurement; otherwise no ping is sent during a run, as the trio-websocket baseline sends
none.

With `--peer-mailboxes` every member also gets an actor of its own, and the party tells each of
those actors the frame, which it then sends: the mailbox-per-connection design that
engine/net/_peer.py explains it avoids, kept here so that `fanout.py --peer-mailboxes` can
measure what it would cost.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from collections.abc import Awaitable, Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any

import attrs
import trio
from hypercorn.config import Config
from quart_trio import QuartTrio

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _fanout_common import CONTROL_PATH, ROOM_PATH, control_reply, run_server

from engine.actors import Actor, ActorRef, on
from engine.net import (
    JSON_CODEC,
    EventStream,
    Frame,
    Peer,
    PeerConnected,
    PeerDisconnected,
    WebSocket,
    WebSocketOptions,
    serve_peer,
    serve_tcp,
    text_frame,
)
from engine.supervisors import open_actor_system

# The bare trio-websocket baseline never pings, so neither does this side during a run.
OPTIONS = WebSocketOptions(ping_interval=3600, idle_timeout=7200)
# --heartbeat: idle connections pinged every second (and never timed out during a run).
HEARTBEAT_OPTIONS = WebSocketOptions(ping_interval=1.0, idle_timeout=600)
# Room members only listen; a party's mailbox must hold a whole room joining at once.
MAILBOX_CAPACITY = 16_384


@attrs.frozen
class Broadcast:
    event: dict[str, Any]


@attrs.frozen
class Floor:
    event: dict[str, Any]


@attrs.frozen
class Count:
    pass


class BenchErrors:
    """The members never send anything and every broadcast encodes, so none is ever called."""

    def malformed(self, reason: str) -> dict[str, Any]:
        return {"error": reason}

    def too_big(self, limit: int) -> dict[str, Any]:
        return {"error": "too big"}

    def rate_limited(self, retry_after: float) -> dict[str, Any]:
        return {"error": "rate limited"}

    def internal_error(self) -> dict[str, Any]:
        return {"error": "internal error"}


class Party(Actor):
    """The room: its peers and its event stream."""

    def __init__(self) -> None:
        self.events = EventStream()
        self.peers: dict[Peer, None] = {}
        # The members' sockets for `Floor`: duplicates of their descriptors, made on first use.
        self.sockets: list[socket.socket] = []

    @on(PeerConnected)
    def connected(self, message: PeerConnected) -> None:
        self.peers[message.peer] = None

    @on(PeerDisconnected)
    def disconnected(self, message: PeerDisconnected) -> None:
        self.peers.pop(message.peer, None)

    @on(Broadcast)
    def broadcast(self, message: Broadcast) -> None:
        self.events.publish(message.event, self.peers)

    @on(Floor)
    def floor(self, message: Floor) -> None:
        if len(self.sockets) != len(self.peers):
            for sock in self.sockets:
                sock.close()
            self.sockets = [_nonblocking_dup(peer) for peer in self.peers]
        # Numbered and encoded as publish does, so the frame is the same size.
        message.event["sequence_number"] = self.events.seq
        data = JSON_CODEC.encode(message.event).data
        for sock in self.sockets:
            sock.send(data)

    @on(Count)
    def count(self, message: Count) -> int:
        return len(self.peers)


def _nonblocking_dup(peer: Peer) -> socket.socket:
    assert isinstance(peer.ws, WebSocket)  # serve_peer's peers
    sock = socket.socket(fileno=os.dup(peer.ws.fileno()))
    sock.setblocking(False)
    return sock


class PeerWriter(Actor):
    """--peer-mailboxes: one actor per member, sending the frames its mailbox brings."""

    def __init__(self, peer: Peer) -> None:
        self.peer = peer

    @on(Frame)
    def write(self, frame: Frame) -> None:
        self.peer.send(frame)


class MailboxParty(Actor):
    """--peer-mailboxes: Party's bookkeeping, delivering through each member's writer actor."""

    def __init__(self) -> None:
        self.events = EventStream()
        self.writers: dict[Peer, ActorRef] = {}

    @on(PeerConnected)
    async def connected(self, message: PeerConnected) -> None:
        self.writers[message.peer] = await self.system.spawn(
            partial(PeerWriter, message.peer), mailbox_capacity=MAILBOX_CAPACITY
        )

    @on(PeerDisconnected)
    async def disconnected(self, message: PeerDisconnected) -> None:
        writer = self.writers.pop(message.peer, None)
        if writer is not None:
            await self.system.stop(writer)

    @on(Broadcast)
    def broadcast(self, message: Broadcast) -> None:
        # Numbered, encoded once and kept exactly as Party does; only the delivery differs.
        seq = self.events.publish(message.event, ())
        frames = self.events.since(seq - 1)
        assert frames is not None
        for writer in self.writers.values():
            writer.tell(frames[0])

    @on(Count)
    def count(self, message: Count) -> int:
        return len(self.writers)


async def serve(
    announce: Callable[[int], None], stop_requested: Callable[[], Awaitable[None]]
) -> None:
    factory = MailboxParty if "--peer-mailboxes" in sys.argv[1:] else Party
    heartbeat = "--heartbeat" in sys.argv[1:]
    async with open_actor_system() as system:
        party = await system.spawn(factory, mailbox_capacity=MAILBOX_CAPACITY)

        async def member(ws: WebSocket, path_params: Mapping[str, str]) -> None:
            await serve_peer(ws, party, errors=BenchErrors())

        async def control(ws: WebSocket, path_params: Mapping[str, str]) -> None:
            while True:
                command = await ws.receive()
                assert isinstance(command, str)
                if command.startswith("broadcast "):
                    party.tell(Broadcast(json.loads(command[len("broadcast ") :])))
                elif command.startswith("floor "):
                    party.tell(Floor(json.loads(command[len("floor ") :])))
                elif (reply := control_reply(command, await party.ask(Count()))) is not None:
                    ws.send(text_frame(reply))

        routes = {ROOM_PATH: member, CONTROL_PATH: control}
        config = Config.from_mapping(backlog=4096)
        async with trio.open_nursery() as nursery:
            port = await nursery.start(
                partial(
                    serve_tcp,
                    QuartTrio(__name__),
                    routes,
                    "127.0.0.1",
                    0,
                    hypercorn_config=config,
                    websocket_options=HEARTBEAT_OPTIONS if heartbeat else OPTIONS,
                    shutdown_trigger=stop_requested,
                )
            )
            announce(port)


if __name__ == "__main__":
    run_server(serve)
