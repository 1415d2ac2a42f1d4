"""EventStream (engine/net/_events.py): sequence numbers, encode-once delivery, resume.

Peers here are stand-ins with a `ws.send` that records frames (or refuses them, as a slow
consumer's WebSocket does); the real path is covered end to end in test_room_e2e.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.actors import Actor, Rejection, on
from engine.net import UnencodableValue
from engine.net._events import EventStream, EventStreamStatistics
from engine.net._frames import Frame, text_frame
from engine.supervisors import open_actor_system


class FakeSocket:
    def __init__(self, accepts: bool) -> None:
        self.accepts = accepts
        self.frames: list[Frame] = []

    def send(self, frame: Frame) -> bool:
        if self.accepts:
            self.frames.append(frame)
        return self.accepts


class FakePeer:
    def __init__(self, accepts: bool = True) -> None:
        self.ws = FakeSocket(accepts)

    @property
    def received(self) -> list[dict[str, Any]]:
        return [decoded(frame) for frame in self.ws.frames]


def decoded(frame: Frame) -> Any:
    """An event frame's JSON: events are always text frames."""
    assert isinstance(frame.payload, str)
    return json.loads(frame.payload)


class FakeJournal:
    """What a PersistentActor does with a message's events and effects."""

    def __init__(self) -> None:
        self.events: list[tuple[int, dict[str, Any]]] = []
        self.texts: list[str | None] = []
        self.effects: list[Callable[[], Any]] = []

    def record_event(self, seq: int, data: dict[str, Any], text: str | None = None) -> None:
        self.events.append((seq, data))
        self.texts.append(text)

    def after_commit(self, effect: Callable[[], Any]) -> None:
        self.effects.append(effect)

    def commit(self) -> None:
        effects, self.effects = self.effects, []
        for effect in effects:
            effect()

    def reject(self) -> None:
        self.events.clear()
        self.effects.clear()


def said(text: str) -> dict[str, Any]:
    return {"type": "said", "text": text}


def seqs(frames: list[Frame] | None) -> list[int] | None:
    if frames is None:
        return None
    return [decoded(frame)["sequence_number"] for frame in frames]


def test_publish_numbers_events_and_sends_one_frame_to_every_peer() -> None:
    stream = EventStream()
    peers = [FakePeer() for _ in range(3)]
    assert stream.seq == 0
    assert stream.publish(said("a"), peers) == 1
    assert stream.publish(said("b"), peers) == 2
    assert stream.seq == 2
    for peer in peers:
        assert peer.received == [
            {"type": "said", "text": "a", "sequence_number": 1},
            {"type": "said", "text": "b", "sequence_number": 2},
        ]
    # Encoded once: every peer holds the very same frame object.
    assert peers[0].ws.frames[0] is peers[1].ws.frames[0] is peers[2].ws.frames[0]


def test_refused_frames_are_counted_and_nobody_else_waits() -> None:
    stream = EventStream(capacity=10)
    slow, fast = FakePeer(accepts=False), FakePeer()
    stream.publish(said("a"), [slow, fast])
    assert fast.received[0]["text"] == "a"
    assert stream.statistics() == EventStreamStatistics(
        seq=1, retained=1, capacity=10, resumable_from=0, published=1, delivered=1, dropped=1
    )


def test_the_sequence_field_is_the_apps_choice() -> None:
    stream = EventStream(seq_field="seq")
    peer = FakePeer()
    stream.publish(said("a"), [peer])
    assert peer.received == [{"type": "said", "text": "a", "seq": 1}]
    bare = EventStream(seq_field=None)
    bare.publish(said("a"), [peer])
    bare.publish(said("b"), [peer])
    assert peer.received[1:] == [said("a"), said("b")]
    assert bare.seq == 2
    assert [decoded(frame) for frame in bare.since(0) or []] == [said("a"), said("b")]


def test_since_returns_exactly_the_missed_events() -> None:
    stream = EventStream(capacity=5)
    for n in range(8):
        stream.publish(said(str(n)), [])
    assert seqs(stream.since(8)) == []
    assert seqs(stream.since(6)) == [7, 8]
    assert seqs(stream.since(3)) == [4, 5, 6, 7, 8]
    # Event 3 has left the ring: the client needs the full state.
    assert stream.since(2) is None
    assert stream.since(0) is None
    # A client ahead of the stream (events lost in a restart) needs the full state too.
    assert stream.since(9) is None
    assert stream.statistics().resumable_from == 3


