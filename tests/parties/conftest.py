"""A small party kind, its directory and its store, for the layer's unit tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import attrs
import pytest

from engine.actors import on
from engine.errors import Conflict, Forbidden
from engine.net import PeerDisconnected
from engine.parties import (
    JoinCodes,
    Member,
    Party,
    PartyDirectory,
    start_party_directory,
)
from engine.store import NotSaved, Store, open_store
from engine.supervisors import open_actor_system
from engine.web import DetailErrors

ERRORS = DetailErrors()


@attrs.frozen
class Tally:
    count: int = 0
    public: bool = True
    broken: bool = False
    over: bool = False


@attrs.frozen
class Listing:
    party_id: str
    count: int


@attrs.frozen
class Seat:
    """A member's per-connection state."""

    colour: str


@attrs.frozen
class Crash:
    pass


@attrs.frozen
class Hide:
    pass


@attrs.frozen
class Hooks:
    """Ask: the hook calls of this incarnation."""


class Counter(Party[Tally, Seat]):
    """Adds what members send (``{"add": n}``; below 0 is refused), passes ``{"note": text}``
    on unlogged; ``Crash`` crashes it."""

    kind = "test.counter"
    state_type = Tally

    def __init__(self, birth: Any) -> None:
        super().__init__(birth)
        self.calls: list[tuple[Any, ...]] = []

    async def on_ready(self, restored: bool) -> None:
        if self.state.broken:
            raise RuntimeError("a bad record")
        if self.state.over:
            await self.store.delete(self.kind, self.key)
            raise NotSaved("over while the server was down")
        self.calls.append(("ready", restored))

    def on_join(self, member: Member[Seat]) -> None:
        if member.user_id == "banned":
            raise Forbidden("you are banned")
        if member.user_id == "buggy":
            raise RuntimeError("a bug in on_join")
        self.calls.append(("join", member.user_id))

    def on_message(self, member: Member[Seat], message: Any) -> None:
        if "note" in message:
            self.peers.broadcast({"type": "note", "text": message["note"]}, logged=False)
            return
        amount = message["add"]
        self.state = attrs.evolve(self.state, count=self.state.count + amount)
        if amount < 0:
            raise Conflict("only up")
        self.peers.broadcast({"type": "added", "by": member.user_id, "count": self.state.count})

    def on_leave(self, member: Member[Seat], gone: PeerDisconnected) -> None:
        self.calls.append(("leave", member.user_id, self.peers.is_connected(member.user_id)))

    def on_dispose(self) -> None:
        self.peers.broadcast({"type": "bye"})

    def summary(self) -> Listing | None:
        return Listing(self.key, self.state.count) if self.state.public else None

    @on(Crash)
    def crash(self, _: Crash) -> None:
        raise RuntimeError("boom")

    @on(Hide)
    def hide(self, _: Hide) -> None:
        self.state = attrs.evolve(self.state, public=False)

    @on(Hooks)
    def hooks(self, _: Hooks) -> list[tuple[Any, ...]]:
        return self.calls


@pytest.fixture
async def store() -> AsyncIterator[Store]:
    async with open_store("memory://") as opened:
        yield opened


@pytest.fixture
async def directory(store: Store) -> AsyncIterator[PartyDirectory[Counter]]:
    async with open_actor_system() as system:
        yield await start_party_directory(system, store, Counter, errors=ERRORS, ids=JoinCodes())
