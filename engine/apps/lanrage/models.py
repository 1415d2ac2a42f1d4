"""LANrage's JSON bodies as frozen attrs classes, the one converter for them, and ``parse_body``.

Local API (no authentication): ``CreatePartyRequest`` -> ``CreatePartyResponse``,
``JoinPartyRequest`` -> ``JoinPartyResponse``, ``LeavePartyResponse``, ``StatusResponse``
(with ``PartyView``, ``PeerView``, ``NatInfo``).

Control plane (between nodes, Bearer token): ``RegisterPartyRequest``, ``JoinControlRequest``,
``HeartbeatRequest`` and ``LeaveControlRequest``; a party travels as ``party.Party`` itself and
a leave is answered with ``LeaveControlResponse``.

``WIRE`` structures strictly: a string field takes only a string, an integer only an integer
(never ``true``), a number only a finite int or float; unknown keys are refused. Constrained
strings (names, ids, keys, endpoints) are checked while structuring, so ``parse_body`` names
every field at fault in one ``InvalidField``. ``StatusResponse`` leaves out ``party`` and
``nat_info`` when they are None; other None fields are written as ``null``.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from typing import Any, Literal, TypeVar

import attrs
import cattrs
from cattrs.errors import (
    AttributeValidationNote,
    ForbiddenExtraKeysError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_unstructure_fn, override

from engine.wire import Wording, conforms, make_strict_converter

from .errors import InvalidField
from .fields import CHECKS, Name, PartyIdInput, PeerId, checked
from .nat import ConnectionType, NatType
from .party import PeerInfo

__all__ = [
    "WIRE",
    "CreatePartyRequest",
    "CreatePartyResponse",
    "HeartbeatRequest",
    "JoinControlRequest",
    "JoinPartyRequest",
    "JoinPartyResponse",
    "LatencySource",
    "LeaveControlRequest",
    "LeaveControlResponse",
    "LeavePartyResponse",
    "NatInfo",
    "PartyStatus",
    "PartyView",
    "PeerView",
    "RegisterPartyRequest",
    "StatusResponse",
    "parse_body",
]

T = TypeVar("T")
_OMIT_IF_NONE = "lanrage.omit_if_none"

# -- local API -------------------------------------------------------------------------------


@attrs.frozen
class CreatePartyRequest:
    name: Name = attrs.field(validator=checked(Name))


@attrs.frozen
class JoinPartyRequest:
    party_id: PartyIdInput = attrs.field(validator=checked(PartyIdInput))
    peer_name: Name = attrs.field(validator=checked(Name))


class LatencySource(enum.StrEnum):
    """How a peer's ``latency_ms`` was measured."""

    #: Round trip of a UDP probe (a STUN Binding request) to the peer's endpoint.
    UDP_PROBE = "udp_probe"
    #: Round trip to the control plane: the peer has no endpoint or did not answer probes.
    CONTROL_PLANE = "control_plane"


@attrs.frozen
class PeerView:
    """A peer as this node sees it. Times are RFC 3339 UTC (``2026-12-02T05:36:03.120Z``)."""

    id: str
    name: str
    public_key: str
    virtual_ip: str
    endpoint: str | None
    latency_ms: float | None
    latency_source: LatencySource | None
    connection_type: ConnectionType
    nat_type: NatType
    joined_at: str


@attrs.frozen
class PartyView:
    """``peers`` is keyed by peer id, in join order (the host first)."""

    id: str
    name: str
    host_id: str
    peers: dict[str, PeerView]
    created_at: str


@attrs.frozen
class CreatePartyResponse:
    party_id: str
    party: PartyView


@attrs.frozen
class JoinPartyResponse:
    party: PartyView


@attrs.frozen
class LeavePartyResponse:
    status: Literal["left"] = "left"


@attrs.frozen
class NatInfo:
    """This node's NAT once detection has finished: its type and the public address STUN saw
    (both None when no STUN server answered: the type is then ``unknown``)."""

    nat_type: NatType
    public_ip: str | None
    public_port: int | None


class PartyStatus(enum.StrEnum):
    NO_PARTY = "no_party"
    IN_PARTY = "in_party"