def test_upto_leaves_out_what_the_peer_already_got_live() -> None:
    stream = EventStream()
    for n in range(6):
        stream.publish(said(str(n)), [])
    assert seqs(stream.since(2, upto=4)) == [3, 4]
    assert seqs(stream.since(5, upto=4)) == []
    assert stream.events_since(2, upto=4) == [
        {"type": "said", "text": "2", "sequence_number": 3},
        {"type": "said", "text": "3", "sequence_number": 4},
    ]
    assert stream.events_since(-1) is None


def test_a_stream_without_a_buffer_always_asks_for_the_full_state() -> None:
    stream = EventStream(capacity=0)
    peer = FakePeer()
    stream.publish(said("a"), [peer])
    assert len(peer.received) == 1
    assert stream.since(1) == []
    assert stream.since(0) is None
    with pytest.raises(ValueError):
        EventStream(capacity=-1)


@pytest.mark.parametrize("value", [object(), float("inf"), "lone \ud800"])
def test_an_event_that_cannot_be_encoded_is_logged_refused_and_not_published(
    value: object, caplog: pytest.LogCaptureFixture
) -> None:
    stream = EventStream()
    peer = FakePeer()
    with pytest.raises(UnencodableValue) as info:
        stream.publish({"type": "bad", "value": value}, [peer])
    # A Rejection: the runtime refuses the message being handled instead of crashing the party.
    assert isinstance(info.value, Rejection)
    assert stream.seq == 0
    assert stream.statistics().published == 0
    assert peer.received == []
    assert "could not encode a message" in caplog.text
    assert stream.publish({"type": "good"}, [peer]) == 1


@attrs.frozen
class Announce:
    value: object


class Announcer(Actor):
    """A party that publishes whatever value it is asked to announce."""

    def __init__(self) -> None:
        self.stream = EventStream()
        self.peer = FakePeer()

    @on(Announce)
    def announce(self, message: Announce) -> int:
        return self.stream.publish({"type": "announced", "value": message.value}, [self.peer])


async def test_an_unencodable_event_refuses_the_message_and_the_party_carries_on() -> None:
    async with open_actor_system() as system:
        party = await system.spawn(Announcer)
        with pytest.raises(UnencodableValue):
            await party.ask(Announce(float("nan")))
        assert await party.ask(Announce("fine")) == 1
        assert [actor.restarts for actor in system.snapshot().actors()] == [0]


def test_journaled_events_are_sent_and_kept_only_once_committed() -> None:
    stream = EventStream()
    journal = FakeJournal()
    early = FakePeer()
    peers = {early: None}
    assert stream.publish(said("a"), peers, journal=journal) == 1
    assert journal.events == [(1, {"type": "said", "text": "a", "sequence_number": 1})]
    assert early.received == []
    assert stream.since(0) == []
    # A peer that joins before the commit gets the event: recipients are read at delivery.
    late = FakePeer()
    peers[late] = None
    journal.commit()
    assert [peer.received for peer in peers] == [[journal.events[0][1]]] * 2
    assert seqs(stream.since(0)) == [1]


def test_the_journal_gets_the_frames_text_and_only_from_the_json_codec() -> None:
    journal = FakeJournal()
    stream = EventStream()
    stream.publish({"type": "said", "text": "é\x00 😀"}, [], journal=journal)
    journal.commit()
    (frame,) = stream.since(0) or []
    # The very text sent, which decodes to the event the journal logged.
    assert journal.texts == [frame.payload]
    assert json.loads(journal.texts[0] or "") == journal.events[0][1]

    class Verbose:
        """A codec of its own: its text need not be the store's JSON."""

        def encode(self, value: Any) -> Frame:
            return text_frame(json.dumps(value, indent=2))

        def decode(self, message: str | bytes) -> Any:
            return json.loads(message)

    other = EventStream(codec=Verbose())
    other.publish(said("a"), [], journal=journal)
    assert journal.texts[1:] == [None]
    assert journal.events[1] == (1, {"type": "said", "text": "a", "sequence_number": 1})


