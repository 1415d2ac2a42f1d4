"""Quipflip's API as a test's players use it: guests with tokens, a round played start to
submit over real HTTP, and a party socket's notifications kept as they are read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import httpx

from engine.net.client import Client, ClientWebSocket


@attrs.frozen
class Guest:
    client: Client
    token: str
    player_id: str
    username: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    async def get(self, path: str) -> httpx.Response:
        return await self.client.get(path, headers=self.headers)

    async def post(self, path: str, json: Any = None) -> httpx.Response:
        if json is None:
            return await self.client.post(path, headers=self.headers)
        return await self.client.post(path, headers=self.headers, json=json)

    async def ok(self, method: str, path: str, json: Any = None) -> Any:
        """The JSON answer of a request that must succeed."""
        response = await (self.get(path) if method == "GET" else self.post(path, json))
        assert response.status_code == 200, (path, response.status_code, response.text)
        return response.json()

    async def wallet(self) -> int:
        wallet: int = (await self.ok("GET", "/player/me"))["wallet"]
        return wallet

    def via(self, client: Client) -> Guest:
        """The same player, sending its requests through ``client`` (another node's)."""
        return attrs.evolve(self, client=client)

    async def play(self, session_id: str, kind: str, phrase: str | None = None) -> dict[str, Any]:
        """Start a ``kind`` round and submit it: ``phrase``, or for a copy a changed original
        and for a vote the first phrase offered. Returns both answers."""
        started = await self.ok("POST", f"/party/{session_id}/rounds/{kind}")
        round_id = started["round_id"]
        if phrase is None:
            phrase = {
                "prompt": f"the answer of {self.username}",
                # A player may copy one original twice: each copy names its round.
                "copy": f"{started['original_phrase']} by {self.username} {round_id[:4]}",
                "vote": (started["phrases"] or [""])[0],
            }[kind]
        submitted = await self.ok(
            "POST", f"/party/{session_id}/rounds/{round_id}/submit", {"phrase": phrase}
        )
        return {"started": started, "submitted": submitted}


async def guest(client: Client, username: str) -> Guest:
    response = await client.post("/auth/guest", json={"username": username})
    assert response.status_code == 200, response.text
    body = response.json()
    return Guest(client, body["access_token"], body["player_id"], body["username"])


@attrs.define(eq=False)
class Notifications:
    """A party socket's notifications: every one read is kept in ``seen``, in order."""

    ws: ClientWebSocket
    seen: list[dict[str, Any]] = attrs.field(factory=list)

    async def until(self, match: Callable[[dict[str, Any]], bool], timeout: float = 30) -> Any:
        """Read until a notification ``match``es, and return it."""
        while True:
            message = await self.ws.receive_json(timeout)
            self.seen.append(message)
            if match(message):
                return message

    def sequence_numbers(self) -> list[int]:
        return [m["sequence_number"] for m in self.seen if "sequence_number" in m]


def phase_is(phase: str) -> Callable[[dict[str, Any]], bool]:
    """Matches the notification of the session entering ``phase``."""
    return lambda m: m.get("type") == "phase_transition" and m.get("new_phase") == phase
