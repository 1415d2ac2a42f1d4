"""``ClusterPlacement``: one kind's ownership and listing on one node (a directory's
``Placement``).

- ``claim`` takes a party's lease (or finds it this node's already); ``locate`` finds the party
  wherever it runs: restored here if nobody holds it, or a ``StandIn`` for the holder. A holder
  whose heartbeat lapsed is waited for, up to two lease periods, until its lease lapses too.
- The listing: this node's changes are stored in the kind's Redis hash and announced on its
  channel in one script; the other nodes' announcements are mirrored into the directory, whose
  listeners (a lobby) hear them as they hear local ones. At start the hash is read after
  subscribing, so nothing is missed. Only the node holding a party's lease lists it, and a
  party restored here that another node had listed is listed again by this one (with the
  summary mirrored, which its own report, being the same, did not repeat). A change Redis
  refused (this node lost the lease) is corrected from the hash.
- Every half lease the placement withdraws the listings of nodes whose heartbeat lapsed (one
  script; the first node to look does it) and every node drops them from its mirror, except
  for parties running on it (restored here meanwhile, and listed again by it).
- For kinds restored at start (their parties have timers and must run somewhere), every half
  lease the placement adopts the parties whose lease lapsed: their node died.
"""

from __future__ import annotations

import json
import logging
import pickle
from contextlib import suppress
from typing import TYPE_CHECKING, Any

import attrs
import coredis
import trio

from engine.actors import ActorRef, ActorStopped, MailboxFull
from engine.parties import PartyDirectory
from engine.supervisors import SupervisorFailed

from ._keys import delisted_channel, listing_key
from ._standin import OwnerGone

if TYPE_CHECKING:
    from ._node import ClusterNode

__all__ = ["ClusterPlacement", "OwnerUnreachable"]

log = logging.getLogger("engine.cluster")


class OwnerUnreachable(Exception):
    """The party's node is dead and its lease has not lapsed in two lease periods."""


