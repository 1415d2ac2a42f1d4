"""The wire converter: strict primitives and enums, enums out as their values, one converter
per format."""

from __future__ import annotations

import attrs
import cattrs
import pytest

from engine.apps.p2p.responses import HeartbeatResponse, MessageResponse, TokenResponse
from engine.apps.p2p.statuses import HostStatus, SessionStatus, ZoneStatus
from engine.apps.p2p.wire import WIRE, make_wire_converter


@attrs.frozen
class Sample:
    text: str
    count: int
    ratio: float
    flag: bool
    host: HostStatus
    zone: ZoneStatus | None = None


GOOD = {"text": "a", "count": 1, "ratio": 2, "flag": True, "host": "ONLINE"}


def test_exact_types_structure():
    assert WIRE.structure(GOOD, Sample) == Sample("a", 1, 2.0, True, HostStatus.ONLINE)
    assert WIRE.structure({**GOOD, "zone": "DISABLED"}, Sample).zone is ZoneStatus.DISABLED


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("text", 5, "expected a string, got integer"),
        ("count", "1", "expected an integer, got string"),
        ("count", True, "expected an integer, got boolean"),
        ("count", 1.0, "expected an integer, got number"),
        ("ratio", "2", "expected a number, got string"),
        ("ratio", False, "expected a number, got boolean"),
        ("ratio", float("nan"), "expected a finite number"),
        ("flag", 1, "expected true or false, got integer"),
        ("flag", None, "expected true or false, got null"),
        ("host", "online", "expected one of ONLINE, OFFLINE, BUSY, MAINTENANCE"),
        ("host", 1, "expected a string, got integer"),
        ("zone", [], "expected a string, got array"),
    ],
)
def test_loose_values_are_refused(field, value, problem):
    with pytest.raises(cattrs.ClassValidationError) as refused:
        WIRE.structure({**GOOD, field: value}, Sample)
    assert [str(exc) for exc in refused.value.exceptions] == [problem]


def test_unknown_keys_are_refused():
    with pytest.raises(cattrs.ClassValidationError) as refused:
        WIRE.structure({**GOOD, "extra": 1}, Sample)
    (error,) = refused.value.exceptions
    assert isinstance(error, cattrs.ForbiddenExtraKeysError)
    assert error.extra_fields == {"extra"}


def test_enums_and_small_responses_unstructure_to_plain_json():
    assert WIRE.unstructure(SessionStatus.FAILED) == "FAILED"
    assert type(WIRE.unstructure(SessionStatus.FAILED)) is str
    assert WIRE.unstructure(HeartbeatResponse(98.5)) == {
        "quality_score": 98.5,
        "message": "Heartbeat updated",
    }
    assert WIRE.unstructure(MessageResponse("Session activated successfully")) == {
        "message": "Session activated successfully"
    }
    token = WIRE.unstructure(TokenResponse("abc", 3600))
    assert token == {"access_token": "abc", "expires_in": 3600, "token_type": "bearer"}


def test_each_call_builds_a_separate_converter():
    assert make_wire_converter() is not make_wire_converter()
