"""A party's connections: members with typed per-connection state, grouped by user.

A ``PeerGroup`` belongs to a party's identity, not to one incarnation: the directory keeps it
while the party lives and hands the same group (and its ``EventStream``) to every incarnation a
supervisor restarts after a crash. So a crash never silences a member: the next incarnation
broadcasts to everyone who was connected, with the next sequence numbers of the same stream, and
a client that missed events (an event the crashed incarnation never committed is a gap, which
resume skips) fills them with ``resume``. The group goes when the party stops for good.

Used from the party's task only; nothing here waits (a member that cannot keep up is closed by
its own send, and leaves through ``PeerDisconnected`` as usual).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

import attrs

from engine.net import EventStream, Frame, Journal, KeyedLimit, Peer

__all__ = ["Member", "PeerGroup", "PeerGroupStatistics"]

M = TypeVar("M")


@attrs.define(eq=False)
class Member(Generic[M]):
    """One connection of ``user_id``, with the app's ``state`` for it (an attrs value of the
    app's choosing, given to ``serve_member``; replace or mutate it as the app likes).

    ``joined_at`` is the stream's last sequence number when the connection joined: live events
    after it reach the connection, so a resume replays only up to it. ``rate_limit`` is the
    limit its messages count against (``serve_member``'s), re-keyed by ``PeerGroup.reassign``.
    """

    peer: Peer
    user_id: str
    state: M
    joined_at: int = 0
    rate_limit: KeyedLimit | None = None

    def send_json(self, value: Any) -> bool:
        """Send ``value`` to this connection alone, now (not sequenced, not replayed)."""
        return self.peer.send_json(value)

    def close(self, code: int = 1000, reason: str = "") -> None:
        self.peer.close(code, reason)


@attrs.frozen
class PeerGroupStatistics:
    users: int
    connections: int
    seq: int


@attrs.define(eq=False)
class _Recipients:
    """The members at delivery time (a broadcast is delivered after its commit)."""

    group: PeerGroup[Any]
    exclude: str | None
    where: Callable[[Member[Any]], bool] | None

    def __iter__(self) -> Iterator[Peer]:
        exclude, where = self.exclude, self.where
        return iter(
            [
                m.peer
                for m in self.group._members.values()
                if m.user_id != exclude and (where is None or where(m))
            ]
        )


@attrs.define(eq=False)
class _Unlogged:
    """A journal that sends after the commit but logs nothing."""

    journal: Journal

    def record_event(self, seq: int, data: dict[str, Any], text: str | None = None) -> None:
        pass

    def after_commit(self, effect: Callable[[], Any]) -> None:
        self.journal.after_commit(effect)


@attrs.define(eq=False)
class PeerGroup(Generic[M]):
    """Members by connection and by user; see the module docstring.

    ``events`` numbers and encodes broadcasts once. ``journal`` is the party incarnation in
    charge (set by it when it starts): durable broadcasts go through its commit.
    """

    events: EventStream = attrs.field(factory=EventStream)
    journal: Journal | None = None
    _members: dict[Peer, Member[M]] = attrs.field(factory=dict, init=False)
    _by_user: dict[str, dict[Peer, None]] = attrs.field(factory=dict, init=False)

    # -- who is here ------------------------------------------------------------------------

    def add(self, member: Member[M]) -> bool:
        """Count ``member``; True if it is its user's first connection."""
        member.joined_at = self.events.seq
        self._members[member.peer] = member
        connections = self._by_user.setdefault(member.user_id, {})
        connections[member.peer] = None
        return len(connections) == 1

    def reassign(self, member: Member[M], user_id: str, *, own_limit: bool = False) -> None:
        """File ``member`` under ``user_id`` from now on (a connection that says who it is
        after connecting, as a seat claimed with a token).

        Its rate limit follows: from now on its messages count against ``user_id``'s limit in
        this group, shared by all that user's connections (so reconnecting resets nothing);
        with ``own_limit``, against the connection's own limit again (the key ``serve_member``
        was given: for a user id shared by strangers, such as the visitors of a room).
        """
        if member.rate_limit is not None:
            member.rate_limit.rekey(None if own_limit else (self, user_id))
        self.remove(member.peer)
        joined_at = member.joined_at
        member.user_id = user_id
        self.add(member)
        member.joined_at = joined_at

    def remove(self, peer: Peer) -> tuple[Member[M], bool] | None:
        """Forget ``peer``: its member and whether it was its user's last connection (None if
        it was not a member)."""
        member = self._members.pop(peer, None)
        if member is None:
            return None
        connections = self._by_user[member.user_id]
        del connections[peer]
        if connections:
            return member, False
        del self._by_user[member.user_id]
        return member, True

    def member(self, peer: Peer) -> Member[M] | None:
        return self._members.get(peer)

    def __contains__(self, peer: object) -> bool:
        return peer in self._members

    def __iter__(self) -> Iterator[Member[M]]:
        return iter(list(self._members.values()))

    def __len__(self) -> int:
        return len(self._members)

    def users(self) -> frozenset[str]:
        """The users with at least one connection."""
        return frozenset(self._by_user)

    def is_connected(self, user_id: str) -> bool:
        return user_id in self._by_user

    def connections(self, user_id: str) -> list[Member[M]]:
        return [self._members[peer] for peer in self._by_user.get(user_id, ())]

    # -- sending ----------------------------------------------------------------------------

    def broadcast(
        self,
        event: dict[str, Any],
        *,
        exclude: str | None = None,
        where: Callable[[Member[M]], bool] | None = None,
        logged: bool = True,
    ) -> int:
        """Give ``event`` the next sequence number and send it, encoded once, to every member
        (but ``exclude``'s connections, and only those ``where`` accepts); return its number.

        It is sent once the current message's commit is durable (never, if the message is
        rejected), to the members at that moment, and kept for resumes. ``logged``: also
        recorded in the party's event log in that commit, so resumes after a process restart
        find it. Without a party in charge (``journal`` None) it is sent at once.
        """
        journal = self.journal
        if journal is not None and not logged:
            journal = _Unlogged(journal)
        return self.events.publish(event, _Recipients(self, exclude, where), journal=journal)

    def send_to(self, user_id: str, value: Any) -> int:
        """Send ``value`` privately to every connection of ``user_id``, encoded once; how many
        took it. Sent at once: to send after a commit, wrap it in the party's
        ``after_commit``."""
        members = self.connections(user_id)
        if not members:
            return 0
        frame = self.events.codec.encode(value)
        return sum(1 for member in members if member.peer.send(frame))

    def resume(self, member: Member[M], last_seq: int) -> bool:
        """Send ``member`` again the events after ``last_seq`` it missed before it joined, in
        order; False if some are no longer kept (send it the full state instead)."""
        frames: list[Frame] | None = self.events.since(last_seq, upto=member.joined_at)
        if frames is None:
            return False
        for frame in frames:
            member.peer.send(frame)
        return True

    def close_all(self, code: int = 1000, reason: str = "") -> None:
        """Start closing every connection; each still leaves through ``PeerDisconnected``."""
        for member in list(self._members.values()):
            member.peer.close(code, reason)

    def statistics(self) -> PeerGroupStatistics:
        return PeerGroupStatistics(len(self._by_user), len(self._members), self.events.seq)
