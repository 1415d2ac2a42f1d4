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
``init=False``, or whose type is an attrs class and that have no ``parse``, are left to the
class.

Rate limits are settings like the others: ``rate_limit(5, 3600)`` is a `Rate` field written
``COUNT/SECONDS`` in its variable (``PARTY_ENGINE_WATCHPARTY_CREATE_RATE_LIMIT=20/3600``). In
development mode (``PARTY_ENGINE_DEV=1`` in the environment read) ``read_settings`` relaxes
every field declared with ``dev=`` (a rate limit allows `DEV_RATE_FACTOR` times as much), so an
app need not know about the mode. `EngineSettings` are the engine's own deployment settings.
"""

from __future__ import annotations

import ipaddress
import math
import types
import typing
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import attrs

__all__ = [
    "DEV_RATE_FACTOR",
    "DEV_VARIABLE",
    "EngineSettings",
    "IPNetwork",
    "Rate",
    "SettingsError",
    "dev_mode",
    "environment_variables",
    "parse_networks",
    "parse_rate",
    "rate_limit",
    "read_settings",
    "relax_count",
    "relax_rate",
    "setting",
]

T = TypeVar("T")

_PARSE = "engine.settings.parse"
_HELP = "engine.settings.help"
_DEV = "engine.settings.dev"
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
    dev: Callable[[Any], Any] | None = None,
) -> Any:
    """An attrs field read from the environment: ``default``, an inclusive range, a parser for
    types the reader does not know, a line of help (``environment_variables`` lists it), and
    ``dev``, what development mode makes of the value read (`relax_rate`, `relax_count`)."""
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
        metadata={_PARSE: parse, _HELP: help, _DEV: dev},
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
    caller's values: their errors are plain ValueError). In development mode (`dev_mode` of
    ``environ``) each field declared with ``dev=`` holds what ``dev`` makes of its value, unless
    it is overridden."""
    values: dict[str, Any] = {}
    relaxed = dev_mode(environ)
    for field in _readable(cls):
        variable = variable_name(app, field.name)
        raw = environ.get(variable, "")
        if field.name in overrides:
            continue
        if raw.strip():
            try:
                values[field.name] = _parser(field)(raw.strip())
                # Each value checked alone first, so that the error names its variable.
                _validate(cls, field, values[field.name])
            except (TypeError, ValueError) as exc:
                raise SettingsError(variable, f"cannot use {raw!r}: {exc}") from None
        relax = field.metadata.get(_DEV)
        if relaxed and relax is not None:
            values[field.name] = relax(values.get(field.name, _default(field)))
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
        if field.init
        and (
            field.metadata.get(_PARSE) is not None
            or not (isinstance(field.type, type) and attrs.has(field.type))
        )
    ]


def _default(field: attrs.Attribute[Any]) -> Any:
    default: Any = field.default
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        if default.takes_self:
            raise TypeError(f"{field.name}: a dev= setting cannot default to a takes_self factory")
        return default.factory()
    return default


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


# -- rate limits and development mode --------------------------------------------------------

#: The variable that turns development mode on (any of 1/true/yes/on).
DEV_VARIABLE = "PARTY_ENGINE_DEV"
#: How many times as much a rate limit allows in development mode.
DEV_RATE_FACTOR = 100


def dev_mode(environ: Mapping[str, str]) -> bool:
    """Whether ``environ`` asks for development mode; SettingsError for a value that is not a
    yes or a no."""
    raw = environ.get(DEV_VARIABLE, "").strip()
    if not raw:
        return False
    try:
        return _boolean(raw)
    except ValueError as exc:
        raise SettingsError(DEV_VARIABLE, f"cannot use {raw!r}: {exc}") from None


@attrs.frozen
class Rate:
    """An allowance: at most ``count`` per ``seconds``; its text is ``COUNT/SECONDS``. What
    the allowance is counted against (an address, a connection) and its shape (a fixed window,
    a token bucket) are the app's."""

    count: int = attrs.field(validator=[attrs.validators.instance_of(int), attrs.validators.ge(1)])
    seconds: float = attrs.field(converter=float, validator=[_finite, attrs.validators.gt(0.0)])

    def __str__(self) -> str:
        return f"{self.count}/{self.seconds:g}"


def parse_rate(text: str) -> Rate:
    """``COUNT/SECONDS`` (``5/3600``: five an hour) as a `Rate`; ValueError otherwise."""
    count, slash, seconds = text.partition("/")
    if not slash:
        raise ValueError(f"expected COUNT/SECONDS (such as 5/3600), not {text!r}")
    try:
        return Rate(int(count.strip()), float(seconds.strip()))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"expected COUNT/SECONDS (such as 5/3600): {exc}") from None


def relax_rate(rate: Rate) -> Rate:
    """``rate`` allowing `DEV_RATE_FACTOR` times as much (development mode)."""
    return Rate(rate.count * DEV_RATE_FACTOR, rate.seconds)


def relax_count(count: int) -> int:
    """A count allowed per period, `DEV_RATE_FACTOR` times over (0, no limit, stays 0)."""
    return count * DEV_RATE_FACTOR


def rate_limit(count: int, seconds: float, *, help: str = "") -> Any:
    """A `Rate` setting defaulting to ``count`` per ``seconds``, relaxed in development mode."""
    return setting(Rate(count, seconds), parse=parse_rate, help=help, dev=relax_rate)


IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(text: str) -> tuple[IPNetwork, ...]:
    """Comma-separated addresses or networks (``10.0.0.0/8, 127.0.0.1, ::1``); ValueError
    naming the first that is neither."""
    networks = []
    for part in text.split(","):
        if part.strip():
            try:
                networks.append(ipaddress.ip_network(part.strip(), strict=False))
            except ValueError:
                raise ValueError(f"{part.strip()!r} is not an address or a network") from None
    return tuple(networks)


@attrs.frozen
class EngineSettings:
    """The engine's deployment settings, from ``PARTY_ENGINE_TRUSTED_PROXIES``,
    ``PARTY_ENGINE_DEV`` and ``PARTY_ENGINE_DASHBOARD_TOKEN``
    (``read_settings(EngineSettings, environ, app=None)``)."""

    trusted_proxies: tuple[IPNetwork, ...] = setting(
        (),
        parse=parse_networks,
        help="addresses or networks of reverse proxies whose Forwarded / X-Forwarded-For "
        "headers name the client (comma-separated)",
    )
    dev: bool = setting(False, help="development mode: rate limits relaxed, said in the log")
    dashboard_token: str = setting("", help="the dashboard's token (unset: the dashboard is off)")
