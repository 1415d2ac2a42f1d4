"""What a session's actor is asked and told. Each ask answers the route's response body (a
``models`` value) or raises one of ``errors``, having changed nothing."""

from __future__ import annotations

import attrs

from .lobby import Newcomer
from .party import RoundKind

__all__ = [
    "AddAI",
    "AiTurn",
    "Holds",
    "IdleCheck",
    "Join",
    "Leave",
    "PhaseTimeout",
    "PingPlayers",
    "ProcessAI",
    "Ready",
    "Results",
    "Start",
    "StartRound",
    "Status",
    "Submit",
]


@attrs.frozen
class Join:
    """``newcomer`` joins; ``elsewhere``: another unfinished session holds them (refused
    after the session's own checks)."""

    newcomer: Newcomer
    elsewhere: bool


@attrs.frozen
class Holds:
    """Ask: whether the session, unfinished, has ``player_id`` (``Listing.holds``, asked of the
    session itself rather than read from an index that may be a moment late)."""

    player_id: str


@attrs.frozen
class Leave:
    player_id: str


@attrs.frozen
class Ready:
    player_id: str


@attrs.frozen
class AddAI:
    caller_id: str


@attrs.frozen
class PingPlayers:
    caller_id: str


@attrs.frozen
class ProcessAI:
    caller_id: str


@attrs.frozen
class Start:
    caller_id: str


@attrs.frozen
class Status:
    """Any signed-in player may read a session's status."""


@attrs.frozen
class Results:
    """Any signed-in player may read a finished session's results."""


@attrs.frozen
class StartRound:
    player_id: str
    kind: RoundKind


@attrs.frozen
class Submit:
    player_id: str
    round_id: str
    phrase: str


# -- the session's own timers ------------------------------------------------------------------


@attrs.frozen
class PhaseTimeout:
    """The current phase's timer ran out (checked against the state when it arrives)."""


@attrs.frozen
class AiTurn:
    """The AI players' think time is over: they play their part of the current phase."""


@attrs.frozen
class IdleCheck:
    """Remove the lobby participants who have been idle too long."""
