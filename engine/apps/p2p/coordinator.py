"""``Coordinator``: the app's context, what every route and actor reaches the others through.

It holds the settings and the three party directories: the registry (zones and numbers, one
party), hosts by ``host_id`` and sessions by ``session_id``; and does what takes more than one
actor: register a host (create it, or ask it to register again), create a session (the zone
from the registry, then the host attaches it, then the session is created; the host lets go of
it again if anything after the attach fails), add a player (and count it in the zone's
statistics), and gather the monitoring figures. Ids that cannot be ids are answered "not found"
without asking anyone.

Everything that must be one per service is a party, so a cluster runs it on one node and the
others reach it through the directories: nothing here is kept per process but the settings.
Actors are looked up for every use, never kept: in a cluster the ref may be a stand-in for a
node that has since died, and the next lookup finds the party where it was adopted.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import attrs
import trio

from engine import clock
from engine.actors import ActorRef, ActorStopped, NameTaken
from engine.parties import PartyDirectory

from .errors import HostNotFound, SessionNotFound
from .fields import check_id
from .host_party import Attach, HostParty, Reregister
from .hosts import Host, best_host, filter_hosts, new_host
from .messages import Detach, tell
from .monitoring import dashboard, host_stats
from .registry import (
    REGISTRY_ID,
    CountPlayerServed,
    GetZone,
    ListZones,
    NumberHost,
    NumberSession,
    Registry,
    RegistryParty,
)
from .requests import CreateSessionRequest, HostQuery, RegisterHostRequest
from .responses import Dashboard, HostStats, SystemHealth
from .session_party import AddPlayer, SessionParty
from .sessions import Session, SessionIds, open_session
from .settings import P2PSettings
from .statuses import SessionStatus
from .zones import Zone, require_accepting

__all__ = ["Coordinator"]


#: Tries of an ask whose actor stopped before answering (see ``Coordinator._ask``).
_ATTEMPTS = 2


@attrs.define(eq=False)
class Coordinator:
    """See the module docstring. ``health`` checks the services the deployment uses. The
    directories are set by the app's setup, which sets ``ready`` once they all are (their
    parties start, and may fire timers, before the last one exists)."""

    settings: P2PSettings
    session_ids: SessionIds
    health: Callable[[], Awaitable[SystemHealth]]
    registries: PartyDirectory[RegistryParty] = attrs.field(init=False)
    hosts: PartyDirectory[HostParty] = attrs.field(init=False)
    sessions: PartyDirectory[SessionParty] = attrs.field(init=False)
    ready: trio.Event = attrs.field(factory=trio.Event, init=False)

    # -- finding actors ---------------------------------------------------------------------

    async def registry(self) -> ActorRef:
        """The registry, made on first use (once, whichever node of a cluster asks first)."""
        return await self.registries.get_or_create(REGISTRY_ID, Registry())

    async def host(self, host_id: str) -> ActorRef:
        """The host ``host_id``'s actor; raises ``HostNotFound``."""
        ref = await self.hosts.get(host_id) if _is_id(host_id) else None
        if ref is None:
            raise HostNotFound(host_id)
        return ref

    async def session(self, session_id: str) -> ActorRef:
        """The session ``session_id``'s actor; raises ``SessionNotFound``."""
        canonical = self.session_ids.parse(session_id)
        ref = None if canonical is None else await self.sessions.get(canonical)
        if ref is None:
            raise SessionNotFound(session_id)
        return ref

    async def host_to_release(self, host_id: str) -> ActorRef | None:
        """For a closing session: its host's actor, None if it is gone."""
        await self.ready.wait()
        return await self.hosts.get(host_id)

    async def ask_registry(self, message: Any) -> Any:
        return (await self._ask(self.registry, message))[1]

    async def ask_host(self, host_id: str, message: Any) -> Any:
        """Ask the host; ``HostNotFound`` also if it was unregistered meanwhile."""
        return (await self._ask_host(host_id, message))[1]

    async def ask_session(self, session_id: str, message: Any) -> Any:
        try:
            return (await self._ask(lambda: self.session(session_id), message))[1]
        except ActorStopped:
            raise SessionNotFound(session_id) from None

    async def zone(self, zone_id: str) -> Zone:
        """The zone; raises ``ZoneNotFound``."""
        zone: Zone = await self.ask_registry(GetZone(zone_id))
        return zone

    # -- what takes several actors ----------------------------------------------------------

    async def register_host(self, request: RegisterHostRequest) -> Host:
        """A new host, or ``request`` applied to the one of that ``host_id`` (same player)."""
        host_id = request.host_id
        while True:
            ref = await self.hosts.get(host_id)
            if ref is not None:
                try:
                    host: Host = await ref.ask(Reregister(request))
                    return host
                except ActorStopped:
                    continue  # unregistered meanwhile: register it anew
            number = await self.ask_registry(NumberHost())
            first = new_host(request, number=number, now=clock.now())
            try:
                await self.hosts.create(first, party_id=host_id)
            except NameTaken:
                continue  # registered concurrently: register again over it
            return first

    async def create_session(self, request: CreateSessionRequest) -> Session:
        """A PENDING session of the host in the zone; see the module docstring."""
        zone = require_accepting(await self.zone(request.zone_id))
        await self.host(request.host_id)
        number = await self.ask_registry(NumberSession())
        session_id = self.session_ids.new()
        host_ref, host = await self._ask_host(request.host_id, Attach(session_id, zone.zone_id))
        try:
            session = open_session(
                request, host, zone, number=number, session_id=session_id, now=clock.now()
            )
            await self.sessions.create(session, party_id=session_id)
        except BaseException:
            tell(host_ref, Detach(session_id))
            raise
        return session

    async def add_player(self, session_id: str, player_id: str) -> Session:
        """The session with the player in it; a player new to it counts in its zone."""
        session, added = await self.ask_session(session_id, AddPlayer(player_id))
        if added:
            tell(await self.registry(), CountPlayerServed(session.zone_id))
        return session

    # -- reading the live actors ------------------------------------------------------------

    def all_hosts(self) -> list[Host]:
        return self.hosts.listing()

    def all_sessions(self) -> list[Session]:
        return self.sessions.listing()

    def list_hosts(self, query: HostQuery) -> list[Host]:
        return filter_hosts(self.all_hosts(), query)

    async def best_host(self, zone_id: str) -> Host:
        """The best host for the zone (``ZoneNotFound``, ``ZoneNotAccepting``,
        ``NoAvailableHost``)."""
        return best_host(self.all_hosts(), await self.zone(zone_id))

    def active_sessions(self, zone_id: str) -> int:
        """The zone's ACTIVE sessions."""
        return sum(
            1
            for session in self.all_sessions()
            if session.zone_id == zone_id and session.status is SessionStatus.ACTIVE
        )

    async def dashboard(self) -> Dashboard:
        zones = await self.ask_registry(ListZones())
        return dashboard(self.all_hosts(), zones, self.all_sessions(), await self.health())

    def host_stats(self) -> HostStats:
        return host_stats(self.all_hosts())

    # -- helpers ----------------------------------------------------------------------------

    async def _ask_host(self, host_id: str, message: Any) -> tuple[ActorRef, Any]:
        try:
            return await self._ask(lambda: self.host(host_id), message)
        except ActorStopped:
            raise HostNotFound(host_id) from None

    async def _ask(
        self, find: Callable[[], Awaitable[ActorRef]], message: Any
    ) -> tuple[ActorRef, Any]:
        """Ask the actor ``find`` answers; it and its answer. One that stopped before
        answering is found again: a party that ended meanwhile is then not found, and in a
        cluster a stand-in that stopped (idle, or its node died) gives way to the party where
        it runs now. ``ActorStopped`` if it stopped every time."""
        for _ in range(_ATTEMPTS - 1):
            ref = await find()
            try:
                return ref, await ref.ask(message)
            except ActorStopped:
                continue
        ref = await find()
        return ref, await ref.ask(message)


def _is_id(text: str) -> bool:
    try:
        check_id(text)
    except ValueError:
        return False
    return True
