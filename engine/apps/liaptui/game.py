"""The Liap Tui state machine: an immutable `Game` value and pure transitions over it.

A round goes PREPARATION (deal; weak hands may ask for a redeal) -> DECLARATION (each seat, in
order from the starter, declares how many piles it will capture) -> TURN (8 piles are played
for) -> SCORING. The game ends in GAME_OVER after the first round that leaves a score at 50 or
more; otherwise `next_round` deals again.

Guarantees:

- Every transition takes a `Game` and returns ``(new_game, outcomes)`` and never mutates its
  input. A move the rules refuse raises a `LiaptuiRuleError` and changes nothing.
- `outcomes` says, in order, everything that happened, so that the caller can send the spec's
  events without re-deriving rules. Every accepted move's outcomes end with `PhaseChanged` (then
  `GameOver` when the game ends); each `PhaseChanged` carries the game as it was at that moment.
- Randomness comes only from the `random.Random` passed in; the same seed and the same moves give
  the same game.
- `who_must_act` names exactly the seats whose move the game waits for, and `timeout_action`
  gives a legal move for each of them, so a timer can always unblock the game.
"""

from __future__ import annotations

import enum
import random
from collections.abc import Sequence
from typing import TypeVar

import attrs

from . import errors
from .outcomes import (
    Action,
    CompletedTurn,
    DeclarationAccepted,
    Declare,
    GameOver,
    HandsDealt,
    Outcome,
    PhaseChanged,
    Play,
    PlayAccepted,
    PlayedPieces,
    RedealDecision,
    RedealDecisionAccepted,
    RedealRequested,
    Redealt,
    RoundResult,
    RoundScored,
    SpecialBonus,
    TurnWon,
)
from .pieces import PIECES_BY_ID, SEATS, Hand, deal, is_weak_hand
from .plays import classify, winner_index

__all__ = [
    "DECLARATION_MAX",
    "WINNING_SCORE",
    "Game",
    "Phase",
    "Player",
    "Transition",
    "apply",
    "decide_redeal",
    "declare",
    "legal_declarations",
    "next_round",
    "play",
    "round_score",
    "seat_of",
    "set_player",
    "start_game",
    "timeout_action",
    "who_must_act",
]

WINNING_SCORE = 50
# Every seat plays all 8 pieces and each turn gives the winner as many piles as pieces each seat
# played, so a round hands out exactly 8 piles and no declaration above 8 can come true.
DECLARATION_MAX = 8
# A seat that declared 0 in this many consecutive rounds must declare at least 1.
ZERO_STREAK_LIMIT = 2
PERFECT_BONUS = 5
ZERO_ZERO_SCORE = 3
_ROUND_ONE_STARTER = "p1"  # the red general


class Phase(enum.StrEnum):
    NOT_STARTED = "NOT_STARTED"
    PREPARATION = "PREPARATION"
    DECLARATION = "DECLARATION"
    TURN = "TURN"
    SCORING = "SCORING"
    GAME_OVER = "GAME_OVER"


@attrs.frozen
class Player:
    name: str
    seat: int
    is_bot: bool = False
    is_active: bool = True


_NO_ONE: tuple[None, ...] = (None,) * len(SEATS)
_ZEROS: tuple[int, ...] = (0,) * len(SEATS)


