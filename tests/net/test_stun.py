"""engine.net._stun: the Binding client against our responder on loopback, its retransmission
schedule (RFC 5389 7.2.1) on a MockClock, and the responder's answers to bad requests."""

import socket
from collections.abc import Callable

import pytest
import trio
import trio.testing
from hypothesis import given
from hypothesis import strategies as st

from engine.net import (
    StunError,
    StunErrorResponse,
    StunResponder,
    StunTimeout,
    open_stun_responder,
    open_udp_socket,
    stun_binding,
)
from engine.net._stun_message import (
    BINDING,
    StunAttribute,
    StunClass,
    StunMessage,
    binding_request,
    binding_success,
    error_response,
)

Reply = Callable[[StunMessage, tuple[str, int]], bytes | None]


async def test_the_client_learns_its_address_from_our_responder() -> None:
    async with open_stun_responder("127.0.0.1") as responder:
        async with open_udp_socket("127.0.0.1") as sock:
            binding = await stun_binding(sock, responder.address)
            assert binding.local == sock.getsockname()
        assert binding.server == responder.address
        assert binding.mapped == binding.local
        assert binding.rtt is not None and binding.rtt >= 0
        assert responder.statistics().answered == 1


async def test_the_responder_answers_over_ipv6() -> None:
    if not _has_ipv6_loopback():
        pytest.skip("no IPv6 loopback on this machine")
    async with open_stun_responder("::1") as responder, open_udp_socket("::1") as sock:
        # Written the long way: answers are still recognised as the server's.
        binding = await stun_binding(sock, ("0:0::1", responder.address[1]))
        assert binding.mapped == sock.getsockname()[:2]


def _has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.fixture
def mock_clock() -> trio.testing.MockClock:
    return trio.testing.MockClock(autojump_threshold=0)


async def _fake_server(
    reply: Reply, *, task_status: trio.TaskStatus[tuple[trio.socket.SocketType, list[float]]]
) -> None:
    """A server that records when each request arrived and answers what ``reply`` says."""
    arrivals: list[float] = []
    async with open_udp_socket("127.0.0.1") as sock:
        task_status.started((sock, arrivals))
        while True:
            data, source = await sock.recvfrom(2048)
            arrivals.append(trio.current_time())
            answer = reply(StunMessage.decode(data), source)
            if answer is not None:
                await sock.sendto(answer, source)


async def test_requests_are_retransmitted_on_the_rfc_schedule_until_answered(
    mock_clock: trio.testing.MockClock,
) -> None:
    def answer_the_fourth(request: StunMessage, source: tuple[str, int]) -> bytes | None:
        answered.append(request.transaction_id)
        if len(answered) < 4:
            return None
        return binding_success(request.transaction_id, source).encode()

    answered: list[bytes] = []
    async with trio.open_nursery() as nursery:
        server, arrivals = await nursery.start(_fake_server, answer_the_fourth)
        start = trio.current_time()
        async with open_udp_socket("127.0.0.1") as sock:
            binding = await stun_binding(sock, server.getsockname(), rto=0.5)
            assert binding.mapped == sock.getsockname()
        nursery.cancel_scope.cancel()
    # Sent at 0, then after waiting 0.5, 1, 2 seconds: one transaction id throughout.
    assert [t - start for t in arrivals] == [0.0, 0.5, 1.5, 3.5]
    assert len(set(answered)) == 1
    assert binding.rtt is None  # answered after a retransmission: no round trip to attribute


async def test_a_silent_server_is_given_up_after_the_last_wait(
    mock_clock: trio.testing.MockClock,
) -> None:
    async with trio.open_nursery() as nursery:
        server, arrivals = await nursery.start(_fake_server, lambda request, source: None)
        start = trio.current_time()
        async with open_udp_socket("127.0.0.1") as sock:
            with pytest.raises(StunTimeout, match="after 3 transmissions"):
                await stun_binding(sock, server.getsockname(), rto=0.5, attempts=3, final_wait=16)
        given_up = trio.current_time() - start
        nursery.cancel_scope.cancel()
    assert [t - start for t in arrivals] == [0.0, 0.5, 1.5]
    assert given_up == 1.5 + 16 * 0.5


async def test_the_default_schedule_spans_the_rfcs_39_5_seconds(
    mock_clock: trio.testing.MockClock,
) -> None:
    async with trio.open_nursery() as nursery:
        server, arrivals = await nursery.start(_fake_server, lambda request, source: None)
        start = trio.current_time()
        async with open_udp_socket("127.0.0.1") as sock:
            with pytest.raises(StunTimeout):
                await stun_binding(sock, server.getsockname())
        assert trio.current_time() - start == 39.5
        nursery.cancel_scope.cancel()
    assert len(arrivals) == 7