@attrs.frozen
class StatusResponse:
    status: PartyStatus
    peer_count: int
    party: PartyView | None = attrs.field(default=None, metadata={_OMIT_IF_NONE: True})
    nat_info: NatInfo | None = attrs.field(default=None, metadata={_OMIT_IF_NONE: True})


# -- control plane ---------------------------------------------------------------------------


@attrs.frozen
class RegisterPartyRequest:
    """``POST /control/parties``: the control plane picks the party id."""

    name: Name = attrs.field(validator=checked(Name))
    host: PeerInfo


@attrs.frozen
class JoinControlRequest:
    """``POST /control/parties/{party_id}/join``."""

    peer: PeerInfo


@attrs.frozen
class HeartbeatRequest:
    """``POST /control/parties/{party_id}/heartbeat``: the peer as it is now."""

    peer: PeerInfo


@attrs.frozen
class LeaveControlRequest:
    """``POST /control/parties/{party_id}/leave``."""

    peer_id: PeerId = attrs.field(validator=checked(PeerId))


@attrs.frozen
class LeaveControlResponse:
    """``disbanded`` when the host left (the party is gone), else ``left``."""

    status: Literal["left", "disbanded"]


# -- the converter ---------------------------------------------------------------------------


# LANrage words a refusal without the value's type: ``expected a string``.
_WORDING = Wording(
    string="a string",
    integer="an integer",
    boolean="true or false",
    number="a finite number",
    got=False,
    one_of="must be one of",
)


def _constrained(check: Callable[[str], str]) -> Callable[[Any, Any], str]:
    def structure(value: Any, _: Any) -> str:
        if not conforms(value, str):
            raise TypeError(_WORDING.expected(_WORDING.string, value))
        return check(value)

    return structure


def _unstructure_fn(converter: cattrs.Converter, cls: type) -> Callable[[Any], dict[str, Any]]:
    overrides = {
        field.name: override(omit_if_default=True)
        for field in attrs.fields(cls)
        if field.metadata.get(_OMIT_IF_NONE)
    }
    # cattrs types **overrides as AttributeOverride, but its named options share the mapping.
    return make_dict_unstructure_fn(cls, converter, **overrides)  # type: ignore[arg-type]


def make_wire_converter() -> cattrs.Converter:
    """The converter for LANrage's JSON (STYLE: one per wire format, built once)."""
    converter = make_strict_converter(
        forbid_extra_keys=True,
        wording=_WORDING,
        enums=(NatType, ConnectionType, LatencySource, PartyStatus),
    )
    for kind, check in CHECKS.items():
        converter.register_structure_hook(kind, _constrained(check))
    converter.register_unstructure_hook_factory(
        attrs.has, lambda cls: _unstructure_fn(converter, cls)
    )
    return converter


WIRE = make_wire_converter()


def parse_body(data: Any, cls: type[T]) -> T:
    """``data`` (decoded JSON) as a ``cls``; raises ``InvalidField`` whose ``details`` map each
    field at fault (dotted for nested ones: ``peer.public_key``, ``members.0.virtual_ip``) to
    what is wrong with it."""
    if not isinstance(data, Mapping):
        raise InvalidField("The body must be a JSON object", details={"body": "expected an object"})
    try:
        return WIRE.structure(data, cls)
    except cattrs.ClassValidationError as exc:
        problems = _problems(exc, "")
    summary = "; ".join(f"{field}: {problem}" for field, problem in problems.items())
    raise InvalidField(f"Invalid request body: {summary}", details=problems)


def _problems(error: cattrs.BaseValidationError, prefix: str) -> dict[str, str]:
    problems: dict[str, str] = {}
    for exc in error.exceptions:
        notes = getattr(exc, "__notes__", ())
        where = [str(n.name) for n in notes if isinstance(n, AttributeValidationNote)]
        where += [str(n.index) for n in notes if isinstance(n, IterableValidationNote)]
        field = f"{prefix}{where[0]}" if where else (prefix.rstrip(".") or "body")
        if isinstance(exc, cattrs.BaseValidationError):
            problems.update(_problems(exc, f"{field}."))
        elif isinstance(exc, ForbiddenExtraKeysError):
            problems[field] = f"unknown fields: {', '.join(sorted(exc.extra_fields))}"
        elif isinstance(exc, KeyError):
            problems[field] = "field required"
        else:
            problems[field] = str(exc)
    return problems
