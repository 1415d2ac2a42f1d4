"""Hypothesis strategies for what a hostile client sends: JSON texts a JSON library would not
write, valid messages with one part made wrong, and binary frames.

Values are written with Python's ``json.dumps(allow_nan=True)``, so non-finite numbers come out
as ``NaN``/``Infinity`` and lone surrogates as ``\\ud800`` escapes, as an attacker types them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from hypothesis import strategies as st

#: A lone UTF-16 surrogate: valid as a JSON escape, not encodable as UTF-8.
SURROGATES = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF, categories=["Cs"])

STRINGS = st.text(st.one_of(st.characters(), SURROGATES), max_size=24)

#: Leaves with every number JSON allows and some it does not (non-finite, thousands of digits:
#: Python itself writes no more than 4,300, longer ones are in `STRUCTURES`).
LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.builds(
        lambda digits, sign: sign * (10**digits - 1), st.integers(1, 4000), st.sampled_from([1, -1])
    ),
    st.floats(allow_nan=True, allow_infinity=True),
    STRINGS,
)


def _deep(depth: int) -> Any:
    value: Any = []
    for _ in range(depth):
        value = [value]
    return value


#: Values known to have hurt (non-finite numbers, a lone surrogate, numbers past every bound)
#: and the wrong types a field most often gets, drawn as often as everything else together.
SHARP_VALUES: tuple[Any, ...] = (
    math.inf,
    -math.inf,
    math.nan,
    "\ud800",
    "ab\udfffcd",
    10**400,
    -(10**400),
    2**63,
    -1,
    0,
    1e308,
    "",
    "3",
    "true",
    True,
    None,
    [],
    {},
    [[[[]]]],
    "x" * 5000,
    _deep(200),
)
SHARP = st.sampled_from(SHARP_VALUES)

VALUES = st.recursive(
    LEAVES,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(STRINGS, children, max_size=4)
    ),
    max_leaves=12,
)


def text_of(value: Any) -> str:
    return json.dumps(value, allow_nan=True, separators=(",", ":"))


def _nested(depth: int, kind: str) -> str:
    return "[" * depth + "]" * depth if kind == "[" else '{"a":' * depth + "1" + "}" * depth


#: JSON texts that are hostile in their structure rather than their values.
STRUCTURES = st.one_of(
    st.builds(_nested, st.integers(1, 20_000), st.sampled_from(["[", "{"])),
    st.builds(lambda size: text_of("x" * size), st.integers(1, 80_000)),
    st.builds(lambda size: text_of(list(range(size))), st.integers(1, 20_000)),
    st.builds(lambda digits: '{"n":' + "9" * digits + "}", st.integers(4000, 10_000)),
    st.text(max_size=40),  # mostly not JSON at all
)

#: Any JSON text: random values, or hostile structures.
JSON_TEXTS = st.one_of(VALUES.map(text_of), STRUCTURES)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a part of ``value`` (dict keys and list indices)."""
    found = [path]
    if isinstance(value, Mapping):
        for key, child in value.items():
            found += _paths(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*path, index))
    return found


def _replaced(value: Any, path: tuple[Any, ...], new: Any, *, drop: bool) -> Any:
    """``value`` with the part at ``path`` replaced by ``new`` (or left out, when ``drop``)."""
    if not path:
        return new
    head, rest = path[0], path[1:]
    copy: Any = dict(value) if isinstance(value, Mapping) else list(value)
    if drop and not rest:
        del copy[head]
    else:
        copy[head] = _replaced(copy[head], rest, new, drop=drop)
    return copy


@st.composite
def mutations(draw: st.DrawFn, templates: Sequence[Mapping[str, Any]]) -> Any:
    """One of ``templates`` (messages the route accepts) with one part made wrong: mostly a
    field's value replaced by a sharp one or any value; else a part left out, an unknown field
    added, or the whole message replaced."""
    template = draw(st.sampled_from(templates))
    paths = _paths(template)
    leaves = _leaves(template)
    how = draw(st.sampled_from(["leaf", "leaf", "leaf", "part", "drop", "add"]))
    if how == "leaf" and leaves:
        return _replaced(
            template, draw(st.sampled_from(leaves)), draw(st.one_of(SHARP, VALUES)), drop=False
        )
    if how == "drop" and len(paths) > 1:
        return _replaced(template, draw(st.sampled_from(paths[1:])), None, drop=True)
    if how == "add":
        return {**template, draw(STRINGS): draw(VALUES)}
    return _replaced(template, draw(st.sampled_from(paths)), draw(VALUES), drop=False)


def sharp_sweep(templates: Sequence[Mapping[str, Any]]) -> list[str]:
    """Every template with each of its fields, one at a time, set to each sharp value: the
    known classes of hostile input, every one of them in every field, whatever chance picks."""
    return [
        text_of(_replaced(template, path, value, drop=False))
        for template in templates
        for path in _leaves(template)
        for value in SHARP_VALUES
    ]


def _leaves(value: Any) -> list[tuple[Any, ...]]:
    """The paths to the scalar fields of ``value``."""

    def at(path: tuple[Any, ...]) -> Any:
        part = value
        for step in path:
            part = part[step]
        return part

    return [path for path in _paths(value) if path and not isinstance(at(path), (Mapping, list))]


def frames(templates: Sequence[Mapping[str, Any]] = ()) -> st.SearchStrategy[str | bytes]:
    """One WebSocket message: text (hostile JSON, or a mutated template) or binary."""
    texts = [JSON_TEXTS]
    if templates:
        texts.append(mutations(templates).map(text_of))
    return st.one_of(
        *texts,
        st.binary(max_size=64),
        st.sampled_from(templates or [{}]).map(lambda message: text_of(message).encode()),
    )


#: Request bodies: JSON texts, and bytes that are not even UTF-8.
BODIES = st.one_of(JSON_TEXTS.map(str.encode), st.binary(max_size=64))
