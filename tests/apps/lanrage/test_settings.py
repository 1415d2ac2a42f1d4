"""engine.apps.lanrage.settings: defaults, the variables' text, ranges."""

from typing import Any

import pytest

from engine.apps.lanrage.settings import ENVIRONMENT, LanrageSettings, parse_address


def test_defaults() -> None:
    settings = LanrageSettings()
    assert settings.control_url is None and settings.control_token is None
    assert not settings.remote_control
    assert settings.stun_servers == () and settings.stun_listen is None
    assert (settings.heartbeat_interval, settings.peer_timeout) == (5.0, 300.0)
    assert (settings.cleanup_interval, settings.probe_interval) == (60.0, 10.0)


def test_every_variable_names_a_field() -> None:
    fields = {field.name for field in LanrageSettings.__attrs_attrs__}
    assert set(ENVIRONMENT.values()) <= fields
    assert all(name.startswith("PARTY_ENGINE_LANRAGE_") for name in ENVIRONMENT)


def test_the_variables_text_is_taken_as_is() -> None:
    settings = LanrageSettings(
        control_url="http://10.0.0.2:8000/lanrage/",
        control_token=" s3cret ",
        stun_servers="10.0.0.2:3478, stun.example.net:19302",
        stun_listen="0.0.0.0:3478",
        heartbeat_interval="2",
        peer_timeout="30",
    )
    assert settings.control_url == "http://10.0.0.2:8000/lanrage"
    assert settings.remote_control
    assert settings.control_token == "s3cret"
    assert settings.stun_servers == (("10.0.0.2", 3478), ("stun.example.net", 19302))
    assert settings.stun_listen == ("0.0.0.0", 3478)
    assert (settings.heartbeat_interval, settings.peer_timeout) == (2.0, 30.0)


def test_blank_text_means_unset() -> None:
    settings = LanrageSettings(control_url=" ", control_token="", stun_servers="", stun_listen="")
    assert (settings.control_url, settings.control_token) == (None, None)
    assert (settings.stun_servers, settings.stun_listen) == ((), None)


def test_the_token_stays_out_of_the_repr() -> None:
    assert "s3cret" not in repr(LanrageSettings(control_token="s3cret"))


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"control_url": "ftp://host"}, "control_url: must be an http"),
        ({"control_url": "localhost:8000"}, "control_url"),
        ({"stun_servers": "a:1,b:2,c:3"}, "one or two servers"),
        ({"stun_servers": "a:1,a:1"}, "two different servers"),
        ({"stun_listen": "3478"}, "stun_listen: '3478' is not host:port"),
        ({"heartbeat_interval": "0"}, "heartbeat_interval"),
        ({"probe_interval": "soon"}, "probe_interval"),
        ({"cleanup_interval": "inf"}, "cleanup_interval"),
        ({"peer_timeout": "-1"}, "peer_timeout"),
        ({"peer_timeout": "10"}, "at least 3 heartbeat intervals"),
    ],
)
def test_unusable_values_are_refused_naming_the_field(
    overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        LanrageSettings(**overrides)


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("127.0.0.1:3478", ("127.0.0.1", 3478)),
        ("stun.l.google.com:19302", ("stun.l.google.com", 19302)),
        ("[::1]:3478", ("::1", 3478)),
        (" [2001:DB8::1]:1 ", ("2001:db8::1", 1)),
    ],
)
def test_addresses(text: str, address: tuple[str, int]) -> None:
    assert parse_address(text) == address


@pytest.mark.parametrize(
    "text", ["", "host", ":80", "host:0", "host:65536", "::1:80", "[nope]:80", "bad_name!:80"]
)
def test_bad_addresses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_address(text)
