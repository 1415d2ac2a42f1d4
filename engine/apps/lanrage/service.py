"""One LANrage node, assembled: what the app's set-up starts and hands its routes.

``open_node`` starts, in order: the control plane's party directory (every saved party running
again), the control plane the node uses (its own, or an HTTP client for
``PARTY_ENGINE_LANRAGE_CONTROL_URL``), the node actor under its own supervisor, then the UDP
tasks: the STUN responder on ``stun_listen``, NAT detection and the latency probes. Leaving the
block stops the tasks and closes the client; the actors stop with the app's supervisor.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import attrs
import trio

from engine.actors import ActorRef
from engine.net import serve_stun
from engine.parties import PartyErrors
from engine.store import Store
from engine.supervisors import ActorSpec, ActorSystem, RestartType, SupervisorSpec

from .agent import NodeActor
from .control import ControlPlane, LocalControlPlane
from .network import detect_nat, probe_peers
from .registry import open_registry
from .remote import open_remote_control_plane
from .settings import LanrageSettings

__all__ = ["Node", "open_node"]

# The node is what the app is for: its crash loop takes the app down (and up again).
_NODE_SUPERVISOR = SupervisorSpec(id="lanrage.node", max_restarts=5, max_seconds=10.0)


@attrs.frozen
class Node:
    """What the routes receive as ``request.context``: the settings, the node actor, and this
    node's own control plane (served to other nodes)."""

    settings: LanrageSettings
    actor: ActorRef
    control: LocalControlPlane
    responder: tuple[str, int] | None


@asynccontextmanager
async def open_node(
    system: ActorSystem, store: Store, settings: LanrageSettings, errors: PartyErrors
) -> AsyncIterator[Node]:
    local = LocalControlPlane(await open_registry(system, store, settings, errors))
    async with AsyncExitStack() as stack:
        control: ControlPlane = local
        if settings.control_url is not None:
            control = await stack.enter_async_context(
                open_remote_control_plane(settings.control_url, settings.control_token)
            )
        supervisor = await system.start_supervisor(_NODE_SUPERVISOR)
        actor: Any = await supervisor.start_child(
            ActorSpec(
                lambda: NodeActor(store, settings, control),
                name="lanrage.node",
                restart=RestartType.PERMANENT,
            )
        )
        async with trio.open_nursery() as nursery:
            responder = None
            if settings.stun_listen is not None:
                responder = (await nursery.start(serve_stun, *settings.stun_listen)).address
            nursery.start_soon(detect_nat, actor, settings, responder)
            nursery.start_soon(probe_peers, actor, settings)
            yield Node(settings, actor, local, responder)
            nursery.cancel_scope.cancel()
