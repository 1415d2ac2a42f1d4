"""The strict JSON of the edge (engine/net/_json.py)."""

from __future__ import annotations

import json
import math
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.actors import Rejection
from engine.net._json import (
    MAX_DEPTH,
    MAX_INT_DIGITS,
    JsonRejected,
    UnencodableValue,
    dumps,
    loads,
)

# Strings without surrogates: what a client can legitimately send.
_text = st.text(st.characters(codec="utf-8"), max_size=20)
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**MAX_INT_DIGITS) + 1, max_value=10**MAX_INT_DIGITS - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _text
)
# Depth stays well under MAX_DEPTH: hypothesis' recursion is bounded by max_leaves.
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(_text, inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(_values)
def test_every_json_value_round_trips(value: Any) -> None:
    assert loads(dumps(value)) == value
    # Escaped on the wire by another encoder, it reads the same.
    assert loads(json.dumps(value, ensure_ascii=True)) == value
    assert loads(dumps(value).encode("utf-8")) == value


_STDLIB = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)
_ESCAPED_CONTROL = re.compile(r"\\u00[0-9A-F]{2}")


@settings(max_examples=300, deadline=None)
@given(_values)
def test_dumps_writes_what_the_stdlib_encoder_writes(value: Any) -> None:
    # But for the case of an escaped control character's hex digits (the same JSON).
    text = _ESCAPED_CONTROL.sub(lambda escape: escape[0].lower(), dumps(value))
    assert text == _STDLIB.encode(value)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ({2: "two", True: "yes", None: 0, 1.5: 2}, '{"2":"two","true":"yes","null":0,"1.5":2}'),
        (10**39, "1" + "0" * 39),
        ([-(2**64)], "[-18446744073709551616]"),
    ],
)
def test_what_the_fast_encoder_declines_the_stdlib_writes(value: Any, text: str) -> None:
    assert dumps(value) == text


def _rejected(document: str | bytes) -> str:
    with pytest.raises(JsonRejected) as info:
        loads(document)
    return info.value.reason


@pytest.mark.parametrize(
    "document",
    ['{"t": 1e400}', '{"t": -1e400}', "[1E999]", "2e308", '{"t": NaN}', "[Infinity]", "-Infinity"],
)
def test_non_finite_numbers_are_refused(document: str) -> None:
    assert _rejected(document).startswith("malformed JSON")


def test_large_finite_floats_are_accepted() -> None:
    assert loads("[1.7976931348623157e308, -1e-400]") == [1.7976931348623157e308, -0.0]


@pytest.mark.parametrize(
    "document",
    [
        '"\\ud800"',
        '{"name": "ab\\ud800cd"}',
        '{"\\udfff": 1}',
        '[["x", {"k": ["\\uDC00"]}]]',
        '"\\ude00\\ud83d"',  # a pair in the wrong order is two lone halves
        '{"text": "\ud800"}',  # raw, as a str could hold it
    ],
)
def test_lone_surrogates_are_refused_in_strings_and_keys(document: str) -> None:
    assert _rejected(document) == "malformed JSON: a string holds a lone surrogate"


def test_surrogate_pairs_and_escaped_backslashes_are_fine() -> None:
    assert loads('["\\ud83d\\ude00", "\\\\ud800"]') == ["\U0001f600", "\\ud800"]


@settings(max_examples=100, deadline=None)
@given(_text, st.integers(0xD800, 0xDFFF), st.booleans())
def test_any_lone_surrogate_anywhere_is_refused(text: str, code: int, as_key: bool) -> None:
    escaped = json.dumps(text + chr(code) + text)  # json.dumps escapes it as \udXXX
    document = f"{{{escaped}: 1}}" if as_key else f'{{"k": [{escaped}]}}'
    assert "lone surrogate" in _rejected(document)


