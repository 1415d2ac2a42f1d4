"""LANrage's HTTP routes: the local API (no authentication) and the control plane (Bearer).

Every route with a body declares it (``body=``); the engine reads it with LANrage's strict
converter (``models.parse_body``: no coercion, no unknown fields, the spec's lengths) before the
handler runs, and a refusal is answered in FastAPI's list format with status 400, every field at
fault named; every other error is ``{"detail": ...}``. The control plane's routes check the
bearer token in a route guard, before the body is read: a caller without the token hears 401,
whatever its body. A refused request reaches no actor, so it changes nothing.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from typing import Any, TypeVar

from engine.web import DetailErrors, Problem, Request, Routes, ValidationFailed

from .agent import CreateParty, GetStatus, JoinParty, LeaveParty
from .control import LocalControlPlane
from .errors import ControlTokenRefused, InvalidField
from .models import (
    WIRE,
    CreatePartyRequest,
    CreatePartyResponse,
    HeartbeatRequest,
    JoinControlRequest,
    JoinPartyRequest,
    JoinPartyResponse,
    LeaveControlRequest,
    LeaveControlResponse,
    LeavePartyResponse,
    RegisterPartyRequest,
    StatusResponse,
    parse_body,
)
from .party import Party
from .service import Node

__all__ = ["ERRORS", "NODE_ASK_TIMEOUT", "routes"]

T = TypeVar("T")

ERRORS = DetailErrors(validation_status=400)

#: Seconds a local API call may wait for the node: a heartbeat under way, then its own call,
#: each bounded by the control plane's timeout (5 s).
NODE_ASK_TIMEOUT = 12.0


def _parse(data: Any, cls: type[T]) -> T:
    """The routes' body reader: ``models.parse_body``, its refusal as the list format's 400."""
    try:
        return parse_body(data, cls)
    except InvalidField as error:
        raise ValidationFailed(
            [
                Problem(("body", *_path(field)), message, _kind(message))
                for field, message in error.details.items()
            ]
        ) from None


def _path(field: str) -> tuple[str | int, ...]:
    if field == "body":
        return ()
    return tuple(int(part) if part.isdigit() else part for part in field.split("."))


def _kind(message: str) -> str:
    if message == "field required":
        return "missing"
    if message.startswith("expected"):
        return "type_error"
    return "value_error"


def _no_body(request: Request) -> None:
    if request.body not in (None, {}):
        raise ValidationFailed([Problem(("body",), "expected no body", "value_error")])


routes = Routes(errors=ERRORS, parse_body=_parse)


async def _ask(request: Request, message: Any) -> Any:
    return WIRE.unstructure(await _node(request).ask(message, timeout=NODE_ASK_TIMEOUT))


# -- local API --------------------------------------------------------------------------------


@routes.post(
    "/party/create",
    response=CreatePartyResponse,
    body=CreatePartyRequest,
    responses={
        409: "already in a party: leave it first",
        503: "the control plane is unavailable, or refused this node's token",
    },
)
async def create_party(request: Request) -> Any:
    """Create a party hosted by this node (body: CreatePartyRequest)."""
    body: CreatePartyRequest = request.body
    return await _ask(request, CreateParty(body.name))


@routes.post(
    "/party/join",
    response=JoinPartyResponse,
    body=JoinPartyRequest,
    responses={
        404: "no such party",
        409: "already in a party, or the party is full",
        503: "the control plane is unavailable, or refused this node's token",
    },
)
async def join_party(request: Request) -> Any:
    """Join a party through the control plane (body: JoinPartyRequest)."""
    body: JoinPartyRequest = request.body
    return await _ask(request, JoinParty(body.party_id, body.peer_name))


@routes.post("/party/leave", response=LeavePartyResponse, responses={400: "not in a party"})
async def leave_party(request: Request) -> Any:
    """Leave the current party (the host leaving disbands it)."""
    _no_body(request)
    return await _ask(request, LeaveParty())


@routes.get("/status", response=StatusResponse)
async def status(request: Request) -> Any:
    """This node's party as the control plane knows it, and its NAT."""
    return await _ask(request, GetStatus())


# -- control plane ----------------------------------------------------------------------------


async def _token(request: Request) -> Mapping[str, str]:
    """The control plane's guard: only a caller with this node's token passes (none
    configured: nobody; the node itself calls its own control plane in process)."""
    expected = _node(request).settings.control_token
    given = request.bearer_token()
    if (
        expected is None
        or given is None
        or not hmac.compare_digest(given.encode(), expected.encode())
    ):
        raise ControlTokenRefused()
    return {}


def _node(request: Request) -> Node:
    node: Node = request.context
    return node


def _control(request: Request) -> LocalControlPlane:
    return _node(request).control


@routes.post(
    "/control/parties", response=Party, body=RegisterPartyRequest, guard=_token, bearer=True
)
async def control_register(request: Request) -> Any:
    """Register a party (body: RegisterPartyRequest); the control plane picks its id."""
    control = _control(request)
    body: RegisterPartyRequest = request.body
    return WIRE.unstructure(await control.register(body.name, body.host))


@routes.get(
    "/control/parties/{party_id}",
    response=Party,
    guard=_token,
    bearer=True,
    responses={404: "no such party"},
)
async def control_get(request: Request) -> Any:
    """A party with its members."""
    control = _control(request)
    return WIRE.unstructure(await control.get(request.params["party_id"]))


@routes.post(
    "/control/parties/{party_id}/join",
    response=Party,
    body=JoinControlRequest,
    guard=_token,
    bearer=True,
    responses={404: "no such party", 409: "the party is full"},
)
async def control_join(request: Request) -> Any:
    """Add a peer (body: JoinControlRequest); a peer already in keeps its address."""
    control = _control(request)
    body: JoinControlRequest = request.body
    return WIRE.unstructure(await control.join(request.params["party_id"], body.peer))


@routes.post(
    "/control/parties/{party_id}/heartbeat",
    response=Party,
    body=HeartbeatRequest,
    guard=_token,
    bearer=True,
    responses={404: "no such party, or the peer was dropped as silent"},
)
async def control_heartbeat(request: Request) -> Any:
    """A peer is alive (body: HeartbeatRequest); 404 if it was dropped."""
    control = _control(request)
    body: HeartbeatRequest = request.body
    return WIRE.unstructure(await control.heartbeat(request.params["party_id"], body.peer))


@routes.post(
    "/control/parties/{party_id}/leave",
    response=LeaveControlResponse,
    body=LeaveControlRequest,
    guard=_token,
    bearer=True,
    responses={404: "no such party, or the peer is not in it"},
)
async def control_leave(request: Request) -> Any:
    """A peer leaves (body: LeaveControlRequest); the host leaving disbands the party."""
    control = _control(request)
    body: LeaveControlRequest = request.body
    status = await control.leave(request.params["party_id"], body.peer_id)
    return WIRE.unstructure(LeaveControlResponse(status))
