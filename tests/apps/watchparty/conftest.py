"""Fixtures for the WatchParty tests: a connection without a socket, a running session
directory, and the app served on a loopback port with a client that speaks its API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import attrs
import httpx
import jwt
import pytest

from engine import clock
from engine.apps.watchparty import WatchPartySettings
from engine.apps.watchparty.app import app, start_sessions
from engine.apps.watchparty.session_actor import SessionActor
from engine.net import CloseReason, Peer, PeerConnected, PeerDisconnected, PeerMessage
from engine.net.client import Client, ClientWebSocket
from engine.net.testing import MemoryPeerInbox
from engine.parties import PartyDirectory
from engine.parties.testing import memory_member
from engine.store import open_store
from engine.supervisors import open_actor_system
from engine.testing import Served, serve_apps

#: The wall clock of the tests that do not serve (2026-02-02T02:40:00Z).
T0 = 1_770_000_000.0


@attrs.frozen
class FakePeer:
    """A member's connection without a socket (``engine.parties.testing``): what the session
    is told of it, and what it received, decoded."""

    peer: Peer
    inbox: MemoryPeerInbox

    @classmethod
    def of(cls, user_id: str) -> FakePeer:
        return cls(*memory_member(user_id))

    def connects(self) -> PeerConnected:
        return PeerConnected(self.peer)

    def says(self, message: Any) -> PeerMessage:
        return PeerMessage(self.peer, message)

    def leaves(self, code: int = CloseReason.NORMAL_CLOSURE, reason: str = "") -> PeerDisconnected:
        return self.inbox.disconnect(code, reason)

    @property
    def close_code(self) -> int | None:
        return self.inbox.close_code

    @property
    def close_reason(self) -> str | None:
        return self.inbox.close_reason

    def take(self) -> list[dict[str, Any]]:
        """Everything received since the last take."""
        return self.inbox.take_all()

    def types(self) -> list[str]:
        return [message["type"] for message in self.take()]


@pytest.fixture
def settings() -> WatchPartySettings:
    return WatchPartySettings()


@pytest.fixture
async def directory(settings: WatchPartySettings) -> AsyncIterator[PartyDirectory[SessionActor]]:
    clock.set_wall_source(lambda: T0)
    async with open_store("memory://") as store, open_actor_system() as system:
        yield await start_sessions(system, store, settings)


@pytest.fixture
def make_peer() -> Callable[[str], FakePeer]:
    """``make_peer(user_id)``: a connection authenticated as ``user_id``."""
    return FakePeer.of


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
    *, store: str = "memory://", prefixed: bool = False, through_quart: bool = False, **environ: str
) -> AbstractAsyncContextManager[WatchPartyApi]:
    """Serve the app (at the root unless ``prefixed``) with fast hashing and ``environ``;
    ``through_quart`` as in ``serve_apps``."""

    @asynccontextmanager
    async def serving() -> AsyncIterator[WatchPartyApi]:
        async with serve_apps(
            [app],
            store=store,
            environ={**FAST_HASHING, **environ},
            prefixed=prefixed,
            through_quart=through_quart,
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