@pytest.mark.parametrize("opener", ["[", '{"a":'])
def test_nesting_is_bounded(opener: str) -> None:
    closer = "]" if opener == "[" else "}"
    assert loads(opener * MAX_DEPTH + "1" + closer * MAX_DEPTH) is not None
    too_deep = opener * (MAX_DEPTH + 1) + "1" + closer * (MAX_DEPTH + 1)
    assert _rejected(too_deep) == f"malformed JSON: nested deeper than {MAX_DEPTH} levels"


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_very_deep_documents_are_refused_without_recursion_errors(depth: int) -> None:
    assert "nested deeper" in _rejected("[" * depth + "]" * depth)
    assert "nested deeper" in _rejected("[" * depth)


def test_wide_shallow_documents_are_not_too_deep() -> None:
    # Many brackets side by side: the quick bracket count is not the depth.
    wide = "[" + ",".join(["[[1]]"] * 1000) + "]"
    assert len(loads(wide)) == 1000


def test_integers_are_bounded_in_digits() -> None:
    biggest = "9" * MAX_INT_DIGITS
    assert loads(f"[{biggest}, -{biggest}]") == [int(biggest), -int(biggest)]
    for document in ("1" * (MAX_INT_DIGITS + 1), f"[-{'1' * (MAX_INT_DIGITS + 1)}]", "1" * 4301):
        assert (
            _rejected(document)
            == f"malformed JSON: a number is too long (over {MAX_INT_DIGITS} digits)"
        )


def test_syntax_errors_and_bad_bytes_say_why_without_echoing() -> None:
    assert _rejected("{").startswith("malformed JSON: Expecting property name")
    assert _rejected(b'{"a": "\xff"}') == "malformed JSON: not UTF-8"
    assert "secret" not in _rejected('{"secret": }')


def test_rejections_are_value_errors() -> None:
    assert isinstance(JsonRejected("x"), ValueError)


@pytest.mark.parametrize(
    "value",
    [math.nan, math.inf, -math.inf, {"x": [math.inf]}, "\ud800", {"\udc00": 1}, object(), {1j: 2}],
)
def test_what_json_cannot_carry_is_not_encoded(value: Any) -> None:
    with pytest.raises(UnencodableValue):
        dumps(value)


def test_a_cycle_is_not_encoded() -> None:
    cycle: list[Any] = []
    cycle.append(cycle)
    with pytest.raises(UnencodableValue):
        dumps(cycle)


def test_unencodable_values_are_rejections_not_crashes() -> None:
    error = UnencodableValue("x")
    assert isinstance(error, ValueError)
    assert isinstance(error, Rejection)


def test_encodes_compact_utf8() -> None:
    assert (
        dumps({"a": [1, 2.5, None, True], "t": "héllo ✓"})
        == '{"a":[1,2.5,null,true],"t":"héllo ✓"}'
    )


# Pieces of hostile documents: valid JSON, and what an attacker splices in.
_hostile_atoms = st.sampled_from(
    [
        "1e400",
        "-1e400",
        "NaN",
        "Infinity",
        '"\\ud800"',
        '"\\udfff\\ud800"',
        '"\\ud83d\\ude00"',
        "9" * (MAX_INT_DIGITS + 1),
        "9" * 4301,
        "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1),
        "1.5",
        "-0",
        "null",
        "true",
        '"x"',
        '"\\\\ud800"',
    ]
)
_hostile = st.recursive(
    _hostile_atoms,
    lambda inner: (
        st.lists(inner, max_size=4).map(lambda items: "[" + ",".join(items) + "]")
        | st.lists(
            st.tuples(_hostile_atoms.filter(lambda a: a.startswith('"')), inner), max_size=4
        ).map(lambda pairs: "{" + ",".join(f"{key}:{value}" for key, value in pairs) + "}")
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(_hostile)
def test_whatever_loads_accepts_dumps_can_encode(document: str) -> None:
    try:
        value = loads(document)
    except JsonRejected as exc:
        assert exc.reason.startswith("malformed JSON")
        return
    assert loads(dumps(value)) == value
