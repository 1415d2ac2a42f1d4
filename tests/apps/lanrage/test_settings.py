"""engine.apps.lanrage.settings: defaults, the variables' text, ranges."""

import pytest

from engine.apps.lanrage.settings import LanrageSettings, parse_address
from engine.settings import SettingsError, read_settings


def read(**variables: str) -> LanrageSettings:
    environ = {f"PARTY_ENGINE_LANRAGE_{name.upper()}": value for name, value in variables.items()}
    return read_settings(LanrageSettings, environ, app="lanrage")


def test_defaults() -> None:
    settings = read()
    assert settings == LanrageSettings()
    assert settings.control_url is None and settings.control_token is None
    assert not settings.remote_control
    assert settings.stun == () and settings.stun_listen is None
    assert (settings.heartbeat_interval, settings.peer_timeout) == (5.0, 300.0)
    assert (settings.cleanup_interval, settings.probe_interval) == (60.0, 10.0)


def test_the_variables_are_read() -> None:
    settings = read(
        control_url="http://10.0.0.2:8000/lanrage/",
        control_token=" s3cret ",
        stun="10.0.0.2:3478, stun.example.net:19302",
        stun_listen="0.0.0.0:3478",
        heartbeat_interval="2",
        peer_timeout="30",
    )
    assert settings.control_url == "http://10.0.0.2:8000/lanrage"
    assert settings.remote_control
    assert settings.control_token == "s3cret"
    assert settings.stun == (("10.0.0.2", 3478), ("stun.example.net", 19302))
    assert settings.stun_listen == ("0.0.0.0", 3478)
    assert (settings.heartbeat_interval, settings.peer_timeout) == (2.0, 30.0)


def test_blank_text_means_unset() -> None:
    settings = read(control_url=" ", control_token="", stun="", stun_listen="")
    assert (settings.control_url, settings.control_token) == (None, None)
    assert (settings.stun, settings.stun_listen) == ((), None)


def test_the_token_stays_out_of_the_repr() -> None:
    assert "s3cret" not in repr(LanrageSettings(control_token="s3cret"))


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"control_url": "ftp://host"}, "CONTROL_URL: .*must be an http"),
        ({"control_url": "localhost:8000"}, "CONTROL_URL"),
        ({"stun": "a:1,b:2,c:3"}, "STUN: .*one or two servers"),
        ({"stun": "a:1,a:1"}, "STUN: .*two different servers"),
        ({"stun_listen": "3478"}, "STUN_LISTEN: .*'3478' is not host:port"),
        ({"heartbeat_interval": "0"}, "HEARTBEAT_INTERVAL"),
        ({"probe_interval": "soon"}, "PROBE_INTERVAL"),
        ({"cleanup_interval": "inf"}, "CLEANUP_INTERVAL"),
        ({"peer_timeout": "-1"}, "PEER_TIMEOUT"),
        ({"peer_timeout": "10"}, "at least 3 heartbeat intervals"),
    ],
)
def test_unusable_values_are_refused_naming_the_variable(
    variables: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError, match=message):
        read(**variables)


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
