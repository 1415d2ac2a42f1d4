"""The wire format: strict parsing in the spec's error order, envelopes, pong, versions."""

from __future__ import annotations

from typing import Any

import pytest

from engine.apps.liaptui import errors
from engine.apps.liaptui import events as e
from engine.apps.liaptui import messages as m
from engine.apps.liaptui.protocol import (
    LOBBY_EVENTS,
    ROOM_EVENTS,
    SUPPORTED_VERSIONS,
    error_event,
    negotiate_version,
    parse,
    pong,
    server_event,
)
from engine.apps.liaptui.testing import as_received


def test_every_room_request_parses() -> None:
    assert parse(
        {"event": "play", "data": {"piece_ids": ["p1", "p2"]}}, ROOM_EVENTS
    ) == m.PlayPieces(("p1", "p2"))
    assert parse(
        {"event": "declare", "data": {"declaration": 0}}, ROOM_EVENTS
    ) == m.MakeDeclaration(0)
    assert parse({"event": "start_game"}, ROOM_EVENTS) == m.StartGame()
    assert parse({"event": "accept_redeal", "data": None}, ROOM_EVENTS) == m.AcceptRedeal()
    joined = parse(
        {"event": "join_room", "data": {"player_name": "Bob", "last_sequence": 4}}, ROOM_EVENTS
    )
    assert joined == m.JoinRoom("Bob", None, 4)
    assert parse({"event": "ping", "data": {"client_time": 1.5}}, ROOM_EVENTS) == m.Ping(1.5)


def test_extra_fields_are_ignored() -> None:
    message = {
        "event": "sync_request",
        "data": {"last_sequence": 3, "client_state_hash": "x"},
        "timestamp": 1,
        "version": "1.0.0",
    }
    assert parse(message, ROOM_EVENTS) == m.SyncRequest(3)


def test_lobby_requests_parse_with_defaults() -> None:
    created = parse(
        {"event": "create_room", "data": {"room_name": "R", "player_name": "A"}}, LOBBY_EVENTS
    )
    assert created == m.CreateRoom("R", "A", True, None)


@pytest.mark.parametrize(
    ("message", "error", "detail"),
    [
        ("not an object", errors.InvalidMessageFormat, {"received": "string"}),
        ({}, errors.MissingRequiredField, {"missing_fields": ["event"]}),
        (
            {"event": 3},
            errors.InvalidFieldType,
            {"invalid_fields": {"event": "expected string, got integer"}},
        ),
        ({"event": "fly"}, errors.InvalidMessageFormat, {"event": "fly"}),
        (
            {"event": "play", "data": "p1"},
            errors.InvalidFieldType,
            {"invalid_fields": {"data": "expected object, got string"}},
        ),
        (
            {"event": "play", "data": {}},
            errors.MissingRequiredField,
            {"missing_fields": ["piece_ids"]},
        ),
        (
            {"event": "play", "data": {"piece_ids": [1]}},
            errors.InvalidFieldType,
            {"invalid_fields": {"piece_ids": "expected array of string, got array of integer"}},
        ),
        (
            {"event": "declare", "data": {"declaration": 2.0}},
            errors.InvalidFieldType,
            {"invalid_fields": {"declaration": "expected integer, got number"}},
        ),
        (
            {"event": "join_room", "data": {"player_name": "x" * 33}},
            errors.OutOfRange,
            {"max_length": 32},
        ),
        (
            {"event": "join_room", "data": {"player_name": "   "}},
            errors.OutOfRange,
            {"min_length": 1},
        ),
        (
            {"event": "join_room", "data": {"player_name": "A", "player_token": 5}},
            errors.InvalidFieldType,
            {"invalid_fields": {"player_token": "expected string or null, got integer"}},
        ),
    ],
)
def test_bad_messages_name_what_is_wrong(
    message: Any, error: type[errors.LiaptuiError], detail: dict[str, Any]
) -> None:
    with pytest.raises(error) as caught:
        parse(message, ROOM_EVENTS)
    assert detail.items() <= caught.value.details.items()


def test_missing_fields_are_reported_before_wrong_types() -> None:
    message = {"event": "create_room", "data": {"room_name": 5}}
    with pytest.raises(errors.MissingRequiredField) as caught:
        parse(message, LOBBY_EVENTS)
    assert caught.value.details["missing_fields"] == ["player_name"]


def test_a_room_action_timeout_must_be_sensible() -> None:
    message = {
        "event": "create_room",
        "data": {"room_name": "R", "player_name": "A", "action_timeout": 1},
    }
    with pytest.raises(errors.OutOfRange):
        parse(message, LOBBY_EVENTS)


def test_error_events_have_the_spec_shape() -> None:
    event = error_event(errors.NotYourTurn(details={"current_player": "Bob"}), now=12.5)
    assert event == {
        "event": "error",
        "error": {
            "code": "2002",
            "message": "It's not your turn",
            "details": {"current_player": "Bob"},
            "recoverable": False,
            "timestamp": 12.5,
        },
    }
    assert error_event(errors.MissingRequiredField(), now=0)["event"] == "validation_error"


def test_every_error_code_of_the_spec_has_a_class() -> None:
    codes = {cls.code for cls in _subclasses(errors.LiaptuiError) if "code" in vars(cls)}
    assert codes == {
        1001,
        1002,
        1003,
        1004,
        1005,
        2001,
        2002,
        2003,
        2004,
        2005,
        2006,
        3001,
        3002,
        3003,
        3004,
        4001,
        4002,
        4003,
        4004,
    }
    assert all(
        issubclass(cls, errors.MessageInvalid) == (cls.event == "validation_error")
        for cls in _subclasses(errors.LiaptuiError)
    )


def _subclasses(cls: type[errors.LiaptuiError]) -> list[type[errors.LiaptuiError]]:
    found: list[type[errors.LiaptuiError]] = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found


def test_pong_reports_latency_in_milliseconds() -> None:
    assert as_received(pong(m.Ping(1_000_000.0, 9), now=1000.05)) == {
        "client_time": 1_000_000.0,
        "server_time": 1_000_050,
        "latency": 50,
        "sequence": 9,
    }
    assert "sequence" not in as_received(pong(m.Ping(0), now=1.0))


def test_versions_are_negotiated() -> None:
    [(event, data)] = negotiate_version(m.VersionInfo("1.0.0"))
    assert event == "version_accepted" and data.negotiated_version == "1.0.0"
    replies = negotiate_version(m.VersionInfo("0.8.0", ("0.9.0",)))
    assert [event for event, _ in replies] == ["version_accepted", "deprecation_warning"]
    with pytest.raises(errors.VersionMismatch) as caught:
        negotiate_version(m.VersionInfo("3.0.0", ("2.0.0",)))
    assert caught.value.details["supported_versions"] == list(SUPPORTED_VERSIONS)


def test_server_events_carry_the_room_when_there_is_one() -> None:
    ponged = pong(m.Ping(0), now=1.0)
    assert server_event("pong", ponged, now=1.0) == {
        "event": "pong",
        "data": {"client_time": 0, "server_time": 1000, "latency": 1000},
        "server_time": 1.0,
    }
    joined = e.PlayerJoined("Ann", 1, False, timestamp=1.0)
    assert server_event("player_joined", joined, now=1.0, room_id="R")["room_id"] == "R"


def test_a_server_event_carries_the_data_its_registry_names() -> None:
    with pytest.raises(TypeError, match="'pong' carries Pong, not dict"):
        server_event("pong", {}, now=1.0)
