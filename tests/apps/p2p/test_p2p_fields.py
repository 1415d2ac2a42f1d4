"""The field checks: ids, names, text lengths, ranges and IP addresses."""

from __future__ import annotations

import re

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.apps.p2p.fields import (
    ID_MAX_LENGTH,
    between,
    check_id,
    id_field,
    ip_field,
    name_field,
    text_field,
)


@pytest.mark.parametrize(
    "value", ["host-12345", "a", "session-0123", "x.y:z_1", "9" * ID_MAX_LENGTH]
)
def test_ids_that_pass(value):
    assert check_id(value) == value


@pytest.mark.parametrize(
    "value", ["", "-lead", ".lead", "a b", "a/b", "é", "a" * (ID_MAX_LENGTH + 1)]
)
def test_ids_that_fail(value):
    with pytest.raises(ValueError, match=re.escape("must be 1 to 64 letters, digits or ._:-")):
        check_id(value)


@given(st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}", fullmatch=True))
def test_every_id_of_the_documented_form_passes_and_is_path_safe(value):
    assert check_id(value) == value
    assert value.isascii() and not set(value) & set("/?#% ")


@attrs.frozen
class Sample:
    ident: str | None = attrs.field(default=None, validator=id_field)
    name: str | None = attrs.field(default=None, validator=name_field(5))
    text: str | None = attrs.field(default=None, validator=text_field(3))
    maybe_empty: str | None = attrs.field(default=None, validator=text_field(3, allow_empty=True))
    ranged: float | None = attrs.field(default=None, validator=between(0, 10))
    floor: float | None = attrs.field(default=None, validator=between(1))
    ip: str | None = attrs.field(default=None, validator=ip_field)


def test_none_passes_every_check():
    assert Sample() == Sample(None, None, None, None, None, None, None)


@pytest.mark.parametrize(
    ("field", "good", "bad", "message"),
    [
        ("name", "Ann B", "  ", "must be 1 to 5 characters, not blank, without control characters"),
        ("name", "Ann", "A\tB", "without control characters"),
        ("name", "Ann", "Annabel", "must be 1 to 5 characters"),
        ("text", " ", "", "must be 1 to 3 characters"),
        ("text", "abc", "abcd", "must be 1 to 3 characters"),
        ("maybe_empty", "", "abcd", "must be 0 to 3 characters"),
        ("ranged", 10, 10.5, "must be between 0 and 10"),
        ("ranged", 0, -0.1, "must be between 0 and 10"),
        ("floor", 1e9, 0, "must be at least 1"),
        ("ip", "::1", "1.2.3", "must be an IPv4 or IPv6 address"),
        ("ip", "203.0.113.1", "localhost", "must be an IPv4 or IPv6 address"),
    ],
)
def test_checks_pass_good_values_and_refuse_bad_ones(field, good, bad, message):
    assert getattr(Sample(**{field: good}), field) == good
    with pytest.raises(ValueError, match=message):
        Sample(**{field: bad})
