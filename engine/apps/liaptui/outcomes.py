"""Values that describe moves into the Liap Tui state machine and what they caused.

Actions (`Declare`, `Play`, `RedealDecision`) are the moves a player, a bot or a timer makes.
Outcomes are what a transition in `game` reports, in the order it happened; each maps onto at
most one of the spec's events (see `views.event_for`). Records (`PlayedPieces`,
`CompletedTurn`, `RoundResult`) are kept in the `Game` as its history and shared by outcomes.
All are frozen attrs values, so a snapshot can be kept or sent on without copying.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import attrs

from .pieces import Hand
from .plays import PlayType

if TYPE_CHECKING:
    from .game import Game, Phase

__all__ = [
    "Action",
    "CompletedTurn",
    "DeclarationAccepted",
    "Declare",
    "GameOver",
    "HandsDealt",
    "Outcome",
    "PhaseChanged",
    "Play",
    "PlayAccepted",
    "PlayedPieces",
    "RedealDecision",
    "RedealDecisionAccepted",
    "RedealRequested",
    "Redealt",
    "RoundResult",
    "RoundScored",
    "SpecialBonus",
    "TurnWon",
]


def _strings(values: Iterable[str]) -> tuple[str, ...]:
    # A typed converter: with bare `tuple` mypy cannot solve the field's element type.
    return tuple(values)


@attrs.frozen
class PlayedPieces:
    """One seat's pieces in a turn; ``play_type`` is None when a follower's pieces form no type."""

    seat: int
    pieces: Hand
    play_type: PlayType | None


@attrs.frozen
class CompletedTurn:
    turn_number: int
    winner: int
    piles: int
    plays: tuple[PlayedPieces, ...]


@attrs.frozen
class RoundResult:
    """A scored round; ``deltas`` already include the redeal multiplier."""

    round_number: int
    starter: int
    redeal_multiplier: int
    declarations: tuple[int, ...]
    piles: tuple[int, ...]
    deltas: tuple[int, ...]


@attrs.frozen
class Declare:
    seat: int
    value: int


@attrs.frozen
class Play:
    seat: int
    piece_ids: tuple[str, ...] = attrs.field(converter=_strings)


@attrs.frozen
class RedealDecision:
    seat: int
    accept: bool


Action = Declare | Play | RedealDecision


@attrs.frozen
class HandsDealt:
    """Fresh hands for everyone: send each seat its ``hand_updated``."""

    round_number: int
    redeal_multiplier: int


@attrs.frozen
class RedealRequested:
    """These weak seats, in order from the starter, may now accept or decline a redeal."""

    weak_seats: tuple[int, ...]


@attrs.frozen
class RedealDecisionAccepted:
    seat: int
    accept: bool


@attrs.frozen
class Redealt:
    """A weak seat accepted: it starts the round, the multiplier went up, new hands follow."""

    starter: int
    redeal_multiplier: int


@attrs.frozen
class DeclarationAccepted:
    seat: int
    value: int


@attrs.frozen
class PlayAccepted:
    """The seat's hand shrank: send it ``hand_updated``."""

    seat: int
    pieces: Hand
    play_type: PlayType | None


@attrs.frozen
class TurnWon:
    """A turn's fourth play is in; ``turn.winner`` took ``turn.piles`` piles."""

    turn: CompletedTurn


@attrs.frozen
class RoundScored:
    result: RoundResult
    scores: tuple[int, ...]


@attrs.frozen
class SpecialBonus:
    """A seat captured exactly what it declared.

    ``bonus_points`` is what the exact hit added, times the multiplier: the +5 on top of the
    declared piles, or the whole +3 of declaring and capturing nothing.
    """

    seat: int
    bonus_type: str
    bonus_points: int


@attrs.frozen
class PhaseChanged:
    """Send a ``phase_change`` rendered from `game`, the game as it was at this point."""

    phase: Phase
    game: Game


@attrs.frozen
class GameOver:
    """The game ended: `winners` share the top score, which is at least 50."""

    winners: tuple[int, ...]
    scores: tuple[int, ...]


Outcome = (
    HandsDealt
    | RedealRequested
    | RedealDecisionAccepted
    | Redealt
    | DeclarationAccepted
    | PlayAccepted
    | TurnWon
    | RoundScored
    | SpecialBonus
    | PhaseChanged
    | GameOver
)
