import random

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.apps.liaptui import errors
from engine.apps.liaptui.bots import (
    choose_action,
    choose_declaration,
    choose_play,
    choose_redeal,
    estimate_piles,
)
from engine.apps.liaptui.game import (
    WINNING_SCORE,
    Phase,
    apply,
    declare,
    legal_declarations,
    next_round,
    play,
    round_score,
    start_game,
    who_must_act,
)
from engine.apps.liaptui.outcomes import (
    Declare,
    GameOver,
    Play,
    RedealDecision,
    Redealt,
    TurnWon,
)
from engine.apps.liaptui.pieces import DECK, sort_hand

NAMES = ["Ann", "Ben", "Cat", "Dan"]
MAX_ROUNDS = 100


def started(seed=0):
    game, _ = start_game(NAMES, random.Random(seed), bots=[True] * 4)
    return game


def kinds(*wanted, taken=()):
    used = {piece.id for piece in taken}
    chosen = []
    for kind in wanted:
        piece = next(p for p in DECK if p.kind == kind and p.id not in used)
        used.add(piece.id)
        chosen.append(piece)
    return tuple(chosen)


def turning(hands, leader=0, declarations=(2, 2, 2, 1), piles=(0, 0, 0, 0)):
    return attrs.evolve(
        started(),
        phase=Phase.TURN,
        hands=tuple(sort_hand(hand) for hand in hands),
        starter=leader,
        turn_leader=leader,
        weak_seats=(),
        declarations=declarations,
        piles=piles,
        turn_number=1,
    )


def ids(pieces):
    return tuple(piece.id for piece in pieces)


# Seat 0 and seat 1 hands used by the play tests; the rest of the deck goes to seats 2 and 3.
STRONG = kinds("GENERAL_RED", "CHARIOT_RED", "HORSE_RED", "CANNON_RED", "SOLDIER_BLACK")
FOLLOWER = kinds(
    "ADVISOR_BLACK", "HORSE_BLACK", "HORSE_BLACK", "SOLDIER_BLACK", "SOLDIER_RED", taken=STRONG
)
REST = [piece for piece in DECK if piece not in STRONG + FOLLOWER]
TABLE = [STRONG, FOLLOWER, tuple(REST[:5]), tuple(REST[5:10])]


@settings(max_examples=40, deadline=None)
@given(st.integers())
def test_four_bots_play_a_whole_game_legally_and_the_scores_add_up(seed):
    rng = random.Random(seed)
    game = started(seed)
    turns = redeals = 0
    while game.phase is not Phase.GAME_OVER:
        assert game.round_number <= MAX_ROUNDS
        if game.phase is Phase.SCORING:
            game, _ = next_round(game, rng)
            continue
        acting = who_must_act(game)
        action = choose_action(game, acting[0])
        assert action.seat == acting[0]
        if isinstance(action, Declare):
            assert action.value in legal_declarations(game, action.seat)
        game, outcomes = apply(game, action, rng)  # raises on any illegal move
        turns += sum(isinstance(o, TurnWon) for o in outcomes)
        redeals += sum(isinstance(o, Redealt) for o in outcomes)
    assert isinstance(outcomes[-1], GameOver)
    assert game.total_turns == turns and game.redeals == redeals
    assert len(game.history) == game.round_number
    for result in game.history:
        assert sum(result.piles) == 8
        assert sum(result.declarations) != 8
        assert result.deltas == tuple(
            round_score(d, n) * result.redeal_multiplier
            for d, n in zip(result.declarations, result.piles, strict=True)
        )
    totals = [sum(result.deltas[seat] for result in game.history) for seat in range(4)]
    assert tuple(totals) == game.scores
    assert max(game.scores) >= WINNING_SCORE
    assert game.winners == tuple(s for s in range(4) if game.scores[s] == max(game.scores))
    before_last = [t - d for t, d in zip(totals, game.history[-1].deltas, strict=True)]
    assert max(before_last) < WINNING_SCORE


@settings(max_examples=40, deadline=None)
@given(st.integers(), st.lists(st.integers(0, 8), max_size=3))
def test_bots_declare_legally_and_deterministically(seed, earlier):
    game = attrs.evolve(started(seed), phase=Phase.DECLARATION, zero_streaks=(2, 0, 2, 0))
    for value in earlier:
        seat = game.current_declarer
        game, _ = declare(game, seat, next(v for v in legal_declarations(game, seat) if v >= value))
    seat = game.current_declarer
    assert choose_declaration(game, seat) in legal_declarations(game, seat)
    assert (
        choose_action(game, seat)
        == choose_action(game, seat)
        == Declare(seat, choose_declaration(game, seat))
    )


