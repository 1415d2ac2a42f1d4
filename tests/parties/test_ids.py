"""Party id schemes: UUIDs and join codes."""

from __future__ import annotations

import pytest

from engine.parties import UNAMBIGUOUS, JoinCodes, UuidIds


def test_join_codes_use_only_unambiguous_symbols() -> None:
    codes = JoinCodes(length=6)
    drawn = {codes.new() for _ in range(200)}
    assert all(len(code) == 6 and set(code) <= set(UNAMBIGUOUS) for code in drawn)
    assert not set("01OIL") & set(UNAMBIGUOUS)
    assert len(drawn) > 190  # random, not a counter


def test_join_codes_parse_what_people_type() -> None:
    codes = JoinCodes(length=4)
    assert codes.parse(" ab2c\n") == "AB2C"
    assert codes.parse("AB0C") is None  # a zero is never in a code
    assert codes.parse("ABC") is None
    with pytest.raises(ValueError):
        JoinCodes(alphabet="AAB")


def test_uuids_parse_to_canonical_form() -> None:
    ids = UuidIds()
    new = ids.new()
    assert ids.parse(new.upper()) == new
    assert ids.parse("not-a-uuid") is None