@attrs.frozen
class Game:
    """Everything the rules know about one game. Per-seat tuples are indexed by seat."""

    players: tuple[Player, ...]
    phase: Phase
    round_number: int
    hands: tuple[Hand, ...]
    starter: int
    redeal_multiplier: int = 1
    weak_seats: tuple[int, ...] = ()
    redeal_decisions: tuple[bool | None, ...] = _NO_ONE
    declarations: tuple[int | None, ...] = _NO_ONE
    zero_streaks: tuple[int, ...] = _ZEROS
    turn_number: int = 0
    turn_leader: int = 0
    turn_plays: tuple[PlayedPieces, ...] = ()
    piles: tuple[int, ...] = _ZEROS
    scores: tuple[int, ...] = _ZEROS
    last_turn: CompletedTurn | None = None
    history: tuple[RoundResult, ...] = ()
    total_turns: int = 0
    redeals: int = 0
    winners: tuple[int, ...] = ()

    def name(self, seat: int) -> str:
        return self.players[seat].name

    @property
    def declaration_order(self) -> tuple[int, ...]:
        return _order_from(self.starter)

    @property
    def current_declarer(self) -> int | None:
        return next((s for s in self.declaration_order if self.declarations[s] is None), None)

    @property
    def turn_order(self) -> tuple[int, ...]:
        return _order_from(self.turn_leader)

    @property
    def current_player(self) -> int | None:
        """The seat to play now, during TURN."""
        if self.phase is not Phase.TURN:
            return None
        return self.turn_order[len(self.turn_plays)]

    @property
    def required_piece_count(self) -> int | None:
        """How many pieces each seat plays this turn; None until the leader has played."""
        return len(self.turn_plays[0].pieces) if self.turn_plays else None


Transition = tuple[Game, tuple[Outcome, ...]]


def _order_from(first: int) -> tuple[int, ...]:
    return _ORDERS[first]


# The seats in order from each seat: asked for several times a move (whose turn it is).
_ORDERS = tuple(tuple((first + offset) % len(SEATS) for offset in SEATS) for first in SEATS)


_T = TypeVar("_T")


def _replace(values: tuple[_T, ...], seat: int, value: _T) -> tuple[_T, ...]:
    return (*values[:seat], value, *values[seat + 1 :])


def _exact_hit_bonus(declared: int) -> int:
    return PERFECT_BONUS if declared else ZERO_ZERO_SCORE


def round_score(declared: int, piles: int) -> int:
    """A round's score before the redeal multiplier.

    Exact hit: declared + 5, or 3 for 0 of 0. Otherwise minus the miss, where declaring 0 and
    capturing n misses by n.
    """
    if declared == piles:
        return declared + _exact_hit_bonus(declared)
    return -abs(declared - piles)


def seat_of(game: Game, name: str) -> int:
    """The seat of the player called `name`; KeyError if there is none."""
    for player in game.players:
        if player.name == name:
            return player.seat
    raise KeyError(name)


def set_player(
    game: Game, seat: int, *, is_bot: bool | None = None, is_active: bool | None = None
) -> Game:
    """Change ``is_bot`` / ``is_active`` (those given) of one player; nothing else changes."""
    player = game.players[seat]
    player = attrs.evolve(
        player,
        is_bot=player.is_bot if is_bot is None else is_bot,
        is_active=player.is_active if is_active is None else is_active,
    )
    return attrs.evolve(game, players=_replace(game.players, seat, player))


def start_game(
    names: Sequence[str], rng: random.Random, bots: Sequence[bool] = (False,) * len(SEATS)
) -> Transition:
    """Seat the 4 players in the given order and deal round 1 (its starter holds the red general).

    Raises ValueError unless there are 4 distinct names and 4 bot flags.
    """
    if len(names) != len(SEATS) or len(set(names)) != len(SEATS) or len(bots) != len(SEATS):
        raise ValueError("Liap Tui needs 4 players with distinct names")
    players = tuple(
        Player(name, seat, bool(bot)) for seat, name, bot in zip(SEATS, names, bots, strict=True)
    )
    game = Game(players, Phase.NOT_STARTED, round_number=1, hands=((),) * len(SEATS), starter=0)
    return _deal_round(game, rng, starter=None, multiplier=1)


def next_round(game: Game, rng: random.Random) -> Transition:
    """Leave SCORING for the next round's PREPARATION; the last turn's winner starts it.

    Raises ValueError outside SCORING: only the room calls this, so that is a bug, not a move.
    """
    if game.phase is not Phase.SCORING:
        raise ValueError(f"next_round needs the SCORING phase, not {game.phase}")
    return _deal_round(attrs.evolve(game, round_number=game.round_number + 1), rng, None, 1)


