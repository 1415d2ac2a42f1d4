"""Everything Quipflip refuses, each with the status and ``{"detail": ...}`` text clients see.

::

    AppError (engine.errors)                                             status
    ├── InvalidInput
    │   ├── SessionStarted         "Session has already started"          400
    │   ├── SessionFull            "Session is full"                      400
    │   ├── CannotLeaveStarted     "Cannot leave session that has started" 400
    │   ├── AiAfterStart           "Cannot add AI players after ..."      400
    │   ├── NotEnoughPlayers       "Need at least N ready players ..."    400
    │   ├── ResultsNotReady        "Results not available yet (...)"      400
    │   ├── WrongPhase             "Session is in the X phase, not Y"     400
    │   ├── AlreadySubmitted       quota met, or round already submitted  400
    │   ├── NothingToCopy          "No prompts available for copying"     400
    │   ├── NothingToVote          "No phrasesets available for voting"   400
    │   ├── InsufficientBalance    "Insufficient balance"                 400
    │   ├── RoundExpired           "Round has expired"                    400
    │   └── InvalidPhrase          a phrase, copy or vote the rules refuse 400
    ├── Forbidden
    │   ├── NotHost                "Only the host can ..."                403
    │   └── NotYourRound           "This round belongs to another player" 403
    ├── NotFound
    │   ├── SessionNotFound        "Session not found" (and variants)     404
    │   ├── NotInSession           "Not in this session"                  404
    │   └── RoundNotFound          "Round not found"                      404
    └── Conflict
        ├── AlreadyInSession       "Already in this session"              409
        └── InAnotherSession       "already_in_another_session"           409

Every rule raises before it builds a new state, so a refused request changes nothing. The text
of each is the ``detail`` of the HTTP answer, word for word.
"""

from __future__ import annotations

from engine.errors import Conflict, Forbidden, InvalidInput, NotFound

__all__ = [
    "AiAfterStart",
    "AlreadyInSession",
    "AlreadySubmitted",
    "CannotLeaveStarted",
    "InAnotherSession",
    "InsufficientBalance",
    "InvalidPhrase",
    "NotEnoughPlayers",
    "NotHost",
    "NotInSession",
    "NotYourRound",
    "NothingToCopy",
    "NothingToVote",
    "ResultsNotReady",
    "RoundExpired",
    "RoundNotFound",
    "SessionFull",
    "SessionNotFound",
    "SessionStarted",
    "WrongPhase",
]


class SessionStarted(InvalidInput):
    code = "session_started"
    default_message = "Session has already started"


class SessionFull(InvalidInput):
    code = "session_full"
    default_message = "Session is full"


class CannotLeaveStarted(InvalidInput):
    code = "session_started"
    default_message = "Cannot leave session that has started"


class AiAfterStart(InvalidInput):
    code = "session_started"
    default_message = "Cannot add AI players after session has started"


class NotEnoughPlayers(InvalidInput):
    code = "not_enough_players"

    def __init__(self, required: int, ready: int) -> None:
        super().__init__(f"Need at least {required} ready players to start (have {ready})")


class ResultsNotReady(InvalidInput):
    code = "results_not_ready"

    def __init__(self, phase: str) -> None:
        super().__init__(f"Results not available yet (current phase: {phase})")


class WrongPhase(InvalidInput):
    code = "wrong_phase"

    def __init__(self, phase: str, expected: str) -> None:
        super().__init__(f"Session is in the {phase} phase, not {expected}")


class AlreadySubmitted(InvalidInput):
    code = "already_submitted"


class NothingToCopy(InvalidInput):
    code = "nothing_to_copy"
    default_message = "No prompts available for copying"


class NothingToVote(InvalidInput):
    code = "nothing_to_vote"
    default_message = "No phrasesets available for voting"


class InsufficientBalance(InvalidInput):
    code = "insufficient_balance"
    default_message = "Insufficient balance"


class RoundExpired(InvalidInput):
    code = "round_expired"
    default_message = "Round has expired"


class InvalidPhrase(InvalidInput):
    code = "invalid_phrase"


class NotHost(Forbidden):
    """``action`` completes "Only the host can ...": "add AI players", "start the session"."""

    code = "not_host"

    def __init__(self, action: str) -> None:
        super().__init__(f"Only the host can {action}")


class NotYourRound(Forbidden):
    code = "not_your_round"
    default_message = "This round belongs to another player"


class SessionNotFound(NotFound):
    """ "Session not found"; joining says "Party session not found", or by code which code
    (``for_code``)."""

    code = "session_not_found"
    default_message = "Session not found"

    @classmethod
    def for_code(cls, party_code: str) -> SessionNotFound:
        return cls(f"Party session '{party_code}' not found")


class NotInSession(NotFound):
    code = "not_in_session"
    default_message = "Not in this session"


class RoundNotFound(NotFound):
    code = "round_not_found"
    default_message = "Round not found"


class AlreadyInSession(Conflict):
    code = "already_in_session"
    default_message = "Already in this session"


class InAnotherSession(Conflict):
    code = "already_in_another_session"
    default_message = "already_in_another_session"
