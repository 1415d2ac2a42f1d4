"""Input rules, as pure functions: session names, passwords, session ids, chat text, and the two
request bodies.

The field checks raise ``ValueError`` with the message the client sees; the request parsers run
every field check, and raise one ``ValidationFailed`` naming every field that failed (so a client
learns about the name and the password at once, as in the spec's example). ``parse_body`` is
the routes' reader of bodies: they declare their body types and the edge calls it before the
handler runs.

Lengths are counted in characters (code points), as the spec says, after normalisation.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from .errors import BadRequest, ValidationFailed
from .models import CreateSessionRequest, JoinSessionRequest

__all__ = [
    "CHAT_MAX_LENGTH",
    "NAME_MAX_LENGTH",
    "NAME_MIN_LENGTH",
    "PASSWORD_MAX_BYTES",
    "PASSWORD_MIN_LENGTH",
    "check_password",
    "normalise_chat",
    "normalise_name",
    "parse_body",
    "parse_create_request",
    "parse_join_request",
    "parse_session_id",
    "strip_control_characters",
]

NAME_MIN_LENGTH = 3
NAME_MAX_LENGTH = 50
PASSWORD_MIN_LENGTH = 6
#: bcrypt reads at most 72 bytes; a longer password is refused rather than silently truncated.
PASSWORD_MAX_BYTES = 72
#: The spec asks for length limits without naming one for chat; 1000 characters is a generous
#: chat line and keeps a session's 50-message history (saved on every message) small.
CHAT_MAX_LENGTH = 1000

# The original's format check, case-insensitive: a version 4, RFC 4122 variant UUID.
_UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")

T = TypeVar("T")


def strip_control_characters(text: str, *, keep: str = "") -> str:
    """``text`` without Unicode control characters (category Cc), except those in ``keep``."""
    return "".join(c for c in text if c in keep or unicodedata.category(c) != "Cc")


def normalise_name(name: str) -> str:
    """A session name with control characters stripped and surrounding whitespace trimmed.

    Raises ``ValueError`` unless the result is 3 to 50 characters long.
    """
    normalised = strip_control_characters(name).strip()
    if not NAME_MIN_LENGTH <= len(normalised) <= NAME_MAX_LENGTH:
        raise ValueError(f"Name must be between {NAME_MIN_LENGTH} and {NAME_MAX_LENGTH} characters")
    return normalised


def check_password(password: str) -> str:
    """``password`` unchanged if it may be set on a new session.

    Raises ``ValueError`` if it is under 6 characters, or over bcrypt's 72 bytes in UTF-8.
    """
    if len(password) < PASSWORD_MIN_LENGTH:
        raise ValueError(f"Password must be at least {PASSWORD_MIN_LENGTH} characters")
    if len(password.encode()) > PASSWORD_MAX_BYTES:
        raise ValueError(f"Password must be at most {PASSWORD_MAX_BYTES} bytes")
    return password


def parse_session_id(text: str) -> str:
    """The canonical (lower-case) form of a version 4 UUID in its 8-4-4-4-12 hex form.

    Raises ``ValueError`` for anything else, braces and URNs included: ids are only ever made by
    this server, in this form.
    """
    lowered = text.lower()
    if _UUID4.fullmatch(lowered) is None:
        raise ValueError("Session ID must be a valid UUID")
    return lowered


def normalise_chat(message: str) -> str:
    """A chat message with control characters other than newlines stripped, and trimmed.

    Raises ``ValueError`` if nothing is left or it exceeds 1000 characters. The text is not
    HTML-escaped: it is data, and clients display it as text.
    """
    normalised = strip_control_characters(message, keep="\n").strip()
    if not normalised:
        raise ValueError("Message must not be empty")
    if len(normalised) > CHAT_MAX_LENGTH:
        raise ValueError(f"Message must be at most {CHAT_MAX_LENGTH} characters")
    return normalised


def parse_create_request(body: object) -> CreateSessionRequest:
    """``POST /api/sessions/create``'s body, validated and normalised.

    Raises ``BadRequest`` if ``body`` is not a JSON object, ``ValidationFailed`` naming each bad
    field otherwise.
    """
    fields = _Fields(_object(body))
    name = fields.check("name", "Name", normalise_name)
    password = fields.check("password", "Password", check_password)
    fields.raise_if_failed()
    return CreateSessionRequest(name=name, password=password)


def parse_join_request(body: object) -> JoinSessionRequest:
    """``POST /api/sessions/join``'s body, validated; the session id in canonical form.

    The password only has to be present: whether it is right is for the session to say, and a
    wrong one is 401, not 400. Raises ``BadRequest`` or ``ValidationFailed``.
    """
    fields = _Fields(_object(body))
    session_id = fields.check("session_id", "Session ID", parse_session_id)
    password = fields.check("password", "Password", _present)
    fields.raise_if_failed()
    return JoinSessionRequest(session_id=session_id, password=password)


def parse_body(body: object, cls: type) -> object:
    """``body`` (decoded JSON, None when empty) as the request ``cls``, by its parser above."""
    return _PARSERS[cls](body)


_PARSERS: dict[type, Callable[[object], object]] = {
    CreateSessionRequest: parse_create_request,
    JoinSessionRequest: parse_join_request,
}


def _object(body: object) -> Mapping[str, Any]:
    if not isinstance(body, Mapping):
        raise BadRequest("Invalid request body")
    return body


def _present(text: str) -> str:
    if not text:
        raise ValueError("Password is required")
    return text


class _Fields:
    """Collects one message per failed field, in the order they were checked."""

    def __init__(self, body: Mapping[str, Any]) -> None:
        self._body = body
        self._errors: dict[str, str] = {}

    def check(self, key: str, label: str, rule: Callable[[str], T]) -> T:
        value = self._body.get(key)
        try:
            if value is None:
                raise ValueError(f"{label} is required")
            if not isinstance(value, str):
                raise ValueError(f"{label} must be a string")
            return rule(value)
        except ValueError as exc:
            self._errors[key] = str(exc)
            return None  # type: ignore[return-value]  # never used: raise_if_failed raises

    def raise_if_failed(self) -> None:
        if self._errors:
            raise ValidationFailed(self._errors)
