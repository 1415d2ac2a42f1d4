"""The coordinator's JSON wire format: one cattrs converter, built once.

``WIRE`` structures strictly: a string field takes only a string, an integer only an integer
(never ``true`` or ``8080.0``), a number only a finite int or float, an enum only one of its
exact values; unknown keys are refused. A value its field's validator refuses is reported like
a type error: every such field at once, each placed by an ``AttributeValidationNote`` (so the
HTTP edge puts its name in ``loc``). It unstructures enums to their values. The signaling
WebSocket's converter (``protocol.PROTOCOL``) starts from ``make_wire_converter`` too.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.errors import AttributeValidationNote
from cattrs.gen import make_dict_structure_fn

from engine.wire import Wording, conforms, make_strict_converter

from .responses import ServiceHealth
from .statuses import HostStatus, SessionStatus, ZoneStatus

__all__ = ["WIRE", "make_wire_converter"]

T = TypeVar("T")


def _structure_urls(value: Any, _: type) -> str | tuple[str, ...]:
    if conforms(value, str):
        return value
    if conforms(value, tuple[str, ...]):
        return tuple(value)
    raise TypeError("expected a string or an array of strings")


def _structure_checked(cls: type[T], converter: cattrs.Converter) -> Callable[[Any, type], T]:
    """``cls``'s structure hook, naming every field whose validator refuses its value.

    attrs runs validators in ``__init__``, after every field structured, and stops at the first
    refusal, which carries no note of its field. Only then (a refused request, not the common
    path) each validated field is structured and checked on its own to find them all. A check
    across fields (``__attrs_post_init__``) is reported as it is, its message naming them.
    """
    structure = make_dict_structure_fn(cls, converter)
    fields = attrs.fields(attrs.resolve_types(cls))  # type: ignore[type-var, arg-type]

    def hook(data: Any, _: type) -> T:
        try:
            return structure(data, cls)
        except cattrs.ClassValidationError as exc:
            if not _from_a_validator(exc):
                raise
            refusals = _refusals(cls, fields, data, converter)
            if not refusals:
                raise
            raise cattrs.ClassValidationError(
                f"While structuring {cls.__name__}", refusals, cls
            ) from None

    return hook


def _from_a_validator(error: cattrs.ClassValidationError) -> bool:
    # Type errors, missing and unknown keys stop structuring before __init__, so validators
    # only run, and only refuse, when they are the single unplaced ValueError.
    if len(error.exceptions) != 1:
        return False
    (exc,) = error.exceptions
    return type(exc) is ValueError and not any(
        isinstance(note, AttributeValidationNote) for note in getattr(exc, "__notes__", ())
    )


def _refusals(
    cls: type,
    fields: tuple[attrs.Attribute[Any], ...],
    data: Mapping[str, Any],
    converter: cattrs.Converter,
) -> list[Exception]:
    refusals: list[Exception] = []
    for field in fields:
        if field.validator is None or field.name not in data:
            continue
        value = converter.structure(data[field.name], field.type)  # type: ignore[arg-type]
        try:
            # The instance is not built yet; the validators of these bodies never read it.
            field.validator(None, field, value)
        except ValueError as exc:
            note = f"Structuring class {cls.__qualname__} @ attribute {field.name}"
            exc.add_note(AttributeValidationNote(note, field.name, field.type))
            refusals.append(exc)
    return refusals


# The coordinator's refusals read ``expected an integer, got string``.
_WORDING = Wording(
    string="a string", integer="an integer", boolean="true or false", number="a number"
)

_ENUMS: tuple[type[enum.Enum], ...] = (HostStatus, ZoneStatus, SessionStatus, ServiceHealth)


def make_wire_converter() -> cattrs.Converter:
    """A converter for the coordinator's JSON: strict primitives and enums, unknown keys
    refused, ``IceServer.urls`` as a string or an array of strings."""
    converter = make_strict_converter(forbid_extra_keys=True, wording=_WORDING, enums=_ENUMS)
    converter.register_structure_hook(str | tuple[str, ...], _structure_urls)
    converter.register_structure_hook_factory(
        attrs.has, lambda cls: _structure_checked(cls, converter)
    )
    return converter


#: The coordinator's wire format (one converter, built once).
WIRE = make_wire_converter()
