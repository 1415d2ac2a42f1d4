"""The baseline: a bare trio-websocket broadcast server (see _fanout_common for the protocol).

A broadcast awaits `send_message` to each member in turn, which is how a trio-websocket app
fans out: wsproto frames the message for every connection and each send is a Trio stream write.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import trio
from trio_websocket import ConnectionClosed, WebSocketConnection, WebSocketRequest, serve_websocket

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _fanout_common import CONTROL_PATH, ROOM_PATH, control_reply, run_server


async def serve(
    announce: Callable[[int], None], stop_requested: Callable[[], Awaitable[None]]
) -> None:
    room: set[WebSocketConnection] = set()

    async def broadcast(text: str) -> None:
        for ws in list(room):
            try:
                await ws.send_message(text)
            except ConnectionClosed:
                room.discard(ws)

    async def handler(request: WebSocketRequest) -> None:
        ws = await request.accept()
        try:
            if request.path == ROOM_PATH:
                room.add(ws)
                while True:
                    await ws.get_message()
            elif request.path == CONTROL_PATH:
                while True:
                    command = await ws.get_message()
                    assert isinstance(command, str)
                    if command.startswith("broadcast "):
                        await broadcast(command[len("broadcast ") :])
                    elif (reply := control_reply(command, len(room))) is not None:
                        await ws.send_message(reply)
        except ConnectionClosed:
            pass
        finally:
            room.discard(ws)

    async with trio.open_nursery() as nursery:
        server = await nursery.start(serve_websocket, handler, "127.0.0.1", 0, None)
        announce(server.port)
        await stop_requested()
        nursery.cancel_scope.cancel()


if __name__ == "__main__":
    run_server(serve)
