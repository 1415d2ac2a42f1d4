"""Settings from the environment: one attrs class per app, read from ``PARTY_ENGINE_<APP>_*``.

An app declares its settings as an attrs class whose fields are ``setting(...)`` (or plain
attrs fields with defaults); ``read_settings(cls, environ, app="quipflip")`` fills each field
from ``PARTY_ENGINE_QUIPFLIP_<FIELD NAME IN CAPITALS>`` when that variable is set and not blank,
and keeps the default otherwise::

    @attrs.frozen
    class QuipSettings:
        round_seconds: float = setting(60.0, min=1, max=3600, help="seconds per round")
        max_players: int = setting(8, min=3)
        public_url: str = "http://localhost:5173"

    settings = read_settings(QuipSettings, engine.environ, app="quipflip")

Field types read from text: ``int``, ``float``, ``str``, ``bool`` (1/0, true/false, yes/no,
on/off), ``tuple[str, ...]`` (comma-separated) and ``X | None`` of these; any other type needs
``setting(parse=...)``. Every failure (not a number, out of range, a validator of the class)
raises ``SettingsError`` naming the variable and the value, before anything starts. Fields with
``init=False`` or whose type is an attrs class are left to the class.
"""

from __future__ import annotations

import math
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import attrs

__all__ = ["SettingsError", "environment_variables", "read_settings", "setting"]

T = TypeVar("T")

_PARSE = "engine.settings.parse"
_HELP = "engine.settings.help"
_TRUE = frozenset(("1", "true", "yes", "on"))
_FALSE = frozenset(("0", "false", "no", "off"))


class SettingsError(ValueError):
    """A variable whose value cannot be used; ``variable`` names it."""

    def __init__(self, variable: str, message: str) -> None:
        super().__init__(f"{variable}: {message}")
        self.variable = variable


def setting(
    default: Any,
    *,
    min: float | None = None,
    max: float | None = None,
    parse: Callable[[str], Any] | None = None,
    help: str = "",
) -> Any:
    """An attrs field read from the environment: ``default``, an inclusive range, a parser for
    types the reader does not know, and a line of help (``environment_variables`` lists it)."""
    validators: list[Callable[[Any, attrs.Attribute[Any], Any], None]] = []
    if min is not None:
        validators.append(attrs.validators.ge(min))
    if max is not None:
        validators.append(attrs.validators.le(max))
    if min is not None or max is not None:
        validators.insert(0, _finite)
    return attrs.field(
        default=default,
        validator=validators or None,
        metadata={_PARSE: parse, _HELP: help},
    )


def _finite(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{attribute.name} must be a finite number, not {value!r}")


def variable_name(app: str | None, field: str) -> str:
    """``PARTY_ENGINE_<APP>_<FIELD>`` in capitals; ``PARTY_ENGINE_<FIELD>`` for the engine's
    own settings (``app`` None)."""
    scope = "" if app is None else f"{app.upper()}_"
    return f"PARTY_ENGINE_{scope}{field.upper()}"


def environment_variables(cls: type, app: str | None) -> dict[str, str]:
    """Every variable ``read_settings`` reads for ``cls``, with its help line (for docs)."""
    return {
        variable_name(app, field.name): field.metadata.get(_HELP, "") for field in _readable(cls)
    }


def read_settings(
    cls: type[T], environ: Mapping[str, str], *, app: str | None, **overrides: Any
) -> T:
    """An instance of ``cls``: defaults, then the ``PARTY_ENGINE_<APP>_*`` variables (the
    engine's ``PARTY_ENGINE_*`` with ``app`` None), then ``overrides`` (tests, embedders).
    Raises ``SettingsError`` naming the first variable whose value is unusable (overrides are the
    caller's values: their errors are plain ValueError)."""
    values: dict[str, Any] = {}
    for field in _readable(cls):
        variable = variable_name(app, field.name)
        raw = environ.get(variable, "")
        if not raw.strip() or field.name in overrides:
            continue
        try:
            values[field.name] = _parser(field)(raw.strip())
            # Each value checked alone first, so that the error names its variable.
            _validate(cls, field, values[field.name])
        except (TypeError, ValueError) as exc:
            raise SettingsError(variable, f"cannot use {raw!r}: {exc}") from None
    try:
        return cls(**values, **overrides)
    except (TypeError, ValueError) as exc:
        # A check across fields (an attrs __attrs_post_init__ or a validator reading others).
        raise SettingsError(variable_name(app, "*"), str(exc)) from None


def _readable(cls: type) -> list[attrs.Attribute[Any]]:
    attrs.resolve_types(cls)
    return [
        field
        for field in attrs.fields(cls)
        if field.init and not (isinstance(field.type, type) and attrs.has(field.type))
    ]


def _validate(cls: type, field: attrs.Attribute[Any], value: Any) -> None:
    if field.validator is not None:
        field.validator(None, field, value)


def _parser(field: attrs.Attribute[Any]) -> Callable[[str], Any]:
    parse = field.metadata.get(_PARSE)
    if parse is not None:
        return parse  # type: ignore[no-any-return]
    return _parser_for(field.type)


def _parser_for(kind: Any) -> Callable[[str], Any]:
    origin = typing.get_origin(kind)
    if origin in (types.UnionType, typing.Union):
        options = [arg for arg in typing.get_args(kind) if arg is not type(None)]
        if len(options) == 1:
            return _parser_for(options[0])
    if origin is tuple and typing.get_args(kind) in ((str, Ellipsis),):
        return lambda raw: tuple(part.strip() for part in raw.split(",") if part.strip())
    if kind is bool:
        return _boolean
    if kind in (int, float, str):
        return kind  # type: ignore[no-any-return]
    raise TypeError(f"no reader for settings of type {kind!r}: give setting(parse=...)")


def _boolean(raw: str) -> bool:
    lowered = raw.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError("expected one of 1/0, true/false, yes/no, on/off")