async def test_answers_with_another_transaction_id_or_from_elsewhere_are_ignored(
    mock_clock: trio.testing.MockClock,
) -> None:
    def wrong_id(request: StunMessage, source: tuple[str, int]) -> bytes:
        return binding_success(bytes(12), ("1.2.3.4", 5)).encode()

    async with trio.open_nursery() as nursery:
        server, _ = await nursery.start(_fake_server, wrong_id)
        stranger, _ = await nursery.start(_fake_server, lambda request, source: None)
        async with open_udp_socket("127.0.0.1") as sock:
            request = binding_request(bytes(12)).encode()
            await stranger.sendto(b"not stun at all", sock.getsockname())
            await stranger.sendto(request, sock.getsockname())
            with pytest.raises(StunTimeout):
                await stun_binding(sock, server.getsockname(), attempts=2)
        nursery.cancel_scope.cancel()


def _error_401(request: StunMessage, source: tuple[str, int]) -> bytes:
    return error_response(request.transaction_id, 401, "Unauthorized").encode()


def _success_without_address(request: StunMessage, source: tuple[str, int]) -> bytes:
    return StunMessage(BINDING, StunClass.SUCCESS, request.transaction_id).encode()


def _success_with_unknown_required(request: StunMessage, source: tuple[str, int]) -> bytes:
    success = binding_success(request.transaction_id, source)
    extra = (*success.attributes, StunAttribute(0x7001, b""))
    return StunMessage(BINDING, StunClass.SUCCESS, request.transaction_id, extra).encode()


@pytest.mark.parametrize(
    ("reply", "error", "match"),
    [
        (_error_401, StunErrorResponse, "401: Unauthorized"),
        (_success_without_address, StunError, "no mapped address"),
        (_success_with_unknown_required, StunError, "unknown required attributes 0x7001"),
    ],
)
async def test_unusable_answers_fail_the_transaction(
    reply: Reply, error: type[StunError], match: str
) -> None:
    async with trio.open_nursery() as nursery:
        server, _ = await nursery.start(_fake_server, reply)
        async with open_udp_socket("127.0.0.1") as sock:
            with pytest.raises(error, match=match) as raised:
                await stun_binding(sock, server.getsockname())
        nursery.cancel_scope.cancel()
    if isinstance(raised.value, StunErrorResponse):
        assert (raised.value.code, raised.value.reason) == (401, "Unauthorized")


async def _exchange(address: tuple[str, int], data: bytes) -> StunMessage:
    async with open_udp_socket("127.0.0.1") as sock:
        await sock.sendto(data, address)
        with trio.fail_after(5):
            answer, _ = await sock.recvfrom(2048)
    return StunMessage.decode(answer)


async def test_the_responder_refuses_unknown_required_attributes_with_420() -> None:
    request = StunMessage(BINDING, StunClass.REQUEST, bytes(12), (StunAttribute(0x7001, b"ab"),))
    async with open_stun_responder() as responder:
        answer = await _exchange(responder.address, request.encode())
        assert responder.statistics().refused == 1
    assert answer.cls is StunClass.ERROR
    assert answer.error_code() == (420, "Unknown Attribute")
    assert answer.find(0x000A) == b"\x70\x01"


async def test_the_responder_refuses_other_methods_with_400() -> None:
    request = StunMessage(0x003, StunClass.REQUEST, bytes(12))  # TURN Allocate
    async with open_stun_responder() as responder:
        answer = await _exchange(responder.address, request.encode())
    assert (answer.method, answer.error_code()) == (0x003, (400, "Bad Request"))


async def test_the_responder_drops_what_is_not_a_request_and_keeps_serving() -> None:
    async with open_stun_responder() as responder:
        async with open_udp_socket("127.0.0.1") as sock:
            await sock.sendto(b"\xff" * 20, responder.address)
            stray_answer = binding_success(bytes(12), ("1.2.3.4", 5)).encode()
            await sock.sendto(stray_answer, responder.address)
            binding = await stun_binding(sock, responder.address)
            assert binding.mapped == sock.getsockname()
        statistics = responder.statistics()
    # Datagrams on one loopback socket are read in order: both were dropped before the request.
    assert (statistics.answered, statistics.refused, statistics.dropped) == (1, 0, 2)


async def test_the_responder_closes_its_socket_when_the_block_exits() -> None:
    async with open_stun_responder() as responder:
        address = responder.address
    # The port is free again: binding it succeeds.
    async with open_udp_socket(*address):
        pass


async def test_bad_parameters_are_refused() -> None:
    async with open_udp_socket("127.0.0.1") as sock:
        with pytest.raises(ValueError):
            await stun_binding(sock, ("127.0.0.1", 9), attempts=0)
        with pytest.raises(ValueError):
            await stun_binding(sock, ("localhost", 9))


@given(st.binary(max_size=200))
def test_the_responder_answers_or_drops_any_datagram(data: bytes) -> None:
    responder = StunResponder(("127.0.0.1", 3478))
    answer = responder._answer(data, ("192.0.2.1", 5000))
    statistics = responder.statistics()
    assert statistics.answered + statistics.refused + statistics.dropped == 1
    if answer is not None:
        reply = StunMessage.decode(answer)
        assert reply.cls in (StunClass.SUCCESS, StunClass.ERROR)
        if reply.cls is StunClass.SUCCESS:
            assert reply.mapped_address() == ("192.0.2.1", 5000)
