"""Party join codes: 4 letters then 4 digits (``BQTX4827``), easy to read out loud.

Letters that look like digits (O, I, L) and digits that look like letters (0, 1) are left out:
23 * 23 * 23 * 23 * 8 ** 4, about 1.1 billion codes. ``PartyCodes`` has the shape of the
party layer's id schemes (``new``, ``parse``, ``may_collide``), so a directory can draw and
read these codes as it does its own; codes are drawn with ``secrets``, so they cannot be
guessed from one another.
"""

from __future__ import annotations

import re
import secrets

import attrs

__all__ = ["CODE_DIGITS", "CODE_LENGTH", "CODE_LETTERS", "PartyCodes"]

CODE_LETTERS = "ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_DIGITS = "23456789"
CODE_LENGTH = 8
_CODE = re.compile(f"[{CODE_LETTERS}]{{4}}[{CODE_DIGITS}]{{4}}")


@attrs.frozen
class PartyCodes:
    """Quipflip's join codes. Whoever keeps the live codes draws again on a clash."""

    may_collide: bool = attrs.field(default=True, init=False)

    def new(self) -> str:
        letters = "".join(secrets.choice(CODE_LETTERS) for _ in range(4))
        return letters + "".join(secrets.choice(CODE_DIGITS) for _ in range(4))

    def parse(self, text: str) -> str | None:
        """``text`` as a code (upper case, blanks around removed), or None if it cannot be
        one."""
        code = text.strip().upper()
        return code if _CODE.fullmatch(code) else None
