"""The spec's events of a game, as pure functions of `Game` values.

Every function returns fresh `events` values (written as JSON by `protocol.WIRE`); none reads a
clock or the network. What only the room knows (``sequence_number``, ``server_time``,
``timestamp``, the game's wall-clock duration) is added by the caller.
Privacy: only `hand_updated_data` shows pieces in a hand, and only for the seat asked for; the
other views show hand sizes and pieces already on the table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from . import events as e
from .errors import LiaptuiError
from .game import Game, Phase, legal_declarations, who_must_act
from .outcomes import (
    Action,
    DeclarationAccepted,
    Declare,
    GameOver,
    Outcome,
    PhaseChanged,
    PlayAccepted,
    PlayedPieces,
    RedealDecision,
    RedealDecisionAccepted,
    SpecialBonus,
)
from .pieces import DECK, Piece
from .plays import INVALID_PLAY_TYPE

__all__ = [
    "error_data",
    "event_for",
    "game_over_data",
    "game_state",
    "hand_updated_data",
    "phase_change_data",
    "phase_data",
    "piece_data",
    "player_timeout_data",
    "statistics",
]

T = TypeVar("T")


# Pieces never change, and every phase_change shows a dozen of them: each one's data is made once.
_PIECE_DATA = {
    piece.id: e.PieceData(piece.id, str(piece.name), str(piece.color), piece.point)
    for piece in DECK
}


def piece_data(piece: Piece) -> e.PieceData:
    return _PIECE_DATA[piece.id]


def _pieces(pieces: Iterable[Piece]) -> tuple[e.PieceData, ...]:
    return tuple([_PIECE_DATA[piece.id] for piece in pieces])


def hand_updated_data(game: Game, seat: int) -> e.HandUpdated:
    """``hand_updated``: the seat's own hand; send it to that seat only."""
    hand = game.hands[seat]
    return e.HandUpdated(_pieces(hand), len(hand))


def _player_names(game: Game) -> list[str]:
    return [player.name for player in game.players]


def _by_name(names: Sequence[str], values: Iterable[T]) -> dict[str, T]:
    return dict(zip(names, values, strict=True))


def _plays(game: Game, plays: Iterable[PlayedPieces]) -> dict[str, e.TablePlay]:
    names = _player_names(game)
    return {
        names[played.seat]: e.TablePlay(
            _pieces(played.pieces), str(played.play_type or INVALID_PLAY_TYPE)
        )
        for played in plays
    }


def _names(game: Game, seats: Iterable[int]) -> tuple[str, ...]:
    return tuple(game.name(seat) for seat in seats)


def _preparation(game: Game) -> e.PreparationPhase:
    return e.PreparationPhase(
        weak_hands=_names(game, game.weak_seats),
        redeal_multiplier=game.redeal_multiplier,
        waiting_for_decisions=bool(who_must_act(game)),
        redeal_complete=game.redeal_multiplier > 1,
        decisions={
            game.name(seat): ("accept" if game.redeal_decisions[seat] else "decline")
            for seat in game.weak_seats
            if game.redeal_decisions[seat] is not None
        },
        starter=game.name(game.starter),
    )


def _declaration(game: Game) -> e.DeclarationPhase:
    declarer = game.current_declarer
    return e.DeclarationPhase(
        starter=game.name(game.starter),
        declaration_order=_names(game, game.declaration_order),
        current_declarer=None if declarer is None else game.name(declarer),
        declarations={
            game.name(s): declared
            for s in game.declaration_order
            if (declared := game.declarations[s]) is not None
        },
        declaration_total=sum(d for d in game.declarations if d is not None),
        valid_declarations=() if declarer is None else tuple(legal_declarations(game, declarer)),
        redeal_multiplier=game.redeal_multiplier,
    )


def _turn(game: Game) -> e.TurnPhase:
    required = game.required_piece_count
    order = game.turn_order
    last = game.last_turn
    return e.TurnPhase(
        # `game.current_player`, without working out the turn order again.
        current_player=game.name(order[len(game.turn_plays)]),
        turn_number=game.turn_number,
        required_piece_count=required,
        current_plays=_plays(game, game.turn_plays),
        turn_order=_names(game, order),
        last_winner=None if last is None else game.name(last.winner),
        last_turn_plays={} if last is None else _plays(game, last.plays),
        # Every seat plays the required count.
        current_pile_count=(required or 0) * len(game.players),
    )


def _scoring_fields(game: Game) -> dict[str, Any]:
    result = game.history[-1]
    return {
        "round_number": result.round_number,
        "redeal_multiplier": result.redeal_multiplier,
        "round_scores": {
            player.name: e.RoundScore(
                declared=result.declarations[player.seat],
                captured=result.piles[player.seat],
                score=result.deltas[player.seat],
                total=game.scores[player.seat],
            )
            for player in game.players
        },
        "game_over": game.phase is Phase.GAME_OVER,
        "winners": _names(game, game.winners),
    }


def _scoring(game: Game) -> e.ScoringPhase:
    return e.ScoringPhase(**_scoring_fields(game))


def _game_over(game: Game) -> e.GameOverPhase:
    return e.GameOverPhase(
        **_scoring_fields(game),
        final_scores=_by_name(_player_names(game), game.scores),
        rounds_played=len(game.history),
    )


