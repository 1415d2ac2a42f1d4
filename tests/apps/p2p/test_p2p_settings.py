"""The coordinator's settings: defaults, ranges, the environment, and whether auth is on."""

from __future__ import annotations

import pytest

from engine.apps.p2p.settings import P2PSettings
from engine.settings import SettingsError, read_settings


def test_defaults_are_the_documented_ones():
    settings = P2PSettings()
    assert (settings.heartbeat_timeout, settings.empty_session_timeout) == (60.0, 600.0)
    assert (settings.rate_limit, settings.rate_limit_window) == (100, 60.0)
    assert settings.signaling_rate_limit == 50
    assert settings.closed_session_retention == 86_400.0
    assert (settings.api_key, settings.token_ttl, settings.auth_enabled) == (None, 3600.0, False)


def test_an_api_key_turns_auth_on_and_stays_out_of_the_repr():
    settings = P2PSettings(api_key="s3cret-key")
    assert settings.auth_enabled
    assert "s3cret" not in repr(settings)


def test_the_environment_sets_every_field():
    environ = {
        "PARTY_ENGINE_P2P_API_KEY": "s3cret-key",
        "PARTY_ENGINE_P2P_HEARTBEAT_TIMEOUT": "30",
        "PARTY_ENGINE_P2P_EMPTY_SESSION_TIMEOUT": "120.5",
        "PARTY_ENGINE_P2P_RATE_LIMIT": "0",
        "PARTY_ENGINE_P2P_RATE_LIMIT_WINDOW": "10",
        "PARTY_ENGINE_P2P_TOKEN_TTL": "600",
        "PARTY_ENGINE_P2P_SIGNALING_RATE_LIMIT": "0",
        "PARTY_ENGINE_P2P_CLOSED_SESSION_RETENTION": "3600",
    }
    assert read_settings(P2PSettings, environ, app="p2p") == P2PSettings(
        heartbeat_timeout=30.0,
        empty_session_timeout=120.5,
        rate_limit=0,
        rate_limit_window=10.0,
        api_key="s3cret-key",
        token_ttl=600.0,
        signaling_rate_limit=0,
        closed_session_retention=3600.0,
    )
    assert read_settings(P2PSettings, {}, app="p2p") == P2PSettings()


@pytest.mark.parametrize(
    ("variable", "raw"),
    [
        ("PARTY_ENGINE_P2P_HEARTBEAT_TIMEOUT", "0"),
        ("PARTY_ENGINE_P2P_HEARTBEAT_TIMEOUT", "soon"),
        ("PARTY_ENGINE_P2P_EMPTY_SESSION_TIMEOUT", "inf"),
        ("PARTY_ENGINE_P2P_RATE_LIMIT", "-1"),
        ("PARTY_ENGINE_P2P_RATE_LIMIT", "1.5"),
        ("PARTY_ENGINE_P2P_TOKEN_TTL", "10"),
    ],
)
def test_unusable_variables_are_named(variable, raw):
    with pytest.raises(SettingsError) as refused:
        read_settings(P2PSettings, {variable: raw}, app="p2p")
    assert refused.value.variable == variable


@pytest.mark.parametrize(
    "changes",
    [
        {"heartbeat_timeout": 0},
        {"empty_session_timeout": -1},
        {"token_ttl": float("inf")},
        {"rate_limit_window": 0},
        {"rate_limit": -1},
        {"signaling_rate_limit": -1},
        {"closed_session_retention": 0},
        {"api_key": "  "},
    ],
)
def test_values_out_of_range_are_refused(changes):
    with pytest.raises(ValueError, match=next(iter(changes))):
        P2PSettings(**changes)
