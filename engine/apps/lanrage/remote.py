"""Another node's control plane, over HTTP: ``PARTY_ENGINE_LANRAGE_CONTROL_URL`` with the
Bearer token ``PARTY_ENGINE_LANRAGE_CONTROL_TOKEN``.

``RemoteControlPlane`` implements ``control.ControlPlane`` on the ``/control/...`` routes: the
serving node's refusals come back as the same errors (``PartyNotFound``, ``NotAMember``,
``PartyFull``), and everything else that keeps an answer from arriving (no connection, a
timeout, a refused token, an answer that is not a party) is ``ControlPlaneUnavailable``, with
the reason in its message and the log.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Literal, TypeVar

import attrs
import httpx

from engine.errors import AppError

from .errors import ControlPlaneUnavailable, InvalidField, NotAMember, PartyFull, PartyNotFound
from .fields import Name, PeerId
from .models import (
    WIRE,
    HeartbeatRequest,
    JoinControlRequest,
    LeaveControlRequest,
    LeaveControlResponse,
    RegisterPartyRequest,
    parse_body,
)
from .party import Party, PeerInfo

__all__ = ["CONTROL_TIMEOUT", "RemoteControlPlane", "open_remote_control_plane"]

log = logging.getLogger("engine.apps.lanrage")

T = TypeVar("T")

#: Seconds a control-plane request may take (connecting included) before it is given up.
CONTROL_TIMEOUT = 5.0

# The serving node's 404 and 409 refusals, by their detail.
_REFUSALS: dict[str, type[AppError]] = {
    PartyNotFound.default_message: PartyNotFound,
    NotAMember.default_message: NotAMember,
}


@attrs.frozen
class RemoteControlPlane:
    """The control plane of the node ``client`` is based at (its token in its headers)."""

    client: httpx.AsyncClient

    async def register(self, name: str, host: PeerInfo) -> Party:
        return await self._call("/control/parties", RegisterPartyRequest(Name(name), host), Party)

    async def get(self, party_id: str) -> Party:
        return await self._call(f"/control/parties/{party_id}", None, Party)

    async def join(self, party_id: str, peer: PeerInfo) -> Party:
        return await self._call(
            f"/control/parties/{party_id}/join", JoinControlRequest(peer), Party
        )

    async def heartbeat(self, party_id: str, peer: PeerInfo) -> Party:
        return await self._call(
            f"/control/parties/{party_id}/heartbeat", HeartbeatRequest(peer), Party
        )

    async def leave(self, party_id: str, peer_id: str) -> Literal["left", "disbanded"]:
        answer = await self._call(
            f"/control/parties/{party_id}/leave",
            LeaveControlRequest(PeerId(peer_id)),
            LeaveControlResponse,
        )
        return answer.status

    async def _call(self, path: str, body: Any, answer: type[T]) -> T:
        try:
            if body is None:
                response = await self.client.get(path)
            else:
                response = await self.client.post(path, json=WIRE.unstructure(body))
        except httpx.HTTPError as exc:
            log.warning("control plane %s%s: %r", self.client.base_url, path, exc)
            raise ControlPlaneUnavailable() from exc
        if response.status_code == 200:
            try:
                return parse_body(response.json(), answer)
            except (ValueError, InvalidField) as exc:
                log.error("control plane %s%s answered %r", self.client.base_url, path, exc)
                raise ControlPlaneUnavailable() from exc
        raise _refusal(response)


def _refusal(response: httpx.Response) -> AppError:
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    if response.status_code == 404 and detail in _REFUSALS:
        return _REFUSALS[detail]()
    if response.status_code == 409 and isinstance(detail, str):
        return PartyFull(detail)
    if response.status_code == 401:
        return ControlPlaneUnavailable("The control plane refused this node's token")
    log.warning("control plane answered %s: %r", response.status_code, detail)
    return ControlPlaneUnavailable()


@asynccontextmanager
async def open_remote_control_plane(
    url: str, token: str | None
) -> AsyncIterator[RemoteControlPlane]:
    """A client for the control plane at ``url`` (closed when the block exits)."""
    headers = {} if token is None else {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=CONTROL_TIMEOUT) as client:
        yield RemoteControlPlane(client)
