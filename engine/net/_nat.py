"""What STUN servers say about the network between a node and the internet.

``observe_nat`` sends Binding requests from one UDP socket to one or more servers, in turn, and
records the local address next to each mapped address. What those observations can honestly
tell (RFC 4787 vocabulary):

- No server answered: UDP is blocked or the servers are down; nothing is known.
- A mapped address equal to the local one: no address translation on the path.
- Two servers at different addresses see the same mapped address: the NAT's mapping is
  endpoint-independent (a "cone"); different mapped addresses: endpoint-dependent
  ("symmetric"). One server cannot tell these apart.
- Whether the mapped port equals the local port (port preservation).

What they cannot tell is how the NAT *filters* inbound datagrams (full cone vs restricted vs
port-restricted): that needs a server answering from a second address and port (RFC 5780's
CHANGE-REQUEST), which neither our responder nor a single-address server offers. An app that
names a filtering type from these observations is making an assumption and should say so.
"""

from __future__ import annotations

import socket as stdlib_socket
from collections.abc import Sequence

import attrs
import trio

from ._stun import StunBinding, StunError, open_udp_socket, stun_binding
from ._stun_message import Address

__all__ = ["NatObservation", "observe_nat"]


@attrs.frozen
class NatObservation:
    """``local``: the address datagrams leave from (the interface's IP toward the first server,
    even when the socket was bound to every interface, and the socket's port). ``bindings``:
    one per server that answered, in the order asked. ``unanswered``: the servers that did not
    answer or answered with an error."""

    local: Address
    bindings: tuple[StunBinding, ...]
    unanswered: tuple[Address, ...]

    @property
    def mapped(self) -> tuple[Address, ...]:
        """The mapped addresses, one per answering server."""
        return tuple(binding.mapped for binding in self.bindings)


async def observe_nat(
    servers: Sequence[Address],
    *,
    local: Address = ("0.0.0.0", 0),
    rto: float = 0.5,
    attempts: int = 7,
) -> NatObservation:
    """Ask each of ``servers`` (IP address and port each) from one socket bound to ``local``.

    The servers are asked one after another, never in parallel, so that one socket's mapping is
    observed against each in turn. Servers that time out or answer with an error are listed in
    ``unanswered``; nothing is raised for them. ``local`` must be of the servers' address
    family. Raises ``OSError`` if ``local`` cannot be bound or no route leads to the first
    server, ``ValueError`` if ``servers`` is empty or names a server by host name.
    """
    if not servers:
        raise ValueError("observe_nat needs at least one server")
    async with open_udp_socket(*local) as sock:
        host, port = sock.getsockname()[:2]
        if host in ("0.0.0.0", "::"):
            host = await _source_ip_towards(servers[0])
        bindings: list[StunBinding] = []
        unanswered: list[Address] = []
        for server in servers:
            try:
                bindings.append(await stun_binding(sock, server, rto=rto, attempts=attempts))
            except StunError:
                unanswered.append(server)
    return NatObservation((host, port), tuple(bindings), tuple(unanswered))


async def _source_ip_towards(server: Address) -> str:
    # Connecting a UDP socket sends nothing; it makes the kernel pick the route and so the
    # source address that datagrams to ``server`` carry.
    family = stdlib_socket.AF_INET6 if ":" in server[0] else stdlib_socket.AF_INET
    with trio.socket.socket(family, stdlib_socket.SOCK_DGRAM) as probe:
        await probe.connect(server)
        return probe.getsockname()[0]
