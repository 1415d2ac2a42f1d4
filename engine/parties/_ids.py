"""Party ids: random UUIDs, or short join codes people can read out and type.

A scheme makes new ids (``new``) and reads ids that clients send (``parse``: the canonical form,
or None for text that cannot be an id, so a route answers 404 without asking anyone). The
directory, not the scheme, makes ids unique: it draws again when a code is live or saved.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Protocol

import attrs

__all__ = ["UNAMBIGUOUS", "IdScheme", "JoinCodes", "UuidIds"]

#: Capitals and digits without the look-alikes 0/O, 1/I/L: 31 symbols.
UNAMBIGUOUS = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


class IdScheme(Protocol):
    #: Whether ``new`` can repeat an id in practice (the directory then checks the store too).
    @property
    def may_collide(self) -> bool: ...

    def new(self) -> str:
        """A fresh random id (not yet checked for collisions)."""
        ...

    def parse(self, text: str) -> str | None:
        """``text`` in canonical form if it can be an id of this scheme, else None."""
        ...


@attrs.frozen
class UuidIds:
    """Random UUIDs (version 4), canonical in lower case with hyphens."""

    may_collide: bool = attrs.field(default=False, init=False)

    def new(self) -> str:
        return str(uuid.uuid4())

    def parse(self, text: str) -> str | None:
        try:
            return str(uuid.UUID(text))
        except ValueError:
            return None


def _alphabet(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if len(value) < 2 or len(set(value)) != len(value) or value != value.upper():
        raise ValueError("a join code alphabet needs two or more distinct upper-case symbols")


@attrs.frozen
class JoinCodes:
    """``length`` symbols drawn from ``alphabet`` with ``secrets`` (unguessable enough to keep
    a private party private at 31**6, about 890 million codes). ``parse`` accepts lower case
    and surrounding blanks."""

    length: int = attrs.field(default=6, validator=attrs.validators.ge(3))
    alphabet: str = attrs.field(default=UNAMBIGUOUS, validator=_alphabet)
    may_collide: bool = attrs.field(default=True, init=False)

    def new(self) -> str:
        return "".join(secrets.choice(self.alphabet) for _ in range(self.length))

    def parse(self, text: str) -> str | None:
        code = text.strip().upper()
        if len(code) != self.length or not set(code) <= set(self.alphabet):
            return None
        return code
