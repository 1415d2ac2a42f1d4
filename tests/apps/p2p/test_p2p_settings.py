"""The coordinator's settings: defaults, ranges, and whether auth is on."""

from __future__ import annotations

import pytest

from engine.apps.p2p.settings import P2PSettings


def test_defaults_are_the_documented_ones():
    settings = P2PSettings()
    assert (settings.heartbeat_timeout, settings.empty_session_timeout) == (60.0, 600.0)
    assert (settings.rate_limit, settings.rate_limit_window) == (100, 60.0)
    assert (settings.api_key, settings.token_ttl, settings.auth_enabled) == (None, 3600.0, False)


def test_an_api_key_turns_auth_on_and_stays_out_of_the_repr():
    settings = P2PSettings(api_key="s3cret-key")
    assert settings.auth_enabled
    assert "s3cret" not in repr(settings)


def test_the_rate_limit_may_be_switched_off():
    assert P2PSettings(rate_limit=None).rate_limit is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"heartbeat_timeout": 0}, "heartbeat_timeout must be a positive number of seconds"),
        ({"empty_session_timeout": -1}, "empty_session_timeout must be a positive number"),
        ({"token_ttl": float("inf")}, "token_ttl must be a positive number"),
        ({"rate_limit_window": 0}, "rate_limit_window must be a positive number"),
        ({"rate_limit": 0}, "rate_limit"),
        ({"api_key": "  "}, "api_key must not be blank"),
    ],
)
def test_values_out_of_range_are_refused_naming_the_field(changes, message):
    with pytest.raises(ValueError, match=message):
        P2PSettings(**changes)