def _deal_round(game: Game, rng: random.Random, starter: int | None, multiplier: int) -> Transition:
    hands = deal(rng)
    if starter is None:
        if game.round_number == 1:
            starter = next(s for s in SEATS if PIECES_BY_ID[_ROUND_ONE_STARTER] in hands[s])
        else:
            assert game.last_turn is not None
            starter = game.last_turn.winner
    weak = tuple(seat for seat in _order_from(starter) if is_weak_hand(hands[seat]))
    game = attrs.evolve(
        game,
        phase=Phase.PREPARATION,
        hands=hands,
        starter=starter,
        redeal_multiplier=multiplier,
        weak_seats=weak,
        redeal_decisions=_NO_ONE,
        declarations=_NO_ONE,
        piles=_ZEROS,
        turn_number=0,
        turn_leader=starter,
        turn_plays=(),
    )
    dealt = HandsDealt(game.round_number, multiplier)
    if weak:
        return game, (dealt, RedealRequested(weak), PhaseChanged(game.phase, game))
    declaring = attrs.evolve(game, phase=Phase.DECLARATION)
    shown = (PhaseChanged(game.phase, game), PhaseChanged(declaring.phase, declaring))
    return declaring, (dealt, *shown)


def decide_redeal(game: Game, seat: int, accept: bool, rng: random.Random) -> Transition:
    """Record a weak seat's redeal decision; once all have decided, redeal or go on to declare.

    The first seat, in order from the current starter, that accepted becomes the starter of a
    whole new deal and the multiplier goes up by one. If nobody accepted, declarations begin.
    """
    if (
        game.phase is not Phase.PREPARATION
        or seat not in game.weak_seats
        or game.redeal_decisions[seat] is not None
    ):
        raise _not_your_turn(game, seat)
    game = attrs.evolve(game, redeal_decisions=_replace(game.redeal_decisions, seat, accept))
    decided = (RedealDecisionAccepted(seat, accept),)
    if any(game.redeal_decisions[s] is None for s in game.weak_seats):
        return game, (*decided, PhaseChanged(game.phase, game))
    accepter = next((s for s in game.weak_seats if game.redeal_decisions[s]), None)
    if accepter is None:
        declaring = attrs.evolve(game, phase=Phase.DECLARATION)
        return declaring, (*decided, PhaseChanged(declaring.phase, declaring))
    multiplier = game.redeal_multiplier + 1
    game = attrs.evolve(game, redeals=game.redeals + 1)
    game, dealt = _deal_round(game, rng, accepter, multiplier)
    return game, (*decided, Redealt(accepter, multiplier), *dealt)


def legal_declarations(game: Game, seat: int) -> tuple[int, ...]:
    """The values `seat` may declare now (empty unless it is the seat's turn to declare)."""
    if game.phase is not Phase.DECLARATION or game.current_declarer != seat:
        return ()
    values = range(DECLARATION_MAX + 1)
    return tuple(v for v in values if _declaration_problem(game, seat, v) is None)


def _declaration_problem(game: Game, seat: int, value: object) -> tuple[str, str] | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= DECLARATION_MAX:
        return "out_of_range", f"Declare a number of piles from 0 to {DECLARATION_MAX}"
    if value == 0 and game.zero_streaks[seat] >= ZERO_STREAK_LIMIT:
        return "zero_streak", "After declaring 0 in two rounds in a row you must declare at least 1"
    others = [d for d in game.declarations if d is not None]
    if len(others) == len(SEATS) - 1 and sum(others) + value == DECLARATION_MAX:
        return "total_equals_eight", "The last declaration may not make the total 8"
    return None


