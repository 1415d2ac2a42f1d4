"""Quipflip's API as a test's players use it: guests with tokens, and a round played start to
submit over real HTTP."""

from __future__ import annotations

from typing import Any

import attrs
import httpx

from engine.net.client import Client


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

    async def play(self, session_id: str, kind: str, phrase: str | None = None) -> dict[str, Any]:
        """Start a ``kind`` round and submit it: ``phrase``, or for a copy a changed original
        and for a vote the first phrase offered. Returns both answers."""
        started = await self.ok("POST", f"/party/{session_id}/rounds/{kind}")
        if phrase is None:
            phrase = {
                "prompt": f"the answer of {self.username}",
                "copy": f"{started['original_phrase']} by {self.username}",
                "vote": (started["phrases"] or [""])[0],
            }[kind]
        submitted = await self.ok(
            "POST", f"/party/{session_id}/rounds/{started['round_id']}/submit", {"phrase": phrase}
        )
        return {"started": started, "submitted": submitted}


async def guest(client: Client, username: str) -> Guest:
    response = await client.post("/auth/guest", json={"username": username})
    assert response.status_code == 200, response.text
    body = response.json()
    return Guest(client, body["access_token"], body["player_id"], body["username"])
