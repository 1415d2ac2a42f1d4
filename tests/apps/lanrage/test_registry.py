"""engine.apps.lanrage.registry and control: the control plane's parties as actors, on MockClock.

Heartbeats and sweeps run on Trio's clock, so silence of five minutes takes no time here.
"""

from collections.abc import AsyncIterator, Callable

import pytest
import trio

from engine.apps.lanrage.app import make_app
from engine.apps.lanrage.errors import NotAMember, PartyFull, PartyNotFound
from engine.apps.lanrage.party import PeerInfo
from engine.apps.lanrage.registry import PartyIds
from engine.apps.lanrage.service import Node
from engine.apps.lanrage.settings import LanrageSettings
from engine.web import open_engine

SETTINGS = LanrageSettings(heartbeat_interval=5, peer_timeout=300, cleanup_interval=60)


@pytest.fixture
async def node() -> AsyncIterator[Node]:
    async with open_engine([make_app(SETTINGS)]) as engine:
        yield engine.contexts["lanrage"]


def test_party_ids_are_12_hex_and_parse_only_that() -> None:
    ids = PartyIds()
    drawn = {ids.new() for _ in range(100)}
    assert all(ids.parse(party_id) == party_id and len(party_id) == 12 for party_id in drawn)
    assert len(drawn) == 100
    for text in ("", "ABCDEF012345", "abcdef01234", "abcdef0123456", "ghijkl012345"):
        assert ids.parse(text) is None


async def test_register_join_leave_and_disband(
    node: Node, make_peer: Callable[..., PeerInfo]
) -> None:
    host, alice = make_peer("Host"), make_peer("Alice")
    party = await node.control.register("Night", host)
    assert PartyIds().parse(party.id) == party.id
    assert [m.virtual_ip for m in party.members] == ["10.66.0.1"]
    joined = await node.control.join(party.id, alice)
    assert [m.virtual_ip for m in joined.members] == ["10.66.0.1", "10.66.0.2"]
    assert await node.control.get(party.id) == joined
    assert await node.control.leave(party.id, alice.peer_id) == "left"
    with pytest.raises(NotAMember):
        await node.control.heartbeat(party.id, alice)
    assert await node.control.leave(party.id, host.peer_id) == "disbanded"
    with pytest.raises(PartyNotFound):
        await node.control.get(party.id)
    assert await node.control.directory.store.load("lanrage.party", party.id) is None


@pytest.mark.parametrize("party_id", ["", "nope", "ABCDEF012345", "000000000000", "x" * 20])
async def test_unknown_party_ids_are_not_found(node: Node, party_id: str, make_peer) -> None:
    with pytest.raises(PartyNotFound):
        await node.control.join(party_id, make_peer())


async def test_a_silent_peer_is_dropped_and_a_beating_one_kept(
    autojump_clock: trio.testing.MockClock, node: Node, make_peer: Callable[..., PeerInfo]
) -> None:
    host, quiet = make_peer("Host"), make_peer("Quiet")
    party = await node.control.register("Night", host)
    await node.control.join(party.id, quiet)
    # The host beats every 5 s for 6 minutes; the quiet peer never does.
    for _ in range(72):
        await trio.sleep(SETTINGS.heartbeat_interval)
        party = await node.control.heartbeat(party.id, host)
    assert [m.peer_id for m in party.members] == [host.peer_id]
    with pytest.raises(NotAMember):
        await node.control.heartbeat(party.id, quiet)


async def test_a_peer_is_kept_until_it_has_been_silent_past_the_timeout(
    autojump_clock: trio.testing.MockClock, node: Node, make_peer: Callable[..., PeerInfo]
) -> None:
    host, quiet = make_peer("Host"), make_peer("Quiet")
    party = await node.control.register("Night", host)
    await node.control.join(party.id, quiet)
    # Just under the timeout the next sweep keeps both.
    for _ in range(59):
        await trio.sleep(SETTINGS.heartbeat_interval)
        party = await node.control.heartbeat(party.id, host)
    assert len(party.members) == 2


async def test_a_silent_host_disbands_the_party(
    autojump_clock: trio.testing.MockClock, node: Node, make_peer: Callable[..., PeerInfo]
) -> None:
    party = await node.control.register("Night", make_peer("Host"))
    await trio.sleep(SETTINGS.peer_timeout + SETTINGS.cleanup_interval)
    with pytest.raises(PartyNotFound):
        await node.control.get(party.id)


async def test_a_full_party_refuses_a_joiner_and_is_unchanged(
    node: Node, make_peer: Callable[..., PeerInfo]
) -> None:
    party = await node.control.register("Crowd", make_peer("Host"))
    for index in range(253):
        party = await node.control.join(party.id, make_peer(f"p{index}"))
    with pytest.raises(PartyFull):
        await node.control.join(party.id, make_peer("one too many"))
    assert await node.control.get(party.id) == party
