"""Virtual IP addresses on a party's LAN: 10.66.0.0/24, the host at 10.66.0.1.

Joiners get the lowest free address from 10.66.0.2 to 10.66.0.254: the network (.0) and
broadcast (.255) addresses are never handed out, so a party holds at most 254 peers. An
address freed by a peer that left is handed out again, lowest first.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from .errors import PartyFull

__all__ = ["HOST_IP", "MAX_PEERS", "VIRTUAL_NETWORK", "allocate_virtual_ip"]

VIRTUAL_NETWORK = ipaddress.IPv4Network("10.66.0.0/24")
HOST_IP = str(VIRTUAL_NETWORK.network_address + 1)
_JOINER_IPS = tuple(str(ip) for ip in list(VIRTUAL_NETWORK.hosts())[1:])
#: The host and one peer per joiner address.
MAX_PEERS = 1 + len(_JOINER_IPS)


def allocate_virtual_ip(taken: Iterable[str]) -> str:
    """The lowest joiner address not in ``taken``; raises ``PartyFull`` when none is left."""
    used = set(taken)
    for ip in _JOINER_IPS:
        if ip not in used:
            return ip
    raise PartyFull(f"The party is full ({MAX_PEERS} peers)")