_PHASE_DATA: dict[Phase, Callable[[Game], e.PhaseData]] = {
    Phase.PREPARATION: _preparation,
    Phase.DECLARATION: _declaration,
    Phase.TURN: _turn,
    Phase.SCORING: _scoring,
    Phase.GAME_OVER: _game_over,
}


def phase_data(game: Game) -> e.PhaseData:
    """The phase-specific part of ``phase_change`` (`game` is never NOT_STARTED)."""
    return _PHASE_DATA[game.phase](game)


def game_state(game: Game, *, with_phase_data: bool = True) -> e.GameState:
    """``game_state`` as in ``reconnected`` and ``sync_response.full_state``; without its
    ``phase_data`` as in ``phase_change``."""
    names = _player_names(game)
    scores = game.scores
    return e.GameState(
        round_number=game.round_number,
        turn_number=game.turn_number,
        phase=str(game.phase),
        phase_data=phase_data(game) if with_phase_data else None,
        players=tuple(
            [
                e.GamePlayer(
                    player.name, player.seat, scores[player.seat], player.is_active, player.is_bot
                )
                for player in game.players
            ]
        ),
        scores=_by_name(names, scores),
        pile_counts=_by_name(names, game.piles),
        declarations=_by_name(names, game.declarations),
        hand_sizes=_by_name(names, map(len, game.hands)),
        redeal_multiplier=game.redeal_multiplier,
    )


def phase_change_data(game: Game) -> e.PhaseChange:
    """``phase_change``, not stamped yet (`PhaseChange.stamped`).

    Its ``game_state`` leaves out the ``phase_data`` that sits right beside it: the room keeps
    its recent events for resumes, and this is the event it sends most.
    """
    return e.PhaseChange(str(game.phase), phase_data(game), game_state(game, with_phase_data=False))


def statistics(game: Game) -> e.Statistics:
    """``game_over.statistics``; a perfect declaration is a seat-round with declared == captured."""
    perfect = sum(
        declared == captured
        for result in game.history
        for declared, captured in zip(result.declarations, result.piles, strict=True)
    )
    return e.Statistics(
        total_turns=game.total_turns, perfect_declarations=perfect, redeals=game.redeals
    )


def game_over_data(game: Game, game_duration: float) -> e.GameOver:
    """``game_over``; `game_duration` is the wall-clock seconds the room measured."""
    return e.GameOver(
        winners=_names(game, game.winners),
        final_scores=_by_name(_player_names(game), game.scores),
        rounds_played=len(game.history),
        game_duration=game_duration,
        statistics=statistics(game),
    )


def event_for(
    game: Game, outcome: Outcome, *, game_duration: float = 0.0
) -> tuple[str, Any] | None:
    """The spec event an outcome maps to, as ``(event, data)``, or None if it has none of its own.

    `game` is the game the transition returned: names come from it, and so do ``game_over``'s
    statistics. A `PhaseChanged` is rendered from the snapshot it carries.

    HandsDealt and PlayAccepted also call for private ``hand_updated`` events (every seat, resp.
    the player), which this does not return; TurnWon, RoundScored, RedealRequested and Redealt
    reach clients through the ``phase_change`` that follows them.
    """
    if isinstance(outcome, PhaseChanged):
        return "phase_change", phase_change_data(outcome.game)
    if isinstance(outcome, DeclarationAccepted):
        return "declaration_accepted", e.DeclarationAccepted(game.name(outcome.seat), outcome.value)
    if isinstance(outcome, PlayAccepted):
        return "play_accepted", e.PlayAccepted(
            player=game.name(outcome.seat),
            pieces_played=tuple(piece.id for piece in outcome.pieces),
            play_type=str(outcome.play_type or INVALID_PLAY_TYPE),
        )
    if isinstance(outcome, RedealDecisionAccepted):
        decision = "accept" if outcome.accept else "decline"
        return "redeal_decision_accepted", e.RedealDecisionAccepted(
            game.name(outcome.seat), decision
        )
    if isinstance(outcome, SpecialBonus):
        name = game.name(outcome.seat)
        return "special_bonus", e.SpecialBonus(
            player=name,
            bonus_type=outcome.bonus_type,
            bonus_points=outcome.bonus_points,
            message=f"{name} achieved perfect declaration!",
            animation="celebration",
        )
    if isinstance(outcome, GameOver):
        return "game_over", game_over_data(game, game_duration)
    return None


def player_timeout_data(game: Game, action: Action, timeout_seconds: float) -> e.PlayerTimeout:
    """``player_timeout`` for a move made by `timeout_action`."""
    auto: e.AutoAction
    if isinstance(action, Declare):
        kind, auto = "declare", e.AutoAction("declare", action.value)
    elif isinstance(action, RedealDecision):
        decision = "accept_redeal" if action.accept else "decline_redeal"
        kind, auto = "redeal_decision", e.AutoAction(decision, action.accept)
    else:
        kind, auto = "play", e.AutoAction("play", tuple(action.piece_ids))
    return e.PlayerTimeout(game.name(action.seat), kind, auto, timeout_seconds)


def error_data(error: LiaptuiError) -> dict[str, Any]:
    """The ``error`` body of an ``error`` event, without ``timestamp``; the code is a string."""
    return {
        "code": str(error.code),
        "message": error.message,
        "details": dict(error.details),
        "recoverable": error.recoverable,
    }
