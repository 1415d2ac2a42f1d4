"""``ClusterNode``: this process as one node of a cluster, and ``open_cluster``.

Nodes share one Redis and one store. Each has a random id and a heartbeat key that it renews,
with every party lease it holds, in one script call every third of the lease; it listens on its
inbox channel for the other nodes' messages (see ``_wire``) and publishes its own through one
``Outbox``.

Guarantees:

- A party runs on one node at a time: a node starts a party only after taking its lease
  (``CLAIM``, atomic in Redis), and stops the parties whose lease it no longer holds. If it
  cannot renew its leases for most of a lease period (Redis unreachable), it stops all of its
  parties before any other node may take them.
- Connections to a party owned elsewhere are served through ``StandIn`` actors; connections
  another node serves for a party of this node's are peers of that party here (``_RemotePeer``
  sockets), which leave it with 1006 if that node's heartbeat lapses.
- Leases expire a lease period after their node's death (SIGKILL): the directories of kinds
  restored at start look for such parties every half lease and adopt them from the store, and
  every directory withdraws the dead node's listings (``ClusterPlacement``).
- A node paused past its lease is fenced by the store: its parties' saves expect the version
  they loaded, so a copy whose party another node took over and wrote is refused and stops
  (``engine.store.Superseded``).
- Joining fails with ``ClusterUnreachable`` (one line) for a URL that is not Redis's or a
  Redis that does not answer within 10 s.
"""

from __future__ import annotations

import itertools
import logging
import math
import pickle
import secrets
import urllib.parse
from collections.abc import AsyncIterator, Callable, Hashable
from contextlib import asynccontextmanager, suppress
from typing import Any

import attrs
import coredis
import trio

from engine.actors import DEFAULT_ASK_TIMEOUT, ActorRef, ActorStopped, MailboxFull
from engine.net import (
    JSON_CODEC,
    CloseReason,
    ConnectionClosed,
    Frame,
    KeyedLimit,
    Peer,
    PeerConnected,
    PeerDisconnected,
    PeerMessage,
    RateLimiter,
    WebSocketRequest,
    binary_frame,
    text_frame,
)
from engine.parties import Admission, PartyDirectory, PeerGroup, join_cluster
from engine.supervisors import ActorSpec, ActorSystem, RestartType, Supervisor, SupervisorSpec

from . import _keys as keys
from ._outbox import Outbox, OutboxFull
from ._placement import ClusterPlacement
from ._standin import OwnerGone, RemoteError, StandIn
from ._wire import Ask, Close, Connect, Deliver, Disconnect, Message, Rekey, Reply, decode

__all__ = ["ClusterNode", "ClusterSettings", "ClusterUnreachable", "check_cluster", "open_cluster"]

log = logging.getLogger("engine.cluster")


