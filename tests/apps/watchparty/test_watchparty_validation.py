"""Input rules: names, passwords, session ids, chat text and the two request bodies."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.apps.watchparty.errors import BadRequest, ValidationFailed
from engine.apps.watchparty.models import CreateSessionRequest, JoinSessionRequest
from engine.apps.watchparty.validation import (
    check_password,
    normalise_chat,
    normalise_name,
    parse_create_request,
    parse_join_request,
    parse_session_id,
    strip_control_characters,
)

NAME_ERROR = "Name must be between 3 and 50 characters"
PASSWORD_ERROR = "Password must be at least 6 characters"


def test_name_is_stripped_of_control_characters_and_trimmed():
    assert normalise_name("  Movie\x00 Night\x1b\n ") == "Movie Night"
    assert normalise_name("Mo\x7fvie") == "Movie"


@pytest.mark.parametrize("name", ["ab", "  ab  ", "a\x00\x01b", "x" * 51, "", "\t\n\r"])
def test_name_length_is_counted_after_normalising(name):
    with pytest.raises(ValueError, match=NAME_ERROR):
        normalise_name(name)


def test_name_bounds_are_inclusive_and_count_characters_not_bytes():
    assert normalise_name("abc") == "abc"
    assert normalise_name("x" * 50) == "x" * 50
    assert normalise_name("ééé") == "ééé"  # 6 bytes, 3 characters
    assert normalise_name("日本語" * 16) == "日本語" * 16  # 48 characters, 144 bytes


@given(st.text())
def test_a_normalised_name_is_stable_and_free_of_control_characters(text):
    try:
        name = normalise_name(text)
    except ValueError:
        return
    assert normalise_name(name) == name
    assert strip_control_characters(name) == name
    assert 3 <= len(name) <= 50


def test_password_rules():
    assert check_password("secure") == "secure"
    with pytest.raises(ValueError, match=PASSWORD_ERROR):
        check_password("short")
    # bcrypt reads 72 bytes: 24 three-byte characters fit, 25 do not.
    assert check_password("€" * 24) == "€" * 24
    with pytest.raises(ValueError, match="at most 72 bytes"):
        check_password("€" * 25)


def test_session_ids_are_uuid4_in_canonical_form():
    session_id = str(uuid.uuid4())
    assert parse_session_id(session_id) == session_id
    assert parse_session_id(session_id.upper()) == session_id


@pytest.mark.parametrize(
    "text",
    [
        "not-a-uuid",
        "",
        str(uuid.uuid1()),  # a valid UUID, but not version 4
        uuid.uuid4().hex,  # no hyphens
        "{" + str(uuid.uuid4()) + "}",
        str(uuid.uuid4()) + "\n",
        "550e8400-e29b-41d4-c716-446655440000",  # not the RFC 4122 variant
    ],
)
def test_anything_else_is_not_a_session_id(text):
    with pytest.raises(ValueError, match="Session ID must be a valid UUID"):
        parse_session_id(text)


def test_chat_keeps_newlines_strips_other_controls_and_bounds_length():
    assert normalise_chat("  hi\x00 there\nfriend\r ") == "hi there\nfriend"
    assert normalise_chat("x" * 1000) == "x" * 1000
    with pytest.raises(ValueError, match="must not be empty"):
        normalise_chat(" \x00\n ")
    with pytest.raises(ValueError, match="at most 1000 characters"):
        normalise_chat("x" * 1001)


def test_create_request_is_normalised():
    request = parse_create_request({"name": " Movie Night\x07 ", "password": "secure123", "x": 1})
    assert request == CreateSessionRequest(name="Movie Night", password="secure123")


def test_create_request_names_every_bad_field_as_the_spec_shows():
    with pytest.raises(ValidationFailed) as caught:
        parse_create_request({"name": "ab", "password": "123"})
    assert caught.value.details == {"name": NAME_ERROR, "password": PASSWORD_ERROR}
    assert caught.value.status == 400


@pytest.mark.parametrize(
    ("body", "details"),
    [
        ({}, {"name": "Name is required", "password": "Password is required"}),
        ({"name": None, "password": "secure123"}, {"name": "Name is required"}),
        ({"name": 12345, "password": "secure123"}, {"name": "Name must be a string"}),
        ({"name": "Movie", "password": ["secure123"]}, {"password": "Password must be a string"}),
    ],
)
def test_create_request_types_are_checked(body, details):
    with pytest.raises(ValidationFailed) as caught:
        parse_create_request(body)
    assert caught.value.details == details


@pytest.mark.parametrize("body", [None, [], "name", 42])
def test_a_body_that_is_not_an_object_is_a_bad_request(body):
    with pytest.raises(BadRequest, match="Invalid request body"):
        parse_create_request(body)
    with pytest.raises(BadRequest):
        parse_join_request(body)


def test_join_request():
    session_id = str(uuid.uuid4())
    request = parse_join_request({"session_id": session_id.upper(), "password": "anything"})
    assert request == JoinSessionRequest(session_id=session_id, password="anything")


def test_join_request_errors():
    with pytest.raises(ValidationFailed) as caught:
        parse_join_request({"session_id": "nope", "password": ""})
    assert caught.value.details == {
        "session_id": "Session ID must be a valid UUID",
        "password": "Password is required",
    }
    # A short password is not a validation error on join: it is just wrong (401).
    assert parse_join_request({"session_id": str(uuid.uuid4()), "password": "x"}).password == "x"
