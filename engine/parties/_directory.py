"""``PartyDirectory``: where the parties of one kind are created, found, listed and finished.

One directory per party kind (quipflip games, p2p sessions, liaptui rooms). It owns the kind's
dynamic supervisor (one_for_one, a generous restart intensity so one party crashing over and
over does not take the others down), the parties' peer groups (which outlive their crashes),
and the listing the parties report to. Parties are registered as ``(kind, party_id)`` and
restarted after a crash (TRANSIENT) from their last commit.

Guarantees: ids are unique among live and saved parties (join codes are drawn again on a
collision); ``create`` returns once the new party is durable; ``get`` restores a saved party on
first use and answers None only for a party that is not saved (``NotSaved``), while any other
failure to start raises; the first incarnation of a restored party is given the record just
loaded, a restarted one reads what was last committed.

In a cluster (an actor system that ``join_cluster`` attached a ``Cluster`` to: see
``engine.cluster``) ownership lives here too: every directory started under that system gets a
``Placement`` for its kind, and a party runs only on the node that holds its lease. ``create``
and the restores claim the lease first, so two nodes never run the same party; ``get`` answers,
for a party another node owns, a local stand-in that forwards to it; the listing is the
cluster's (changes are published to, and mirrored from, the other nodes). Without a cluster
nothing of this runs: the single-node paths are unchanged.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar

import attrs
import trio

from engine.actors import ActorRef, NameTaken, Registry
from engine.net import EventStream
from engine.store import Record, Store, get_or_restore
from engine.supervisors import (
    ActorSpec,
    ActorSystem,
    ChildStartFailed,
    RestartType,
    Supervisor,
    SupervisorSpec,
)

from ._errors import PartyErrors
from ._group import PeerGroup
from ._ids import IdScheme, UuidIds
from ._party import Birth, FinishParty, Party, Persist

__all__ = [
    "Cluster",
    "PartyDirectory",
    "PartyDirectoryStatistics",
    "Placement",
    "join_cluster",
    "start_party_directory",
]

log = logging.getLogger("engine.parties")

P = TypeVar("P", bound=Party[Any, Any])
Listener = Callable[[str, Any], object]

# A party's mailbox holds its members' messages and its timers' at once.
_MAILBOX = 1024
# Draws of a join code before giving up: at 31**6 codes, a million live parties make a draw
# collide one time in 900; ten in a row is a full code space, not bad luck.
_DRAWS = 10


class Placement(Protocol):
    """Where the parties of one kind run in a cluster: the ownership a directory defers to."""

    async def claim(self, party_id: str) -> bool:
        """Take the party's lease for this node, atomically; True if this node holds it (now or
        already), False if another node does."""

    def release(self, party_id: str) -> None:
        """Give the lease up (the party stopped here, or was never started); returns at once."""

    async def locate(self, party_id: str) -> ActorRef | None:
        """The party wherever it runs: restored here if no node holds it (None if it is not
        saved), or a stand-in forwarding to the node that does."""

    def listed(self, party_id: str, summary: Any) -> None:
        """A party of this node has a new listing (None: unlisted): tell the other nodes."""

    async def start(self, restore_all: bool) -> None:
        """Begin mirroring the cluster's listing and, with ``restore_all``, adopting the parties
        whose node died; restore the saved parties no node holds."""


class Cluster(Protocol):
    """A cluster an actor system is a node of (``engine.cluster``)."""

    def placement(self, directory: PartyDirectory[Any]) -> Placement:
        """The placement of ``directory``'s kind on this node."""


# The cluster each actor system is a node of, by its registry (which the views an app is given,
# ``ActorSystem.within``, share); looked up once per directory, at its start.
_CLUSTERS: weakref.WeakKeyDictionary[Registry, Cluster] = weakref.WeakKeyDictionary()


def join_cluster(system: ActorSystem, cluster: Cluster) -> Callable[[], None]:
    """Make ``system`` a node of ``cluster``: directories started under it from now on defer
    their ownership and listing to it. Returns the function that detaches it."""
    _CLUSTERS[system.registry] = cluster

    def leave() -> None:
        _CLUSTERS.pop(system.registry, None)

    return leave


@attrs.frozen
class PartyDirectoryStatistics:
    """``parties``: live parties (their peer groups); ``listed``: those with a listing."""

    parties: int
    listed: int


