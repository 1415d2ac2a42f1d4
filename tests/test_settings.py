"""engine.settings: PARTY_ENGINE_<APP>_* into an attrs class, with errors naming the variable."""

from __future__ import annotations

import attrs
import pytest

from engine.settings import SettingsError, environment_variables, read_settings, setting


@attrs.frozen
class Example:
    seats: int = setting(4, min=1, max=64, help="members per party")
    ttl: float = setting(60.0, min=0)
    name: str = "party"
    public: bool = False
    origins: tuple[str, ...] = ()
    seed: int | None = None
    mode: str = setting("fast", parse=lambda raw: raw.lower())


def test_defaults_when_nothing_is_set() -> None:
    assert read_settings(Example, {}, app="demo") == Example()


def test_every_type_is_read_from_its_variable() -> None:
    environ = {
        "PARTY_ENGINE_DEMO_SEATS": "8",
        "PARTY_ENGINE_DEMO_TTL": "2.5",
        "PARTY_ENGINE_DEMO_NAME": "quiz",
        "PARTY_ENGINE_DEMO_PUBLIC": "yes",
        "PARTY_ENGINE_DEMO_ORIGINS": "http://a.example, http://b.example,",
        "PARTY_ENGINE_DEMO_SEED": "7",
        "PARTY_ENGINE_DEMO_MODE": "SLOW",
        "PARTY_ENGINE_OTHER_SEATS": "99",
    }
    assert read_settings(Example, environ, app="demo") == Example(
        8, 2.5, "quiz", True, ("http://a.example", "http://b.example"), 7, "slow"
    )


def test_blank_variables_keep_the_default_and_overrides_win() -> None:
    environ = {"PARTY_ENGINE_DEMO_SEATS": "  ", "PARTY_ENGINE_DEMO_TTL": "5"}
    assert read_settings(Example, environ, app="demo", ttl=1.0) == Example(ttl=1.0)


@pytest.mark.parametrize(
    ("variable", "value", "problem"),
    [
        ("PARTY_ENGINE_DEMO_SEATS", "four", "invalid literal"),
        ("PARTY_ENGINE_DEMO_SEATS", "65", "must be <= 64"),
        ("PARTY_ENGINE_DEMO_SEATS", "0", "must be >= 1"),
        ("PARTY_ENGINE_DEMO_TTL", "nan", "finite"),
        ("PARTY_ENGINE_DEMO_PUBLIC", "maybe", "true/false"),
    ],
)
def test_an_unusable_value_names_its_variable(variable: str, value: str, problem: str) -> None:
    with pytest.raises(SettingsError, match=problem) as raised:
        read_settings(Example, {variable: value}, app="demo")
    assert raised.value.variable == variable
    assert str(raised.value).startswith(f"{variable}: cannot use {value!r}")


def test_the_variables_are_listed_with_their_help() -> None:
    variables = environment_variables(Example, "demo")
    assert variables["PARTY_ENGINE_DEMO_SEATS"] == "members per party"
    assert set(variables) >= {"PARTY_ENGINE_DEMO_NAME", "PARTY_ENGINE_DEMO_SEED"}


def test_the_engines_own_settings_have_no_app_in_their_names() -> None:
    assert read_settings(Example, {"PARTY_ENGINE_SEATS": "9"}, app=None).seats == 9
    assert "PARTY_ENGINE_TTL" in environment_variables(Example, None)
