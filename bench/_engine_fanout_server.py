"""party-engine's side of the fan-out bench (see _fanout_common for the protocol).

The transport is the real one: `serve_tcp` on one port, with a Quart-Trio app behind it for
plain HTTP, and `WebSocket` connections. Every broadcast goes through `engine_broadcast`, the one
place to change when broadcasts are routed through the room actor and its topic.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable, Iterable, Mapping
from functools import partial
from pathlib import Path

import trio
from hypercorn.config import Config
from quart_trio import QuartTrio

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from _fanout_common import CONTROL_PATH, ROOM_PATH, control_reply, run_server  # noqa: E402

from engine.net._frames import text_frame  # noqa: E402
from engine.net._listener import serve_tcp  # noqa: E402
from engine.net._websocket import WebSocket  # noqa: E402
from engine.net._ws_options import WebSocketOptions  # noqa: E402

# The bare trio-websocket baseline never pings, so neither does this side during a run.
OPTIONS = WebSocketOptions(ping_interval=3600, idle_timeout=7200)


def engine_broadcast(members: Iterable[WebSocket], text: str) -> int:
    """Encode `text` once and offer the same frame to every member; returns how many took it.

    Never waits: a member whose outbox is full is disconnected by its own `send`.
    """
    frame = text_frame(text)
    delivered = 0
    for ws in members:
        if ws.send(frame):
            delivered += 1
    return delivered


async def serve(
    announce: Callable[[int], None], stop_requested: Callable[[], Awaitable[None]]
) -> None:
    room: set[WebSocket] = set()

    async def member(ws: WebSocket, path_params: Mapping[str, str]) -> None:
        room.add(ws)
        try:
            while True:
                await ws.receive()
        finally:
            room.discard(ws)

    async def control(ws: WebSocket, path_params: Mapping[str, str]) -> None:
        while True:
            command = await ws.receive()
            assert isinstance(command, str)
            if command.startswith("broadcast "):
                engine_broadcast(room, command[len("broadcast ") :])
            elif (reply := control_reply(command, len(room))) is not None:
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
                websocket_options=OPTIONS,
                shutdown_trigger=stop_requested,
            )
        )
        announce(port)


if __name__ == "__main__":
    run_server(serve)
