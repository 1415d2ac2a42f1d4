"""engine.apps.lanrage.agent: the node actor against its own control plane, on MockClock."""

from collections.abc import AsyncIterator, Callable

import pytest
import trio

from engine.apps.lanrage.agent import CreateParty, GetStatus, JoinParty, LeaveParty
from engine.apps.lanrage.app import make_app
from engine.apps.lanrage.errors import AlreadyInParty, NotInParty, PartyNotFound
from engine.apps.lanrage.models import PartyStatus
from engine.apps.lanrage.party import PeerInfo
from engine.apps.lanrage.service import Node
from engine.apps.lanrage.settings import LanrageSettings
from engine.web import open_engine

SETTINGS = LanrageSettings(heartbeat_interval=5, peer_timeout=300, cleanup_interval=60)


@pytest.fixture
async def node() -> AsyncIterator[Node]:
    async with open_engine([make_app(SETTINGS)]) as engine:
        yield engine.contexts["lanrage"]


async def test_a_node_heartbeats_so_its_party_outlives_the_timeout(
    autojump_clock: trio.testing.MockClock, node: Node
) -> None:
    created = await node.ask(CreateParty("Night"))
    await trio.sleep(3 * SETTINGS.peer_timeout)
    status = await node.ask(GetStatus())
    assert status.status is PartyStatus.IN_PARTY and status.party.id == created.party_id


async def test_a_peer_joining_elsewhere_shows_up_within_a_heartbeat(
    autojump_clock: trio.testing.MockClock, node: Node, make_peer: Callable[..., PeerInfo]
) -> None:
    created = await node.ask(CreateParty("Night"))
    alice = make_peer("Alice")
    await node.control.join(created.party_id, alice)
    await trio.sleep(SETTINGS.heartbeat_interval)
    status = await node.ask(GetStatus())
    assert list(status.party.peers) == [created.party.host_id, alice.peer_id]
    assert status.party.peers[alice.peer_id].virtual_ip == "10.66.0.2"


async def test_a_heartbeat_answered_404_clears_the_party(
    autojump_clock: trio.testing.MockClock, node: Node, make_peer: Callable[..., PeerInfo]
) -> None:
    host = make_peer("Host")
    party = await node.control.register("Elsewhere", host)
    joined = await node.ask(JoinParty(party.id, "Bob"))
    me = next(peer for peer in joined.party.peers if peer != host.peer_id)
    await node.control.leave(party.id, me)  # as if dropped for silence
    await trio.sleep(SETTINGS.heartbeat_interval)
    status = await node.ask(GetStatus())
    assert (status.status, status.peer_count, status.party) == (PartyStatus.NO_PARTY, 0, None)
    with pytest.raises(NotInParty):
        await node.ask(LeaveParty())


async def test_a_disbanded_party_is_gone_from_a_joiner_within_a_heartbeat(
    autojump_clock: trio.testing.MockClock, node: Node, make_peer: Callable[..., PeerInfo]
) -> None:
    host = make_peer("Host")
    party = await node.control.register("Elsewhere", host)
    await node.ask(JoinParty(party.id, "Bob"))
    assert await node.control.leave(party.id, host.peer_id) == "disbanded"
    await trio.sleep(SETTINGS.heartbeat_interval)
    assert (await node.ask(GetStatus())).status is PartyStatus.NO_PARTY


async def test_one_party_at_a_time_and_refusals_change_nothing(
    node: Node, make_peer: Callable[..., PeerInfo]
) -> None:
    with pytest.raises(NotInParty):
        await node.ask(LeaveParty())
    with pytest.raises(PartyNotFound):
        await node.ask(JoinParty("000000000000", "Bob"))
    assert (await node.ask(GetStatus())).status is PartyStatus.NO_PARTY
    created = await node.ask(CreateParty("Night"))
    other = await node.control.register("Other", make_peer("Host"))
    with pytest.raises(AlreadyInParty):
        await node.ask(JoinParty(other.id, "Bob"))
    with pytest.raises(AlreadyInParty):
        await node.ask(CreateParty("Second"))
    status = await node.ask(GetStatus())
    assert status.party.id == created.party_id and status.peer_count == 1
    assert len((await node.control.get(other.id)).members) == 1
