"""Rule violations, each carrying the spec's error code.

::

    LiaptuiRuleError              (base; never raised itself)
    ├── GameNotStarted            2001  no game is running in the room
    ├── NotYourTurn               2002  the game is not waiting for this seat's move
    ├── InvalidPlay               2003
    │   ├── WrongPieceCount       2003  not the turn's required count
    │   ├── PiecesNotInHand       2003  an id that is not in the player's hand, or repeated
    │   └── NotAPlayType          2003  a lead that forms no play type
    ├── InvalidDeclaration        2004  outside 0..8, or breaks a declaration rule
    ├── AlreadyDeclared           2005
    └── NoPiecesSelected          2006

A rule error means the request was refused and the game value is unchanged: transitions raise
before building a new `Game`. ``code`` is an int; the wire sends it as a string (``"2002"``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

__all__ = [
    "AlreadyDeclared",
    "GameNotStarted",
    "InvalidDeclaration",
    "InvalidPlay",
    "LiaptuiRuleError",
    "NoPiecesSelected",
    "NotAPlayType",
    "NotYourTurn",
    "PiecesNotInHand",
    "WrongPieceCount",
]


class LiaptuiRuleError(Exception):
    """A move the rules refuse. ``recoverable`` says whether retrying differently can succeed."""

    code: ClassVar[int]
    default_message: ClassVar[str]
    recoverable: ClassVar[bool] = True

    def __init__(
        self, message: str | None = None, details: Mapping[str, Any] | None = None
    ) -> None:
        self.message = message or self.default_message
        self.details: dict[str, Any] = dict(details or {})
        super().__init__(self.message)


class GameNotStarted(LiaptuiRuleError):
    code = 2001
    default_message = "The game has not started"
    recoverable = False


class NotYourTurn(LiaptuiRuleError):
    code = 2002
    default_message = "It's not your turn"
    # The spec's own example of this error says it is not recoverable.
    recoverable = False


class InvalidPlay(LiaptuiRuleError):
    code = 2003
    default_message = "Invalid play"


class WrongPieceCount(InvalidPlay):
    default_message = "You must play the required number of pieces"


class PiecesNotInHand(InvalidPlay):
    default_message = "Those pieces are not in your hand"


class NotAPlayType(InvalidPlay):
    default_message = "The pieces you lead must form a valid play"


class InvalidDeclaration(LiaptuiRuleError):
    code = 2004
    default_message = "Invalid declaration"


class AlreadyDeclared(LiaptuiRuleError):
    code = 2005
    default_message = "You have already declared this round"
    recoverable = False


class NoPiecesSelected(LiaptuiRuleError):
    code = 2006
    default_message = "No pieces selected"
