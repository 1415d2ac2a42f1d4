"""Turning request JSON into attrs values, strictly, with every problem named.

cattrs would happily turn ``"5"`` into ``5`` and ``5.7`` into ``5``; a client that sends the
wrong type should hear about it. One converter per engine, built once (STYLE.md, 9).
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

import cattrs
from cattrs.preconf.json import make_converter

from engine.net import json_type

from ._errors import Problem, ValidationFailed

T = TypeVar("T")

_PATH = re.compile(r"^(?P<msg>.*?)(?: @ \$(?P<path>.*))?$")


def _strict(kind: type, name: str) -> Any:
    def structure(value: Any, _: type) -> Any:
        # bool is an int in Python; JSON true is not a number.
        if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
            raise TypeError(f"expected {name}, got {json_type(value)}")
        return value

    return structure


def _structure_float(value: Any, _: type) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"expected number, got {json_type(value)}")
    return float(value)


def make_request_converter(*, forbid_extra_keys: bool = False) -> cattrs.Converter:
    """A JSON converter that refuses type coercion; optionally refuses unknown fields."""
    converter = make_converter(forbid_extra_keys=forbid_extra_keys)
    converter.register_structure_hook(str, _strict(str, "string"))
    converter.register_structure_hook(int, _strict(int, "integer"))
    converter.register_structure_hook(bool, _strict(bool, "boolean"))
    converter.register_structure_hook(float, _structure_float)
    return converter


def structure_body(converter: cattrs.Converter, data: Any, cls: type[T], *, where: str = "body") -> T:
    """``data`` as a ``cls``; raises ``ValidationFailed`` naming each bad or missing field."""
    if not isinstance(data, dict):
        raise ValidationFailed([Problem((where,), f"expected a JSON object, got {json_type(data)}", "type_error")])
    try:
        return converter.structure(data, cls)
    except (cattrs.BaseValidationError, ValueError, TypeError) as exc:
        raise ValidationFailed(_problems(exc, where)) from exc


def _problems(exc: BaseException, where: str) -> list[Problem]:
    if not isinstance(exc, cattrs.BaseValidationError):
        return [Problem((where,), str(exc))]
    problems = []
    for line in cattrs.transform_error(exc, format_exception=_describe):
        match = _PATH.match(line)
        path = match["path"] or ""
        loc = tuple(part for part in re.split(r"\.|\[|\]", path) if part)
        loc = tuple(int(p) if p.isdigit() else p.strip("'\"") for p in loc)
        problems.append(Problem((where, *loc), match["msg"], _kind(match["msg"])))
    return problems


def _describe(exc: BaseException, type_: Any) -> str:
    if isinstance(exc, KeyError):
        return "field required"
    if isinstance(exc, cattrs.ForbiddenExtraKeysError):
        return f"unknown fields: {', '.join(sorted(exc.extra_fields))}"
    return str(exc) or type(exc).__name__


def _kind(message: str) -> str:
    if message == "field required":
        return "missing"
    if message.startswith("expected"):
        return "type_error"
    return "value_error"

