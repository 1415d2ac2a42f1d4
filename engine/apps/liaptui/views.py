"""The spec's JSON shapes of a game, as pure functions of `Game` values.

Every function returns fresh plain dicts/lists of str, int, float, bool and None, ready for a JSON
encoder; none reads a clock or the network. What only the room knows (``sequence_number``,
``server_time``, ``timestamp``, the game's wall-clock duration) is added by the caller.
Privacy: only `hand_updated_data` shows pieces in a hand, and only for the seat asked for; the
other shapes show hand sizes and pieces already on the table.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

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
from .pieces import Piece
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

Json = dict[str, Any]


def piece_data(piece: Piece) -> Json:
    return {
        "id": piece.id,
        "rank": str(piece.name),
        "color": str(piece.color),
        "point": piece.point,
    }


def _pieces(pieces: Iterable[Piece]) -> list[Json]:
    return [piece_data(piece) for piece in pieces]


def hand_updated_data(game: Game, seat: int) -> Json:
    """``hand_updated``: the seat's own hand; send it to that seat only."""
    hand = game.hands[seat]
    return {"pieces": _pieces(hand), "count": len(hand)}


def _by_name(game: Game, values: Iterable[Any]) -> Json:
    return {player.name: value for player, value in zip(game.players, values, strict=True)}


def _plays(game: Game, plays: Iterable[PlayedPieces]) -> Json:
    return {
        game.name(played.seat): {
            "pieces": _pieces(played.pieces),
            "play_type": str(played.play_type or INVALID_PLAY_TYPE),
        }
        for played in plays
    }


def _names(game: Game, seats: Iterable[int]) -> list[str]:
    return [game.name(seat) for seat in seats]


def _preparation(game: Game) -> Json:
    return {
        "weak_hands": _names(game, game.weak_seats),
        "redeal_multiplier": game.redeal_multiplier,
        "waiting_for_decisions": bool(who_must_act(game)),
        "redeal_complete": game.redeal_multiplier > 1,
        "decisions": {
            game.name(seat): ("accept" if game.redeal_decisions[seat] else "decline")
            for seat in game.weak_seats
            if game.redeal_decisions[seat] is not None
        },
        "starter": game.name(game.starter),
    }


def _declaration(game: Game) -> Json:
    declarer = game.current_declarer
    return {
        "starter": game.name(game.starter),
        "declaration_order": _names(game, game.declaration_order),
        "current_declarer": None if declarer is None else game.name(declarer),
        "declarations": {
            game.name(s): game.declarations[s]
            for s in game.declaration_order
            if game.declarations[s] is not None
        },
        "declaration_total": sum(d for d in game.declarations if d is not None),
        "valid_declarations": [] if declarer is None else list(legal_declarations(game, declarer)),
        "redeal_multiplier": game.redeal_multiplier,
    }


def _turn(game: Game) -> Json:
    required = game.required_piece_count
    player = game.current_player
    last = game.last_turn
    return {
        "current_player": None if player is None else game.name(player),
        "turn_number": game.turn_number,
        "required_piece_count": required,
        "current_plays": _plays(game, game.turn_plays),
        "turn_order": _names(game, game.turn_order),
        "last_winner": None if last is None else game.name(last.winner),
        "last_turn_plays": {} if last is None else _plays(game, last.plays),
        # The pieces the winner of this turn will collect: every seat plays the required count.
        "current_pile_count": (required or 0) * len(game.players),
    }


def _scoring(game: Game) -> Json:
    result = game.history[-1]
    return {
        "round_number": result.round_number,
        "redeal_multiplier": result.redeal_multiplier,
        "round_scores": {
            player.name: {
                "declared": result.declarations[player.seat],
                "captured": result.piles[player.seat],
                "score": result.deltas[player.seat],
                "total": game.scores[player.seat],
            }
            for player in game.players
        },
        "game_over": game.phase is Phase.GAME_OVER,
        "winners": _names(game, game.winners),
    }


def _game_over(game: Game) -> Json:
    return {
        **_scoring(game),
        "final_scores": _by_name(game, game.scores),
        "rounds_played": len(game.history),
    }


_PHASE_DATA = {
    Phase.PREPARATION: _preparation,
    Phase.DECLARATION: _declaration,
    Phase.TURN: _turn,
    Phase.SCORING: _scoring,
    Phase.GAME_OVER: _game_over,
}


