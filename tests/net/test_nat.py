"""engine.net._nat: observing the mapping against one or two servers on loopback."""

import pytest
import trio

from engine.net import observe_nat, open_stun_responder, open_udp_socket


async def test_two_responders_see_one_socket_at_the_same_address() -> None:
    async with open_stun_responder() as first, open_stun_responder() as second:
        observation = await observe_nat([first.address, second.address], local=("127.0.0.1", 0))
    assert observation.unanswered == ()
    assert [b.server for b in observation.bindings] == [first.address, second.address]
    # Loopback has no NAT: both see the socket's own address.
    assert observation.mapped == (observation.local, observation.local)


async def test_a_wildcard_socket_reports_the_interface_address_towards_the_server() -> None:
    async with open_stun_responder() as responder:
        observation = await observe_nat([responder.address])
    assert observation.local[0] == "127.0.0.1"
    assert observation.bindings[0].local[0] == "0.0.0.0"


async def test_silent_servers_are_listed_as_unanswered() -> None:
    # A bound socket that never reads: requests to it go unanswered.
    async with open_udp_socket("127.0.0.1") as silent:
        async with open_stun_responder() as responder:
            # One send and 16 RTO (0.8 s) for each: time enough for the responder on a busy
            # machine, and little to wait for the silent one.
            observation = await observe_nat(
                [silent.getsockname(), responder.address], rto=0.05, attempts=1
            )
        assert observation.unanswered == (silent.getsockname(),)
    assert observation.mapped == (observation.local,)


async def test_nothing_answering_gives_an_empty_observation() -> None:
    async with open_udp_socket("127.0.0.1") as silent:
        with trio.fail_after(5):
            observation = await observe_nat([silent.getsockname()], rto=0.01, attempts=2)
    assert (observation.bindings, observation.mapped) == ((), ())


async def test_no_server_is_refused() -> None:
    with pytest.raises(ValueError):
        await observe_nat([])
