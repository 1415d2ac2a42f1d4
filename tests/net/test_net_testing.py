"""engine.net.testing: in-memory peers, as a test or an embedder drives a party with them."""

from __future__ import annotations

from typing import Any

import pytest
import trio

from engine.actors import Actor, on
from engine.net import (
    EventStream,
    EventStreamStatistics,
    Peer,
    PeerConnected,
    PeerDisconnected,
    PeerMessage,
    text_frame,
)
from engine.net.testing import MemoryPeerStatistics, memory_peer
from engine.supervisors import open_actor_system


def test_a_memory_peer_keeps_what_is_sent_to_it_decoded_and_in_order() -> None:
    attrs = {"user": 7}
    peer, inbox = memory_peer(attrs, remote_addr=("10.0.0.1", 4242))
    attrs["user"] = 8
    assert isinstance(peer, Peer)
    assert peer.attrs == {"user": 7}
    assert peer.remote_addr == ("10.0.0.1", 4242)
    assert not peer.closed and inbox.closed is None
    assert peer.send_json({"type": "hello"})
    assert peer.send(text_frame("[1, 2]"))
    stream = EventStream()
    stream.publish({"type": "said"}, [peer])
    assert inbox.take_all() == [
        {"type": "hello"},
        [1, 2],
        {"type": "said", "sequence_number": 1},
    ]
    assert inbox.take_all() == []
    assert inbox.statistics() == MemoryPeerStatistics(received=3, dropped=0, pending=0)


def test_closing_records_the_first_close_and_later_sends_are_dropped() -> None:
    peer, inbox = memory_peer()
    with pytest.raises(ValueError):
        peer.close(999)
    assert inbox.closed is None
    peer.close(4001, "kicked")
    peer.close(1000, "again")
    assert peer.closed
    assert inbox.closed is not None
    assert (inbox.close_code, inbox.close_reason, inbox.closed.by_peer) == (4001, "kicked", False)
    assert not peer.send_json({"too": "late"})
    assert inbox.messages == type(inbox.messages)()
    assert inbox.statistics() == MemoryPeerStatistics(received=0, dropped=1, pending=0)


def test_a_full_outbox_closes_the_connection_as_a_slow_consumer() -> None:
    peer, inbox = memory_peer()
    fast, _ = memory_peer()
    stream = EventStream(capacity=4)
    stream.publish({"n": 1}, [peer, fast])
    inbox.outbox_full = True
    stream.publish({"n": 2}, [peer, fast])
    assert inbox.closed is not None
    assert (inbox.close_code, inbox.close_reason, inbox.closed.by_peer) == (
        1008,
        "slow consumer",
        False,
    )
    assert [message["n"] for message in inbox.take_all()] == [1]
    assert stream.statistics() == EventStreamStatistics(
        seq=2, retained=2, capacity=4, resumable_from=0, published=2, delivered=3, dropped=1
    )


def test_disconnect_builds_the_message_serve_peer_would_tell() -> None:
    peer, inbox = memory_peer()
    assert inbox.disconnect() == PeerDisconnected(peer, 1006, "", by_peer=True)
    assert inbox.close_code == 1006
    # The server closed first: that close stands, and says so.
    peer, inbox = memory_peer()
    peer.close(1001, "going away")
    assert inbox.disconnect(1000) == PeerDisconnected(peer, 1001, "going away", by_peer=False)
    peer, inbox = memory_peer()
    assert inbox.disconnect(1001, "bye", by_peer=False).by_peer is False


def test_on_message_gets_each_message_instead_of_the_inbox() -> None:
    seen: list[Any] = []
    peer, inbox = memory_peer(on_message=seen.append)
    peer.send_json({"a": 1})
    assert seen == [{"a": 1}]
    assert inbox.statistics() == MemoryPeerStatistics(received=1, dropped=0, pending=0)


class Greeter(Actor):
    """Greets whoever connects, echoes, and remembers how each peer left."""

    def __init__(self, left: list[PeerDisconnected], done: trio.Event) -> None:
        self.left, self.done = left, done

    @on(PeerConnected)
    def connected(self, message: PeerConnected) -> None:
        message.peer.send_json({"hello": message.peer.attrs["name"]})

    @on(PeerMessage)
    def received(self, message: PeerMessage) -> None:
        message.peer.send_json({"echo": message.message})

    @on(PeerDisconnected)
    def disconnected(self, message: PeerDisconnected) -> None:
        self.left.append(message)
        self.done.set()


async def test_a_party_is_driven_through_a_memory_peer() -> None:
    left: list[PeerDisconnected] = []
    done = trio.Event()
    async with open_actor_system() as system:
        party = await system.spawn(lambda: Greeter(left, done))
        received: list[Any] = []
        echoed = trio.Event()

        def on_message(message: Any) -> None:
            received.append(message)
            if "echo" in message:
                echoed.set()

        peer, inbox = memory_peer({"name": "ada"}, on_message=on_message)
        party.tell(PeerConnected(peer))
        party.tell(PeerMessage(peer, {"type": "hi"}))
        await echoed.wait()
        # The client leaves with the code a server shutdown uses, but it is the client.
        party.tell(inbox.disconnect(1001, "tab closed"))
        await done.wait()
    assert received == [{"hello": "ada"}, {"echo": {"type": "hi"}}]
    assert left == [PeerDisconnected(peer, 1001, "tab closed", by_peer=True)]
    # Sent after the client left: dropped, as on a socket.
    assert not peer.send_json({"late": True})
