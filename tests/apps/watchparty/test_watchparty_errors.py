"""WatchParty's errors: the spec's statuses and error strings, and their bodies in the app's
error format (HTTP bodies, refused upgrades and in-socket payloads alike)."""

from __future__ import annotations

import pytest

from engine.actors import Rejection
from engine.apps.watchparty import errors
from engine.apps.watchparty.routes import ERRORS


def test_errors_carry_the_spec_status_and_error_strings():
    table = {
        errors.BadRequest: (400, "Bad Request"),
        errors.Unauthorized: (401, "Unauthorized"),
        errors.WrongPassword: (401, "Authentication failed"),
        errors.Forbidden: (403, "Forbidden"),
        errors.NotHost: (403, "Forbidden"),
        errors.NotAParticipant: (403, "Forbidden"),
        errors.SessionFull: (403, "Session full"),
        errors.SessionNotFound: (404, "Session not found"),
        errors.RateLimited: (429, "Rate limit exceeded"),
    }
    for cls, (status, error_type) in table.items():
        error = cls()
        assert (error.status, error.code) == (status, error_type)
        assert isinstance(error, Rejection)


def test_error_bodies_and_socket_payloads():
    assert ERRORS.event(errors.SessionFull()) == {
        "error": "Session full",
        "message": "This session has reached the maximum number of participants",
    }
    assert ERRORS.event(errors.WrongPassword()) == {
        "error": "Authentication failed",
        "message": "Invalid password",
    }
    assert ERRORS.event(errors.RateLimited("Maximum 5 session creations per hour")) == {
        "error": "Rate limit exceeded",
        "message": "Maximum 5 session creations per hour",
    }
    failed = errors.ValidationFailed({"name": "Name must be between 3 and 50 characters"})
    assert ERRORS.event(failed) == {
        "error": "Validation failed",
        "message": "Invalid input",
        "details": {"name": "Name must be between 3 and 50 characters"},
    }


def test_a_validation_error_names_a_field():
    with pytest.raises(ValueError):
        errors.ValidationFailed({})
