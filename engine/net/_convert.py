"""The strict converter: decoded JSON into attrs values with no type coercion.

cattrs would happily turn ``"5"`` into ``5``, ``5.7`` into ``5`` and ``true`` into ``1``; a
client that sends the wrong type should hear about it. Every wire format of the engine and its
apps starts from `make_strict_converter` (HTTP bodies in ``engine.web``, each app's WebSocket
messages), so a wrong type reads the same everywhere: ``expected string, got integer``.
Build one converter per wire format, once, at import (STYLE.md, 9).
"""

from __future__ import annotations

import math
from typing import Any

import cattrs
from cattrs.preconf.json import make_converter

from ._json import json_type

__all__ = ["make_strict_converter"]


def _exactly(kind: type, name: str) -> Any:
    def structure(value: Any, _: type) -> Any:
        # type(), not isinstance(): JSON true is not the integer 1.
        if type(value) is not kind:
            raise TypeError(f"expected {name}, got {json_type(value)}")
        return value

    return structure


def _structure_float(value: Any, _: type) -> float:
    if type(value) not in (int, float):
        raise TypeError(f"expected number, got {json_type(value)}")
    if not math.isfinite(value):
        # engine.net's loads never yields one; a value built in code might.
        raise ValueError("expected a finite number")
    return float(value)


def make_strict_converter(*, forbid_extra_keys: bool = False) -> cattrs.Converter:
    """A JSON converter whose ``str``, ``int``, ``bool`` and ``float`` accept only those JSON
    types (an integer is a fine ``float``); with ``forbid_extra_keys``, unknown fields are
    refused too. Errors are cattrs' own, with messages meant for the client."""
    converter = make_converter(forbid_extra_keys=forbid_extra_keys)
    converter.register_structure_hook(str, _exactly(str, "string"))
    converter.register_structure_hook(int, _exactly(int, "integer"))
    converter.register_structure_hook(bool, _exactly(bool, "boolean"))
    converter.register_structure_hook(float, _structure_float)
    return converter
