"""Watch party: sessions of ten with chat, and the host's playback.

A group is one session: its first player creates it (``create``, over HTTP) and is its host,
the others join it (``join``); everyone connects (``connect``) and chats at ``rate`` messages a
second, each ``chat`` timed from the message sent to its broadcast coming back to its sender.
The host also sends its playback state every tenth tick (``playback updates``). The server's
message limit is 100 a minute per user: keep ``rate`` at 1.5 or below. The run stays in the
session until its end.

Every create and join hashes or checks a password with bcrypt: serve the app with
``PARTY_ENGINE_WATCHPARTY_BCRYPT_COST=4`` unless password hashing is what is being measured. A
client address may create 5 sessions an hour; on a loopback target each group has its own.
"""

from __future__ import annotations

from typing import Any

import trio

from ..group import Connection, Group
from ..scenario import Scenario

__all__ = ["WATCHPARTY", "open_session"]

PASSWORD = "load-test"
#: The host's playback goes with every this many chat ticks.
_PLAYBACK_EVERY = 10


async def open_session(group: Group) -> tuple[str, list[str]]:
    """Create a session for the group and seat everyone: its id and each player's token,
    the host's first."""
    body = {"name": f"load test {group.index}", "password": PASSWORD}
    created = await group.http("create", "POST", "/api/sessions/create", json=body)
    tokens = [created["token"]]
    join = {"session_id": created["id"], "password": PASSWORD}
    for _ in range(group.size - 1):
        joined = await group.http("join", "POST", "/api/sessions/join", json=join)
        tokens.append(joined["token"])
    return created["id"], tokens


def _chat(text: str) -> Any:
    def matches(message: Any) -> bool:
        return message.get("type") == "chat" and message["payload"]["message"] == text

    return matches


async def _chat_until_stopped(group: Group, connection: Connection, player: int) -> None:
    pace = group.pace()
    ticks = 0
    while await pace.next():
        ticks += 1
        text = f"{group.name(player)} says {ticks}"
        message = {"type": "chat", "payload": {"message": text}}
        await connection.ask("chat", message, _chat(text))
        connection.discard_pending()  # the others' chat: read, not needed
        if player == 0 and ticks % _PLAYBACK_EVERY == 0:
            playback = {"playing": True, "currentTime": float(ticks), "volume": 0.8}
            await connection.send({"type": "playback_state", "payload": playback})
            group.count("playback updates")


async def play(group: Group) -> None:
    session_id, tokens = await open_session(group)
    async with trio.open_nursery() as nursery:
        for player, token in enumerate(tokens):

            async def member(player: int = player, token: str = token) -> None:
                path = f"/ws/{session_id}"
                async with group.websocket(path, params={"token": token}) as connection:
                    await _chat_until_stopped(group, connection, player)

            nursery.start_soon(member)


WATCHPARTY = Scenario(
    "watchparty",
    play,
    group_size=10,
    description="watch-party sessions of ten: chat from everyone, playback from the host",
)
