"""Settings: defaults, ranges, read from PARTY_ENGINE_QUIPFLIP_*."""

from __future__ import annotations

import pytest

from engine.apps.quipflip.party import Phase, PhaseTimers
from engine.apps.quipflip.settings import QuipflipSettings
from engine.settings import Rate, SettingsError, environment_variables, read_settings


def test_defaults() -> None:
    settings = QuipflipSettings()
    assert settings.timers == PhaseTimers(180.0, 180.0, 60.0)
    assert [settings.timers.seconds(p) for p in (Phase.PROMPT, Phase.COPY, Phase.VOTE)] == [
        180,
        180,
        60,
    ]
    assert (
        settings.ai_delay == 2.0
        and settings.idle_timeout == 1800
        and settings.session_max_age == 86400
    )


def test_the_variables() -> None:
    assert set(environment_variables(QuipflipSettings, "quipflip")) == {
        "PARTY_ENGINE_QUIPFLIP_PROMPT_SECONDS",
        "PARTY_ENGINE_QUIPFLIP_COPY_SECONDS",
        "PARTY_ENGINE_QUIPFLIP_VOTE_SECONDS",
        "PARTY_ENGINE_QUIPFLIP_AI_DELAY",
        "PARTY_ENGINE_QUIPFLIP_TOKEN_TTL",
        "PARTY_ENGINE_QUIPFLIP_SESSION_MAX_AGE",
        "PARTY_ENGINE_QUIPFLIP_IDLE_TIMEOUT",
        "PARTY_ENGINE_QUIPFLIP_MESSAGE_RATE_LIMIT",
    }


def test_the_message_rate_limit_is_a_setting_relaxed_in_development_mode() -> None:
    assert QuipflipSettings().message_rate_limit == Rate(60, 60.0)
    environ = {"PARTY_ENGINE_QUIPFLIP_MESSAGE_RATE_LIMIT": "10/1"}
    read = read_settings(QuipflipSettings, environ, app="quipflip")
    assert read.message_rate_limit == Rate(10, 1)
    relaxed = read_settings(QuipflipSettings, {"PARTY_ENGINE_DEV": "on"}, app="quipflip")
    assert relaxed.message_rate_limit == Rate(6000, 60.0)


def test_read_from_the_environment() -> None:
    environ = {"PARTY_ENGINE_QUIPFLIP_AI_DELAY": "0", "PARTY_ENGINE_QUIPFLIP_VOTE_SECONDS": "30"}
    settings = read_settings(QuipflipSettings, environ, app="quipflip")
    assert settings.ai_delay == 0 and settings.timers.vote == 30 and settings.timers.prompt == 180


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("PARTY_ENGINE_QUIPFLIP_AI_DELAY", "-1"),
        ("PARTY_ENGINE_QUIPFLIP_AI_DELAY", "soon"),
        ("PARTY_ENGINE_QUIPFLIP_PROMPT_SECONDS", "0"),
        ("PARTY_ENGINE_QUIPFLIP_COPY_SECONDS", "inf"),
        ("PARTY_ENGINE_QUIPFLIP_IDLE_TIMEOUT", "nan"),
    ],
)
def test_unusable_values_name_their_variable(variable: str, value: str) -> None:
    with pytest.raises(SettingsError) as caught:
        read_settings(QuipflipSettings, {variable: value}, app="quipflip")
    assert caught.value.variable == variable
