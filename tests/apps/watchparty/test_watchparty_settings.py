"""Settings from the environment: defaults, every variable, and refusals that name the variable."""

from __future__ import annotations

import pytest

from engine.apps.watchparty.app import app
from engine.apps.watchparty.models import IceServer
from engine.apps.watchparty.settings import DEFAULT_ICE_SERVERS, ENVIRONMENT, WatchPartySettings
from engine.net import RateLimitRule
from engine.settings import SettingsError


def test_defaults_are_the_specs():
    settings = WatchPartySettings.from_environ({})
    assert settings == WatchPartySettings()
    assert (settings.session.ttl, settings.session.max_participants) == (24 * 3600, 10)
    assert settings.bcrypt_cost == 12
    assert settings.public_url == "http://localhost:5173"
    assert settings.cors_origins == ("http://localhost:5173",)
    assert settings.ice_servers == DEFAULT_ICE_SERVERS
    assert settings.share_url("abc") == "http://localhost:5173/join/abc"


def test_the_variables_are_the_documented_ones():
    assert (
        tuple(
            f"PARTY_ENGINE_WATCHPARTY_{name}"
            for name in (
                "SESSION_TTL",
                "MAX_PARTICIPANTS",
                "BCRYPT_COST",
                "PUBLIC_URL",
                "CORS_ORIGINS",
                "ICE_SERVERS",
                "CREATE_RATE_LIMIT",
                "JOIN_RATE_LIMIT",
                "MESSAGE_RATE_LIMIT",
            )
        )
        == ENVIRONMENT
    )


def test_every_variable_is_read():
    settings = WatchPartySettings.from_environ(
        {
            "PARTY_ENGINE_WATCHPARTY_SESSION_TTL": "3600",
            "PARTY_ENGINE_WATCHPARTY_MAX_PARTICIPANTS": "4",
            "PARTY_ENGINE_WATCHPARTY_BCRYPT_COST": "10",
            "PARTY_ENGINE_WATCHPARTY_PUBLIC_URL": " https://watch.example.com/ ",
            "PARTY_ENGINE_WATCHPARTY_CORS_ORIGINS": "https://a.example, https://b.example/",
            "PARTY_ENGINE_WATCHPARTY_ICE_SERVERS": (
                '[{"urls": "stun:stun.example.com"},'
                ' {"urls": ["turn:turn.example.com:3478"], "username": "u", "credential": "p"}]'
            ),
            "PARTY_ENGINE_UNRELATED": "ignored",
        }
    )
    assert (settings.session.ttl, settings.session.max_participants) == (3600, 4)
    assert settings.bcrypt_cost == 10
    assert settings.share_url("abc") == "https://watch.example.com/join/abc"
    assert settings.cors_origins == ("https://a.example", "https://b.example")
    assert settings.ice_servers == (
        IceServer("stun:stun.example.com"),
        IceServer(("turn:turn.example.com:3478",), "u", "p"),
    )


def test_blank_variables_keep_the_defaults():
    assert WatchPartySettings.from_environ(dict.fromkeys(ENVIRONMENT, " ")) == WatchPartySettings()


def test_the_default_origins_follow_the_public_url():
    settings = WatchPartySettings.from_environ(
        {"PARTY_ENGINE_WATCHPARTY_PUBLIC_URL": "https://watch.example.com/app"}
    )
    assert settings.cors_origins == ("http://localhost:5173", "https://watch.example.com")


def test_the_apps_cors_origins_are_the_settings():
    for environ in (
        {},
        {"PARTY_ENGINE_WATCHPARTY_PUBLIC_URL": "https://watch.example.com/app"},
        {"PARTY_ENGINE_WATCHPARTY_CORS_ORIGINS": "https://a.example,https://b.example"},
    ):
        cors = app.cors_for(environ)
        assert cors is not None
        assert cors.origins == WatchPartySettings.from_environ(environ).cors_origins


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("PARTY_ENGINE_WATCHPARTY_SESSION_TTL", "0"),
        ("PARTY_ENGINE_WATCHPARTY_SESSION_TTL", "a day"),
        ("PARTY_ENGINE_WATCHPARTY_MAX_PARTICIPANTS", "0"),
        ("PARTY_ENGINE_WATCHPARTY_BCRYPT_COST", "3"),
        ("PARTY_ENGINE_WATCHPARTY_BCRYPT_COST", "32"),
        ("PARTY_ENGINE_WATCHPARTY_BCRYPT_COST", "12.5"),
        ("PARTY_ENGINE_WATCHPARTY_PUBLIC_URL", "watch.example.com"),
        ("PARTY_ENGINE_WATCHPARTY_ICE_SERVERS", "stun:stun.example.com"),
        ("PARTY_ENGINE_WATCHPARTY_ICE_SERVERS", '{"urls": "stun:a"}'),
        ("PARTY_ENGINE_WATCHPARTY_ICE_SERVERS", '[{"url": "stun:a"}]'),
        ("PARTY_ENGINE_WATCHPARTY_ICE_SERVERS", '[{"urls": "turn:a", "username": 1}]'),
    ],
)
def test_unusable_values_are_refused_naming_the_variable(variable, value):
    with pytest.raises(ValueError, match=variable):
        WatchPartySettings.from_environ({variable: value})


def test_the_rate_limits_are_settings_relaxed_in_development_mode():
    settings = WatchPartySettings.from_environ(
        {
            "PARTY_ENGINE_WATCHPARTY_CREATE_RATE_LIMIT": "20/3600",
            "PARTY_ENGINE_WATCHPARTY_JOIN_RATE_LIMIT": "3/10",
            "PARTY_ENGINE_WATCHPARTY_MESSAGE_RATE_LIMIT": "1000/60",
        }
    )
    assert (settings.create_rule, settings.join_rule, settings.message_rule) == (
        RateLimitRule(20, 3600.0),
        RateLimitRule(3, 10.0),
        RateLimitRule(1000, 60.0),
    )
    assert WatchPartySettings().create_rule == RateLimitRule(5, 3600.0)
    relaxed = WatchPartySettings.from_environ({"PARTY_ENGINE_DEV": "1"})
    assert relaxed.create_rule == RateLimitRule(500, 3600.0)
    with pytest.raises(SettingsError, match="PARTY_ENGINE_WATCHPARTY_CREATE_RATE_LIMIT"):
        WatchPartySettings.from_environ({"PARTY_ENGINE_WATCHPARTY_CREATE_RATE_LIMIT": "5"})