def declare(game: Game, seat: int, value: int) -> Transition:
    """Record `seat`'s declaration; after the fourth, the starter leads the first turn."""
    if game.declarations[seat] is not None and game.phase in (Phase.DECLARATION, Phase.TURN):
        raise errors.AlreadyDeclared(details={"declaration": game.declarations[seat]})
    if game.phase is not Phase.DECLARATION or game.current_declarer != seat:
        raise _not_your_turn(game, seat)
    problem = _declaration_problem(game, seat, value)
    if problem is not None:
        reason, message = problem
        raise errors.InvalidDeclaration(
            message,
            {
                "reason": reason,
                "declaration": value,
                "valid_declarations": list(legal_declarations(game, seat)),
            },
        )
    streak = game.zero_streaks[seat] + 1 if value == 0 else 0
    game = attrs.evolve(
        game,
        declarations=_replace(game.declarations, seat, value),
        zero_streaks=_replace(game.zero_streaks, seat, streak),
    )
    accepted = (DeclarationAccepted(seat, value),)
    if game.current_declarer is None:
        game = attrs.evolve(game, phase=Phase.TURN, turn_number=1, turn_leader=game.starter)
    return game, (*accepted, PhaseChanged(game.phase, game))


def play(game: Game, seat: int, piece_ids: Sequence[str]) -> Transition:
    """Play pieces from `seat`'s hand, by id, in the TURN phase.

    The leader plays 1 to 6 pieces that form a play type; that count is then required of every
    other seat, which may play any pieces. After the fourth play the turn's winner takes as many
    piles as the required count and leads the next turn; after the round's last turn the round
    is scored (see `round_score`) and, if a score reached `WINNING_SCORE`, the game ends.
    """
    if game.phase is not Phase.TURN or game.current_player != seat:
        raise _not_your_turn(game, seat)
    pieces = _take_from_hand(game, seat, piece_ids)
    play_type = classify(pieces)
    required = game.required_piece_count
    if required is not None and len(pieces) != required:
        raise errors.WrongPieceCount(
            f"You must play exactly {required} pieces",
            {"required_piece_count": required, "received": len(pieces)},
        )
    if required is None and play_type is None:
        raise errors.NotAPlayType(details={"piece_ids": list(piece_ids)})
    played = PlayedPieces(seat, pieces, play_type)
    # By id: comparing pieces runs attrs' __eq__ for every pair.
    ids = {piece.id for piece in pieces}
    hand = tuple([piece for piece in game.hands[seat] if piece.id not in ids])
    game = attrs.evolve(
        game, hands=_replace(game.hands, seat, hand), turn_plays=(*game.turn_plays, played)
    )
    accepted: tuple[Outcome, ...] = (PlayAccepted(seat, pieces, play_type),)
    if len(game.turn_plays) < len(SEATS):
        return game, (*accepted, PhaseChanged(game.phase, game))
    game, won = _finish_turn(game)
    if any(game.hands):
        game = attrs.evolve(game, turn_number=game.turn_number + 1)
        return game, (*accepted, won, PhaseChanged(game.phase, game))
    game, scored = _score_round(game)
    return game, (*accepted, won, *scored)


def _take_from_hand(game: Game, seat: int, piece_ids: Sequence[str]) -> Hand:
    if not piece_ids:
        raise errors.NoPiecesSelected()
    by_id = {piece.id: piece for piece in game.hands[seat]}
    missing = [piece_id for piece_id in piece_ids if piece_id not in by_id]
    if missing or len(set(piece_ids)) != len(piece_ids):
        raise errors.PiecesNotInHand(details={"piece_ids": list(piece_ids), "not_in_hand": missing})
    return tuple(by_id[piece_id] for piece_id in piece_ids)


