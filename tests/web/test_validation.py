"""structure_body: every problem named, whatever the field names hold."""

from __future__ import annotations

import attrs
import pytest

from engine.web import ValidationFailed, make_request_converter, structure_body


@attrs.frozen
class Item:
    name: str


def test_an_unknown_field_whose_name_has_a_line_break_is_named() -> None:
    converter = make_request_converter(forbid_extra_keys=True)
    with pytest.raises(ValidationFailed) as refused:
        structure_body(converter, {"name": "a", "\nb": 1}, Item)
    (problem,) = refused.value.problems
    assert (problem.loc, problem.message) == (("body",), "unknown fields: \nb")
