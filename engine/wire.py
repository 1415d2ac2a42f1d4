"""Strict JSON values: decoded JSON checked against Python types, with no coercion.

cattrs would happily turn ``"5"`` into ``5``, ``5.7`` into ``5`` and ``true`` into ``1``; a
client that sends the wrong type should hear about it. This module is the engine's one
definition of "a JSON value of this type":

- `conforms` and `describe` check a decoded value against an annotation (``str``, ``int``,
  ``bool``, ``float``, ``tuple[X, ...]``, unions, ``None``) and name the annotation the way
  clients read it (``array of string``, ``string or null``);
- `make_strict_converter` builds a cattrs converter whose ``str``, ``int``, ``bool`` and
  ``float`` (and the enums it is given) accept only those JSON values. Every wire format of the
  engine and its apps starts from it (HTTP bodies in ``engine.web``, the apps' WebSocket
  messages and request bodies); an app whose specification words a refusal its own way passes
  a `Wording`, so the check is shared and only the sentence differs.

It imports the standard library, attrs and cattrs only, so an app's pure rules modules use it.
Build one converter per wire format, once, at import.
"""

from __future__ import annotations

import enum
import math
import types
import typing
from collections.abc import Callable, Iterable
from typing import Any

import attrs
import cattrs
from cattrs.preconf.json import make_converter

__all__ = [
    "Wording",
    "conforms",
    "describe",
    "json_type",
    "make_strict_converter",
]

_JSON_NAMES: dict[Any, str] = {
    type(None): "null",
    bool: "boolean",
    int: "integer",
    float: "number",
    str: "string",
    list: "array",
    dict: "object",
}


def json_type(value: Any) -> str:
    """JSON's name for the type of a decoded `value`, for error messages: ``null``, ``boolean``,
    ``integer``, ``number`` (any other), ``string``, ``array``, ``object``."""
    return _JSON_NAMES.get(type(value), type(value).__name__)


def conforms(value: Any, kind: Any) -> bool:
    """Whether the decoded JSON `value` is of the annotated type `kind`, without coercion:
    ``true`` is not an ``int``, ``1`` is a fine ``float``, ``tuple[X, ...]`` is an array of X.
    Raises `TypeError` for an annotation with no JSON reading."""
    if kind in _PRIMITIVES:
        # type(), not isinstance(): JSON true is not the integer 1.
        return type(value) in _PRIMITIVES[kind]
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return type(value) is list and all(conforms(item, args[0]) for item in value)
    if origin in (types.UnionType, typing.Union):
        return any(conforms(value, arg) for arg in args)
    raise TypeError(f"no JSON reading of {kind!r}")


_PRIMITIVES: dict[Any, tuple[type, ...]] = {
    str: (str,),
    bool: (bool,),
    int: (int,),
    float: (int, float),
    type(None): (type(None),),
}


def describe(kind: Any) -> str:
    """The JSON name of an annotation `conforms` reads: ``string``, ``array of integer``,
    ``string or null``."""
    if kind in _JSON_NAMES:
        return _JSON_NAMES[kind]
    args = typing.get_args(kind)
    if typing.get_origin(kind) is tuple:
        return f"array of {describe(args[0])}"
    return " or ".join(describe(arg) for arg in args)


@attrs.frozen
class Wording:
    """How a strict converter words a refusal: ``expected <name>, got <JSON type>``.

    The defaults are the engine's own (``expected string, got integer``); an app whose
    specification says ``expected a string`` passes its names and ``got=False``.
    """

    string: str = "string"
    integer: str = "integer"
    boolean: str = "boolean"
    number: str = "number"
    #: Whether to add ``, got <JSON type>``.
    got: bool = True
    #: Before an enum's values when a string is not one of them.
    one_of: str = "expected one of"
    #: For a number that is not finite (NaN or infinity built in code; JSON has none).
    not_finite: str = "expected a finite number"

    def expected(self, name: str, value: Any) -> str:
        return f"expected {name}, got {json_type(value)}" if self.got else f"expected {name}"


def _exactly(kind: type, name: str, wording: Wording) -> Callable[[Any, type], Any]:
    def structure(value: Any, _: type) -> Any:
        if type(value) is not kind:
            raise TypeError(wording.expected(name, value))
        return value

    return structure


def _number(wording: Wording) -> Callable[[Any, type], float]:
    def structure(value: Any, _: type) -> float:
        if not conforms(value, float):
            raise TypeError(wording.expected(wording.number, value))
        if not math.isfinite(value):
            raise ValueError(wording.not_finite)
        return float(value)

    return structure


def _enum(wording: Wording) -> Callable[[Any, type[enum.Enum]], enum.Enum]:
    def structure(value: Any, kind: type[enum.Enum]) -> enum.Enum:
        if type(value) is not str:
            raise TypeError(wording.expected(wording.string, value))
        try:
            return kind(value)
        except ValueError:
            choices = ", ".join(str(member.value) for member in kind)
            raise ValueError(f"{wording.one_of} {choices}") from None

    return structure


def make_strict_converter(
    *,
    forbid_extra_keys: bool = False,
    wording: Wording = Wording(),
    enums: Iterable[type[enum.Enum]] = (),
) -> cattrs.Converter:
    """A JSON converter whose ``str``, ``int``, ``bool`` and ``float`` accept only those JSON
    types (an integer is a fine ``float``; NaN and infinity are refused) and whose `enums`
    accept only one of their string values and unstructure to them; with
    ``forbid_extra_keys``, unknown fields are refused too. Errors are cattrs' own, their
    messages worded by `wording` for the client."""
    converter = make_converter(forbid_extra_keys=forbid_extra_keys)
    converter.register_structure_hook(str, _exactly(str, wording.string, wording))
    converter.register_structure_hook(int, _exactly(int, wording.integer, wording))
    converter.register_structure_hook(bool, _exactly(bool, wording.boolean, wording))
    converter.register_structure_hook(float, _number(wording))
    # Each enum by name: a StrEnum is a str, and hooks dispatch on the class's MRO.
    for kind in enums:
        converter.register_structure_hook(kind, _enum(wording))
        converter.register_unstructure_hook(kind, lambda member: member.value)
    return converter
