"""Settings: defaults, ranges, read from PARTY_ENGINE_QUIPFLIP_*."""

from __future__ import annotations

import pytest

from engine.apps.quipflip.party import Phase, PhaseTimers
from engine.apps.quipflip.settings import QuipflipSettings
from engine.settings import SettingsError, environment_variables, read_settings


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
    }


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