def test_a_rejected_message_leaves_a_gap_and_resume_stays_exact() -> None:
    stream = EventStream()
    journal = FakeJournal()
    peer = FakePeer()
    stream.publish(said("kept"), [peer], journal=journal)
    journal.commit()
    stream.publish(said("rejected"), [peer], journal=journal)
    journal.reject()
    stream.publish(said("next"), [peer], journal=journal)
    journal.commit()
    assert [event["sequence_number"] for event in peer.received] == [1, 3]
    assert seqs(stream.since(0)) == [1, 3]
    assert seqs(stream.since(1)) == [3]
    assert seqs(stream.since(2)) == [3]


def test_restore_rebuilds_the_ring_from_the_log() -> None:
    original = EventStream(capacity=4)
    journal = FakeJournal()
    for n in range(10):
        original.publish(said(str(n)), [], journal=journal)
        journal.commit()
    # What a persistent party reads back after a restart: the log's last `capacity` events,
    # as the store hands them out (fresh dicts).
    after = 10 - 4
    log = [(seq, json.loads(json.dumps(event))) for seq, event in journal.events if seq > after]
    restored = EventStream(capacity=4)
    restored.restore(10, log, after=after)
    assert restored.seq == 10
    assert seqs(restored.since(7)) == [8, 9, 10]
    assert restored.since(5) is None
    # Frames are encoded on demand, byte for byte what the original sent.
    assert [f.data for f in restored.since(6) or []] == [f.data for f in original.since(6) or []]
    peer = FakePeer()
    assert restored.publish(said("after restart"), [peer]) == 11
    assert seqs(restored.since(7)) == [8, 9, 10, 11]


def test_restore_keeps_the_newest_events_and_checks_the_log() -> None:
    stream = EventStream(capacity=2)
    stream.restore(5, [(s, said(str(s))) for s in (1, 2, 4, 5)], after=0)
    assert stream.statistics().resumable_from == 2
    assert [event["text"] for event in stream.events_since(2) or []] == ["4", "5"]
    assert stream.since(1) is None
    empty = EventStream(capacity=2)
    empty.restore(7, [], after=7)
    assert empty.since(7) == []
    assert empty.since(6) is None
    with pytest.raises(ValueError):
        stream.restore(5, [(2, said("x")), (1, said("y"))], after=0)
    with pytest.raises(ValueError):
        stream.restore(5, [(6, said("x"))], after=0)
    with pytest.raises(ValueError):
        stream.restore(5, [(3, said("x"))], after=3)
    with pytest.raises(ValueError):
        stream.restore(5, [], after=6)
    # Nothing changed by the refused restores.
    assert [event["text"] for event in stream.events_since(2) or []] == ["4", "5"]


_operations = st.lists(
    st.one_of(
        st.tuples(st.just("publish"), st.booleans()),  # (op, journaled and then rejected)
        st.tuples(st.just("restore"), st.booleans()),  # (op, unused)
    ),
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(capacity=st.integers(0, 6), operations=_operations, data=st.data())
def test_since_is_exact_or_none(
    capacity: int, operations: list[tuple[str, bool]], data: st.DataObject
) -> None:
    """Against a model: the log of committed events, some lost to rejections and restarts."""
    stream = EventStream(capacity=capacity)
    journal = FakeJournal()
    committed: list[tuple[int, dict[str, Any]]] = []
    for op, rejected in operations:
        if op == "publish":
            seq = stream.publish(said("x"), [], journal=journal)
            if rejected:
                journal.reject()
            else:
                committed.append(journal.events[-1])
                journal.commit()
                journal.events.clear()
            assert seq == stream.seq
        else:
            fresh = EventStream(capacity=capacity)
            after = max(0, stream.seq - capacity)
            fresh.restore(stream.seq, [e for e in committed if e[0] > after], after=after)
            stream = fresh
    seq = stream.seq
    last = data.draw(st.integers(-1, seq + 1))
    upto = data.draw(st.one_of(st.none(), st.integers(0, seq)))
    result = seqs(stream.since(last, upto))
    if result is not None:
        expected = [s for s, _ in committed if last < s <= (seq if upto is None else upto)]
        assert result == expected
    # None only when the missed events may no longer all be known.
    floor = stream.statistics().resumable_from
    assert (result is None) == (last < floor or last > seq)
    assert stream.statistics().retained <= capacity
