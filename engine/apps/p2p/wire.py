"""The coordinator's JSON wire format: one cattrs converter, built once.

``WIRE`` structures strictly: a string field takes only a string, an integer only an integer
(never ``true`` or ``8080.0``), a number only a finite int or float, an enum only one of its
exact values; unknown keys are refused. It unstructures enums to their values. The signaling
WebSocket's converter (``protocol.PROTOCOL``) starts from ``make_wire_converter`` too.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable
from typing import Any, TypeVar

import cattrs
from cattrs.preconf.json import make_converter

from .responses import ServiceHealth
from .statuses import HostStatus, SessionStatus, ZoneStatus

__all__ = ["WIRE", "make_wire_converter"]

T = TypeVar("T")


def _strict(kind: type[T], label: str) -> Callable[[Any, type], T]:
    def structure(value: Any, _: type) -> T:
        # type(), not isinstance(): JSON true must not pass as the integer 1.
        if type(value) is not kind:
            raise TypeError(f"expected {label}, got {_json_type(value)}")
        return value

    return structure


def _structure_float(value: Any, _: type) -> float:
    if type(value) not in (int, float):
        raise TypeError(f"expected a number, got {_json_type(value)}")
    if not math.isfinite(value):
        raise ValueError("expected a finite number")
    return float(value)


def _structure_enum(value: Any, kind: type[enum.Enum]) -> enum.Enum:
    if type(value) is not str:
        raise TypeError(f"expected a string, got {_json_type(value)}")
    try:
        return kind(value)
    except ValueError:
        choices = ", ".join(member.value for member in kind)
        raise ValueError(f"expected one of {choices}") from None


def _structure_urls(value: Any, _: type) -> str | tuple[str, ...]:
    if type(value) is str:
        return value
    if type(value) is list and all(type(url) is str for url in value):
        return tuple(value)
    raise TypeError("expected a string or an array of strings")


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    names = {bool: "boolean", int: "integer", float: "number", str: "string", list: "array"}
    return names.get(type(value), "object")


_ENUMS: tuple[type[enum.Enum], ...] = (HostStatus, ZoneStatus, SessionStatus, ServiceHealth)


def make_wire_converter() -> cattrs.Converter:
    """A converter for the coordinator's JSON: strict primitives and enums, unknown keys
    refused, ``IceServer.urls`` as a string or an array of strings."""
    converter = make_converter(forbid_extra_keys=True)
    converter.register_structure_hook(str, _strict(str, "a string"))
    converter.register_structure_hook(int, _strict(int, "an integer"))
    converter.register_structure_hook(bool, _strict(bool, "true or false"))
    converter.register_structure_hook(float, _structure_float)
    # Each enum by name: a StrEnum is a str, and hooks dispatch on the class's MRO.
    for kind in _ENUMS:
        converter.register_structure_hook(kind, _structure_enum)
        converter.register_unstructure_hook(kind, lambda member: member.value)
    converter.register_structure_hook(str | tuple[str, ...], _structure_urls)
    return converter


#: The coordinator's wire format (one converter, built once).
WIRE = make_wire_converter()
