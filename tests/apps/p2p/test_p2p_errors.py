"""Every refusal is an ``engine.errors`` kind with the status and text clients see."""

from __future__ import annotations

import pytest

from engine.apps.p2p import errors
from engine.errors import AppError


@pytest.mark.parametrize(
    ("error", "status", "detail"),
    [
        (errors.HostNotFound("host-12345"), 404, "Host not found: host-12345"),
        (errors.ZoneNotFound("prontera"), 404, "Zone not found: prontera"),
        (errors.SessionNotFound("session-abc123"), 404, "Session not found: session-abc123"),
        (
            errors.SessionFull("player-12345", 1),
            400,
            "Failed to add player player-12345 to session 1",
        ),
        (
            errors.PlayerNotInSession("player-12345", 1),
            404,
            "Player player-12345 not found in session 1",
        ),
        (errors.NoAvailableHost("prontera"), 404, "No available host for zone: prontera"),
        (errors.NoSignal("answer", "session-abc123"), 404, "No answer for session: session-abc123"),
        (
            errors.HostOwnedByAnother("host-12345"),
            409,
            "Host host-12345 is registered by another player",
        ),
        (errors.ZoneExists("prontera"), 409, "Zone already exists: prontera"),
        (errors.MissingCredentials(), 401, "Not authenticated: send X-API-Key or a bearer token"),
        (errors.InvalidApiKey(), 401, "Invalid API key"),
        (errors.InvalidToken(), 401, "Invalid token"),
        (errors.TokenExpired(), 401, "Token expired"),
        (errors.SignalingError("Peer not in session: p"), 400, "Peer not in session: p"),
    ],
)
def test_errors_carry_the_status_and_detail(error, status, detail):
    assert isinstance(error, AppError)
    assert (error.status, error.message, str(error)) == (status, detail, detail)


def test_every_error_class_is_exported_and_an_app_error():
    for name in errors.__all__:
        assert issubclass(getattr(errors, name), AppError), name
