"""Which address a request came from: forwarding headers believed from trusted proxies only."""

from __future__ import annotations

import ipaddress

import pytest

from engine.net import TrustedProxies, WebSocketRequest

PROXIES = TrustedProxies(
    (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("2001:db8:ffff::/48"))
)


def test_without_trusted_proxies_the_peer_is_the_client() -> None:
    assert TrustedProxies().client("10.1.2.3", {"x-forwarded-for": "203.0.113.7"}) == "10.1.2.3"


def test_an_untrusted_peer_forwards_nothing() -> None:
    assert PROXIES.client("198.51.100.9", {"x-forwarded-for": "203.0.113.7"}) == "198.51.100.9"


def test_a_trusted_peer_without_headers_is_the_client() -> None:
    assert PROXIES.client("10.0.0.1", {}) == "10.0.0.1"


@pytest.mark.parametrize(
    ("chain", "client"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("203.0.113.7, 10.0.0.2", "203.0.113.7"),  # through two proxies of ours
        ("1.2.3.4, 203.0.113.7", "203.0.113.7"),  # the client prepended a lie
        ("10.9.9.9, 10.0.0.2", "10.9.9.9"),  # every hop ours: the farthest
        ("garbage, 10.0.0.2", "10.0.0.2"),  # an unreadable hop: the last address known
        ("203.0.113.7:4711", "203.0.113.7"),
    ],
)
def test_x_forwarded_for_is_read_right_to_left_while_trusted(chain: str, client: str) -> None:
    assert PROXIES.client("10.0.0.1", {"x-forwarded-for": chain}) == client


@pytest.mark.parametrize(
    ("forwarded", "client"),
    [
        ('for="[2001:db8::1]:4711";proto=https', "2001:db8::1"),
        ("for=192.0.2.60;proto=http;by=10.0.0.1, for=10.0.0.2", "192.0.2.60"),
        ("For=198.51.100.17", "198.51.100.17"),
        ("for=unknown", "10.0.0.1"),
        ("for=_hidden, for=10.0.0.2", "10.0.0.2"),
    ],
)
def test_forwarded_is_read_as_rfc_7239_says(forwarded: str, client: str) -> None:
    assert PROXIES.client("10.0.0.1", {"forwarded": forwarded}) == client


def test_forwarded_wins_over_x_forwarded_for() -> None:
    headers = {"forwarded": "for=192.0.2.1", "x-forwarded-for": "192.0.2.2"}
    assert PROXIES.client("2001:db8:ffff::5", headers) == "192.0.2.1"


def test_a_websocket_upgrade_gets_the_clients_address() -> None:
    request = WebSocketRequest(
        path="/ws",
        query_string=b"",
        headers=(("x-forwarded-for", "203.0.113.7"), ("x-forwarded-for", "10.0.0.2")),
        remote_addr=("10.0.0.1", 50000),
        subprotocols=(),
    )
    assert PROXIES.upgrade(request).remote_addr == ("203.0.113.7", 0)  # both lines, one list
    spoofed = PROXIES.upgrade(
        WebSocketRequest("/ws", b"", (("x-forwarded-for", "203.0.113.7"),), ("8.8.8.8", 1), ())
    )
    assert spoofed.remote_addr == ("8.8.8.8", 1)
    assert TrustedProxies().upgrade(request) is request
