"""Party join codes: 4 letters then 4 digits (``BQTX4827``), easy to read out loud.

Letters that look like digits (O, I, L) and digits that look like letters (0, 1) are left out.
Codes are compared after upper-casing, so a client may send one in any case.
"""

from __future__ import annotations

import random
import re

__all__ = ["CODE_DIGITS", "CODE_LETTERS", "CODE_LENGTH", "is_party_code", "new_party_code"]

CODE_LETTERS = "ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_DIGITS = "23456789"
CODE_LENGTH = 8
_CODE = re.compile(f"[{CODE_LETTERS}]{{4}}[{CODE_DIGITS}]{{4}}")


def new_party_code(rng: random.Random) -> str:
    """A fresh code; the caller retries on the rare clash with a live session's."""
    letters = "".join(rng.choice(CODE_LETTERS) for _ in range(4))
    digits = "".join(rng.choice(CODE_DIGITS) for _ in range(4))
    return letters + digits


def is_party_code(text: str) -> bool:
    """Whether ``text`` (in any case) could be a code ``new_party_code`` made."""
    return _CODE.fullmatch(text.upper()) is not None
