"""A party's event stream: sequence numbers, encode-once broadcast, and the resume buffer.

An `EventStream` lives inside a party actor (a plain object: no task, no lock; the actor's one
task owns it). `publish(event, peers)` gives the event the party's next sequence number (in
`event[seq_field]`), encodes it once, sends that one frame to every peer, and keeps it in a
ring of the last `capacity` events. A client that reconnects says the last sequence number it
saw; `since(last_seq)` returns exactly the frames it missed, in order, or None when some of
them have left the ring, which means "send the full state instead".

Persistent parties publish with `journal=self` (any `PersistentActor`): the event goes into
the store's event log in the same commit as the state, and it is sent, and kept for resumes,
only once that commit is durable. So a client never sees an event that a crash could take
back, and after a restart `restore` rebuilds the ring from the log::

    # in a handler
    seq = self.events.publish(event, self.peers, journal=self)
    self.state = attrs.evolve(self.state, seq=seq)

    # in on_loaded
    after = max(0, self.state.seq - self.events.capacity)
    log = await self.store.read_events(self.kind, self.key, after=after)
    self.events.restore(self.state.seq, log, after=after)

Guarantees:

- Sequence numbers increase by one per published event and are never reused. A message that
  published with a journal and was then rejected leaves a gap (its events were never sent):
  numbers are increasing, not always contiguous, and resume is exact across gaps.
- Delivery order is publish order, to every peer, provided a party publishes all its events
  the same way (all with a journal, or none): a journaled event waits for its commit.
- Nothing waits. A peer whose outbox cannot take a frame is closed by its own send (1008 "slow
  consumer") and counted in `dropped`; its reader then tells the party `PeerDisconnected`,
  which is where the party forgets it. The stream keeps no peers.
- Memory: the ring keeps each event's encoded text (or bytes) and its number, not the event
  and not its `Frame`: strings and bytes are objects the garbage collector never visits,
  while a dict or a `Frame` per kept event made its work grow with every room (at 1,000 Liap
  Tui games, 29,000 kept frames were a fifth of what each collection walked). `since`
  frames the texts it returns again (a header, 0.3 us); `events_since` decodes them; events
  restored from the log are kept as given until a resume first needs them.
- Private messages (a player's hand) are not events: they go through `Peer.send_json`, carry
  no sequence number, and are not replayed. A party re-sends a resuming client's private
  state itself, after the missed events.

Resuming without duplicates: a peer receives live events from the moment the party adds it
to its broadcast set, so a resume request that arrives later must replay only what the peer
had missed before that moment. Note `stream.seq` when adding the peer and pass it as `upto`:
`since(last_seq, upto=joined_at)`. Replayed frames go through the peer's bounded outbox like
any others, so keep `capacity` below the connection's `max_outbox_frames` (1024 by default)
or send a snapshot when the replay would be long.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any, Protocol, cast

import attrs

from ._codec import JSON_CODEC, Codec, JsonCodec
from ._frames import Frame, binary_frame, text_frame

__all__ = ["EventStream", "EventStreamStatistics", "Journal"]


class _FrameSink(Protocol):
    def send(self, frame: Frame) -> bool: ...


class Recipient(Protocol):
    """What delivery uses of a `Peer` (every recipient is one outside tests): its connection,
    whose `send` offers a frame without waiting and says whether it was taken."""

    @property
    def ws(self) -> _FrameSink: ...


class Journal(Protocol):
    """Where a persistent party makes events durable: `PersistentActor` is one."""

    def record_event(self, seq: int, data: dict[str, Any], text: str | None = None) -> None:
        """Append `(seq, data)` to the event log in the current message's commit.

        `text`, when given, is `data` as the engine's strict JSON (`json_dumps`) wrote it: the
        log may keep that text rather than encode `data` a second time.
        """
        ...

    def after_commit(self, effect: Callable[[], Any]) -> None:
        """Run `effect` once the current message's changes are durable (never, if rejected)."""
        ...


