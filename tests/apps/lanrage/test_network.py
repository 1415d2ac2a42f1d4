"""engine.apps.lanrage.network: NAT detection against coturn (a STUN server nobody here wrote)
and the built-in responder, a node's endpoint, and latency probes."""

from collections.abc import AsyncIterator

import pytest
import trio
from lanrage_nodes import free_udp_port

from engine.apps.lanrage.agent import CreateParty, GetStatus
from engine.apps.lanrage.app import make_app
from engine.apps.lanrage.models import LatencySource, NatInfo
from engine.apps.lanrage.nat import NatType, Reachability
from engine.apps.lanrage.network import probe_peer
from engine.apps.lanrage.service import Node
from engine.apps.lanrage.settings import LanrageSettings
from engine.net import open_stun_responder
from engine.web import open_engine

from coturn import coturn as coturn
from coturn import needs_coturn


@pytest.fixture
async def responder() -> AsyncIterator[tuple[str, int]]:
    async with open_stun_responder("127.0.0.1") as running:
        yield running.address


async def detected(settings: LanrageSettings) -> tuple[NatInfo, str | None]:
    """What a node started with ``settings`` detects: its NAT and its endpoint."""
    async with open_engine([make_app(settings)]) as engine:
        node: Node = engine.contexts["lanrage"]
        # Detection talks to a real UDP responder and the node publishes no event for it, so
        # the test asks until it is there (bounded).
        with trio.fail_after(10):
            while (status := await node.ask(GetStatus())).nat_info is None:  # noqa: ASYNC110
                await trio.sleep(0.05)
        created = await node.ask(CreateParty("Night"))
        return status.nat_info, created.party.peers[created.party.host_id].endpoint


@needs_coturn
async def test_nat_detection_against_coturn(coturn: tuple[str, int]) -> None:
    nat, endpoint = await detected(LanrageSettings(stun=(coturn,)))
    assert (nat.nat_type, nat.public_ip) == (NatType.OPEN, "127.0.0.1")
    assert nat.public_port is not None and endpoint is None


@needs_coturn
async def test_coturn_and_the_built_in_responder_agree(
    coturn: tuple[str, int], responder: tuple[str, int]
) -> None:
    nat, _ = await detected(LanrageSettings(stun=(coturn, responder)))
    assert nat.nat_type is NatType.OPEN


async def test_a_stun_server_by_name_is_resolved(responder: tuple[str, int]) -> None:
    nat, _ = await detected(LanrageSettings(stun=(("localhost", responder[1]),)))
    assert (nat.nat_type, nat.public_ip) == (NatType.OPEN, "127.0.0.1")


async def test_no_stun_server_is_unknown_at_once() -> None:
    nat, endpoint = await detected(LanrageSettings())
    assert nat == NatInfo(NatType.UNKNOWN, None, None) and endpoint is None


async def test_listening_everywhere_gives_a_real_endpoint(responder: tuple[str, int]) -> None:
    port = free_udp_port()
    nat, endpoint = await detected(
        LanrageSettings(stun=(responder,), stun_listen=("0.0.0.0", port))
    )
    assert endpoint == f"{nat.public_ip}:{port}" == f"127.0.0.1:{port}"


async def test_aprobe_peer_measures_the_round_trip(responder: tuple[str, int]) -> None:
    link = await probe_peer(f"{responder[0]}:{responder[1]}")
    assert link.reachability is Reachability.ANSWERED
    assert link.latency_source is LatencySource.UDP_PROBE
    assert link.latency_ms is not None and link.latency_ms >= 0


async def test_no_endpoint_or_no_answer_is_unanswered() -> None:
    assert (await probe_peer(None)).reachability is Reachability.UNANSWERED
    silent = await probe_peer(f"127.0.0.1:{free_udp_port()}")
    assert (silent.reachability, silent.latency_ms) == (Reachability.UNANSWERED, None)
