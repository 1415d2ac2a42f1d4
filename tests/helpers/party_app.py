"""The example app of docs/architecture.md "Adding an app", complete, on the party layer.

REST: create a party (a join code), join, leave, list those with a free seat. WebSocket
``/ws/{code}?user=NAME``: ``say`` is broadcast as ``said`` (numbered, durable), ``resume``
replays what was missed or sends a ``snapshot``. A party ends ``ttl`` seconds after creation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import parse_qs

import attrs

from engine import clock
from engine.actors import on
from engine.errors import Conflict, Forbidden, InvalidInput, NotFound
from engine.net import Accept, PeerDisconnected, WebSocketRequest
from engine.parties import (
    FinishParty,
    JoinCodes,
    Member,
    Party,
    PartyDirectory,
    serve_member,
    start_party_directory,
)
from engine.settings import read_settings, setting
from engine.web import AppSpec, DetailErrors, Engine, Request, Response, Routes


@attrs.frozen
class Settings:
    seats: int = setting(4, min=1, max=64, help="members per party")
    ttl: float = setting(3600.0, min=1, help="seconds a party lasts")


@attrs.frozen
class Said:
    user: str
    text: str


@attrs.frozen
class PartyState:
    title: str
    members: tuple[str, ...]
    created_at: float
    said: tuple[Said, ...] = ()


@attrs.frozen
class Listing:
    code: str
    title: str
    members: int
    seats: int


@attrs.frozen
class Connection:
    """What a party knows of one connection (the layer's typed per-connection state)."""

    since: float


@attrs.frozen
class Who:
    user: str = attrs.field(validator=attrs.validators.min_len(1))


@attrs.frozen
class NewParty(Who):
    title: str = attrs.field(validator=attrs.validators.min_len(1))


@attrs.frozen
class Roster:
    """Ask: seat ``user`` (``joining``) or give their seat up; answers the members."""

    user: str
    joining: bool


class ExampleParty(Party[PartyState, Connection]):
    kind = "example.party"
    state_type = PartyState

    async def on_ready(self, restored: bool) -> None:
        ttl = self.context.ttl - (clock.now() - self.state.created_at)
        self.start_timer("expire", max(0.0, ttl), FinishParty())

    def summary(self) -> Listing:
        return Listing(self.key, self.state.title, len(self.state.members), self.context.seats)

    def on_join(self, member: Member[Connection]) -> None:
        if member.user_id not in self.state.members:
            raise Forbidden("join the party first")
        member.send_json({"type": "welcome", "seq": self.peers.events.seq})

    def on_message(self, member: Member[Connection], message: Any) -> None:
        kind = message.get("type")
        if kind == "say" and isinstance(message.get("text"), str):
            entry = Said(member.user_id, message["text"])
            self.state = attrs.evolve(self.state, said=(*self.state.said, entry)[-20:])
            self.peers.broadcast({"type": "said", "user": entry.user, "text": entry.text})
        elif kind == "resume" and isinstance(message.get("last_seq"), int):
            if not self.peers.resume(member, message["last_seq"]):
                said = [attrs.asdict(s) for s in self.state.said]
                member.send_json({"type": "snapshot", "seq": self.peers.events.seq, "said": said})
        else:
            raise InvalidInput(f"unknown message {kind!r}")

    def on_leave(self, member: Member[Connection], gone: PeerDisconnected) -> None:
        if not self.peers.is_connected(member.user_id):
            self.peers.broadcast({"type": "away", "user": member.user_id}, logged=False)

    @on(Roster)
    def roster(self, message: Roster) -> list[str]:
        others = tuple(user for user in self.state.members if user != message.user)
        if not message.joining:
            for member in self.peers.connections(message.user):
                member.close(4403, "left the party")
            self.state = attrs.evolve(self.state, members=others)
        elif message.user not in self.state.members:
            if len(others) >= self.context.seats:
                raise Conflict("the party is full")
            self.state = attrs.evolve(self.state, members=(*others, message.user))
        return list(self.state.members)


ERRORS = DetailErrors(validation_status=400)
CODES = JoinCodes(length=5)
routes = Routes(errors=ERRORS)


async def _party(directory: PartyDirectory[ExampleParty], code: str) -> Any:
    party_id = CODES.parse(code)
    ref = None if party_id is None else await directory.get(party_id)
    if ref is None:
        raise NotFound(f"no party {code!r}")
    return ref


@routes.post("/api/parties", body=NewParty)
async def create(request: Request) -> Response:
    """Create a party and seat its host."""
    seed = PartyState(request.body.title, (request.body.user,), clock.now())
    code, _ = await request.context.create(seed)
    return Response({"code": code, "title": request.body.title}, status=201)


@routes.post("/api/parties/{code}/join", body=Who)
async def join(request: Request) -> dict[str, Any]:
    """Take a seat."""
    party = await _party(request.context, request.params["code"])
    return {"members": await party.ask(Roster(request.body.user, joining=True))}


@routes.post("/api/parties/{code}/leave", body=Who)
async def leave(request: Request) -> dict[str, Any]:
    """Give the seat up (closing the user's connections)."""
    party = await _party(request.context, request.params["code"])
    return {"members": await party.ask(Roster(request.body.user, joining=False))}


@routes.get("/api/parties")
async def lobby(request: Request) -> dict[str, Any]:
    """The parties with a free seat."""
    free = request.context.listing(lambda listing: listing.members < listing.seats)
    return {"parties": [attrs.asdict(listing) for listing in free]}


@routes.websocket("/ws/{code}")
async def connect(directory: Any, request: WebSocketRequest, params: dict[str, str]) -> Any:
    """A member's channel: said events, with resume."""
    user = parse_qs(request.query_string.decode()).get("user", [""])[0]
    try:
        party = await _party(directory, params["code"])
    except NotFound as error:
        return ERRORS.refusal(error)
    state = Connection(since=clock.now())
    return Accept(lambda ws, _: serve_member(ws, party, user_id=user, state=state, errors=ERRORS))


@asynccontextmanager
async def setup(
    engine: Engine, party_type: type[ExampleParty] = ExampleParty
) -> AsyncIterator[PartyDirectory[ExampleParty]]:
    """The app's directory; of ``party_type`` (a subclass, for tests that need more of it)."""
    yield await start_party_directory(
        engine.system,
        engine.store,
        party_type,
        errors=ERRORS,
        ids=CODES,
        context=read_settings(Settings, engine.environ, app="example"),
        restore_all=True,  # its timers must run even if nobody comes back
    )


app = AppSpec(name="example", routes=routes, setup=setup)