def _finish_turn(game: Game) -> tuple[Game, TurnWon]:
    plays = game.turn_plays
    winner = plays[winner_index([p.pieces for p in plays])].seat
    piles = len(plays[0].pieces)
    turn = CompletedTurn(game.turn_number, winner, piles, plays)
    game = attrs.evolve(
        game,
        piles=_replace(game.piles, winner, game.piles[winner] + piles),
        last_turn=turn,
        total_turns=game.total_turns + 1,
        turn_leader=winner,
        turn_plays=(),
    )
    return game, TurnWon(turn)


def _score_round(game: Game) -> tuple[Game, tuple[Outcome, ...]]:
    declarations = tuple(d or 0 for d in game.declarations)
    multiplier = game.redeal_multiplier
    deltas = tuple(
        round_score(d, n) * multiplier for d, n in zip(declarations, game.piles, strict=True)
    )
    result = RoundResult(
        game.round_number, game.starter, multiplier, declarations, game.piles, deltas
    )
    scores = tuple(score + delta for score, delta in zip(game.scores, deltas, strict=True))
    game = attrs.evolve(game, phase=Phase.SCORING, scores=scores, history=(*game.history, result))
    bonuses = tuple(
        SpecialBonus(seat, "PERFECT_DECLARATION", multiplier * _exact_hit_bonus(d))
        for seat, d, n in zip(SEATS, declarations, game.piles, strict=True)
        if d == n
    )
    outcomes: tuple[Outcome, ...] = (
        RoundScored(result, scores),
        *bonuses,
        PhaseChanged(game.phase, game),
    )
    if max(scores) < WINNING_SCORE:
        return game, outcomes
    # Only a score >= 50 can be the maximum here, so the top scorers are the winners.
    winners = tuple(seat for seat in SEATS if scores[seat] == max(scores))
    game = attrs.evolve(game, phase=Phase.GAME_OVER, winners=winners)
    return game, (*outcomes, PhaseChanged(game.phase, game), GameOver(winners, scores))


def _not_your_turn(game: Game, seat: int) -> errors.NotYourTurn:
    waiting = who_must_act(game)
    return errors.NotYourTurn(
        details={
            "phase": str(game.phase),
            "your_position": seat,
            "current_player": game.name(waiting[0]) if len(waiting) == 1 else None,
            "waiting_for": [game.name(s) for s in waiting],
        }
    )


def who_must_act(game: Game) -> tuple[int, ...]:
    """The seats whose move the game is waiting for, in the order they act (none in SCORING)."""
    if game.phase is Phase.PREPARATION:
        return tuple(s for s in game.weak_seats if game.redeal_decisions[s] is None)
    if game.phase is Phase.DECLARATION:
        return (game.current_declarer,) if game.current_declarer is not None else ()
    if game.phase is Phase.TURN:
        return (game.turn_order[len(game.turn_plays)],)
    return ()


def timeout_action(game: Game, seat: int) -> Action:
    """The move made for a seat that let its time run out; always legal.

    Undecided redeal -> decline; declaration -> the smallest legal value (0 when allowed, as the
    spec's ``player_timeout`` example shows); lead -> the weakest single piece; follow -> the
    required count of weakest pieces. Raises NotYourTurn if the game is not waiting for `seat`.
    """
    if seat not in who_must_act(game):
        raise _not_your_turn(game, seat)
    if game.phase is Phase.PREPARATION:
        return RedealDecision(seat, False)
    if game.phase is Phase.DECLARATION:
        return Declare(seat, legal_declarations(game, seat)[0])
    count = game.required_piece_count or 1
    return Play(seat, tuple(piece.id for piece in game.hands[seat][-count:]))


def apply(game: Game, action: Action, rng: random.Random) -> Transition:
    """Apply a player's, a bot's or a timer's move; `rng` is only used if a redeal happens."""
    if isinstance(action, Declare):
        return declare(game, action.seat, action.value)
    if isinstance(action, Play):
        return play(game, action.seat, action.piece_ids)
    return decide_redeal(game, action.seat, action.accept, rng)
