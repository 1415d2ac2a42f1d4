"""A session's connections, grouped by participant."""

from __future__ import annotations

from engine.apps.watchparty.peers import PeerSet
from engine.net import text_frame


def test_a_user_is_connected_while_any_connection_is(make_peer):
    peers = PeerSet()
    first, second = make_peer("u1"), make_peer("u1")
    peers.add("u1", first)
    peers.add("u1", second)
    assert peers.users() == {"u1"}
    assert peers.remove(first) == ("u1", False)
    assert peers.is_connected("u1")
    assert peers.remove(second) == ("u1", True)
    assert not peers.is_connected("u1")
    assert peers.remove(second) is None


def test_one_frame_goes_to_every_recipient(make_peer):
    peers = PeerSet()
    a, a2, b, c = make_peer("a"), make_peer("a"), make_peer("b"), make_peer("c")
    for peer in (a, a2, b, c):
        peers.add(peer.attrs["user_id"], peer)
    c.close(1000)
    frame = text_frame('{"n":1}')
    assert peers.broadcast(frame, exclude="b") == 2  # a and a2; c is closing
    assert peers.send_to("b", frame) == 1
    assert [len(p.take()) for p in (a, a2, b, c)] == [1, 1, 1, 0]
    stats = peers.statistics()
    assert (stats.users, stats.connections, stats.delivered, stats.dropped) == (3, 4, 3, 1)


def test_close_all(make_peer):
    peers = PeerSet()
    members = [make_peer(f"u{i}") for i in range(3)]
    for peer in members:
        peers.add(peer.attrs["user_id"], peer)
    peers.close_all(4404, "session expired")
    assert {(p.close_code, p.close_reason) for p in members} == {(4404, "session expired")}
    assert set(peers) == set(members)  # each still reports its own disconnect
