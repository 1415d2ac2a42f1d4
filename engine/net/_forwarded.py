"""Which address a request came from, behind reverse proxies the deployment trusts.

A proxy puts the address it received a request from in ``Forwarded: for=...`` (RFC 7239) or
``X-Forwarded-For``, appending to what earlier hops wrote. Anyone can send those headers, so
they are believed only from a peer in `TrustedProxies`, and only as far back as the chain
stays trusted: reading the addresses right to left, the client is the first one that is not a
trusted proxy (an attacker can prepend anything, but cannot forge what a trusted proxy
appended). ``Forwarded`` wins over ``X-Forwarded-For`` when both are present. A hop the header
leaves unnamed (``for=unknown``, an obfuscated ``_name``) or names badly ends the walk: the
client is then the last address known for sure.

With no trusted proxies (the default) the client is the socket's peer, at the cost of one
check per request.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import final

import attrs

from engine.settings import IPNetwork

from ._ws_handshake import WebSocketRequest

__all__ = ["TrustedProxies"]


@final
@attrs.frozen
class TrustedProxies:
    """The proxies whose forwarding headers are believed (``PARTY_ENGINE_TRUSTED_PROXIES``)."""

    networks: tuple[IPNetwork, ...] = ()

    def client(self, peer: str, headers: Mapping[str, str]) -> str:
        """The client's address for a request from ``peer`` carrying ``headers`` (looked up
        by lowercase name, as both HTTP paths give them)."""
        if not self.networks or not self._trusted(peer):
            return peer
        forwarded = headers.get("forwarded")
        if forwarded is not None:
            hops = _forwarded_for(forwarded)
        else:
            chain = headers.get("x-forwarded-for")
            if chain is None:
                return peer
            hops = [part.strip() for part in chain.split(",")]
        client = peer
        for hop in reversed(hops):
            address = _address(hop)
            if address is None:
                break
            client = address
            if not self._trusted(address):
                break
        return client

    def upgrade(self, request: WebSocketRequest) -> WebSocketRequest:
        """``request`` with ``remote_addr`` the client's (port 0 when a proxy named it)."""
        if not self.networks or request.remote_addr is None:
            return request
        headers: dict[str, str] = {}
        for name, value in request.headers:  # a header sent twice is one list (RFC 9110, 5.3)
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        host = self.client(request.remote_addr[0], headers)
        if host == request.remote_addr[0]:
            return request
        return attrs.evolve(request, remote_addr=(host, 0))

    def _trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.networks)


def _forwarded_for(header: str) -> list[str]:
    """The ``for=`` values of a Forwarded header, in order (one per element)."""
    hops = []
    for element in header.split(","):
        for pair in element.split(";"):
            name, _, value = pair.strip().partition("=")
            if name.strip().lower() == "for":
                hops.append(value.strip().strip('"'))
    return hops


def _address(hop: str) -> str | None:
    """The IP address of a hop (``192.0.2.1``, ``192.0.2.1:4711``, ``[2001:db8::1]:4711``),
    or None for anything else."""
    if hop.startswith("["):
        hop = hop[1:].partition("]")[0]
    elif hop.count(":") == 1:
        hop = hop.partition(":")[0]
    try:
        return str(ipaddress.ip_address(hop))
    except ValueError:
        return None
