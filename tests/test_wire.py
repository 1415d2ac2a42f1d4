"""Strict JSON values (engine/wire.py): one check of a decoded value's type, no coercion."""

from __future__ import annotations

import enum
import math
from typing import Any

import attrs
import cattrs
import pytest

from engine.wire import Wording, conforms, describe, json_type, make_strict_converter


@pytest.mark.parametrize(
    ("value", "name"),
    [
        (None, "null"),
        (True, "boolean"),
        (3, "integer"),
        (2.5, "number"),
        ("s", "string"),
        ([], "array"),
        ({}, "object"),
    ],
)
def test_json_type_names(value: Any, name: str) -> None:
    assert json_type(value) == name


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        ("a", str, True),
        (1, str, False),
        (True, int, False),
        (1, int, True),
        (1.0, int, False),
        (1, float, True),
        (1.5, float, True),
        (True, float, False),
        (False, bool, True),
        (0, bool, False),
        (None, str | None, True),
        ("a", str | None, True),
        (1, str | None, False),
        (["a", "b"], tuple[str, ...], True),
        ([], tuple[str, ...], True),
        (["a", 1], tuple[str, ...], False),
        (("a",), tuple[str, ...], False),
    ],
)
def test_conforms_reads_json_without_coercion(value: Any, kind: Any, expected: bool) -> None:
    assert conforms(value, kind) is expected


def test_conforms_refuses_an_annotation_json_cannot_carry() -> None:
    with pytest.raises(TypeError, match="no JSON reading"):
        conforms({}, dict[str, int])


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        (str, "string"),
        (tuple[int, ...], "array of integer"),
        (str | None, "string or null"),
        (int | float, "integer or number"),
    ],
)
def test_describe_names_annotations_as_json(kind: Any, name: str) -> None:
    assert describe(kind) == name


class Colour(enum.StrEnum):
    RED = "red"
    BLUE = "blue"


@attrs.frozen
class Sample:
    name: str
    count: int
    ratio: float
    flag: bool
    colour: Colour = Colour.RED


GOOD = {"name": "n", "count": 1, "ratio": 2, "flag": True, "colour": "blue"}


def refusal(converter: cattrs.Converter, **bad: Any) -> str:
    with pytest.raises(cattrs.ClassValidationError) as refused:
        converter.structure({**GOOD, **bad}, Sample)
    (exc,) = refused.value.exceptions
    return str(exc)


def test_good_values_structure_and_integers_are_numbers() -> None:
    converter = make_strict_converter(enums=[Colour])
    assert converter.structure(GOOD, Sample) == Sample("n", 1, 2.0, True, Colour.BLUE)
    assert converter.unstructure(Sample("n", 1, 2.0, True))["colour"] == "red"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", 5, "expected string, got integer"),
        ("count", True, "expected integer, got boolean"),
        ("count", "1", "expected integer, got string"),
        ("count", 1.0, "expected integer, got number"),
        ("flag", 1, "expected boolean, got integer"),
        ("ratio", "1", "expected number, got string"),
        ("ratio", math.nan, "expected a finite number"),
        ("ratio", math.inf, "expected a finite number"),
        ("colour", 1, "expected string, got integer"),
        ("colour", "green", "expected one of red, blue"),
    ],
)
def test_the_engine_wording(field: str, value: Any, message: str) -> None:
    assert refusal(make_strict_converter(enums=[Colour]), **{field: value}) == message


def test_an_app_words_refusals_its_own_way() -> None:
    wording = Wording(
        string="a string",
        integer="an integer",
        boolean="true or false",
        got=False,
        one_of="must be one of",
    )
    converter = make_strict_converter(wording=wording, enums=[Colour])
    assert refusal(converter, name=None) == "expected a string"
    assert refusal(converter, flag="yes") == "expected true or false"
    assert refusal(converter, colour="green") == "must be one of red, blue"


def test_unknown_keys_are_refused_only_when_asked() -> None:
    assert make_strict_converter().structure({**GOOD, "extra": 1}, Sample).name == "n"
    with pytest.raises(cattrs.ClassValidationError):
        make_strict_converter(forbid_extra_keys=True).structure({**GOOD, "extra": 1}, Sample)
