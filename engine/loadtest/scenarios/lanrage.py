"""LANrage control plane: nodes creating parties, joining, heart-beating, leaving.

Each player is a node as the control plane sees it (a peer id and a WireGuard public key). A
group is one party's life: its first node creates the party (``create``), the others join it
(``join``), every node sends ``heartbeat`` at ``rate`` a second for five beats, then the others
leave (``leave``) and the host leaves last, which disbands the party (``parties disbanded``).

The control plane answers other nodes only with its token: the simulated nodes send the one in
``PARTY_ENGINE_LANRAGE_CONTROL_TOKEN``, the variable a real node reads for the same purpose.
"""

from __future__ import annotations

import base64
import os
from typing import Any

import trio

from ..group import Group
from ..scenario import Scenario

__all__ = ["LANRAGE"]

#: Heartbeats each node sends in a party before it leaves.
BEATS = 5


def _peer(group: Group, player: int) -> dict[str, Any]:
    key = base64.b64encode(group.random.randbytes(32)).decode()
    return {
        "peer_id": group.random.randbytes(8).hex(),
        "name": group.name(player),
        "public_key": key,
    }


async def play(group: Group) -> None:
    token = os.environ.get("PARTY_ENGINE_LANRAGE_CONTROL_TOKEN")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    peers = [_peer(group, player) for player in range(group.size)]

    async def call(action: str, path: str, body: dict[str, Any]) -> Any:
        return await group.http(
            action, "POST", f"/control/parties{path}", json=body, headers=headers
        )

    party = await call("create", "", {"name": f"load {group.index}", "host": peers[0]})
    party_id = party["id"]
    for peer in peers[1:]:
        await call("join", f"/{party_id}/join", {"peer": peer})

    async def beat(peer: dict[str, Any]) -> None:
        pace = group.pace()
        for _ in range(BEATS):
            if not await pace.next():
                return
            await call("heartbeat", f"/{party_id}/heartbeat", {"peer": peer})

    async with trio.open_nursery() as nursery:
        for peer in peers:
            nursery.start_soon(beat, peer)
    for peer in [*peers[1:], peers[0]]:
        await call("leave", f"/{party_id}/leave", {"peer_id": peer["peer_id"]})
    group.count("parties disbanded")


LANRAGE = Scenario(
    "lanrage",
    play,
    group_size=4,
    description="LANrage parties of four nodes: create, join, heartbeats, leave",
)
