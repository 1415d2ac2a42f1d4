"""PeerGroup: members by user, encode-once broadcast, private sends, resume, close-all."""

from __future__ import annotations

from engine.net import EventStream, RateLimiter, RateLimitKind, RateLimitRule
from engine.net.testing import MemoryPeerInbox
from engine.parties import Member, PeerGroup
from engine.parties.testing import memory_member


def join(group: PeerGroup[str], user: str) -> tuple[Member[str], MemoryPeerInbox]:
    peer, inbox = memory_member(user)
    member = Member(peer, user, f"{user}'s state")
    group.add(member)
    return member, inbox


def test_a_user_is_connected_while_any_of_their_connections_is() -> None:
    group: PeerGroup[str] = PeerGroup()
    phone, _ = join(group, "ann")
    laptop, _ = join(group, "ann")
    join(group, "bob")
    assert group.users() == {"ann", "bob"} and len(group) == 3
    assert group.connections("ann") == [phone, laptop]
    assert group.remove(phone.peer) == (phone, False)
    assert group.is_connected("ann")
    assert group.remove(laptop.peer) == (laptop, True)
    assert not group.is_connected("ann")
    assert group.remove(laptop.peer) is None


def test_broadcast_numbers_events_and_skips_the_excluded_user() -> None:
    group: PeerGroup[str] = PeerGroup(EventStream(capacity=10))
    _, ann = join(group, "ann")
    _, bob = join(group, "bob")
    assert group.broadcast({"type": "a"}) == 1
    assert group.broadcast({"type": "b"}, exclude="ann") == 2
    assert ann.take_all() == [{"type": "a", "sequence_number": 1}]
    assert bob.take_all() == [
        {"type": "a", "sequence_number": 1},
        {"type": "b", "sequence_number": 2},
    ]


def test_private_sends_reach_every_connection_of_one_user() -> None:
    group: PeerGroup[str] = PeerGroup()
    _, phone = join(group, "ann")
    _, laptop = join(group, "ann")
    _, bob = join(group, "bob")
    assert group.send_to("ann", {"hand": [1, 2]}) == 2
    assert group.send_to("nobody", {"hand": []}) == 0
    for inbox in (phone, laptop):
        assert inbox.take_all() == [{"hand": [1, 2]}]
    assert bob.take_all() == []


def test_resume_replays_only_what_was_missed_before_joining() -> None:
    group: PeerGroup[str] = PeerGroup(EventStream(capacity=2))
    for kind in ("a", "b", "c"):
        group.broadcast({"type": kind})
    late, inbox = join(group, "ann")
    group.broadcast({"type": "d"})
    inbox.take_all()
    assert group.resume(late, 2) is True
    assert inbox.take_all() == [{"type": "c", "sequence_number": 3}]
    assert group.resume(late, 0) is False  # "a" has left the ring: send the full state


def test_close_all_closes_every_connection() -> None:
    group: PeerGroup[str] = PeerGroup()
    inboxes = [join(group, user)[1] for user in ("ann", "ann", "bob")]
    group.close_all(1001, "going away")
    assert [inbox.close_code for inbox in inboxes] == [1001] * 3
    assert group.statistics().connections == 3  # each still leaves through PeerDisconnected


def test_broadcast_can_pick_its_members_by_their_state() -> None:
    group: PeerGroup[str] = PeerGroup()
    _, ann = join(group, "ann")
    _, bob = join(group, "bob")
    group.broadcast({"type": "for ann"}, where=lambda member: member.state.startswith("ann"))
    assert ann.take_all() == [{"type": "for ann", "sequence_number": 1}]
    assert bob.take_all() == []


def test_a_member_can_be_filed_under_another_user() -> None:
    group: PeerGroup[str] = PeerGroup()
    group.broadcast({"type": "before"})
    visitor, _ = join(group, "visitor-1")
    group.reassign(visitor, "seat-2")
    assert group.users() == {"seat-2"} and visitor.user_id == "seat-2"
    assert visitor.joined_at == 1  # still where it joined the stream


async def test_a_reassigned_member_counts_against_its_users_limit_in_the_group() -> None:
    limiter = RateLimiter(RateLimitRule(limit=2, window=60, kind=RateLimitKind.FIXED_WINDOW))
    group: PeerGroup[None] = PeerGroup()
    members = []
    for connection in ("phone", "laptop"):
        peer, _ = memory_member(connection)
        member = Member(peer, "visitor", None, rate_limit=limiter.keyed(connection))
        group.add(member)
        members.append(member)
    phone, laptop = members
    assert phone.rate_limit is not None and laptop.rate_limit is not None
    group.reassign(phone, "seat-1")
    group.reassign(laptop, "seat-1")
    assert phone.rate_limit.check().allowed and laptop.rate_limit.check().allowed
    assert not phone.rate_limit.check().allowed  # the seat's two, shared
    # Another group's seat-1 is another user.
    other: PeerGroup[None] = PeerGroup()
    peer, _ = memory_member("elsewhere")
    elsewhere = Member(peer, "visitor", None, rate_limit=limiter.keyed("elsewhere"))
    other.add(elsewhere)
    other.reassign(elsewhere, "seat-1")
    assert elsewhere.rate_limit is not None and elsewhere.rate_limit.check().allowed
    # Unseated among visitors: the connection's own limit again, unspent.
    group.reassign(laptop, "visitor", own_limit=True)
    assert laptop.rate_limit.key == "laptop" and laptop.rate_limit.check().allowed