def test_declaration_is_the_legal_value_nearest_the_estimate():
    game = attrs.evolve(started(), phase=Phase.DECLARATION, starter=0, declarations=(None,) * 4)
    hands = list(game.hands)
    hands[3] = sort_hand(kinds("GENERAL_RED", "GENERAL_BLACK", "SOLDIER_RED", "SOLDIER_BLACK"))
    game = attrs.evolve(game, hands=tuple(hands), declarations=(3, 3, 0, None))
    assert estimate_piles(game.hands[3]) == 2
    assert legal_declarations(game, 3) == (0, 1, 3, 4, 5, 6, 7, 8)
    assert choose_declaration(game, 3) == 1


def test_estimate_counts_strong_singles_and_big_combinations():
    assert estimate_piles(kinds("GENERAL_RED", "ADVISOR_BLACK", "SOLDIER_RED")) == 2
    straight = kinds("CHARIOT_RED", "HORSE_RED", "CANNON_RED")
    assert estimate_piles(straight) == 1  # no strong single to win the lead with
    assert estimate_piles((*straight, *kinds("GENERAL_BLACK"))) == 4
    assert estimate_piles(kinds("HORSE_BLACK", "CANNON_RED", "SOLDIER_BLACK")) == 0


def test_redeal_only_while_the_multiplier_is_one():
    game = attrs.evolve(started(), phase=Phase.PREPARATION, weak_seats=(2,))
    assert choose_redeal(game, 2) is True
    assert choose_action(game, 2) == RedealDecision(2, True)
    assert choose_redeal(attrs.evolve(game, redeal_multiplier=2), 2) is False


def test_a_bot_needing_piles_leads_its_strongest_play_that_fits():
    game = turning(TABLE, declarations=(3, 1, 1, 1))
    assert choose_play(game, 0) == ids(kinds("CHARIOT_RED", "HORSE_RED", "CANNON_RED"))
    game = turning(TABLE, declarations=(1, 1, 1, 1))
    assert choose_play(game, 0) == ids(kinds("GENERAL_RED"))


def test_a_bot_that_met_its_declaration_leads_its_weakest_piece():
    game = turning(TABLE, declarations=(2, 1, 1, 1), piles=(2, 0, 0, 0))
    assert choose_play(game, 0) == ids(kinds("SOLDIER_BLACK"))


def test_a_bot_needing_piles_follows_with_its_cheapest_winning_play():
    game = turning(TABLE, declarations=(1, 2, 1, 1))
    game, _ = play(game, 0, ids(kinds("SOLDIER_BLACK")))
    # SOLDIER_RED (2) beats the black soldier (1); the black soldier would only tie.
    assert choose_play(game, 1) == ids(kinds("SOLDIER_RED"))


def test_a_bot_without_a_winning_play_dumps_its_weakest_pieces():
    game = turning(TABLE, declarations=(3, 2, 1, 1))
    game, _ = play(game, 0, ids(kinds("CHARIOT_RED", "HORSE_RED", "CANNON_RED")))
    weakest = sorted(FOLLOWER, key=lambda piece: piece.point)[:3]
    assert set(choose_play(game, 1)) == set(ids(weakest))


def test_a_bot_that_met_its_declaration_avoids_winning():
    game = turning(TABLE, declarations=(1, 1, 1, 1), piles=(0, 1, 0, 0))
    game, _ = play(game, 0, ids(kinds("SOLDIER_BLACK")))
    assert choose_play(game, 1) == ids(kinds("SOLDIER_BLACK", taken=kinds("SOLDIER_BLACK")))


def test_bot_plays_are_always_legal_for_the_current_player():
    game = turning(TABLE)
    for _ in range(4):
        seat = game.current_player
        action = choose_action(game, seat)
        assert isinstance(action, Play)
        game, _ = apply(game, action, random.Random(0))


def test_a_bot_is_only_asked_when_the_game_waits_for_it():
    game = turning(TABLE)
    with pytest.raises(errors.NotYourTurn):
        choose_action(game, 2)
