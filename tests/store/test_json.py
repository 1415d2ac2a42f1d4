"""The store's JSON (engine/store/_json.py): rapidjson's speed, the standard library's rules."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import json
import math
import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.store._json import decode, encode

_STDLIB = json.JSONEncoder(separators=(",", ":"), allow_nan=False)


class Phase(enum.StrEnum):
    PLAY = "play"


class Rank(enum.IntEnum):
    HIGH = 3


class Ratio(float, enum.Enum):
    NONE = math.nan


class Colour(enum.Enum):
    RED = "red"


class Tagged(str):
    pass


class Weird(float):
    pass


class Listing(dict[str, Any]):
    def items(self) -> Any:  # json asks the dict itself; rapidjson declines a subclass
        return [("listed", True)]


@dataclasses.dataclass
class Point:
    x: int


def _same_as_json(data: Any) -> None:
    """encode(data) refuses what json refuses, with the same error type, and otherwise writes a
    text that decodes to what json's text decodes to."""
    try:
        expected = _STDLIB.encode(data)
    except (TypeError, ValueError) as exc:
        with pytest.raises(type(exc)):
            encode(data)
        return
    assert decode(encode(data)) == json.loads(expected)


@pytest.mark.parametrize(
    "data",
    [
        {"phase": Phase.PLAY, "rank": Rank.HIGH, "tag": Tagged("x"), "t": (1, (2, [3]))},
        {"ints": {1: "a", 2.5: "b", None: "c"}, "big": 2**70, "small": -(2**63) - 1},
        {"text": 'é\x00\x1f\u2028 😀 \\ "', "lone": "\ud800", "empty": {}},
        {"deep": [[[[{"x": [1.5, -0.0, 1e300, 5e-324]}]]]]},
        {"nested": {"list": [1, 2, {"nan": math.nan}]}},
        {"inf": [math.inf]},
        {"minus_inf": (0, -math.inf)},
        {"enum": Ratio.NONE},
        {"float": Weird(math.nan)},
        {"float": Weird(2.5)},
        {"plain": Colour.RED},
        {"when": datetime.date(2026, 1, 1)},
        {"id": uuid.UUID(int=1)},
        {"point": Point(1)},
        {"set": {1}},
        {"sub": Listing(hidden=1)},
        Listing(hidden=1),
        {"bytes": b"x"},
    ],
    ids=lambda data: repr(data)[:40],
)
def test_encode_keeps_jsons_rules(data: Any) -> None:
    _same_as_json(data)


def test_encode_refuses_what_is_not_a_dict() -> None:
    with pytest.raises(TypeError):
        encode([1])  # type: ignore[arg-type]


def test_a_cycle_is_refused() -> None:
    data: dict[str, Any] = {}
    data["self"] = [data]
    with pytest.raises(ValueError):
        encode(data)


_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text()
    | st.sampled_from([Phase.PLAY, Rank.HIGH, Colour.RED, Weird(1.0), Weird(math.inf)])
)
_VALUES = st.recursive(
    _SCALARS,
    lambda children: (
        st.lists(children)
        | st.lists(children).map(tuple)
        | st.dictionaries(st.text() | st.integers(), children)
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(), _VALUES))
def test_encode_writes_or_refuses_exactly_as_json_does(data: dict[str, Any]) -> None:
    _same_as_json(data)
