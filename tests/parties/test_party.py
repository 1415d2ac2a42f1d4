"""Party: its hooks, refusals in the app's format, and a peer group that outlives crashes."""

from __future__ import annotations

from typing import Any

import pytest

from engine.actors import ActorCrashed
from engine.errors import AppError
from engine.net import PeerConnected, PeerMessage
from engine.parties import Member, PartyDirectory, start_party_directory
from engine.parties.testing import memory_member
from engine.store import Store
from engine.supervisors import open_actor_system

from .conftest import ERRORS, Counter, Crash, Hooks, Seat, Tally


async def test_hooks_run_for_joins_messages_and_leaves(
    directory: PartyDirectory[Counter],
) -> None:
    _, party = await directory.create(Tally())
    phone, phone_inbox = memory_member("ann", Seat("red"))
    laptop, laptop_inbox = memory_member("ann", Seat("blue"))
    for peer in (phone, laptop):
        party.tell(PeerConnected(peer))
    party.tell(PeerMessage(phone, {"add": 2}))
    await party.ask(Hooks())
    added = {"type": "added", "by": "ann", "count": 2, "sequence_number": 1}
    assert phone_inbox.take_all() == laptop_inbox.take_all() == [added]
    party.tell(phone_inbox.disconnect())
    party.tell(laptop_inbox.disconnect())
    assert await party.ask(Hooks()) == [
        ("ready", False),
        ("join", "ann"),
        ("join", "ann"),
        ("leave", "ann", True),  # the laptop is still connected
        ("leave", "ann", False),
    ]


async def test_members_carry_their_typed_state(
    directory: PartyDirectory[Counter],
) -> None:
    party_id, party = await directory.create(Tally())
    peer, _ = memory_member("ann", Seat("red"))
    party.tell(PeerConnected(peer))
    await party.ask(Hooks())
    member = directory.peer_group(party_id).member(peer)
    assert member is not None and (member.user_id, member.state) == ("ann", Seat("red"))


async def test_a_refused_message_changes_nothing_and_is_answered_to_its_sender_alone(
    directory: PartyDirectory[Counter],
) -> None:
    _, party = await directory.create(Tally())
    ann, ann_inbox = memory_member("ann")
    bob, bob_inbox = memory_member("bob")
    party.tell(PeerConnected(ann))
    party.tell(PeerConnected(bob))
    party.tell(PeerMessage(ann, {"add": -1}))
    party.tell(PeerMessage(bob, {"add": 1}))
    await party.ask(Hooks())
    added = {"type": "added", "by": "bob", "count": 1, "sequence_number": 1}
    refused = {"type": "error", "code": "conflict", "detail": "only up"}
    assert ann_inbox.take_all() == [refused, added]
    assert bob_inbox.take_all() == [added]


async def test_a_refused_join_is_answered_then_closed_with_4000_plus_its_status(
    directory: PartyDirectory[Counter],
) -> None:
    party_id, party = await directory.create(Tally())
    peer, inbox = memory_member("banned")
    party.tell(PeerConnected(peer))
    assert await party.ask(Hooks()) == [("ready", False)]
    assert inbox.take_all() == [{"type": "error", "code": "forbidden", "detail": "you are banned"}]
    assert (inbox.close_code, inbox.close_reason) == (4403, "you are banned")
    assert len(directory.peer_group(party_id)) == 0


async def test_after_a_crash_every_member_still_gets_broadcasts_with_contiguous_numbers(
    directory: PartyDirectory[Counter],
) -> None:
    _, party = await directory.create(Tally())
    members = [memory_member(user) for user in ("ann", "bob", "bob")]
    for peer, _ in members:
        party.tell(PeerConnected(peer))
    party.tell(PeerMessage(members[0][0], {"add": 1}))
    with pytest.raises(ActorCrashed):
        await party.ask(Crash())
    # The new incarnation did not meet anyone again: the group is the party's, not its own.
    assert await party.ask(Hooks()) == [("ready", True)]
    party.tell(PeerMessage(members[1][0], {"add": 1}))
    await party.ask(Hooks())
    for _, inbox in members:
        assert [(m["sequence_number"], m["count"]) for m in inbox.take_all()] == [
            (1, 1),
            (2, 2),
        ]
        assert inbox.close_code is None


