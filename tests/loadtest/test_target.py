"""Targets: loopback unless allowed, and one loopback source address per group."""

from __future__ import annotations

import ipaddress

import pytest

from engine.loadtest import RemoteTargetRefused
from engine.loadtest.target import check_target, source_address


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8000/liaptui", "http://localhost:8000", "http://[::1]:8000"]
)
def test_loopback_targets_are_accepted(url: str) -> None:
    check_target(url, allow_remote=False)


@pytest.mark.parametrize("url", ["http://192.0.2.1:8000", "https://example.com"])
def test_other_targets_need_allow_remote(url: str) -> None:
    with pytest.raises(RemoteTargetRefused, match="give --allow-remote"):
        check_target(url, allow_remote=False)
    check_target(url, allow_remote=True)


def test_the_url_must_be_http() -> None:
    with pytest.raises(ValueError, match="http:// or https://"):
        check_target("ws://127.0.0.1:8000", allow_remote=True)


def test_each_group_has_its_own_loopback_source_on_an_ipv4_loopback_target() -> None:
    url = "http://127.0.0.1:8000"
    addresses = [source_address(url, group) for group in range(70_000)]
    assert len(set(addresses)) == len(addresses)
    for address in addresses:
        assert address is not None
        parsed = ipaddress.IPv4Address(address)
        assert parsed.is_loopback and parsed != ipaddress.IPv4Address("127.0.0.1")
        assert address.rsplit(".", 1)[1] not in ("0", "255")
    assert source_address("http://localhost:8000", 1) is None
    assert source_address("http://192.0.2.1:8000", 1) is None
