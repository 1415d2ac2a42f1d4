"""A pure bot strategy: the move a bot makes for a seat, from the game alone.

Guarantees: `choose_action` returns a legal move for any seat in `who_must_act(game)` (and raises
NotYourTurn for any other), and it is deterministic: same game, same seat, same move. It reads
the bot's own hand and what is public (declarations, piles, plays on the table), nothing else.

Strategy, in short: declare about as many piles as the hand's strong pieces and big
combinations promise; accept a redeal only while no redeal has happened this round (a second one
raises the stakes for everyone); while piles are still needed, lead the strongest play that does
not overshoot and follow with the cheapest winning play; once the declaration is met, shed the
weakest pieces and try not to win.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from .errors import NotYourTurn
from .game import Game, Phase, legal_declarations, who_must_act
from .outcomes import Action, Declare, Play, RedealDecision
from .pieces import Hand, Piece
from .plays import beats, play_value, valid_plays, winner_index, winning_plays

__all__ = [
    "choose_action",
    "choose_declaration",
    "choose_play",
    "choose_redeal",
    "declaration_for",
    "estimate_piles",
    "play_for",
]

# Singles this strong (both generals, both advisors) usually win a turn led with a single.
_STRONG_POINT = 11
# Combinations this big rarely meet a same-type answer, so each of their pieces counts as a pile
# the bot can take once it holds the lead.
_BIG_COMBO = 3


def choose_action(game: Game, seat: int) -> Action:
    """The bot's move for `seat`, which must be one the game is waiting for."""
    if seat not in who_must_act(game):
        raise NotYourTurn(details={"phase": str(game.phase), "your_position": seat})
    if game.phase is Phase.PREPARATION:
        return RedealDecision(seat, choose_redeal(game, seat))
    if game.phase is Phase.DECLARATION:
        return Declare(seat, choose_declaration(game, seat))
    return Play(seat, choose_play(game, seat))


def choose_redeal(game: Game, seat: int) -> bool:
    return game.redeal_multiplier == 1


def estimate_piles(hand: Hand) -> int:
    """How many piles the hand looks good for: strong singles plus big combinations' pieces."""
    strong = [piece for piece in hand if piece.point >= _STRONG_POINT]
    rest = [piece for piece in hand if piece.point < _STRONG_POINT]
    combo_pieces = 0
    # Greedy, largest combination first, so each piece counts at most once.
    while combos := [c for c in valid_plays(rest) if len(c) >= _BIG_COMBO]:
        best = max(combos, key=lambda combo: (len(combo), play_value(combo)))
        combo_pieces += len(best)
        rest = [piece for piece in rest if piece not in best]
    # Without a strong single the bot seldom wins the lead that a combination needs.
    return len(strong) + (combo_pieces if strong else combo_pieces // 2)


def choose_declaration(game: Game, seat: int) -> int:
    return declaration_for(game.hands[seat], legal_declarations(game, seat))


def declaration_for(hand: Hand, legal: Sequence[int]) -> int:
    """The legal value closest to `estimate_piles` (the lower one on a tie)."""
    wanted = estimate_piles(hand)
    return min(legal, key=lambda value: (abs(value - wanted), value))


def choose_play(game: Game, seat: int) -> tuple[str, ...]:
    needed = (game.declarations[seat] or 0) - game.piles[seat]
    return play_for(game.hands[seat], needed, [played.pieces for played in game.turn_plays])


def play_for(hand: Hand, needed: int, table: Sequence[Sequence[Piece]]) -> tuple[str, ...]:
    """The ids to play from `hand` (strongest first) with `needed` piles still to take, after
    `table`, the plays already made this turn in order (empty: the bot leads).

    Only what a player sees goes in, so a client can play exactly as the server's bots do.
    """
    if not table:
        return _ids(_lead(hand, needed))
    return _ids(_follow(hand, tuple(table[winner_index(table)]), len(table[0]), needed))


def _lead(hand: Hand, needed: int) -> tuple[Piece, ...]:
    if needed <= 0:
        return (hand[-1],)
    candidates = valid_plays(hand)
    fitting = [play for play in candidates if len(play) <= needed] or candidates
    return max(fitting, key=lambda play: (len(play), play_value(play)))


def _follow(hand: Hand, best: tuple[Piece, ...], count: int, needed: int) -> tuple[Piece, ...]:
    if needed > 0:
        winning = winning_plays(valid_plays(hand, count), best)
        if winning:
            return min(winning, key=play_value)
    combos = list(itertools.combinations(hand, count))
    # The same subsets' point sums, added up in C; sorting is stable, as sorting combos was.
    points = list(map(sum, itertools.combinations([piece.point for piece in hand], count)))
    by_weakness = [combos[i] for i in sorted(range(len(combos)), key=points.__getitem__)]
    # Past its declaration the bot wants to lose: the weakest pieces that do not win, if any.
    return next((c for c in by_weakness if not beats(c, best)), by_weakness[0])


def _ids(pieces: tuple[Piece, ...]) -> tuple[str, ...]:
    return tuple(piece.id for piece in pieces)
