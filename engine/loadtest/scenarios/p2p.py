"""P2P coordinator: hosts registering and heart-beating, sessions, peers signaling.

A group is one host and its session: its first player registers a host (``register``) and a
zone for it (``zone``), creates a session (``session``) and activates it (``activate``), then
sends a heartbeat (``heartbeat``) at ``rate`` a second (``--rate 0.1``: every 10 s). The other
players are peers: each is added to the session (``add_player``), connects to the signaling
WebSocket (``connect``) and joins its room (``join``); peers pair up, and in each pair the
first offers at ``rate`` a second and the second answers, each ``signal`` timed from the offer
sent to the answer received (an ICE candidate follows, untimed).

The coordinator limits requests per client address (100 a minute by default,
``PARTY_ENGINE_P2P_RATE_LIMIT``); on a loopback target each group has its own address.
"""

from __future__ import annotations

from typing import Any

import trio

from ..group import Connection, Group
from ..scenario import Scenario

__all__ = ["P2P", "host_registration"]

_SDP = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
_CANDIDATE = "candidate:1 1 UDP 2130706431 192.168.1.100 54321 typ host"


def host_registration(host_id: str, player_id: str) -> dict[str, Any]:
    """The body of ``POST /api/hosts/`` registering ``host_id`` (a desktop machine on a LAN);
    bench/p2p.py registers its hosts with it too."""
    return {
        "host_id": host_id,
        "player_id": player_id,
        "player_name": host_id,
        "ip_address": "192.168.1.100",
        "port": 8080,
        "cpu_cores": 8,
        "cpu_frequency_mhz": 3600,
        "memory_mb": 16384,
        "network_speed_mbps": 1000,
    }


def _refusal(message: Any) -> str | None:
    return "refused" if message.get("type") == "error" else None


async def _heartbeat(group: Group, host_id: str) -> None:
    pace = group.pace()
    while await pace.next():
        beat = {"latency_ms": 20.0, "packet_loss_percent": 0.1, "current_players": group.size - 1}
        await group.http("heartbeat", "POST", f"/api/hosts/{host_id}/heartbeat", json=beat)


async def _offer(group: Group, connection: Connection, partner: str) -> None:
    pace = group.pace()
    while await pace.next():
        offer = {"type": "offer", "to": partner, "sdp": _SDP}
        await connection.ask("signal", offer, "answer", timeout=10, refusal=_refusal)
        await connection.send({"type": "ice-candidate", "to": partner, "candidate": _CANDIDATE})


async def _answer(connection: Connection, partner: str) -> None:
    while True:
        await connection.receive("offer", timeout=float("inf"))
        await connection.send({"type": "answer", "to": partner, "sdp": _SDP})
        connection.discard_pending()  # the candidates that follow


async def play(group: Group) -> None:
    host_id, zone_id = group.name(0), f"zone-{group.name(0)}"
    await group.http(
        "register", "POST", "/api/hosts/", json=host_registration(host_id, f"player-{host_id}")
    )
    zone = {"zone_id": zone_id, "zone_name": zone_id, "max_players": max(group.size, 2)}
    await group.http("zone", "POST", "/api/zones/", json=zone)
    body = {"host_id": host_id, "zone_id": zone_id}
    session_id = (await group.http("session", "POST", "/api/sessions/", json=body))["session_id"]
    await group.http("activate", "POST", f"/api/sessions/{session_id}/activate")
    callees_in = {player: trio.Event() for player in range(2, group.size, 2)}

    async def peer(player: int) -> None:
        peer_id = group.name(player)
        players = f"/api/sessions/{session_id}/players"
        await group.http("add_player", "POST", players, json={"player_id": peer_id})
        query = {"peer_id": peer_id, "session_id": session_id}
        async with group.websocket("/ws", params=query) as connection:
            calling = player % 2 == 1 and player + 1 < group.size
            if calling:
                await callees_in[player + 1].wait()
            await connection.ask("join", {"type": "join"}, "session-joined", refusal=_refusal)
            if calling:
                await _offer(group, connection, group.name(player + 1))
            elif player in callees_in:
                callees_in[player].set()
                await _answer(connection, group.name(player - 1))
            else:
                await group.until_stopped()

    async with trio.open_nursery() as nursery:
        nursery.start_soon(_heartbeat, group, host_id)
        for player in range(1, group.size):
            nursery.start_soon(peer, player)


P2P = Scenario(
    "p2p",
    play,
    group_size=3,
    description="P2P hosts heart-beating at --rate, each with a session of signaling peers",
)
