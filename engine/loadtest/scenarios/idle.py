"""Idle players: connections held open, each sending a heartbeat now and then.

Each player opens a WebSocket to Liap Tui's lobby and stays; at ``rate`` times a second (say
``--rate 0.033``, every 30 s; 0 for none) it sends the protocol's ``ping`` and times the
``pong``. In between, the only traffic is the server's keep-alive ping frames, which the client
answers. This measures how many connections one server holds, and what each costs it.
"""

from __future__ import annotations

from ..group import Group
from ..scenario import Scenario

__all__ = ["IDLE"]


async def play(group: Group) -> None:
    async with group.websocket("/ws/lobby", type_key="event") as lobby:
        pace = group.pace()
        sequence = 0
        while await pace.next():
            sequence += 1
            ping = {"event": "ping", "data": {"client_time": 0, "sequence": sequence}}
            await lobby.ask("ping", ping, "pong")
            lobby.discard_pending()  # room lists pushed to the lobby
        await group.until_stopped()


IDLE = Scenario(
    "idle",
    play,
    description="connections to Liap Tui's lobby, held open, with a heartbeat at --rate",
)
