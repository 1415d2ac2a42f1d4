"""Turning request JSON into attrs values, strictly, with every problem named.

The converter is the engine's strict one (``engine.wire``: no type coercion), under the name the
edge has always exported it by; one converter per engine, built once (STYLE.md, 9).
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

import cattrs

from engine.wire import json_type
from engine.wire import make_strict_converter as make_request_converter

from ._errors import Problem, ValidationFailed

__all__ = ["make_request_converter", "structure_body"]

T = TypeVar("T")


def structure_body(
    converter: cattrs.Converter, data: Any, cls: type[T], *, where: str = "body"
) -> T:
    """``data`` as a ``cls``; raises ``ValidationFailed`` naming each bad or missing field."""
    if not isinstance(data, dict):
        raise ValidationFailed(
            [Problem((where,), f"expected a JSON object, got {json_type(data)}", "type_error")]
        )
    try:
        return converter.structure(data, cls)
    except (cattrs.BaseValidationError, ValueError, TypeError) as exc:
        raise ValidationFailed(_problems(exc, where)) from exc


def _problems(exc: BaseException, where: str) -> list[Problem]:
    if not isinstance(exc, cattrs.BaseValidationError):
        return [Problem((where,), str(exc))]
    problems = []
    for line in cattrs.transform_error(exc, format_exception=_describe):
        # cattrs words each problem as "<message> @ $<path>".
        msg, _, path = line.partition(" @ $")
        loc = tuple(part for part in re.split(r"\.|\[|\]", path) if part)
        loc = tuple(int(p) if p.isdigit() else p.strip("'\"") for p in loc)
        problems.append(Problem((where, *loc), msg, _kind(msg)))
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
