"""CodedErrors: the code-and-message body, with its titles, empty details and socket events."""

from __future__ import annotations

from engine.errors import NotFound
from engine.web import CodedErrors, HttpError, Problem, ValidationFailed


def test_by_default_every_body_has_a_code_and_details() -> None:
    errors = CodedErrors()
    assert errors.body(HttpError(404, "no such page")) == {
        "error": "NOT_FOUND",
        "message": "no such page",
        "details": {},
    }
    assert errors.event(NotFound("gone", code="gone")) == {
        "type": "error",
        "error": "gone",
        "message": "gone",
        "details": {},
    }


def test_titles_name_codeless_errors_and_empty_details_can_be_left_out() -> None:
    errors = CodedErrors(titles={404: "Not Found"}, empty_details=False, event_type=None)
    assert errors.body(HttpError(404, "no such page")) == {
        "error": "Not Found",
        "message": "no such page",
    }
    assert errors.body(HttpError(429, "slow down", details={"retry_after": 3})) == {
        "error": "RATE_LIMIT_EXCEEDED",
        "message": "slow down",
        "details": {"retry_after": 3},
    }
    # With no event type an in-socket error is the body alone (for an app's own envelope).
    assert errors.event(NotFound("gone")) == {"error": "not_found", "message": "gone"}


def test_validation_names_the_fields() -> None:
    failed = ValidationFailed([Problem(("body", "name"), "field required", "missing")])
    errors = CodedErrors(validation_code="Bad Request")
    assert errors.status(failed) == 400
    assert errors.body(failed)["details"] == {"name": "field required"}
    assert errors.body(failed)["error"] == "Bad Request"


def test_every_format_answers_an_unencodable_message() -> None:
    assert CodedErrors().internal_error() == {
        "type": "error",
        "error": "INTERNAL_ERROR",
        "message": "The server could not send a message",
        "details": {},
    }
