"""What a phrase may be: the text of an original, a copy or a vote.

A phrase is normalised before it is checked or kept: surrounding whitespace removed and every
run of whitespace inside made one space. It must then be 2 to 100 characters long and contain
no control characters. A copy must differ, ignoring case, from its original and from the other
copy of the same original, so that the three phrases of a phraseset are told apart; a vote must
be one of the phrases offered (compared after the same normalisation, ignoring case).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from .errors import InvalidPhrase

__all__ = ["MAX_LENGTH", "MIN_LENGTH", "check_copy", "check_vote", "normalise"]

MIN_LENGTH = 2
MAX_LENGTH = 100


def normalise(text: str) -> str:
    """``text`` as kept; raises ``InvalidPhrase`` for a length or character it refuses."""
    phrase = " ".join(text.split())
    if not MIN_LENGTH <= len(phrase) <= MAX_LENGTH:
        raise InvalidPhrase(f"Phrase must be between {MIN_LENGTH} and {MAX_LENGTH} characters")
    if any(unicodedata.category(char).startswith("C") for char in phrase):
        raise InvalidPhrase("Phrase contains invalid characters")
    return phrase


def check_copy(text: str, original: str, other_copies: Sequence[str] = ()) -> str:
    """The normalised copy; raises ``InvalidPhrase`` when it equals ``original`` or one of
    ``other_copies`` ignoring case."""
    phrase = normalise(text)
    if phrase.casefold() == original.casefold():
        raise InvalidPhrase("Copy must differ from the original phrase")
    if any(phrase.casefold() == other.casefold() for other in other_copies):
        raise InvalidPhrase("Another copy of this phrase already says that; try something else")
    return phrase


def check_vote(text: str, offered: Sequence[str]) -> str:
    """The offered phrase ``text`` names; raises ``InvalidPhrase`` when it names none."""
    wanted = " ".join(text.split()).casefold()
    for phrase in offered:
        if phrase.casefold() == wanted:
            return phrase
    raise InvalidPhrase("Vote must be one of the offered phrases")
