"""A session's open connections, grouped by participant.

One participant may have several connections (two tabs, or a reconnect that arrives before the
server noticed the old connection die); they are "connected" while any is open, so ``user_left``
goes out only when the last one closes. A ``PeerSet`` belongs to one session actor and is used
from its task only; it is not state: a restarted actor starts with an empty one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import final

import attrs

from engine.net import Frame, Peer

__all__ = ["PeerSet", "PeerSetStatistics"]


@attrs.frozen
class PeerSetStatistics:
    """``delivered`` and ``dropped`` count frames sent to one peer each (a dropped frame went to
    a connection that is closing, or was a slow consumer's last)."""

    users: int
    connections: int
    delivered: int
    dropped: int


@final
@attrs.define(eq=False)
class PeerSet:
    """Peers by user id. Sending never waits and never raises: see ``Peer.send``."""

    _by_user: dict[str, dict[Peer, None]] = attrs.field(factory=dict, init=False)
    _user_of: dict[Peer, str] = attrs.field(factory=dict, init=False)
    _delivered: int = attrs.field(default=0, init=False)
    _dropped: int = attrs.field(default=0, init=False)

    def add(self, user_id: str, peer: Peer) -> None:
        """Count ``peer`` as one of ``user_id``'s connections (again: no change)."""
        self._by_user.setdefault(user_id, {})[peer] = None
        self._user_of[peer] = user_id

    def remove(self, peer: Peer) -> tuple[str, bool] | None:
        """Forget ``peer``: its user id, and whether it was that user's last connection.

        None if ``peer`` is not in the set.
        """
        user_id = self._user_of.pop(peer, None)
        if user_id is None:
            return None
        peers = self._by_user[user_id]
        del peers[peer]
        if peers:
            return user_id, False
        del self._by_user[user_id]
        return user_id, True

    def __contains__(self, peer: Peer) -> bool:
        return peer in self._user_of

    def is_connected(self, user_id: str) -> bool:
        return user_id in self._by_user

    def users(self) -> frozenset[str]:
        return frozenset(self._by_user)

    def __iter__(self) -> Iterator[Peer]:
        return iter(list(self._user_of))

    def send_to(self, user_id: str, frame: Frame) -> int:
        """Send ``frame`` to every connection of ``user_id``; return how many took it."""
        return self._send(list(self._by_user.get(user_id, ())), frame)

    def broadcast(self, frame: Frame, *, exclude: str | None = None) -> int:
        """Send ``frame`` to every connection but those of ``exclude``; return how many took it."""
        return self._send([p for p, user in self._user_of.items() if user != exclude], frame)

    def close_all(self, code: int, reason: str) -> None:
        """Start closing every connection; each will still report ``PeerDisconnected``."""
        for peer in list(self._user_of):
            peer.close(code, reason)

    def statistics(self) -> PeerSetStatistics:
        return PeerSetStatistics(
            users=len(self._by_user),
            connections=len(self._user_of),
            delivered=self._delivered,
            dropped=self._dropped,
        )

    def _send(self, peers: list[Peer], frame: Frame) -> int:
        # One frame object for every recipient: encoded once by the caller (DESIGN.md, 8).
        delivered = sum(1 for peer in peers if peer.send(frame))
        self._delivered += delivered
        self._dropped += len(peers) - delivered
        return delivered
