"""Raw fan-out: rooms of N where one player sends and every other receives.

A group is a watch-party session (see `engine.loadtest.scenarios.watchparty` for its setup and
the server settings it wants) used as a plain relay: its first player sends, at ``rate``
messages a second, a message of its own type, which the server relays as it is to everyone
else. Each receiver times each delivery (``delivery``) from the send time the message carries;
``sent`` counts the messages sent. ``--group-size`` sets N (at most the server's seats per
session, ``PARTY_ENGINE_WATCHPARTY_MAX_PARTICIPANTS``).
"""

from __future__ import annotations

import trio

from ..group import Connection, Group
from ..scenario import Scenario
from .watchparty import open_session

__all__ = ["FANOUT"]

_TYPE = "load_fanout"


async def _send(group: Group, connection: Connection) -> None:
    pace = group.pace()
    while await pace.next():
        await connection.send({"type": _TYPE, "payload": {"sent": group.now()}})
        group.count("sent")


async def _receive(group: Group, connection: Connection) -> None:
    while True:
        message = await connection.receive(_TYPE, timeout=float("inf"))
        group.measured("delivery", group.now() - message["payload"]["sent"])
        connection.discard_pending()  # joins and leaves of the others


async def play(group: Group) -> None:
    session_id, tokens = await open_session(group)
    everyone_in = trio.Event()
    connected = 0

    async def member(player: int, token: str) -> None:
        nonlocal connected
        async with group.websocket(f"/ws/{session_id}", params={"token": token}) as connection:
            connected += 1
            if connected == len(tokens):
                everyone_in.set()
            if player == 0:
                await everyone_in.wait()
                await _send(group, connection)
            else:
                await _receive(group, connection)

    async with trio.open_nursery() as nursery:
        for player, token in enumerate(tokens):
            nursery.start_soon(member, player, token)


FANOUT = Scenario(
    "fanout",
    play,
    group_size=10,
    description="rooms of N (--group-size) with one sender, every message relayed to the rest",
)