@attrs.frozen
class EventStreamStatistics:
    """Counters of one stream since it was made.

    `resumable_from` is the oldest `last_seq` that `since` answers with events rather than None.
    `delivered` counts frames peers accepted and `dropped` those they refused.
    """

    seq: int
    retained: int
    capacity: int
    resumable_from: int
    published: int
    delivered: int
    dropped: int


def _not_negative(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 0:
        raise ValueError(f"{attribute.name} must not be negative, got {value!r}")


@attrs.define(eq=False)
class EventStream:
    """One party's sequenced events; see the module docstring.

    `capacity` is how many recent events are kept for resumes (0: every resume gets the full
    state). `seq_field` is the event key that receives the sequence number (None: the wire
    format has none; numbers are still kept for resumes). `codec` encodes the frames.
    """

    capacity: int = attrs.field(default=1000, validator=_not_negative)
    seq_field: str | None = "sequence_number"
    codec: Codec = JSON_CODEC
    _seq: int = attrs.field(init=False, default=0)
    # Every event with a sequence number above this one is in the ring (or in a gap).
    _floor: int = attrs.field(init=False, default=0)
    # The ring, as two deques side by side: the numbers, and each event's encoded text or
    # bytes (or, for an event restored from the log, the event itself until a resume encodes
    # it), none of them objects the garbage collector tracks but the restored dicts.
    _seqs: deque[int] = attrs.field(init=False)
    _items: deque[str | bytes | dict[str, Any]] = attrs.field(init=False)
    _published: int = attrs.field(init=False, default=0)
    _delivered: int = attrs.field(init=False, default=0)
    _dropped: int = attrs.field(init=False, default=0)

    @_seqs.default
    def _new_seqs(self) -> deque[int]:
        return deque(maxlen=self.capacity)

    @_items.default
    def _new_items(self) -> deque[str | bytes | dict[str, Any]]:
        return deque(maxlen=self.capacity)

    @property
    def seq(self) -> int:
        """The last sequence number given out (0 before the first event)."""
        return self._seq

    def publish(
        self, event: dict[str, Any], to: Iterable[Recipient], *, journal: Journal | None = None
    ) -> int:
        """Give `event` the next sequence number, send it to `to`, keep it; return the number.

        Sets `event[seq_field]`. The stream keeps the encoded frame, not `event` (a journal
        keeps it until its commit, so do not change it before then; with the JSON codec the
        journal is given the frame's text too, and logs that). Without a journal the frame
        is sent now. With one, the event is recorded in the journal's commit, and `to` is
        iterated, the frame sent and the event kept only once that commit is durable (nothing
        happens if the message is rejected).

        An event the codec cannot encode is a bug of the party: the codec logs it (with the
        caller's stack, which names the actor's handler) and raises `UnencodableValue`, with
        nothing published and no number used. That error is a `Rejection`: the message being
        handled is refused (a persistent party's changes roll back, an asker gets the error)
        and the party carries on serving its members rather than crashing.
        """
        seq = self._seq + 1
        if self.seq_field is not None:
            event[self.seq_field] = seq
        frame = self.codec.encode(event)
        self._seq = seq
        self._published += 1
        if journal is None:
            self._deliver(seq, frame, to)
        else:
            # The JSON codec's frame text is the event in strict JSON: the log keeps it as is.
            payload = frame.payload
            text = payload if type(self.codec) is JsonCodec and isinstance(payload, str) else None
            journal.record_event(seq, event, text)
            journal.after_commit(partial(self._deliver, seq, frame, to))
        return seq

    def since(self, last_seq: int, upto: int | None = None) -> list[Frame] | None:
        """The frames of the events after `last_seq` (up to `upto`), oldest first.

        None if some of them are no longer kept, or if `last_seq` is ahead of `seq` (a client
        from before a restart that lost events): the caller sends the full state. An empty
        list means nothing was missed.
        """
        window = self._window(last_seq, upto)
        if window is None:
            return None
        items = self._items
        frames = []
        for index in range(*window):
            item = items[index]
            if isinstance(item, str):
                frames.append(text_frame(item))
            elif isinstance(item, bytes):
                frames.append(binary_frame(item))
            else:
                # Restored from the log: encoded once, on the first resume that needs it.
                frame = self.codec.encode(item)
                items[index] = cast("str | bytes", frame.payload)
                frames.append(frame)
        return frames

    def events_since(self, last_seq: int, upto: int | None = None) -> list[dict[str, Any]] | None:
        """As `since`, but the events themselves, for apps that replay them inside one message.

        Each is decoded from its frame with the stream's codec, so it is what a client would
        read (with JSON, tuples come back as lists), and a new object the caller may keep.
        Events restored from the log and not yet encoded are returned as given to `restore`:
        read them, do not change them. Decoding costs what a client's parse does; resumes are
        rare, and keeping every event's dict alive cost more.
        """
        window = self._window(last_seq, upto)
        if window is None:
            return None
        items = self._items
        decode = self.codec.decode
        events = []
        for index in range(*window):
            item = items[index]
            events.append(decode(item) if isinstance(item, (str, bytes)) else item)
        return events

    def restore(
        self, seq: int, events: Iterable[tuple[int, dict[str, Any]]], *, after: int
    ) -> None:
        """Start again from a store's event log: `seq` is the last number given out and
        `events` every logged event with `after < number <= seq`, oldest first.

        `after` is where the caller's read of the log began (`max(0, seq - capacity)` reads
        just what the ring can hold): resumes from before it get None. The newest `capacity`
        events are kept; their frames are encoded when a resume first needs them. Counters are
        not reset. Raises ValueError, changing nothing, for events out of order or outside
        the window.
        """
        if not 0 <= after <= seq:
            raise ValueError(f"after={after} must be between 0 and seq={seq}")
        entries: list[tuple[int, dict[str, Any]]] = []
        previous = after
        for number, event in events:
            if not previous < number <= seq:
                raise ValueError(
                    f"event {number} is out of order or outside ({after}, {seq}] after {previous}"
                )
            entries.append((number, event))
            previous = number
        kept = entries[-self.capacity :] if self.capacity else []
        dropped = len(entries) - len(kept)
        self._seq = seq
        if not self.capacity:
            self._floor = seq
        else:
            self._floor = entries[dropped - 1][0] if dropped else after
        self._seqs = deque((number for number, _ in kept), maxlen=self.capacity)
        self._items = deque((event for _, event in kept), maxlen=self.capacity)

    def statistics(self) -> EventStreamStatistics:
        return EventStreamStatistics(
            seq=self._seq,
            retained=len(self._seqs),
            capacity=self.capacity,
            resumable_from=self._floor,
            published=self._published,
            delivered=self._delivered,
            dropped=self._dropped,
        )

    def _deliver(self, seq: int, frame: Frame, to: Iterable[Recipient]) -> None:
        seqs = self._seqs
        if not self.capacity:
            self._floor = seq
        elif len(seqs) == self.capacity:
            self._floor = seqs[0]
        seqs.append(seq)
        # Data frames only: their payload is the message's text or bytes.
        self._items.append(cast("str | bytes", frame.payload))
        delivered = dropped = 0
        for peer in to:
            # The WebSocket's own send, one call less per recipient than Peer.send.
            if peer.ws.send(frame):
                delivered += 1
            else:
                dropped += 1
        self._delivered += delivered
        self._dropped += dropped

    def _window(self, last_seq: int, upto: int | None) -> tuple[int, int] | None:
        """The ring positions `[start, end)` of the events in `(last_seq, upto]`, or None."""
        if last_seq < self._floor or last_seq > self._seq:
            return None
        if upto is None:
            upto = self._seq
        seqs = self._seqs
        end = len(seqs)
        # From the newest: a resume usually misses a few recent events of a long ring, and a
        # deque is indexed fastest near its ends.
        while end and seqs[end - 1] > upto:
            end -= 1
        start = end
        while start and seqs[start - 1] > last_seq:
            start -= 1
        return start, end
