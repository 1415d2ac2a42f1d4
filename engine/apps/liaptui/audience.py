"""A room's connections and how its messages reach them.

`Audience` belongs to one room actor and is only touched from its task. It holds the room's
`EventStream` and two kinds of connection: visitors (connected, not seated yet) and members
(seated players' connections, one per seat).

Guarantees:

- Room events (`publish`) get the room's next sequence number, are encoded once, written to
  the room's event log in the current message's commit, and reach the members only once that
  commit is durable, in publish order. A message that is then rejected sends none of them.
- Private messages (`tell`) are not sequenced and not replayed (a hand, a pong, a reply); they
  also leave only after the commit, in the order they were made relative to events, so a
  player's ``hand_updated`` never overtakes the ``play_accepted`` it follows.
- Nothing here waits: a connection that cannot keep up is closed by its own send.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

import attrs

from engine.net import EventStream, Journal, Peer

from .protocol import server_event

__all__ = ["Audience"]


@attrs.define(eq=False)
class Audience:
    """Members and visitors of room ``room_id``; ``journal`` is the room actor."""

    room_id: str
    events: EventStream
    journal: Journal
    members: dict[Peer, int] = attrs.field(factory=dict)
    visitors: set[Peer] = attrs.field(factory=set)

    # -- who is here -------------------------------------------------------------------------

    def admit(self, peer: Peer, seat: int) -> None:
        """Seat ``peer``: from now on it gets the room's events.

        ``peer.attrs["joined_at"]`` records the last sequence number given out before it was
        seated; events up to there are what a resume may have to replay to it.
        """
        self.visitors.discard(peer)
        peer.attrs["joined_at"] = self.events.seq
        self.members[peer] = seat

    def remove(self, peer: Peer) -> int | None:
        """Forget ``peer``; return the seat it held, if any."""
        self.visitors.discard(peer)
        return self.members.pop(peer, None)

    def peer_of(self, seat: int) -> Peer | None:
        return next((peer for peer, held in self.members.items() if held == seat), None)

    def connected_seats(self) -> set[int]:
        return set(self.members.values())

    # -- sending -----------------------------------------------------------------------------

    def publish(self, event: str, data: dict[str, Any], *, exclude: Peer | None = None) -> int:
        """Send ``event`` to every member (but ``exclude``) after the commit; return its number.

        ``phase_change`` also carries its number and time inside ``data``, as the spec shows.
        """
        now = time.time()
        if event == "phase_change":
            data["sequence_number"] = self.events.seq + 1
            data["server_time"] = now
        envelope = server_event(event, data, now=now, room_id=self.room_id)
        to: Iterable[Peer] = self.members
        if exclude is not None:
            to = [peer for peer in self.members if peer is not exclude]
        return self.events.publish(envelope, to, journal=self.journal)

    def tell(self, peer: Peer, event: str, data: dict[str, Any]) -> None:
        """Send a private ``event`` to ``peer`` after the commit."""
        envelope = server_event(event, data, now=time.time(), room_id=self.room_id)
        self.journal.after_commit(lambda: peer.send_json(envelope))

    def tell_hand(self, seat: int, hand: dict[str, Any]) -> None:
        """``hand_updated`` to the player at ``seat`` alone, if connected, marked private."""
        peer = self.peer_of(seat)
        if peer is not None:
            envelope = server_event("hand_updated", hand, now=time.time(), room_id=self.room_id)
            envelope["private"] = True
            self.journal.after_commit(lambda: peer.send_json(envelope))

    def replay(self, peer: Peer, last_seq: int) -> int | None:
        """Send ``peer`` again the events after ``last_seq`` it missed before it was seated.

        Returns how many, or None when some are no longer kept (the peer needs the full state).
        """
        frames = self.events.since(last_seq, upto=peer.attrs["joined_at"])
        if frames is None:
            return None
        for frame in frames:
            self.journal.after_commit(lambda frame=frame: peer.send(frame))
        return len(frames)

    def close_all(self, code: int, reason: str) -> None:
        for peer in [*self.members, *self.visitors]:
            peer.close(code, reason)
        self.members.clear()
        self.visitors.clear()