def _positive_finite(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not (isinstance(value, (int, float)) and 0 < value < math.inf):
        raise ValueError(f"{attribute.name} must be a positive number of seconds, not {value!r}")


#: How long joining waits for the cluster's Redis to answer.
_CONNECT_TIMEOUT_S = 10.0


class ClusterUnreachable(Exception):
    """The cluster's URL is not a Redis URL, or no Redis answers there; the message says which,
    on one line."""


def _redis(url: str) -> coredis.Redis[bytes]:
    """A client of the Redis at ``url``; ``ClusterUnreachable`` if it is not a Redis URL."""
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 (parsing it is the check)
    except ValueError as exc:
        raise ClusterUnreachable(f"{url!r} is not a Redis URL: {exc}") from None
    if parts.scheme not in ("redis", "rediss") or not parts.hostname:
        raise ClusterUnreachable(f"{url!r} is not a Redis URL (redis://HOST:PORT)")
    return coredis.Redis.from_url(url)


@asynccontextmanager
async def _connected(url: str) -> AsyncIterator[coredis.Redis[bytes]]:
    """A client of the Redis at ``url`` that answered a ping; ``ClusterUnreachable`` naming
    the cause if it is not a Redis URL or no Redis answers in time."""
    redis = _redis(url)
    reached = False
    try:
        async with redis:
            with trio.fail_after(_CONNECT_TIMEOUT_S):
                await redis.ping()
            reached = True
            yield redis
    except Exception as exc:
        if reached:
            raise
        cause: BaseException = exc
        # The client connects in a task group of its own: its error comes in a group.
        while isinstance(cause, BaseExceptionGroup) and len(cause.exceptions) == 1:
            cause = cause.exceptions[0]
        if isinstance(cause, trio.TooSlowError):
            raise ClusterUnreachable(f"no answer from {url} in {_CONNECT_TIMEOUT_S:g} s") from None
        if isinstance(cause, (coredis.exceptions.RedisError, OSError)):
            raise ClusterUnreachable(f"cannot reach {url}: {cause}") from None
        raise


async def check_cluster(url: str) -> None:
    """Reach the cluster's Redis at ``url`` once and leave; ``ClusterUnreachable`` if it cannot
    be (a start-up check that names the cause before anything else starts)."""
    async with _connected(url):
        pass


@attrs.frozen
class ClusterSettings:
    """``lease`` (``PARTY_ENGINE_CLUSTER_LEASE``, default 5): seconds a node's leases outlive
    its last renewal, so how long its parties are unreachable after it dies."""

    lease: float = attrs.field(default=5.0, validator=_positive_finite)


@attrs.define(eq=False)
class _RemotePeer:
    """What a ``Peer`` of this node needs of a connection another node serves."""

    node: ClusterNode
    origin: str
    conn: str
    request: WebSocketRequest
    closed: ConnectionClosed | None = None

    def send(self, frame: Frame) -> bool:
        if self.closed is not None:
            return False
        if self.node.outbox.deliver(self.origin, self.conn, frame):
            return True
        self.begin_close(CloseReason.POLICY_VIOLATION, "slow consumer")
        return False

    def begin_close(self, code: int, reason: str) -> None:
        if self.closed is None:
            self.closed = ConnectionClosed(code, reason, by_peer=False)
            with suppress(OutboxFull):  # a full backlog: that node is about to look dead
                self.node.outbox.post(self.origin, Close(self.conn, code, reason))


@attrs.define(eq=False)
class _ForwardedLimit(KeyedLimit):
    """On the owner, the rate limit of a connection another node serves (its reader applies
    the limit there): re-keying it, as ``PeerGroup.reassign`` does when the connection takes a
    seat, re-keys that node's limit too."""

    socket: _RemotePeer = attrs.field(kw_only=True)
    party: tuple[str, str] = attrs.field(kw_only=True)  # (kind, party id)

    def rekey(self, key: Hashable | None) -> None:
        super().rekey(key)
        # The group in reassign's key is this node's object: the other node counts against the
        # party and the rest of the key (the user), shared by that user's connections there.
        portable = None if key is None else (*self.party, *_without_groups(key))
        with suppress(OutboxFull):  # that node is about to look dead
            self.socket.node.outbox.post(self.socket.origin, Rekey(self.socket.conn, portable))


def _without_groups(key: Hashable) -> tuple[Hashable, ...]:
    parts = key if isinstance(key, tuple) else (key,)
    return tuple(part for part in parts if not isinstance(part, PeerGroup))


def _admit_limit(values: dict[str, Any], limit: _ForwardedLimit) -> dict[str, Any]:
    """A forwarded connection's attrs, its ``Admission`` given ``limit``."""
    return {
        key: attrs.evolve(value, rate_limit=limit) if isinstance(value, Admission) else value
        for key, value in values.items()
    }


@attrs.define(eq=False)
class ClusterNode:
    """This process as a node; see the module docstring. Made by ``open_cluster``."""

    redis: coredis.Redis[bytes]
    settings: ClusterSettings
    nursery: trio.Nursery
    id: str = attrs.field(factory=lambda: secrets.token_hex(6))
    outbox: Outbox = attrs.field(init=False)
    #: This node's connections to parties owned elsewhere, by connection id.
    local: dict[str, Peer] = attrs.field(factory=dict, init=False)
    placements: dict[str, ClusterPlacement] = attrs.field(factory=dict, init=False)
    # The leases held: (kind, party id).
    _owned: set[tuple[str, str]] = attrs.field(factory=set, init=False)
    # The last release queued of each lease, until it has run: a claim of that lease waits for
    # it, or it would find the lease still this node's and then see the release delete it.
    _releasing: dict[tuple[str, str], trio.Event] = attrs.field(factory=dict, init=False)
    # Connections other nodes serve, to parties of this one: (node, conn) -> (party, peer).
    _remote: dict[tuple[str, str], tuple[ActorRef, Peer]] = attrs.field(factory=dict, init=False)
    _calls: dict[int, trio.MemorySendChannel[Reply]] = attrs.field(factory=dict, init=False)
    _call_ids: itertools.count[int] = attrs.field(factory=itertools.count, init=False)
    _standins: Supervisor | None = attrs.field(default=None, init=False)
    _scripts: dict[str, Any] = attrs.field(factory=dict, init=False)
    _later_send: trio.MemorySendChannel[Any] = attrs.field(init=False)
    _later_receive: trio.MemoryReceiveChannel[Any] = attrs.field(init=False)
    _later_done: trio.Event = attrs.field(factory=trio.Event, init=False)

    def __attrs_post_init__(self) -> None:
        self.outbox = Outbox(self.redis, self.id)
        self._later_send, self._later_receive = trio.open_memory_channel(math.inf)
        for name in ("CLAIM", "RENEW", "RELEASE", "ORPHANS", "LIST", "PRUNE"):
            self._scripts[name] = self.redis.register_script(getattr(keys, name))

    @property
    def lease_ms(self) -> int:
        return max(1, round(self.settings.lease * 1000))

    async def reachable(self, timeout: float) -> bool:
        """Whether the cluster's Redis answers a PING within ``timeout`` seconds (for health
        checks: a node whose Redis is gone cannot claim, forward or renew)."""
        with trio.move_on_after(timeout):
            try:
                await self.redis.ping()
            except (coredis.exceptions.RedisError, OSError):
                return False
            return True
        return False

    # -- the directory's side (Cluster) ------------------------------------------------------

    def placement(self, directory: PartyDirectory[Any]) -> ClusterPlacement:
        placement = ClusterPlacement(self, directory)
        replaced = self.placements.get(directory.kind)
        if replaced is not None:  # the app was set up again after a failure
            replaced.replace(placement)
        self.placements[directory.kind] = placement
        return placement

    async def attach(self, system: ActorSystem) -> None:
        """Serve ``system``'s directories from now on: their ownership is this cluster's."""
        self._standins = await system.start_supervisor(
            SupervisorSpec(id="cluster.standins", max_restarts=1000, max_seconds=1.0)
        )
        join_cluster(system, self)

    # -- ownership --------------------------------------------------------------------------

    async def claim(self, kind: str, party_id: str, *, always_on: bool) -> tuple[str, bool]:
        """Take the lease of ``(kind, party_id)`` unless a node holds it; the holder and
        whether its heartbeat is alive. ``always_on``: list it among the kind's parties that
        must run somewhere (for adoption after a node's death)."""
        releasing = self._releasing.get((kind, party_id))
        if releasing is not None:
            await releasing.wait()
        owner, alive = await self._scripts["CLAIM"](
            keys=[keys.owner_key(kind, party_id), keys.parties_key(kind)],
            args=[self.id, self.lease_ms, keys.NODE_PREFIX, "1" if always_on else "0", party_id],
        )
        holder = owner.decode()
        if holder == self.id:
            self._owned.add((kind, party_id))
        return holder, bool(alive)

    def release(self, kind: str, party_id: str) -> None:
        """Give the lease up, soon (compare-and-delete: only if it is still this node's)."""
        lease = (kind, party_id)
        if lease in self._owned:
            self._owned.discard(lease)
            released = self._releasing[lease] = trio.Event()

            def done(_: object) -> None:
                released.set()
                if self._releasing.get(lease) is released:
                    del self._releasing[lease]

            self.later(self._scripts["RELEASE"], [keys.owner_key(*lease)], [self.id], then=done)

    async def orphans(self, kind: str) -> list[str]:
        """The kind's always-on parties whose lease lapsed."""
        found = await self._scripts["ORPHANS"](
            keys=[keys.parties_key(kind)], args=[keys.owner_prefix(kind)]
        )
        return [party_id.decode() for party_id in found]

    async def forget_party(self, kind: str, party_id: str) -> None:
        """Drop a party that is no longer saved from the kind's always-on set."""
        await self.redis.srem(keys.parties_key(kind), [party_id])

    def later(
        self,
        script: Any,
        script_keys: list[str],
        args: list[Any],
        then: Callable[[Any], object] | None = None,
    ) -> None:
        """Run a script soon, after those queued before it, without waiting for it; then
        ``then(result)``, the script's result or None if it failed (logged)."""
        self._later_send.send_nowait((script, script_keys, args, then))

    def list_later(
        self, kind: str, party_id: str, summary: Any, refused: Callable[[], object]
    ) -> None:
        """List (None: unlist) a party of this node, soon; ``refused()`` if this node may not:
        another node holds the party's lease, or made the listing being withdrawn."""
        encoded = b"" if summary is None else pickle.dumps(summary, pickle.HIGHEST_PROTOCOL)
        note = pickle.dumps((self.id, party_id, summary), pickle.HIGHEST_PROTOCOL)
        self.later(
            self._scripts["LIST"],
            [
                keys.listing_key(kind),
                keys.listed_by_key(kind),
                keys.listing_nodes_key(kind),
                keys.node_listings_prefix(kind) + self.id,
                keys.owner_key(kind, party_id),
            ],
            [self.id, party_id, encoded, note, keys.node_listings_prefix(kind)],
            lambda done: done == 0 and refused(),  # 0: refused; None: lost (logged)
        )

    async def prune_listings(self, kind: str) -> int:
        """Withdraw the kind's listings made by nodes whose heartbeat lapsed; how many."""
        withdrawn = await self._scripts["PRUNE"](
            keys=[keys.listing_key(kind), keys.listed_by_key(kind), keys.listing_nodes_key(kind)],
            args=[keys.NODE_PREFIX, keys.node_listings_prefix(kind), keys.delisted_channel(kind)],
        )
        return int(withdrawn)

    async def standin(self, kind: str, party_id: str, owner: str) -> ActorRef:
        """A new stand-in for ``(kind, party_id)`` on ``owner``."""
        assert self._standins is not None, "attach() the actor system first"
        spec = ActorSpec(
            lambda: StandIn(self, kind, party_id, owner),
            id=("cluster.standin", kind, party_id, owner, next(self._call_ids)),
            restart=RestartType.TEMPORARY,
        )
        ref = await self._standins.start_child(spec)
        assert isinstance(ref, ActorRef)
        return ref

    async def ask(self, owner: str, kind: str, party_id: str, message: Any) -> Any:
        """Ask ``(kind, party_id)`` on node ``owner``; its answer, or what it raised."""
        call = next(self._call_ids)
        send, receive = trio.open_memory_channel[Reply](1)
        self._calls[call] = send
        try:
            # As patient as a local ask, or two leases when they are longer.
            timeout = max(DEFAULT_ASK_TIMEOUT, self.settings.lease * 2)
            self.outbox.post(owner, Ask(call, kind, party_id, message, timeout))
            with trio.fail_after(timeout):
                reply = await receive.receive()
        except trio.TooSlowError:
            raise RemoteError(f"no answer from node {owner} in time") from None
        finally:
            del self._calls[call]
        if reply.ok:
            return reply.value
        raise reply.value

    # -- background tasks ---------------------------------------------------------------------

    async def renew(self) -> None:
        """Renew the heartbeat and every lease; stop the parties whose lease was lost."""
        held = list(self._owned)
        lost = await self._scripts["RENEW"](
            keys=[keys.node_key(self.id), *(keys.owner_key(k, p) for k, p in held)],
            args=[self.id, self.lease_ms],
        )
        for position in lost:
            kind, party_id = held[int(position) - 1]
            log.warning("cluster: lost the lease of %s %s; stopping it here", kind, party_id)
            self._owned.discard((kind, party_id))
            placement = self.placements.get(kind)
            if placement is not None:
                self.nursery.start_soon(placement.stop_here, party_id)

    async def _keep_leases(self) -> None:
        renewed = trio.current_time()
        while True:
            await trio.sleep(self.settings.lease / 3)
            try:
                await self.renew()
                renewed = trio.current_time()
            except (coredis.exceptions.RedisError, OSError):
                log.exception("cluster: leases not renewed")
                if trio.current_time() - renewed > self.settings.lease * 0.7:
                    # Before any lease can lapse: another node may adopt these parties soon.
                    log.error("cluster: Redis unreachable; stopping this node's parties")
                    for kind, party_id in list(self._owned):
                        self._owned.discard((kind, party_id))
                        self.nursery.start_soon(self.placements[kind].stop_here, party_id)

    async def _watch_nodes(self) -> None:
        """Act on the death of the nodes this one deals with."""
        while True:
            await trio.sleep(self.settings.lease / 3)
            nodes = {origin for origin, _ in self._remote}
            for placement in self.placements.values():
                nodes |= placement.owners()
            nodes.discard(self.id)
            if not nodes:
                continue
            ordered = sorted(nodes)
            try:
                beats = await self.redis.mget([keys.node_key(n) for n in ordered])
            except (coredis.exceptions.RedisError, OSError):
                log.exception("cluster: node heartbeats not read")
                continue
            for node, beat in zip(ordered, beats, strict=True):
                if beat is None:
                    self._node_died(node)

    def _node_died(self, node: str) -> None:
        log.warning("cluster: node %s is gone", node)
        for key in [key for key in self._remote if key[0] == node]:
            party, peer = self._remote.pop(key)
            gone = PeerDisconnected(peer, CloseReason.ABNORMAL_CLOSURE, "node gone", by_peer=True)
            with suppress(MailboxFull, ActorStopped):
                party.tell(gone)
        for placement in self.placements.values():
            for standin in placement.drop_owner(node):
                with suppress(MailboxFull, ActorStopped):
                    standin.tell(OwnerGone())

    async def _run_later(self) -> None:
        async for script, script_keys, args, then in self._later_receive:
            try:
                result = await script(keys=script_keys, args=args)
            except (coredis.exceptions.RedisError, OSError):
                log.exception("cluster: a lease release or listing change was lost")
                result = None
            if then is not None:
                then(result)
        self._later_done.set()

    async def _listen(
        self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED
    ) -> None:
        channel = keys.inbox_channel(self.id)
        async with self.redis.pubsub(channels=[channel], ignore_subscribe_messages=True) as inbox:
            task_status.started()
            async for message in inbox:
                if message["type"] != "message":
                    continue
                data = message["data"]
                assert isinstance(data, bytes)
                try:
                    origin, batch = decode(data)
                except Exception:  # one bad batch must not take the node's inbox down
                    log.exception("cluster: a message to this node could not be decoded")
                    continue
                for item in batch:
                    self._handle(origin, item)

    # -- the inbox ----------------------------------------------------------------------------

    def _handle(self, origin: str, item: Any) -> None:
        kind = type(item)
        if kind is Deliver:
            frame = text_frame(item.payload) if item.text else binary_frame(item.payload)
            for conn in item.conns:
                peer = self.local.get(conn)
                if peer is not None:
                    peer.send(frame)
        elif kind is Message:
            entry = self._remote.get((origin, item.conn))
            if entry is not None:
                self._tell(origin, item.conn, entry[0], PeerMessage(entry[1], item.message))
        elif kind is Connect:
            self._connect(origin, item)
        elif kind is Disconnect:
            entry = self._remote.pop((origin, item.conn), None)
            if entry is not None:
                party, peer = entry
                socket = peer.ws
                assert isinstance(socket, _RemotePeer)
                if socket.closed is None:
                    socket.closed = ConnectionClosed(item.code, item.reason, by_peer=item.by_peer)
                gone = PeerDisconnected(peer, item.code, item.reason, by_peer=item.by_peer)
                with suppress(MailboxFull, ActorStopped):
                    party.tell(gone)
        elif kind is Close:
            peer = self.local.get(item.conn)
            if peer is not None:
                peer.close(item.code, item.reason)
        elif kind is Rekey:
            peer = self.local.get(item.conn)
            for value in () if peer is None else peer.attrs.values():
                if isinstance(value, Admission) and value.rate_limit is not None:
                    value.rate_limit.rekey(item.key)
        elif kind is Reply:
            waiting = self._calls.get(item.call)
            if waiting is not None:
                waiting.send_nowait(item)
        elif kind is Ask:
            self.nursery.start_soon(self._answer, origin, item)
        else:
            log.error("cluster: node %s sent %r", origin, item)

    def _connect(self, origin: str, item: Connect) -> None:
        placement = self.placements.get(item.kind)
        party = None if placement is None else placement.directory.find(item.party_id)
        if placement is None or party is None:
            # It moved (or ended) since the other node looked: the client reconnects.
            with suppress(OutboxFull):
                self.outbox.post(origin, Close(item.conn, CloseReason.SERVICE_RESTART, "moved"))
            return
        socket = _RemotePeer(self, origin, item.conn, item.request)
        values = item.attrs
        if item.limit is not None:
            limit = _ForwardedLimit(
                RateLimiter(item.limit), item.conn, socket=socket, party=(item.kind, item.party_id)
            )
            values = _admit_limit(values, limit)
        # The runtime's constructor (engine.net's serve_peer and testing use it too).
        peer = Peer._create(socket, values, JSON_CODEC, placement.directory.errors)
        peer.id = item.conn
        self._remote[(origin, item.conn)] = (party, peer)
        self._tell(origin, item.conn, party, PeerConnected(peer))

    def _tell(self, origin: str, conn: str, party: ActorRef, message: Any) -> None:
        """Tell the party about a remote connection; refused, it is closed as ``serve_peer``
        closes a local one."""
        try:
            party.tell(message)
        except MailboxFull:
            self._remote[(origin, conn)][1].close(CloseReason.TRY_AGAIN_LATER, "party busy")
        except ActorStopped:
            self._remote[(origin, conn)][1].close(CloseReason.INTERNAL_ERROR, "party unavailable")

    async def _answer(self, origin: str, ask: Ask) -> None:
        placement = self.placements.get(ask.kind)
        party = None if placement is None else placement.directory.find(ask.party_id)
        try:
            if party is None and placement and (ask.kind, ask.party_id) in self._owned:
                # Its lease is this node's but it is not live yet (being restored or created
                # here, the asker having found the lease first): wait for it.
                party = await placement.directory.restore(ask.party_id)
            if party is None:  # it ended, or moved, since the asker looked
                raise ActorStopped(f"{ask.kind} {ask.party_id} is not on node {self.id}")
            reply = Reply(ask.call, True, await party.ask(ask.message, timeout=ask.timeout))
        except Exception as exc:
            reply = Reply(ask.call, False, exc)
        try:
            # Both ways: a value that pickles but does not unpickle would fail the asker's
            # whole inbox batch (an exception whose constructor takes other arguments).
            pickle.loads(pickle.dumps(reply.value))
        except Exception:
            reply = Reply(ask.call, False, RemoteError(f"unpicklable answer: {reply.value!r}"))
        with suppress(OutboxFull):  # the asker times out
            self.outbox.post(origin, reply)


@asynccontextmanager
async def open_cluster(
    url: str, settings: ClusterSettings | None = None
) -> AsyncIterator[ClusterNode]:
    """Join the cluster whose Redis is at ``url`` (``redis://HOST:PORT``) as a new node; then
    ``attach`` the actor system whose directories it serves. On exit (after the system has
    stopped: its parties released their leases) the node publishes what is pending and
    deletes its heartbeat, so the others adopt its parties without waiting for the lease.
    Raises ``ClusterUnreachable`` if ``url`` is not a Redis URL or no Redis answers there."""
    async with _connected(url) as redis, trio.open_nursery() as nursery:
        node = ClusterNode(redis, settings or ClusterSettings(), nursery)
        await nursery.start(node._listen)
        await node.renew()
        nursery.start_soon(node.outbox.run)
        nursery.start_soon(node._run_later)
        nursery.start_soon(node._keep_leases)
        nursery.start_soon(node._watch_nodes)
        try:
            yield node
        finally:
            with trio.CancelScope(shield=True), trio.move_on_after(node.settings.lease):
                node._later_send.close()
                await node._later_done.wait()
                await node.outbox.flush()
                await redis.delete([keys.node_key(node.id)])
            nursery.cancel_scope.cancel()
