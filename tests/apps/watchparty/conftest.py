"""Fixtures for the WatchParty tests: a fake connection, a running session directory, and the
app served on a loopback port with a client that speaks its API."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import attrs
import httpx
import jwt
import pytest
from serving import Served, serve_apps

from engine.apps.watchparty import SessionSettings, TrioWallClock, start_session_directory
from engine.apps.watchparty.app import app
from engine.apps.watchparty.directory import SessionDirectory
from engine.net import Frame
from engine.net.client import Client, ClientWebSocket
from engine.store import open_store
from engine.supervisors import open_actor_system


class FakePeer:
    """Stands in for ``engine.net.Peer``: records what it is sent, decoded, and its close."""

    def __init__(self, user_id: str) -> None:
        self.attrs = {"user_id": user_id}
        self.received: list[dict[str, Any]] = []
        self.close_code: int | None = None
        self.close_reason = ""

    @property
    def closed(self) -> bool:
        return self.close_code is not None

    def send(self, frame: Frame) -> bool:
        if self.closed:
            return False
        self.received.append(json.loads(frame.payload))
        return True

    def send_json(self, value: Any) -> bool:
        if self.closed:
            return False
        # Through JSON, as the codec would: catches values that would not encode.
        self.received.append(json.loads(json.dumps(value, allow_nan=False)))
        return True

    def close(self, code: int = 1000, reason: str = "") -> None:
        if self.close_code is None:
            self.close_code, self.close_reason = code, reason

    def take(self) -> list[dict[str, Any]]:
        """Everything received since the last take."""
        received, self.received = self.received, []
        return received

    def types(self) -> list[str]:
        return [message["type"] for message in self.take()]


@pytest.fixture
def clock() -> TrioWallClock:
    return TrioWallClock(wall=lambda: 1_770_000_000.0)


@pytest.fixture
def settings() -> SessionSettings:
    return SessionSettings()


@pytest.fixture
async def directory(
    clock: TrioWallClock, settings: SessionSettings
) -> AsyncIterator[SessionDirectory]:
    async with open_store("memory://") as store, open_actor_system() as system:
        yield await start_session_directory(system, store, settings=settings, clock=clock)


@pytest.fixture
def make_peer() -> type[FakePeer]:
    """``make_peer(user_id)``: a fake connection authenticated as ``user_id``."""
    return FakePeer


# -- end to end ----------------------------------------------------------------------------------

#: bcrypt at its lowest cost: the tests check hashing happens, not that it is slow.
FAST_HASHING = {"PARTY_ENGINE_WATCHPARTY_BCRYPT_COST": "4"}
PASSWORD = "secure123"


@attrs.frozen
class Member:
    """Someone a create or join answered: their session, token and (from the token) who."""

    session_id: str
    token: str
    user_id: str
    username: str
    is_host: bool

    @classmethod
    def from_response(cls, body: dict[str, Any]) -> Member:
        claims = jwt.decode(body["token"], options={"verify_signature": False})
        return cls(
            body["id"], body["token"], claims["user_id"], claims["username"], claims["is_host"]
        )

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@attrs.frozen
class WatchPartyApi:
    """The spec's calls over a real HTTP client to a served engine."""

    served: Served

    @property
    def client(self) -> Client:
        return self.served.client

    async def create(self, name: str = "Movie Night", password: str = PASSWORD) -> Member:
        response = await self.client.post(
            "/api/sessions/create", json={"name": name, "password": password}
        )
        assert response.status_code == 200, response.text
        return Member.from_response(response.json())

    async def join(self, session_id: str, password: str = PASSWORD) -> Member:
        response = await self.try_join(session_id, password)
        assert response.status_code == 200, response.text
        return Member.from_response(response.json())

    async def try_join(self, session_id: str, password: str = PASSWORD) -> httpx.Response:
        return await self.client.post(
            "/api/sessions/join", json={"session_id": session_id, "password": password}
        )

    async def details(self, session_id: str, token: str | None) -> httpx.Response:
        headers = {} if token is None else {"Authorization": f"Bearer {token}"}
        return await self.client.get(f"/api/sessions/{session_id}", headers=headers)

    def socket(self, member: Member) -> AbstractAsyncContextManager[ClientWebSocket]:
        return self.client.websocket(f"/ws/{member.session_id}", params={"token": member.token})


def serve_watchparty(
    *, store: str = "memory://", prefixed: bool = False, **environ: str
) -> AbstractAsyncContextManager[WatchPartyApi]:
    """Serve the app (at the root unless ``prefixed``) with fast hashing and ``environ``."""

    @asynccontextmanager
    async def serving() -> AsyncIterator[WatchPartyApi]:
        async with serve_apps(
            [app], store=store, environ={**FAST_HASHING, **environ}, prefixed=prefixed
        ) as served:
            yield WatchPartyApi(served)

    return serving()


@pytest.fixture
def serve() -> Callable[..., AbstractAsyncContextManager[WatchPartyApi]]:
    """``async with serve(store=..., prefixed=..., VARIABLE="value") as api``."""
    return serve_watchparty


@pytest.fixture
async def api() -> AsyncIterator[WatchPartyApi]:
    """The app served at the root on a memory store."""
    async with serve_watchparty() as served:
        yield served
