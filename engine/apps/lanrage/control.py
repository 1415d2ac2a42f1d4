"""The control plane as a node uses it: one interface, this node's own or another node's.

``ControlPlane`` is what the node actor calls; both implementations raise the same refusals
(``PartyNotFound``, ``NotAMember``, ``PartyFull``) and answer the same values, so the node does
not know which one it talks to. ``LocalControlPlane`` asks this node's party actors (and is what
the ``/control/...`` routes serve to other nodes); ``remote.RemoteControlPlane`` calls another
node's routes over HTTP, and adds ``ControlPlaneUnavailable`` when that node does not answer.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol

import attrs

from engine.actors import ActorRef, ActorStopped
from engine.parties import PartyDirectory

from .errors import PartyNotFound
from .party import Party, PeerInfo
from .registry import Beat, Enter, Exit, PartyActor, Snapshot, seed_party

__all__ = ["ControlPlane", "LocalControlPlane"]


class ControlPlane(Protocol):
    async def register(self, name: str, host: PeerInfo) -> Party:
        """A new party hosted by ``host``; the control plane picks its id."""
        ...

    async def get(self, party_id: str) -> Party:
        """The party; ``PartyNotFound``."""
        ...

    async def join(self, party_id: str, peer: PeerInfo) -> Party:
        """The party with ``peer`` in it (a peer already in keeps its address);
        ``PartyNotFound``, ``PartyFull``."""
        ...

    async def heartbeat(self, party_id: str, peer: PeerInfo) -> Party:
        """The party, having heard from ``peer``; ``PartyNotFound``, ``NotAMember`` (it was
        dropped: join again)."""
        ...

    async def leave(self, party_id: str, peer_id: str) -> Literal["left", "disbanded"]:
        """``disbanded`` if the peer was the host; ``PartyNotFound``, ``NotAMember``."""
        ...


@attrs.frozen
class LocalControlPlane:
    """This node's control plane: the parties of ``directory``, one actor each."""

    directory: PartyDirectory[PartyActor]

    async def register(self, name: str, host: PeerInfo) -> Party:
        _, ref = await self.directory.create(seed_party(name, host))
        party: Party = await self._ask(ref, Snapshot())
        return party

    async def get(self, party_id: str) -> Party:
        party: Party = await self._ask(await self._party(party_id), Snapshot())
        return party

    async def join(self, party_id: str, peer: PeerInfo) -> Party:
        party: Party = await self._ask(await self._party(party_id), Enter(peer))
        return party

    async def heartbeat(self, party_id: str, peer: PeerInfo) -> Party:
        party: Party = await self._ask(await self._party(party_id), Beat(peer))
        return party

    async def leave(self, party_id: str, peer_id: str) -> Literal["left", "disbanded"]:
        status: Literal["left", "disbanded"] = await self._ask(
            await self._party(party_id), Exit(peer_id)
        )
        return status

    async def _party(self, party_id: str) -> ActorRef:
        ref = None
        if self.directory.ids.parse(party_id) is not None:
            ref = await self.directory.get(party_id)
        if ref is None:
            raise PartyNotFound()
        return ref

    @staticmethod
    async def _ask(ref: ActorRef, message: object) -> Any:
        try:
            return await ref.ask(message)
        except ActorStopped:
            # It finished (disbanded) between being found and being asked.
            raise PartyNotFound() from None
