"""A STUN Binding client and responder over Trio UDP sockets (RFC 5389).

The client (``stun_binding``) asks a server what address it sees a socket's datagrams come
from. Retransmission follows section 7.2.1: the request is sent up to ``attempts`` times
(Rc, default 7), waiting ``rto`` (default 0.5 s) after the first, doubling each time, and
``final_wait`` times the initial ``rto`` (Rm, default 16) after the last; with the defaults a
silent server is given up after 39.5 s. Every timer reads Trio's clock, so a ``MockClock``
drives it.

The responder (``serve_stun``, ``open_stun_responder``) answers Binding requests with
XOR-MAPPED-ADDRESS, requests carrying comprehension-required attributes it does not know with
420 (Unknown Attribute) and other request methods with 400; it drops indications, responses
and anything that is not an RFC 5389 message. It keeps no state per client. It does not
implement the RFC 5780 tests (CHANGE-REQUEST, OTHER-ADDRESS), so it cannot tell how a NAT
filters; see ``observe_nat`` for what one or two servers can tell.
"""

from __future__ import annotations

import ipaddress
import secrets
import socket as stdlib_socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import NoReturn

import attrs
import trio

from ._stun_message import (
    BINDING,
    Address,
    StunClass,
    StunDecodeError,
    StunMessage,
    binding_request,
    binding_success,
    error_response,
)

__all__ = [
    "StunBinding",
    "StunError",
    "StunErrorResponse",
    "StunResponder",
    "StunResponderStatistics",
    "StunTimeout",
    "open_stun_responder",
    "open_udp_socket",
    "serve_stun",
    "stun_binding",
]

# Large enough for any STUN message that fits an unfragmented datagram (section 7.1).
_MAX_DATAGRAM = 2048


class StunError(Exception):
    """A Binding transaction failed: no answer, an error answer, or an answer we cannot use."""


class StunTimeout(StunError):
    """The server did not answer any of the transmissions."""


