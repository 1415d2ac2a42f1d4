"""One LANrage node, assembled: what the app's set-up starts and hands its routes.

``open_node`` starts, in order: the control plane's party directory (every saved party running
again), the control plane the node uses (its own, or an HTTP client for
``PARTY_ENGINE_LANRAGE_CONTROL_URL``), the node actor (the one party of its own directory,
made on first start), then the UDP tasks: the STUN responder on ``stun_listen``, NAT detection
and the latency probes. Leaving the block stops the tasks and closes the client; the actors
stop with the app's supervisor.

In a cluster (``party-engine serve --cluster``) every process runs all of this, and the
directories make one node of them: the control plane's parties each run on one process and are
reached from any, and so is the node actor, which the routes look up on every call (it moves
to another process when its own dies).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import attrs
import trio

from engine.actors import DEFAULT_ASK_TIMEOUT, ActorError, ActorRef
from engine.net import serve_stun
from engine.parties import PartyDirectory, PartyErrors, start_party_directory
from engine.store import Store
from engine.supervisors import ActorSystem

from .agent import NodeActor, NodeContext
from .control import ControlPlane, LocalControlPlane
from .network import detect_nat, probe_peers
from .node import new_node_state
from .registry import open_registry
from .remote import open_remote_control_plane
from .settings import LanrageSettings

__all__ = ["Node", "open_node"]

log = logging.getLogger("engine.apps.lanrage")


@attrs.frozen
class Node:
    """What the routes receive as ``request.context``: the settings, the node actor's
    directory, and this process's own control plane (served to other nodes)."""

    settings: LanrageSettings
    agents: PartyDirectory[NodeActor]
    control: LocalControlPlane
    responder: tuple[str, int] | None

    async def ask(self, message: Any, *, timeout: float = DEFAULT_ASK_TIMEOUT) -> Any:
        """Ask the node actor, wherever it runs."""
        return await (await self.actor()).ask(message, timeout=timeout)

    async def actor(self) -> ActorRef:
        """The node actor, or in a cluster its stand-in here (looked up each time: a stand-in
        lives only while it is used, and the actor moves when its process dies)."""
        ref = await self.agents.get(NodeActor.KEY)
        return ref if ref is not None else await _get_or_create(self.agents)

    def local_actor(self) -> ActorRef | None:
        """The node actor if it runs in this process."""
        return self.agents.find(NodeActor.KEY)


async def _get_or_create(agents: PartyDirectory[NodeActor]) -> ActorRef:
    return await agents.get_or_create(NodeActor.KEY, new_node_state())


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
        # Restored at start (its heartbeat timer must run), and adopted when its process dies.
        agents = await start_party_directory(
            system,
            store,
            NodeActor,
            errors=errors,
            context=NodeContext(settings, control),
            restore_all=True,
        )
        await _get_or_create(agents)
        async with trio.open_nursery() as nursery:
            responder = None
            if settings.stun_listen is not None:
                responder = (await nursery.start(serve_stun, *settings.stun_listen)).address
            node = Node(settings, agents, local, responder)
            nursery.start_soon(_detect_nat, node)
            nursery.start_soon(probe_peers, node.local_actor, settings)
            yield node
            nursery.cancel_scope.cancel()


async def _detect_nat(node: Node) -> None:
    detected = await detect_nat(node.settings, node.responder)
    try:
        (await node.actor()).tell(detected)
    except ActorError as exc:  # stopped meanwhile: it keeps the NAT detected last
        log.warning("NAT detection not recorded: %r", exc)