@attrs.define(eq=False)
class ClusterPlacement:
    """The placement of ``directory``'s kind on ``node``."""

    node: ClusterNode
    directory: PartyDirectory[Any]
    always_on: bool = False
    # Stand-ins of this kind on this node: party id -> (owner, stand-in).
    _standins: dict[str, tuple[str, ActorRef]] = attrs.field(factory=dict, init=False)
    # Concurrent connections to one party make one stand-in, not one each (a stand-in not in
    # ``_standins`` would never hear that its owner died).
    _spawning: trio.Lock = attrs.field(factory=trio.Lock, init=False)
    # The placement's tasks (mirroring, adopting): ended when its directory is replaced.
    _tasks: list[trio.CancelScope] = attrs.field(factory=list, init=False)
    # The listings mirrored from other nodes: party id -> summary.
    _others: dict[str, Any] = attrs.field(factory=dict, init=False)

    @property
    def kind(self) -> str:
        return self.directory.kind

    # -- Placement ---------------------------------------------------------------------------

    async def claim(self, party_id: str) -> bool:
        owner, _ = await self.node.claim(self.kind, party_id, always_on=self.always_on)
        return owner == self.node.id

    def release(self, party_id: str) -> None:
        self.node.release(self.kind, party_id)

    async def locate(self, party_id: str) -> ActorRef | None:
        with trio.move_on_after(self.node.settings.lease * 2):
            while True:
                owner, alive = await self.node.claim(self.kind, party_id, always_on=self.always_on)
                if owner == self.node.id:
                    ref = await self.directory.restore(party_id)
                    if ref is None:
                        if self.always_on:
                            # Not saved: the claim listed it among the parties to adopt, where
                            # the other nodes would chase it (while this node holds the lease,
                            # so that no party of that id is listed meanwhile).
                            await self.node.forget_party(self.kind, party_id)
                        self.release(party_id)
                    else:
                        self._relist(party_id)
                    return ref
                if alive:
                    return await self._standin(party_id, owner)
                await trio.sleep(self.node.settings.lease / 4)
        raise OwnerUnreachable(f"{self.kind} {party_id}: its node {owner} is gone")

    def listed(self, party_id: str, summary: Any) -> None:
        self._others.pop(party_id, None)
        self.node.list_later(
            self.kind,
            party_id,
            summary,
            lambda: self.node.nursery.start_soon(self._remirror, party_id),
        )

    async def start(self, restore_all: bool) -> None:
        self.always_on = restore_all
        await self.node.nursery.start(self._mirror_listing)
        self.node.nursery.start_soon(self._prune_listings)
        if restore_all:
            await self.directory.restore_all()
            for party_id in list(self._others):
                if self.directory.find(party_id) is not None:
                    self._relist(party_id)
            self.node.nursery.start_soon(self._adopt_orphans)

    # -- for the node ------------------------------------------------------------------------

    def replace(self, newer: ClusterPlacement) -> None:
        """``newer`` serves this kind from now on (the app was set up again): end this one's
        tasks and hand it the stand-ins, whose connections are still open."""
        for scope in self._tasks:
            scope.cancel()
        newer._standins.update(self._standins)

    def owners(self) -> set[str]:
        """The nodes this node's stand-ins of this kind forward to."""
        return {owner for owner, _ in self._standins.values()}

    def drop_owner(self, node: str) -> list[ActorRef]:
        """Forget the stand-ins forwarding to ``node`` (dead); them, to be stopped."""
        dropped = [pid for pid, (owner, _) in self._standins.items() if owner == node]
        return [self._standins.pop(pid)[1] for pid in dropped]

    async def stop_here(self, party_id: str) -> None:
        """Stop the party on this node: its lease is another's now (or may soon be)."""
        ref = self.directory.find(party_id)
        if ref is not None:
            # LookupError: it stopped meanwhile; SupervisorFailed: with its whole directory.
            with suppress(LookupError, SupervisorFailed):
                await self.directory.supervisor.terminate_child(ref)

    # -- helpers -----------------------------------------------------------------------------

    def _task(self) -> trio.CancelScope:
        scope = trio.CancelScope()
        self._tasks.append(scope)
        return scope

    async def _standin(self, party_id: str, owner: str) -> ActorRef:
        async with self._spawning:
            known = self._standins.get(party_id)
            if known is not None and known[0] == owner and known[1].alive:
                return known[1]
            if known is not None:
                # The party moved: connections through the old owner must reconnect.
                with suppress(MailboxFull, ActorStopped):
                    known[1].tell(OwnerGone())
            ref = await self.node.standin(self.kind, party_id, owner)
            self._standins[party_id] = (owner, ref)
            return ref

    def _relist(self, party_id: str) -> None:
        """The party was restored here: list it as this node's if another node had."""
        summary = self._others.pop(party_id, None)
        if summary is not None:
            self.listed(party_id, summary)

    def _mirrored(self, party_id: str, summary: Any) -> None:
        if summary is None:
            self._others.pop(party_id, None)
        else:
            self._others[party_id] = summary
        self.directory.mirror(party_id, summary)

    async def _remirror(self, party_id: str) -> None:
        """Redis refused this node's change of the listing: mirror what it holds instead."""
        try:
            summary = await self.node.redis.hget(listing_key(self.kind), party_id)
        except (coredis.exceptions.RedisError, OSError):
            log.exception("cluster: %s %s listing not read", self.kind, party_id)
            return
        self._mirrored(party_id, None if summary is None else pickle.loads(summary))

    async def _mirror_listing(
        self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED
    ) -> None:
        channel, delisted = listing_key(self.kind), delisted_channel(self.kind)
        redis = self.node.redis
        with self._task():
            async with redis.pubsub(
                channels=[channel, delisted], ignore_subscribe_messages=True
            ) as changes:
                for party_id, summary in (await redis.hgetall(channel)).items():
                    self._mirrored(party_id.decode(), pickle.loads(summary))
                task_status.started()
                async for message in changes:
                    data = message["data"]
                    if message["type"] != "message" or not isinstance(data, bytes):
                        continue
                    # Withdrawals of a party running here are another node's, made before
                    # this node took the party over (it lists it again).
                    if message["channel"] == delisted.encode():  # a dead node's
                        for party_id in json.loads(data):
                            if self.directory.find(party_id) is None:
                                self._mirrored(party_id, None)
                        continue
                    origin, party_id, summary = pickle.loads(data)
                    if origin != self.node.id and (
                        summary is not None or self.directory.find(party_id) is None
                    ):
                        self._mirrored(party_id, summary)

    async def _prune_listings(self) -> None:
        with self._task():
            while True:
                await trio.sleep(self.node.settings.lease / 2)
                try:
                    withdrawn = await self.node.prune_listings(self.kind)
                except (coredis.exceptions.RedisError, OSError):
                    log.exception("cluster: %s listings not pruned", self.kind)
                    continue
                if withdrawn:
                    log.info("cluster: withdrew %d %s listings of dead nodes", withdrawn, self.kind)

    async def _adopt_orphans(self) -> None:
        with self._task():
            await self._adopt_forever()

    async def _adopt_forever(self) -> None:
        while True:
            await trio.sleep(self.node.settings.lease / 2)
            try:
                orphans = await self.node.orphans(self.kind)
            except (coredis.exceptions.RedisError, OSError):
                log.exception("cluster: %s orphans not read", self.kind)
                continue
            for party_id in orphans:
                try:
                    await self._adopt(party_id)
                except SupervisorFailed:
                    return  # the directory stopped (its app is going down, or set up again)
                except Exception:
                    # One party that fails to start must not keep the others from adoption.
                    log.exception("cluster: %s %s not adopted", self.kind, party_id)

    async def _adopt(self, party_id: str) -> None:
        if not await self.claim(party_id):
            return  # another node was quicker
        log.info("cluster: adopting %s %s", self.kind, party_id)
        try:
            restored = await self.directory.restore(party_id)
        except BaseException:
            self.release(party_id)
            raise
        if restored is None:  # finished while its node was going: no longer saved
            self.release(party_id)
            await self.node.forget_party(self.kind, party_id)
        else:
            self._relist(party_id)
