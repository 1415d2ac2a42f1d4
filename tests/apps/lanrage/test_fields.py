# mypy: disable-error-code="arg-type"
# These tests hand the rules raw strings where the types say checked names, ids and keys:
# the checks are what they test.
"""engine.apps.lanrage.fields: the constrained strings and their checks."""

import attrs
import pytest

from engine.apps.lanrage.fields import (
    NAME_MAX,
    PARTY_ID_INPUT_MAX,
    Endpoint,
    Name,
    check_name,
    check_party_id_input,
    checked,
    parse_endpoint,
)


@attrs.frozen
class Sample:
    name: Name = attrs.field(validator=checked(Name))
    endpoint: Endpoint | None = attrs.field(default=None, validator=checked(Endpoint))


def test_the_spec_lengths() -> None:
    assert (NAME_MAX, PARTY_ID_INPUT_MAX) == (50, 20)
    assert check_name("x" * 50) == "x" * 50
    assert check_party_id_input("x" * 20) == "x" * 20
    with pytest.raises(ValueError, match="1 to 50"):
        check_name("x" * 51)
    with pytest.raises(ValueError, match="1 to 20"):
        check_party_id_input("")


def test_names_are_counted_in_characters_and_not_trimmed() -> None:
    assert check_name("é" * 50) == "é" * 50
    assert check_name(" ") == " "


def test_the_validator_names_the_field_and_lets_none_pass() -> None:
    assert Sample("LAN").endpoint is None
    with pytest.raises(ValueError, match=r"^endpoint: must be ip:port"):
        Sample("LAN", "nowhere")
    with pytest.raises(ValueError, match=r"^name: must be 1 to 50"):
        Sample("")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("10.0.0.1:80", ("10.0.0.1", 80)), ("[2001:DB8::1]:3478", ("2001:db8::1", 3478))],
)
def test_endpoints_parse_to_canonical_addresses(text: str, expected: tuple[str, int]) -> None:
    assert parse_endpoint(text) == expected
