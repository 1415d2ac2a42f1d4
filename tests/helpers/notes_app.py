"""A small app for the edge's tests: notes owned by a persistent actor, behind HTTP routes with
validation, a JWT-protected route, a rate limit and CORS."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import attrs
import trio

from engine.actors import Actor, Rejection, on
from engine.net import RateLimitRule
from engine.supervisors import ActorSpec, SupervisorSpec
from engine.web import (
    AppSpec,
    Cors,
    DetailErrors,
    HttpError,
    RateLimit,
    Request,
    Response,
    Routes,
    TokenExpired,
    TokenInvalid,
    TokenIssuer,
    load_or_create_secret,
)


def _length(lo: int, hi: int) -> Any:
    def check(instance: Any, attribute: attrs.Attribute[str], value: str) -> None:
        if not lo <= len(value) <= hi:
            raise ValueError(f"{attribute.name} must be {lo}-{hi} characters")

    return check


@attrs.frozen
class NewNote:
    text: str = attrs.field(validator=_length(1, 20))
    pinned: bool = False


@attrs.frozen
class Note:
    id: int
    text: str
    pinned: bool


@attrs.frozen
class Add:
    note: NewNote


@attrs.frozen
class Get:
    id: int


class NoSuchNote(Rejection):
    status = 404


class Notes(Actor):
    async def on_start(self) -> None:
        self.notes: dict[int, Note] = {}

    @on(Add)
    def add(self, msg: Add) -> Note:
        note = Note(len(self.notes) + 1, msg.note.text, msg.note.pinned)
        self.notes[note.id] = note
        return note

    @on(Get)
    def get(self, msg: Get) -> Note:
        if msg.id not in self.notes:
            raise NoSuchNote(f"note {msg.id} not found")
        return self.notes[msg.id]


@attrs.frozen
class Context:
    notes: Any
    tokens: TokenIssuer


routes = Routes(errors=DetailErrors())


@routes.post("/notes", body=NewNote, response=Note, status=201)
async def create(request: Request) -> Note:
    """Create a note."""
    return await request.context.notes.ask(Add(request.body))


@routes.get("/notes/{note_id}", response=Note)
async def read(request: Request) -> Note:
    """Read a note."""
    if not request.params["note_id"].isdigit():
        raise HttpError(400, "note_id must be a number")
    return await request.context.notes.ask(Get(int(request.params["note_id"])))


@routes.post("/login", rate_limit=RateLimit(RateLimitRule(3, 60)))
async def login(request: Request) -> Response:
    """Get a token (rate limited: 3 a minute per IP)."""
    return Response({"token": request.context.tokens.issue({"sub": "someone"})}, status=200)


@routes.get("/me")
async def me(request: Request) -> dict[str, Any]:
    """Who the bearer token says you are."""
    token = request.bearer_token()
    if token is None:
        raise HttpError(401, "missing token")
    try:
        claims = request.context.tokens.verify(token)
    except TokenExpired as exc:
        raise HttpError(401, "token expired") from exc
    except TokenInvalid as exc:
        raise HttpError(401, "invalid token") from exc
    return {"sub": claims["sub"]}


@routes.get("/slow")
async def slow(request: Request) -> dict[str, bool]:
    """An answer that takes a second (graceful shutdown lets it finish)."""
    await trio.sleep(1)
    return {"done": True}


@routes.get("/boom")
async def boom(request: Request) -> None:
    """A bug."""
    raise RuntimeError("secret internals")


@routes.get("/unencodable")
async def unencodable(request: Request) -> dict[str, Any]:
    """A bug: an answer JSON cannot carry."""
    return {"ratio": math.inf, "name": "\ud800"}


@asynccontextmanager
async def setup(engine: Any) -> AsyncIterator[Context]:
    supervisor = await engine.system.start_supervisor(SupervisorSpec(id="notes"))
    notes = await supervisor.start_child(ActorSpec(Notes, name="notes"))
    secret = await load_or_create_secret(engine.store, environ=engine.environ)
    yield Context(notes, TokenIssuer(secret, issuer="notes", ttl=60))


app = AppSpec(name="notes", routes=routes, setup=setup, cors=Cors(origins=("https://ok.example",)))