async def test_a_connection_whose_join_was_lost_in_a_crash_is_taken_back(
    directory: PartyDirectory[Counter],
) -> None:
    _, party = await directory.create(Tally())
    # As if the incarnation that took its PeerConnected crashed on it: the party never met it.
    peer, inbox = memory_member("ann")
    party.tell(PeerMessage(peer, {"add": 5}))
    assert await party.ask(Hooks()) == [("ready", False), ("join", "ann")]
    assert inbox.take_all() == [{"type": "added", "by": "ann", "count": 5, "sequence_number": 1}]


async def test_a_join_that_crashes_the_party_leaves_no_member_behind(
    directory: PartyDirectory[Counter],
) -> None:
    party_id, party = await directory.create(Tally())
    peer, inbox = memory_member("buggy")
    party.tell(PeerConnected(peer))
    assert await party.ask(Hooks()) == [("ready", True)]  # a new incarnation
    assert len(directory.peer_group(party_id)) == 0
    assert inbox.close_code is None  # the connection is the client's: it may speak again


async def test_an_unlogged_broadcast_is_sent_but_not_in_the_event_log(
    directory: PartyDirectory[Counter],
) -> None:
    party_id, party = await directory.create(Tally())
    peer, inbox = memory_member("ann")
    party.tell(PeerConnected(peer))
    for message in ({"add": 1}, {"note": "typing"}, {"add": 1}):
        party.tell(PeerMessage(peer, message))
    await party.ask(Hooks())
    assert [m["sequence_number"] for m in inbox.take_all()] == [1, 2, 3]
    logged = await directory.store.read_events(Counter.kind, party_id, after=0)
    assert [seq for seq, _ in logged] == [1, 3]


class Addressed(Counter):
    """Puts who was refused into its refusals, as an app whose events name their recipient."""

    kind = "test.addressed"

    def error_event(self, member: Member[Seat], error: AppError) -> Any:
        return {**self.errors.event(error), "to": member.user_id}


async def test_error_event_addresses_refusals_of_joins_and_messages(store: Store) -> None:
    async with open_actor_system() as system:
        directory = await start_party_directory(system, store, Addressed, errors=ERRORS)
        _, party = await directory.create(Tally())
        ann, ann_inbox = memory_member("ann")
        banned, banned_inbox = memory_member("banned")
        party.tell(PeerConnected(ann))
        party.tell(PeerConnected(banned))
        party.tell(PeerMessage(ann, {"add": -1}))
        await party.ask(Hooks())
        refused = {"type": "error", "code": "conflict", "detail": "only up", "to": "ann"}
        assert ann_inbox.take_all() == [refused]
        banned_event = {"type": "error", "code": "forbidden", "detail": "you are banned"}
        assert banned_inbox.take_all() == [{**banned_event, "to": "banned"}]


async def test_the_snapshot_shows_the_party_and_its_connected_members(
    directory: PartyDirectory[Counter],
) -> None:
    party_id, party = await directory.create(Tally())
    for user in ("bob", "ann", "ann"):
        peer, _ = memory_member(user, Seat("red"))
        party.tell(PeerConnected(peer))
    await party.ask(Hooks())
    tree = directory.system.snapshot()
    (node,) = [actor for actor in tree.actors() if actor.name == (Counter.kind, party_id)]
    assert node.kind == "Counter"
    assert node.detail == {
        "party": party_id,
        "kind": Counter.kind,
        "members": ["ann", "bob"],
        "connections": 3,
    }
