"""NAT detection end to end: engine.net's observation, classified by LANrage's rule."""

from engine.apps.lanrage.nat import NatType, classify_nat
from engine.net import observe_nat, open_stun_responder, open_udp_socket


async def test_a_node_on_loopback_is_open_against_two_responders() -> None:
    async with open_stun_responder() as first, open_stun_responder() as second:
        observation = await observe_nat([first.address, second.address])
    assert classify_nat(observation.local, observation.mapped) is NatType.OPEN


async def test_no_answer_is_unknown() -> None:
    async with open_udp_socket("127.0.0.1") as silent:
        observation = await observe_nat([silent.getsockname()], rto=0.01, attempts=1)
    assert classify_nat(observation.local, observation.mapped) is NatType.UNKNOWN
