"""engine.apps.lanrage.addresses: virtual IPs in 10.66.0.0/24."""

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.apps.lanrage.addresses import HOST_IP, MAX_PEERS, VIRTUAL_NETWORK, allocate_virtual_ip
from engine.apps.lanrage.errors import PartyFull

JOINER_IPS = [f"10.66.0.{n}" for n in range(2, 255)]


def test_the_host_is_dot_one() -> None:
    assert HOST_IP == "10.66.0.1"
    assert MAX_PEERS == 254


def test_the_first_joiner_gets_dot_two() -> None:
    assert allocate_virtual_ip([HOST_IP]) == "10.66.0.2"


def test_a_freed_address_is_handed_out_again_lowest_first() -> None:
    assert allocate_virtual_ip([HOST_IP, "10.66.0.2", "10.66.0.4"]) == "10.66.0.3"


@given(st.sets(st.sampled_from(JOINER_IPS), max_size=len(JOINER_IPS) - 1))
def test_the_address_is_free_in_the_network_and_neither_network_nor_broadcast(
    taken: set[str],
) -> None:
    ip = allocate_virtual_ip({HOST_IP, *taken})
    assert ip not in taken and ip != HOST_IP
    assert ipaddress.ip_address(ip) in VIRTUAL_NETWORK
    assert ip not in ("10.66.0.0", "10.66.0.255")
    assert ip == min(set(JOINER_IPS) - taken, key=ipaddress.ip_address)


def test_a_full_party_is_refused() -> None:
    with pytest.raises(PartyFull, match="254 peers"):
        allocate_virtual_ip([HOST_IP, *JOINER_IPS])
