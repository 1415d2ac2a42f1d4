"""Settings from the environment of ``party-engine serve``."""

from __future__ import annotations

import pytest

from engine.apps.liaptui.settings import ENVIRONMENT, Settings
from engine.settings import read_settings


def test_defaults() -> None:
    settings = read_settings(Settings, {}, app="liaptui")
    assert (settings.bot_delay, settings.turn_pause) == (1.0, 2.0)
    assert (settings.action_timeout, settings.reconnect_grace) == (30.0, 300.0)


def test_the_four_variables_are_read() -> None:
    settings = read_settings(
        Settings,
        {
            "PARTY_ENGINE_LIAPTUI_BOT_DELAY": "0",
            "PARTY_ENGINE_LIAPTUI_TURN_PAUSE": "0.5",
            "PARTY_ENGINE_LIAPTUI_ACTION_TIMEOUT": "12",
            "PARTY_ENGINE_LIAPTUI_RECONNECT_GRACE": " 60 ",
            "PARTY_ENGINE_OTHER": "ignored",
        },
        app="liaptui",
    )
    assert (settings.bot_delay, settings.turn_pause) == (0.0, 0.5)
    assert (settings.action_timeout, settings.reconnect_grace) == (12.0, 60.0)
    assert sorted(ENVIRONMENT) == sorted(
        name for name in ENVIRONMENT if name.startswith("PARTY_ENGINE_LIAPTUI_")
    )


def test_overrides_win_and_empty_values_mean_the_default() -> None:
    settings = read_settings(
        Settings, {"PARTY_ENGINE_LIAPTUI_BOT_DELAY": ""}, app="liaptui", seed=3, bot_delay=0.25
    )
    assert settings.bot_delay == 0.25 and settings.seed == 3


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("PARTY_ENGINE_LIAPTUI_BOT_DELAY", "soon"),
        ("PARTY_ENGINE_LIAPTUI_TURN_PAUSE", "-1"),
        ("PARTY_ENGINE_LIAPTUI_ACTION_TIMEOUT", "0"),
        ("PARTY_ENGINE_LIAPTUI_RECONNECT_GRACE", "inf"),
        ("PARTY_ENGINE_LIAPTUI_BOT_DELAY", "nan"),
    ],
)
def test_bad_values_are_refused_by_name(variable: str, value: str) -> None:
    with pytest.raises(ValueError, match=ENVIRONMENT[variable] if value != "soon" else variable):
        read_settings(Settings, {variable: value}, app="liaptui")
