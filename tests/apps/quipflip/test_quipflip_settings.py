"""Settings: defaults, ranges, the environment variables' names."""

from __future__ import annotations

import math

import attrs
import pytest

from engine.apps.quipflip.party import Phase, PhaseTimers
from engine.apps.quipflip.settings import ENVIRONMENT, QuipflipSettings


def test_defaults() -> None:
    settings = QuipflipSettings()
    assert settings.timers == PhaseTimers(180.0, 180.0, 60.0)
    assert [settings.timers.seconds(p) for p in (Phase.PROMPT, Phase.COPY, Phase.VOTE)] == [180, 180, 60]
    assert settings.ai_delay == 2.0 and settings.idle_timeout == 1800 and settings.session_max_age == 86400


def test_every_field_has_its_variable() -> None:
    assert set(ENVIRONMENT.values()) == {f.name for f in attrs.fields(QuipflipSettings)}
    assert all(name.startswith("PARTY_ENGINE_QUIPFLIP_") for name in ENVIRONMENT)
    assert ENVIRONMENT["PARTY_ENGINE_QUIPFLIP_AI_DELAY"] == "ai_delay"


def test_an_ai_delay_of_zero_is_allowed_but_not_a_zero_timer() -> None:
    assert QuipflipSettings(ai_delay=0).ai_delay == 0
    with pytest.raises(ValueError, match="prompt_seconds must be a positive number of seconds"):
        QuipflipSettings(prompt_seconds=0)


@pytest.mark.parametrize("value", [-1, math.inf, math.nan, "5", True])
def test_bad_values_name_their_field(value: object) -> None:
    with pytest.raises(ValueError, match="ai_delay must be a non-negative number of seconds"):
        QuipflipSettings(ai_delay=value)  # type: ignore[arg-type]