class StunErrorResponse(StunError):
    """The server answered with an error response (``code``, ``reason``)."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"STUN error {code}: {reason}")
        self.code = code
        self.reason = reason


@attrs.frozen
class StunBinding:
    """The outcome of one Binding transaction.

    ``local`` is the socket's own address as bound (``0.0.0.0`` when bound to every interface),
    ``mapped`` the address the server saw the request come from. ``rtt`` is the round trip in
    seconds, or None when the answer came after a retransmission: it could then answer any of
    the copies sent, so no round trip can be attributed (Karn's rule).
    """

    server: Address
    local: Address
    mapped: Address
    rtt: float | None


@asynccontextmanager
async def open_udp_socket(
    host: str = "0.0.0.0", port: int = 0
) -> AsyncIterator[trio.socket.SocketType]:
    """A UDP socket bound to ``host:port`` (port 0: one the system picks), closed on exit.

    ``host`` must be an IP address: STUN reports addresses, and a name would hide which one.
    """
    family = stdlib_socket.AF_INET6 if ":" in host else stdlib_socket.AF_INET
    with trio.socket.socket(family, stdlib_socket.SOCK_DGRAM) as sock:
        await sock.bind((host, port))
        yield sock


async def stun_binding(
    sock: trio.socket.SocketType,
    server: Address,
    *,
    rto: float = 0.5,
    attempts: int = 7,
    final_wait: float = 16.0,
) -> StunBinding:
    """Ask ``server`` (an IP address, not a name, and a port) what address ``sock``'s datagrams
    come from.

    Answers are matched by transaction id and must come from ``server``; other datagrams
    arriving on ``sock`` meanwhile are read and dropped, so the socket should not be shared
    with another reader during the call. Raises ``StunTimeout`` when no transmission is
    answered, ``StunErrorResponse`` for an error answer, and ``StunError`` for a success answer
    without a usable mapped address or with comprehension-required attributes we do not know
    (section 7.3.3 treats that as a failed transaction), ``ValueError`` for a server given by
    name or bad retransmission parameters. Cancellation is safe at any point.
    """
    if attempts < 1 or rto <= 0 or final_wait <= 0:
        raise ValueError("attempts must be >= 1 and rto, final_wait positive")
    # The canonical text of the address, as recvfrom reports the source ("::1", not "0::1").
    server = (str(ipaddress.ip_address(server[0])), server[1])
    transaction_id = secrets.token_bytes(12)
    request = binding_request(transaction_id).encode()
    wait = rto
    for attempt in range(attempts):
        sent_at = trio.current_time()
        await sock.sendto(request, server)
        last = attempt == attempts - 1
        with trio.move_on_after(rto * final_wait if last else wait):
            answer = await _receive_answer(sock, server, transaction_id)
            rtt = trio.current_time() - sent_at if attempt == 0 else None
            return _binding(answer, server, sock.getsockname()[:2], rtt)
        wait *= 2
    raise StunTimeout(f"no answer from {server[0]}:{server[1]} after {attempts} transmissions")


async def _receive_answer(
    sock: trio.socket.SocketType, server: Address, transaction_id: bytes
) -> StunMessage:
    while True:
        data, source = await sock.recvfrom(_MAX_DATAGRAM)
        if source[:2] != server:
            continue
        try:
            message = StunMessage.decode(data)
        except StunDecodeError:
            continue
        if (
            message.transaction_id == transaction_id
            and message.method == BINDING
            and message.cls in (StunClass.SUCCESS, StunClass.ERROR)
        ):
            return message


def _binding(
    answer: StunMessage, server: Address, local: Address, rtt: float | None
) -> StunBinding:
    try:
        if answer.cls is StunClass.ERROR:
            code, reason = answer.error_code() or (0, "error response without ERROR-CODE")
            raise StunErrorResponse(code, reason)
        unknown = answer.unknown_required()
        if unknown:
            names = ", ".join(f"{kind:#06x}" for kind in unknown)
            raise StunError(f"the answer carries unknown required attributes {names}")
        mapped = answer.mapped_address()
    except StunDecodeError as exc:
        raise StunError(f"malformed answer: {exc}") from exc
    if mapped is None:
        raise StunError("the answer carries no mapped address")
    return StunBinding(server, local, mapped, rtt)


# -- the responder ----------------------------------------------------------------------------


@attrs.frozen
class StunResponderStatistics:
    """``answered``: success responses sent; ``refused``: error responses sent; ``dropped``:
    datagrams that were not requests, not STUN, or whose answer could not be sent."""

    answered: int
    refused: int
    dropped: int


@attrs.define(eq=False)
class StunResponder:
    """A running responder: the ``address`` it listens on, and its counters."""

    address: Address
    _answered: int = 0
    _refused: int = 0
    _dropped: int = 0

    def statistics(self) -> StunResponderStatistics:
        return StunResponderStatistics(self._answered, self._refused, self._dropped)

    def _answer(self, data: bytes, source: Address) -> bytes | None:
        try:
            message = StunMessage.decode(data)
        except StunDecodeError:
            message = None
        if message is None or message.cls is not StunClass.REQUEST:
            self._dropped += 1
            return None
        if message.method != BINDING:
            self._refused += 1
            return error_response(
                message.transaction_id, 400, "Bad Request", method=message.method
            ).encode()
        unknown = message.unknown_required()
        if unknown:
            self._refused += 1
            return error_response(
                message.transaction_id, 420, "Unknown Attribute", unknown=unknown
            ).encode()
        self._answered += 1
        return binding_success(message.transaction_id, source).encode()


async def serve_stun(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    task_status: trio.TaskStatus[StunResponder] = trio.TASK_STATUS_IGNORED,
) -> NoReturn:
    """Answer STUN Binding requests on UDP ``host:port`` until cancelled.

    For ``nursery.start``: reports the ``StunResponder`` once the socket is bound (its
    ``address`` has the real port when ``port`` is 0). The socket is closed on cancellation.
    A failure to send one answer (the client's network went away) drops that answer only.
    """
    async with open_udp_socket(host, port) as sock:
        responder = StunResponder(sock.getsockname()[:2])
        task_status.started(responder)
        while True:
            data, source = await sock.recvfrom(_MAX_DATAGRAM)
            answer = responder._answer(data, source[:2])
            if answer is None:
                continue
            try:
                await sock.sendto(answer, source)
            except OSError:
                responder._dropped += 1


@asynccontextmanager
async def open_stun_responder(
    host: str = "127.0.0.1", port: int = 0
) -> AsyncIterator[StunResponder]:
    """A responder serving for the duration of the block; it stops (and closes its socket)
    when the block exits."""
    async with trio.open_nursery() as nursery:
        yield await nursery.start(serve_stun, host, port)
        nursery.cancel_scope.cancel()