@attrs.define(eq=False)
class PartyDirectory(Generic[P]):
    """The parties of ``party_type``; made by ``start_party_directory``."""

    party_type: type[P]
    system: ActorSystem
    store: Store
    supervisor: Supervisor
    errors: PartyErrors
    ids: IdScheme = attrs.field(factory=UuidIds)
    context: Any = None
    event_capacity: int = 100
    seq_field: str | None = "sequence_number"
    mailbox_capacity: int = _MAILBOX
    #: Set by ``start_party_directory`` when the system is a node of a cluster.
    placement: Placement | None = None
    _groups: dict[str, PeerGroup[Any]] = attrs.field(factory=dict, init=False)
    _listings: dict[str, Any] = attrs.field(factory=dict, init=False)
    _listeners: list[Listener] = attrs.field(factory=list, init=False)
    # The ids being created here, each with the event set once its ``create`` has started it
    # (or failed): a restore of one waits for it rather than race it.
    _creating: dict[str, trio.Event] = attrs.field(factory=dict, init=False)

    @property
    def kind(self) -> str:
        return self.party_type.kind

    # -- lifecycle ---------------------------------------------------------------------------

    async def create(self, seed: Any, *, party_id: str | None = None) -> tuple[str, ActorRef]:
        """Start a new party whose first state is ``seed``; its id and ref, once it is durable.

        Its id is drawn from ``ids``, or is ``party_id`` when given (an id the client chose, or
        one drawn beforehand because other actors must know it first); ``NameTaken`` is raised
        if a party of that id is live, being created or saved. If the party cannot be saved it
        is stopped and the error propagates. Raises RuntimeError if no free id turned up in ten
        draws (the code space is full: use longer codes).
        """
        chosen = party_id is not None
        for _ in range(1 if chosen else _DRAWS):
            party_id = party_id if chosen else self.ids.new()
            assert party_id is not None
            if party_id in self._creating or self.find(party_id) is not None:
                if chosen:
                    raise NameTaken((self.kind, party_id))
                continue
            self._creating[party_id] = trio.Event()
            started = False
            try:
                if self.placement is not None and not await self.placement.claim(party_id):
                    if chosen:
                        raise NameTaken((self.kind, party_id))
                    continue  # another node holds it: live there, or being created there
                if (chosen or self.ids.may_collide) and await self.store.load(self.kind, party_id):
                    if chosen:
                        raise NameTaken((self.kind, party_id))
                    continue
                try:
                    ref = await self.supervisor.start_child(self._spec(party_id, seed=seed))
                except NameTaken:  # restored by a concurrent get meanwhile
                    started = True  # here: the lease is the live party's
                    if chosen:
                        raise
                    continue
                except BaseException:
                    self._drop_unless_live(party_id)
                    raise
                started = True
            finally:
                self._creating.pop(party_id).set()
                if not started and self.placement is not None:
                    self.placement.release(party_id)
            assert isinstance(ref, ActorRef)
            try:
                await ref.ask(Persist())
            except BaseException:
                await self.supervisor.terminate_child(ref)
                raise
            self._lifecycle("created", party_id)
            return party_id, ref
        raise RuntimeError(f"no free {self.kind} id in {_DRAWS} draws")

    def find(self, party_id: str) -> ActorRef | None:
        """The live party ``party_id``, without touching the store."""
        return self.system.lookup((self.kind, party_id))

    async def get(self, party_id: str) -> ActorRef | None:
        """The live party, or the saved one restored; None if no such party is saved.

        In a cluster: the party wherever it runs (a stand-in forwarding to its node), or
        restored here if no node runs it."""
        if self.placement is not None and self.find(party_id) is None:
            return await self.placement.locate(party_id)
        return await self._restore(party_id, None)

    async def get_or_create(self, party_id: str, seed: Any) -> ActorRef:
        """The party ``party_id`` (live, saved or, in a cluster, on another node), or a new one
        whose first state is ``seed``: for parties with a well-known id, one per player or one
        per app, which must run once in a cluster as anywhere. Concurrent calls, here or on
        other nodes, all get the one party."""
        while True:
            ref = await self.get(party_id)
            if ref is not None:
                return ref
            try:
                return (await self.create(seed, party_id=party_id))[1]
            except NameTaken:
                continue  # created meanwhile, here or on another node: get it

    async def restore(self, party_id: str, record: Record | None = None) -> ActorRef | None:
        """Start the saved party here (from ``record`` if given, else from the store) and return
        it, or the live one; None if it is not saved. For the cluster's placement, which calls
        it once it holds the party's lease."""
        return await self._restore(party_id, record)

    async def restore_all(self) -> int:
        """Start every saved party that is not running (for parties with timers: call it at
        set-up); how many are running afterwards. A party that fails to start is logged and
        left in the store, so one bad record does not keep the server from starting. In a
        cluster only the parties no node holds are started here."""
        running = 0
        for party_id, record in await self.store.load_all(self.kind):
            if self.placement is not None and not await self.placement.claim(party_id):
                continue
            try:
                if await self._restore(party_id, record) is not None:
                    running += 1
            except ChildStartFailed:
                log.exception("%s %s could not be restored", self.kind, party_id)
        return running

    async def finish(self, party_id: str) -> bool:
        """End the party for good (its ``finish``); False if there was no such party."""
        ref = await self.get(party_id)
        if ref is None:
            return False
        await ref.ask(FinishParty())
        return True

    def statistics(self) -> PartyDirectoryStatistics:
        return PartyDirectoryStatistics(parties=len(self._groups), listed=len(self._listings))

    # -- listing -----------------------------------------------------------------------------

    def listing(self, where: Callable[[Any], bool] | None = None) -> list[Any]:
        """The summaries of the live listed parties (those ``where`` accepts), oldest first.

        Kept current by the parties' reports, so this asks no party.
        """
        return [s for s in self._listings.values() if where is None or where(s)]

    def listen(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(party_id, summary)`` (None: unlisted) whenever a listing changes,
        from the reporting party's task: it must not block (``ActorRef.tell`` a lobby, say).
        Returns the function that stops it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    # -- for parties -------------------------------------------------------------------------

    def peer_group(self, party_id: str) -> PeerGroup[Any]:
        """The party's peer group, made on first use and kept across its incarnations."""
        group = self._groups.get(party_id)
        if group is None:
            stream = EventStream(capacity=self.event_capacity, seq_field=self.seq_field)
            group = self._groups[party_id] = PeerGroup(stream)
        return group

    def report(self, party_id: str, summary: Any) -> None:
        """A party's new listing (None: unlisted)."""
        if self._mirror(party_id, summary) and self.placement is not None:
            self.placement.listed(party_id, summary)

    def mirror(self, party_id: str, summary: Any) -> None:
        """A listing another node of the cluster reported (None: unlisted)."""
        self._mirror(party_id, summary)

    def forget(self, party_id: str) -> None:
        """The party stopped for good: drop its group and its listing."""
        self._groups.pop(party_id, None)
        self.report(party_id, None)
        if self.placement is not None:
            self.placement.release(party_id)

    # -- helpers -----------------------------------------------------------------------------

    def _mirror(self, party_id: str, summary: Any) -> bool:
        """Record a listing and tell the listeners; False if it changed nothing."""
        if summary is None:
            if self._listings.pop(party_id, None) is None:
                return False
        elif self._listings.get(party_id) == summary:
            return False  # a restarted incarnation reporting what its predecessor did
        else:
            self._listings[party_id] = summary
        for listener in list(self._listeners):
            listener(party_id, summary)
        return True

    async def _restore(self, party_id: str, record: Record | None) -> ActorRef | None:
        # A party being created here is not saved yet: wait for it, and then find it live (or
        # restore it, saved after all, if its creation failed).
        while (creating := self._creating.get(party_id)) is not None:
            await creating.wait()
        # The record read at start-up is for the first incarnation only: one restarted after a
        # crash must read what the crashed one last committed.
        records = iter([record])
        incarnations = 0

        def incarnation() -> P:
            nonlocal incarnations
            incarnations += 1
            return self.party_type(Birth(self, party_id, preloaded=next(records, None)))

        try:
            ref: ActorRef | None = await get_or_restore(
                self.supervisor, (self.kind, party_id), incarnation
            )
        except BaseException:
            self._drop_unless_live(party_id)
            raise
        if ref is None:
            self._drop_unless_live(party_id)
        elif incarnations:  # started here, not found live
            self._lifecycle("restored", party_id)
        return ref

    def _lifecycle(self, event: str, party_id: str) -> None:
        log.info(
            "%s %s %s", self.kind, party_id, event, extra={"kind": self.kind, "party": party_id}
        )

    def _drop_unless_live(self, party_id: str) -> None:
        # An incarnation that failed to start made a group; no other will use it.
        if self.find(party_id) is None:
            self._groups.pop(party_id, None)

    def _spec(self, party_id: str, *, seed: Any) -> ActorSpec:
        seeds = iter([seed])
        return ActorSpec(
            lambda: self.party_type(Birth(self, party_id, seed=next(seeds, None))),
            name=(self.kind, party_id),
            restart=RestartType.TRANSIENT,
            mailbox_capacity=self.mailbox_capacity,
        )


async def start_party_directory(
    system: ActorSystem,
    store: Store,
    party_type: type[P],
    *,
    errors: PartyErrors,
    ids: IdScheme | None = None,
    context: Any = None,
    restore_all: bool = False,
    event_capacity: int = 100,
    seq_field: str | None = "sequence_number",
    mailbox_capacity: int = _MAILBOX,
) -> PartyDirectory[P]:
    """Start the supervisor of ``party_type``'s parties under ``system`` and return their
    directory; with ``restore_all`` every saved party is started first (parties with timers;
    in a cluster, those no node runs, and from then on those whose node dies). The parties
    stop with the system."""
    supervisor = await system.start_supervisor(
        SupervisorSpec(id=f"{party_type.kind}.parties", max_restarts=1000, max_seconds=1.0)
    )
    directory = PartyDirectory(
        party_type,
        system,
        store,
        supervisor,
        errors,
        ids or UuidIds(),
        context,
        event_capacity,
        seq_field,
        mailbox_capacity,
    )
    cluster = _CLUSTERS.get(system.registry)
    if cluster is not None:
        directory.placement = cluster.placement(directory)
        await directory.placement.start(restore_all)
    elif restore_all:
        await directory.restore_all()
    return directory