def phase_data(game: Game) -> Json:
    """The phase-specific part of ``phase_change`` (`game` is never NOT_STARTED)."""
    return _PHASE_DATA[game.phase](game)


def game_state(game: Game) -> Json:
    """``game_state`` as in ``phase_change``, ``reconnected`` and ``sync_response.full_state``."""
    return {
        "round_number": game.round_number,
        "turn_number": game.turn_number,
        "phase": str(game.phase),
        "phase_data": phase_data(game),
        "players": [
            {
                "name": player.name,
                "position": player.seat,
                "score": game.scores[player.seat],
                "is_active": player.is_active,
                "is_bot": player.is_bot,
            }
            for player in game.players
        ],
        "scores": _by_name(game, game.scores),
        "pile_counts": _by_name(game, game.piles),
        "declarations": _by_name(game, game.declarations),
        "hand_sizes": _by_name(game, (len(hand) for hand in game.hands)),
        "redeal_multiplier": game.redeal_multiplier,
    }


def phase_change_data(game: Game) -> Json:
    """``phase_change`` data without ``sequence_number`` and ``server_time``.

    Its ``game_state`` leaves out the ``phase_data`` that sits right beside it: the room keeps
    its recent events for resumes, and this is the event it sends most.
    """
    state = game_state(game)
    del state["phase_data"]
    return {"phase": str(game.phase), "phase_data": phase_data(game), "game_state": state}


def statistics(game: Game) -> Json:
    """``game_over.statistics``; a perfect declaration is a seat-round with declared == captured."""
    perfect = sum(
        declared == captured
        for result in game.history
        for declared, captured in zip(result.declarations, result.piles, strict=True)
    )
    return {
        "total_turns": game.total_turns,
        "perfect_declarations": perfect,
        "redeals": game.redeals,
    }


def game_over_data(game: Game, game_duration: float) -> Json:
    """``game_over``; `game_duration` is the wall-clock seconds the room measured."""
    return {
        "winners": _names(game, game.winners),
        "final_scores": _by_name(game, game.scores),
        "rounds_played": len(game.history),
        "game_duration": game_duration,
        "statistics": statistics(game),
    }


def event_for(
    game: Game, outcome: Outcome, *, game_duration: float = 0.0
) -> tuple[str, Json] | None:
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
        player = game.name(outcome.seat)
        return "declaration_accepted", {"player": player, "declaration": outcome.value}
    if isinstance(outcome, PlayAccepted):
        return "play_accepted", {
            "player": game.name(outcome.seat),
            "pieces_played": [piece.id for piece in outcome.pieces],
            "play_type": str(outcome.play_type or INVALID_PLAY_TYPE),
        }
    if isinstance(outcome, RedealDecisionAccepted):
        decision = "accept" if outcome.accept else "decline"
        return "redeal_decision_accepted", {"player": game.name(outcome.seat), "decision": decision}
    if isinstance(outcome, SpecialBonus):
        name = game.name(outcome.seat)
        return "special_bonus", {
            "player": name,
            "bonus_type": outcome.bonus_type,
            "bonus_points": outcome.bonus_points,
            "message": f"{name} achieved perfect declaration!",
            "animation": "celebration",
        }
    if isinstance(outcome, GameOver):
        return "game_over", game_over_data(game, game_duration)
    return None


def player_timeout_data(game: Game, action: Action, timeout_seconds: float) -> Json:
    """``player_timeout`` for a move made by `timeout_action`."""
    if isinstance(action, Declare):
        kind, auto = "declare", {"type": "declare", "value": action.value}
    elif isinstance(action, RedealDecision):
        decision = "accept_redeal" if action.accept else "decline_redeal"
        kind, auto = "redeal_decision", {"type": decision, "value": action.accept}
    else:
        kind, auto = "play", {"type": "play", "value": list(action.piece_ids)}
    return {
        "player": game.name(action.seat),
        "action": kind,
        "auto_action": auto,
        "timeout_seconds": timeout_seconds,
    }


def error_data(error: LiaptuiError) -> Json:
    """The ``error`` body of an ``error`` event, without ``timestamp``; the code is a string."""
    return {
        "code": str(error.code),
        "message": error.message,
        "details": dict(error.details),
        "recoverable": error.recoverable,
    }
