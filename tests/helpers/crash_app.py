"""A test app whose actors a client can crash on demand, for the supervision tests.

- ``POST /crash``: the worker (the static child of ``crashy.workers``) raises. Its supervisor
  restarts it until its intensity (3 in 5 s) runs out; then the app fails and the engine sets
  it up again.
- ``POST /parties/{party_id}/crash``: party ``party_id`` (a dynamic child of
  ``crashy.parties``, started on first use) raises; past its per-child intensity it is stopped
  for good. ``GET /parties/{party_id}`` answers ``{"party": id}``.
- ``GET /ping``: ``{"pong": true}`` from the worker.
- ``/ws/worker``: a peer of the worker; ``{"type": "ping"}`` is answered ``{"type": "pong"}``,
  ``{"type": "crash"}`` crashes the worker.

``rooms`` is the example party app (``party_app``) whose members can also crash their party
(``{"type": "crash"}``: it restarts, its members stay) or end it (``{"type": "finish"}``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

import attrs

from engine.actors import Actor, ActorRef, on
from engine.net import Accept, PeerMessage, WebSocket, WebSocketRequest, serve_peer
from engine.parties import Member
from engine.supervisors import ActorSpec, RestartType, Supervisor, SupervisorSpec
from engine.web import AppSpec, DetailErrors, Request, Routes

import party_app


@attrs.frozen
class Crash:
    pass


@attrs.frozen
class Ping:
    pass


class Crashy(Actor):
    """Raises on ``Crash`` (or a ``crash`` frame); answers anything else."""

    def __init__(self, name: str) -> None:
        self.name = name

    @on(Crash)
    def crash(self, message: Crash) -> None:
        raise RuntimeError(f"{self.name} crashed on demand")

    @on(Ping)
    def ping(self, message: Ping) -> str:
        return self.name

    @on(PeerMessage)
    def received(self, message: PeerMessage) -> None:
        if message.message.get("type") == "crash":
            raise RuntimeError(f"{self.name} crashed on demand")
        message.peer.send_json({"type": "pong"})


class PeerErrors:
    def malformed(self, reason: str) -> dict[str, Any]:
        return {"type": "error", "message": reason}

    def too_big(self, limit: int) -> dict[str, Any]:
        return {"type": "error", "message": f"limit {limit}"}

    def rate_limited(self, retry_after: float) -> dict[str, Any]:
        return {"type": "error", "message": "slow down"}

    def internal_error(self) -> dict[str, Any]:
        return {"type": "error", "message": "internal error"}


@attrs.frozen
class Context:
    worker: ActorRef
    parties: Supervisor

    async def party(self, party_id: str) -> ActorRef:
        return await self.parties.get_or_start_child(
            ActorSpec(
                lambda: Crashy(party_id),
                name=("crashy.party", party_id),
                restart=RestartType.TRANSIENT,
            )
        )


routes = Routes(errors=DetailErrors())


@routes.get("/ping")
async def ping(request: Request) -> dict[str, Any]:
    """The worker answers."""
    await request.context.worker.ask(Ping())
    return {"pong": True}


@routes.post("/crash")
async def crash(request: Request) -> None:
    """Crash the worker."""
    await request.context.worker.ask(Crash())


@routes.get("/parties/{party_id}")
async def party(request: Request) -> dict[str, Any]:
    """A party answers."""
    party = await request.context.party(request.params["party_id"])
    return {"party": await party.ask(Ping())}


@routes.post("/parties/{party_id}/crash")
async def crash_party(request: Request) -> None:
    """Crash a party."""
    party = await request.context.party(request.params["party_id"])
    await party.ask(Crash())


@routes.websocket("/ws/worker")
async def worker_socket(
    context: Context, request: WebSocketRequest, params: Mapping[str, str]
) -> Accept:
    """A peer of the worker."""

    async def serve(ws: WebSocket, params: Mapping[str, str]) -> None:
        await serve_peer(ws, context.worker, errors=PeerErrors())

    return Accept(serve)


@asynccontextmanager
async def setup(engine: Any) -> AsyncIterator[Context]:
    worker = ActorSpec(lambda: Crashy("worker"), name="crashy.worker")
    await engine.system.start_supervisor(SupervisorSpec(id="crashy.workers", children=(worker,)))
    parties = await engine.system.start_supervisor(
        SupervisorSpec(id="crashy.parties", max_restarts=1000, max_seconds=1.0)
    )
    yield Context(engine.system.lookup("crashy.worker"), parties)


app = AppSpec(name="crashy", routes=routes, setup=setup)


class CrashyParty(party_app.ExampleParty):
    """The example party, which a member can crash or end."""

    kind = "crashy.room"

    def on_message(self, member: Member[party_app.Connection], message: Any) -> None:
        if message.get("type") == "crash":
            raise RuntimeError(f"party {self.key} crashed on demand")
        if message.get("type") == "finish":
            self.finish()
            return
        super().on_message(member, message)


rooms = AppSpec(
    name="rooms", routes=party_app.routes, setup=partial(party_app.setup, party_type=CrashyParty)
)
