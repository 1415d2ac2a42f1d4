import random

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.apps.liaptui import errors
from engine.apps.liaptui.game import (
    Game,
    Phase,
    apply,
    decide_redeal,
    declare,
    legal_declarations,
    next_round,
    play,
    round_score,
    seat_of,
    set_player,
    start_game,
    timeout_action,
    who_must_act,
)
from engine.apps.liaptui.outcomes import (
    DeclarationAccepted,
    Declare,
    GameOver,
    HandsDealt,
    Outcome,
    PhaseChanged,
    Play,
    PlayAccepted,
    RedealDecision,
    RedealDecisionAccepted,
    RedealRequested,
    Redealt,
    RoundScored,
    SpecialBonus,
    TurnWon,
)
from engine.apps.liaptui.pieces import DECK, PIECES_BY_ID, Piece, deal, is_weak_hand, sort_hand
from engine.apps.liaptui.plays import PlayType, valid_plays

NAMES = ["Alice", "Bob", "Carol", "David"]


def started(seed=0):
    game, _ = start_game(NAMES, random.Random(seed))
    return game


def kinds(*wanted, taken=()):
    """Pieces by kind, a fresh copy each time a kind repeats (and none of `taken`)."""
    used = {piece.id for piece in taken}
    chosen = []
    for kind in wanted:
        piece = next(p for p in DECK if p.kind == kind and p.id not in used)
        used.add(piece.id)
        chosen.append(piece)
    return tuple(chosen)


def preparing(weak, starter=0, multiplier=1):
    """A game waiting for the redeal decisions of the `weak` seats."""
    order = [(starter + offset) % 4 for offset in range(4)]
    return attrs.evolve(
        started(),
        phase=Phase.PREPARATION,
        starter=starter,
        turn_leader=starter,
        weak_seats=tuple(seat for seat in order if seat in weak),
        redeal_decisions=(None,) * 4,
        redeal_multiplier=multiplier,
    )


def declaring(starter=0, zero_streaks=(0, 0, 0, 0)):
    return attrs.evolve(
        started(),
        phase=Phase.DECLARATION,
        starter=starter,
        turn_leader=starter,
        weak_seats=(),
        declarations=(None,) * 4,
        zero_streaks=zero_streaks,
    )


def turning(hands, leader=0, declarations=(2, 2, 2, 1), **changes):
    """A game in TURN with the given hands (each a tuple of pieces) and `leader` to lead."""
    return attrs.evolve(
        started(),
        phase=Phase.TURN,
        hands=tuple(sort_hand(hand) for hand in hands),
        starter=leader,
        turn_leader=leader,
        weak_seats=(),
        declarations=declarations,
        **{"turn_number": 1, **changes},
    )


def ids(pieces):
    return [piece.id for piece in pieces]


def random_action(game, seat, rnd):
    if game.phase is Phase.PREPARATION:
        return RedealDecision(seat, rnd.random() < 0.3)
    if game.phase is Phase.DECLARATION:
        return Declare(seat, rnd.choice(legal_declarations(game, seat)))
    hand = game.hands[seat]
    if not game.turn_plays:
        return Play(seat, ids(rnd.choice(valid_plays(hand))))
    return Play(seat, ids(rnd.sample(hand, game.required_piece_count)))


def play_round(game, rnd, choose=random_action):
    """Drive a game from PREPARATION to SCORING or GAME_OVER; returns it and every outcome."""
    seen: list[Outcome] = []
    while game.phase not in (Phase.SCORING, Phase.GAME_OVER):
        seat = rnd.choice(who_must_act(game))
        game, outcomes = apply(game, choose(game, seat, rnd), rnd)
        assert isinstance(outcomes[-1], (PhaseChanged, GameOver))
        seen.extend(outcomes)
    return game, seen


# --- starting, starter -------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(20))
def test_round_one_is_started_by_the_red_general_holder(seed):
    game, outcomes = start_game(NAMES, random.Random(seed))
    assert game.round_number == 1 and game.redeal_multiplier == 1
    assert PIECES_BY_ID["p1"] in game.hands[game.starter]
    weak = tuple(s for s in game.declaration_order if is_weak_hand(game.hands[s]))
    assert game.weak_seats == weak
    preparation = attrs.evolve(game, phase=Phase.PREPARATION)
    if weak:
        assert game.phase is Phase.PREPARATION and who_must_act(game) == weak
        assert outcomes == (
            HandsDealt(1, 1),
            RedealRequested(weak),
            PhaseChanged(Phase.PREPARATION, game),
        )
    else:
        assert game.phase is Phase.DECLARATION and who_must_act(game) == (game.starter,)
        assert outcomes == (
            HandsDealt(1, 1),
            PhaseChanged(Phase.PREPARATION, preparation),
            PhaseChanged(Phase.DECLARATION, game),
        )


def test_start_game_seats_players_in_order_with_bot_flags():
    game, _ = start_game(NAMES, random.Random(1), bots=[False, True, False, True])
    assert [(p.name, p.seat, p.is_bot, p.is_active) for p in game.players] == [
        ("Alice", 0, False, True),
        ("Bob", 1, True, True),
        ("Carol", 2, False, True),
        ("David", 3, True, True),
    ]
    assert seat_of(game, "Carol") == 2
    with pytest.raises(KeyError):
        seat_of(game, "Eve")


@pytest.mark.parametrize("names", [NAMES[:3], [*NAMES, "Eve"], ["A", "A", "B", "C"]])
def test_start_game_needs_four_distinct_names(names):
    with pytest.raises(ValueError):
        start_game(names, random.Random(0))


def test_set_player_changes_only_that_player():
    game = started()
    changed = set_player(game, 2, is_bot=True, is_active=False)
    assert changed.players[2].is_bot and not changed.players[2].is_active
    assert changed.players[:2] == game.players[:2] and changed.hands == game.hands


def test_later_rounds_are_started_by_the_last_turn_winner():
    rnd = random.Random(5)
    game, _ = play_round(started(5), rnd)
    game, _ = next_round(game, rnd)
    assert game.round_number == 2 and game.redeal_multiplier == 1
    assert game.last_turn is not None and game.starter == game.last_turn.winner


def test_next_round_outside_scoring_is_a_bug():
    with pytest.raises(ValueError):
        next_round(declaring(), random.Random(0))


# --- redeal ------------------------------------------------------------------------------------


def test_all_weak_seats_declining_goes_on_to_declare_with_the_same_hands():
    game = preparing(weak={1, 3})
    game, outcomes = decide_redeal(game, 3, False, random.Random(0))
    assert game.phase is Phase.PREPARATION and who_must_act(game) == (1,)
    assert outcomes == (RedealDecisionAccepted(3, False), PhaseChanged(Phase.PREPARATION, game))
    before = game.hands
    game, outcomes = decide_redeal(game, 1, False, random.Random(0))
    assert game.phase is Phase.DECLARATION and game.hands == before
    assert game.redeal_multiplier == 1 and game.redeals == 0
    assert outcomes[-1] == PhaseChanged(Phase.DECLARATION, game)


def test_an_accepted_redeal_deals_again_raises_the_multiplier_and_makes_the_accepter_start():
    game = preparing(weak={2}, starter=0)
    game, outcomes = decide_redeal(game, 2, True, random.Random(3))
    assert game.starter == 2 and game.turn_leader == 2
    assert game.redeal_multiplier == 2 and game.redeals == 1
    assert game.hands == deal(random.Random(3))
    assert outcomes[:3] == (
        RedealDecisionAccepted(2, True),
        Redealt(2, 2),
        HandsDealt(game.round_number, 2),
    )
    assert game.phase in (Phase.PREPARATION, Phase.DECLARATION)


@pytest.mark.parametrize(
    ("starter", "accepters", "expected"),
    [(0, (1, 3), 1), (2, (1, 3), 3), (3, (1, 3), 3), (1, (0, 2), 2), (3, (0, 2), 0)],
)
def test_the_first_accepter_from_the_starter_starts(starter, accepters, expected):
    game = preparing(weak=set(accepters), starter=starter)
    for seat in accepters:
        game, _ = decide_redeal(game, seat, True, random.Random(0))
    assert game.starter == expected


def test_multiplier_grows_with_each_redeal_and_resets_next_round():
    game = preparing(weak={0}, multiplier=2)
    game, _ = decide_redeal(game, 0, True, random.Random(0))
    assert game.redeal_multiplier == 3
    rnd = random.Random(1)
    game, _ = play_round(attrs.evolve(game, phase=Phase.DECLARATION, weak_seats=()), rnd)
    assert game.history[-1].redeal_multiplier == 3
    game, _ = next_round(game, rnd)
    assert game.redeal_multiplier == 1


@pytest.mark.parametrize("seat", [0, 2])
def test_only_undecided_weak_seats_decide(seat):
    game = preparing(weak={1, 3})
    with pytest.raises(errors.NotYourTurn) as caught:
        decide_redeal(game, seat, True, random.Random(0))
    assert caught.value.details["waiting_for"] == ["Bob", "David"]
    game, _ = decide_redeal(game, 1, False, random.Random(0))
    with pytest.raises(errors.NotYourTurn):
        decide_redeal(game, 1, True, random.Random(0))
    with pytest.raises(errors.NotYourTurn):
        decide_redeal(declaring(), 0, True, random.Random(0))


# --- declarations ------------------------------------------------------------------------------


def declare_all(game, values):
    """Declares ``values`` in turn order; fewer values than seats leave the rest to declare."""
    for seat, value in zip(game.declaration_order, values, strict=False):
        game, _ = declare(game, seat, value)
    return game


def test_declarations_go_in_order_from_the_starter_then_the_starter_leads():
    game = declaring(starter=2)
    assert who_must_act(game) == (2,)
    with pytest.raises(errors.NotYourTurn) as caught:
        declare(game, 0, 1)
    assert caught.value.details["current_player"] == "Carol"
    game, outcomes = declare(game, 2, 3)
    assert outcomes == (DeclarationAccepted(2, 3), PhaseChanged(Phase.DECLARATION, game))
    assert who_must_act(game) == (3,)
    for seat, value in [(3, 1), (0, 0)]:
        game, _ = declare(game, seat, value)
    game, outcomes = declare(game, 1, 2)
    assert game.phase is Phase.TURN and game.turn_number == 1
    assert game.current_player == 2 and game.declarations == (0, 2, 3, 1)
    assert outcomes[-1] == PhaseChanged(Phase.TURN, game)


def test_declaring_twice_is_already_declared():
    game, _ = declare(declaring(), 0, 2)
    with pytest.raises(errors.AlreadyDeclared):
        declare(game, 0, 3)
    game = declare_all(declaring(), [1, 2, 2, 1])
    with pytest.raises(errors.AlreadyDeclared):
        declare(game, 2, 1)


def test_declaring_outside_the_declaration_phase_is_not_your_turn():
    with pytest.raises(errors.NotYourTurn):
        declare(preparing(weak={0}), 0, 1)


@pytest.mark.parametrize("value", [-1, 9, True, "3", 2.0])
def test_declarations_are_whole_numbers_from_0_to_8(value):
    with pytest.raises(errors.InvalidDeclaration) as caught:
        declare(declaring(), 0, value)
    assert caught.value.details["reason"] == "out_of_range"
    assert caught.value.details["valid_declarations"] == list(range(9))


def test_the_last_declarer_may_not_make_the_total_eight():
    game = declaring()
    for seat, value in [(0, 2), (1, 2), (2, 2)]:
        game, _ = declare(game, seat, value)
    assert 2 not in legal_declarations(game, 3)
    with pytest.raises(errors.InvalidDeclaration) as caught:
        declare(game, 3, 2)
    assert caught.value.code == 2004
    assert caught.value.details["reason"] == "total_equals_eight"
    assert caught.value.details["valid_declarations"] == [0, 1, 3, 4, 5, 6, 7, 8]
    game, _ = declare(game, 3, 3)
    assert game.phase is Phase.TURN


def test_only_the_last_declarer_is_held_to_the_total():
    game = declaring()
    game, _ = declare(game, 0, 8)
    game, _ = declare(game, 1, 0)
    assert 0 in legal_declarations(game, 2)
    game, _ = declare(game, 2, 0)
    assert legal_declarations(game, 3) == tuple(range(1, 9))


def test_two_zero_rounds_in_a_row_force_at_least_one():
    game = declaring()
    streaks = []
    for _ in range(2):
        game = attrs.evolve(game, phase=Phase.DECLARATION, declarations=(None,) * 4)
        game = declare_all(game, [0, 1, 1, 1])
        streaks.append(game.zero_streaks[0])
    assert streaks == [1, 2]
    game = attrs.evolve(game, phase=Phase.DECLARATION, declarations=(None,) * 4)
    assert 0 not in legal_declarations(game, 0)
    with pytest.raises(errors.InvalidDeclaration) as caught:
        declare(game, 0, 0)
    assert caught.value.details["reason"] == "zero_streak"
    game, _ = declare(game, 0, 1)
    assert game.zero_streaks[0] == 0


def test_a_zero_streak_is_broken_by_a_non_zero_declaration():
    game = declaring(zero_streaks=(1, 0, 0, 0))
    game, _ = declare(game, 0, 2)
    assert game.zero_streaks[0] == 0


def test_both_declaration_rules_together_still_leave_choices():
    game = declaring(zero_streaks=(0, 0, 0, 2))
    game = declare_all(game, [3, 3, 1])
    # 0 breaks the zero streak rule and 1 would make the total 8.
    assert legal_declarations(game, 3) == (2, 3, 4, 5, 6, 7, 8)


# --- playing turns -----------------------------------------------------------------------------


def hands_of(*kind_lists):
    taken: list[Piece] = []
    hands = []
    for kind_list in kind_lists:
        hand = kinds(*kind_list, taken=taken)
        taken.extend(hand)
        hands.append(hand)
    return hands


def by_kind(game, seat, *wanted):
    """Ids of pieces of the wanted kinds in `seat`'s hand, a different copy for each repeat."""
    return ids(kinds(*wanted, taken=[p for p in DECK if p not in game.hands[seat]]))


TABLE = hands_of(
    ["GENERAL_RED", "CHARIOT_RED", "HORSE_RED", "CANNON_RED"],
    ["HORSE_BLACK", "HORSE_BLACK", "SOLDIER_BLACK", "ADVISOR_BLACK"],
    ["CHARIOT_BLACK", "CHARIOT_BLACK", "CANNON_BLACK", "SOLDIER_RED"],
    ["ELEPHANT_RED", "ELEPHANT_BLACK", "SOLDIER_RED", "SOLDIER_BLACK"],
)


def test_the_leader_sets_the_count_and_the_others_may_play_any_pieces():
    game = turning(TABLE)
    straight = by_kind(game, 0, "CHARIOT_RED", "HORSE_RED", "CANNON_RED")
    game, outcomes = play(game, 0, straight)
    led = tuple(PIECES_BY_ID[piece_id] for piece_id in straight)
    assert outcomes[0] == PlayAccepted(0, led, PlayType.STRAIGHT)
    assert outcomes[-1] == PhaseChanged(Phase.TURN, game)
    assert game.required_piece_count == 3 and game.current_player == 1
    assert ids(game.hands[0]) == by_kind(game, 0, "GENERAL_RED")
    no_type = by_kind(game, 1, "HORSE_BLACK", "SOLDIER_BLACK", "ADVISOR_BLACK")
    game, outcomes = play(game, 1, no_type)
    assert isinstance(outcomes[0], PlayAccepted) and outcomes[0].play_type is None
    assert len(game.hands[1]) == 1


def test_playing_out_of_turn_or_phase_is_not_your_turn():
    game = turning(TABLE)
    with pytest.raises(errors.NotYourTurn) as caught:
        play(game, 1, by_kind(game, 1, "SOLDIER_BLACK"))
    assert caught.value.code == 2002
    assert caught.value.details == {
        "phase": "TURN",
        "your_position": 1,
        "current_player": "Alice",
        "waiting_for": ["Alice"],
    }
    with pytest.raises(errors.NotYourTurn):
        play(declaring(), 0, ids(declaring().hands[0][:1]))


def test_no_pieces_is_no_pieces_selected():
    with pytest.raises(errors.NoPiecesSelected) as caught:
        play(turning(TABLE), 0, [])
    assert caught.value.code == 2006


def test_pieces_must_be_in_the_players_hand_once():
    game = turning(TABLE)
    general = by_kind(game, 0, "GENERAL_RED")
    bobs_advisor = by_kind(game, 1, "ADVISOR_BLACK")
    for piece_ids in (["p99"], bobs_advisor, general * 2):
        with pytest.raises(errors.PiecesNotInHand) as caught:
            play(game, 0, piece_ids)
        assert caught.value.code == 2003 and isinstance(caught.value, errors.InvalidPlay)
    assert caught.value.details == {"piece_ids": general * 2, "not_in_hand": []}


def test_a_lead_must_form_a_play_type():
    game = turning(TABLE)
    with pytest.raises(errors.NotAPlayType) as caught:
        play(game, 0, by_kind(game, 0, "GENERAL_RED", "CHARIOT_RED"))
    assert caught.value.code == 2003


def test_followers_must_match_the_count():
    game = turning(TABLE)
    game, _ = play(game, 0, by_kind(game, 0, "CHARIOT_RED", "HORSE_RED", "CANNON_RED"))
    with pytest.raises(errors.WrongPieceCount) as caught:
        play(game, 1, by_kind(game, 1, "HORSE_BLACK", "HORSE_BLACK"))
    assert caught.value.code == 2003
    assert caught.value.details == {"required_piece_count": 3, "received": 2}


def play_turn(game, choices):
    outcomes: tuple[Outcome, ...] = ()
    for seat, wanted in zip(game.turn_order, choices, strict=True):
        game, outcomes = play(game, seat, by_kind(game, seat, *wanted))
    return game, outcomes


def test_the_winner_takes_as_many_piles_as_pieces_and_leads_next():
    game = turning(TABLE, leader=3)
    game, outcomes = play_turn(
        game,
        [
            ["SOLDIER_BLACK"],
            ["GENERAL_RED"],
            ["ADVISOR_BLACK"],
            ["CHARIOT_BLACK"],
        ],
    )
    won = next(o for o in outcomes if isinstance(o, TurnWon)).turn
    assert (won.winner, won.piles, won.turn_number) == (0, 1, 1)
    assert [p.seat for p in won.plays] == [3, 0, 1, 2]
    assert game.piles == (1, 0, 0, 0) and game.total_turns == 1
    assert game.turn_number == 2 and game.turn_leader == 0 and game.current_player == 0
    assert game.turn_plays == () and game.last_turn == won


def test_a_stronger_play_of_another_type_does_not_win():
    game = turning(TABLE, leader=1)
    game, _ = play_turn(
        game,
        [
            ["HORSE_BLACK", "HORSE_BLACK"],  # a pair worth 10
            ["CHARIOT_BLACK", "SOLDIER_RED"],  # no type
            ["ELEPHANT_RED", "ELEPHANT_BLACK"],  # no type: a pair needs one colour
            ["GENERAL_RED", "CHARIOT_RED"],  # no type, 22 points
        ],
    )
    assert game.last_turn.winner == 1 and game.piles == (0, 2, 0, 0)


def test_a_tie_goes_to_the_earlier_player():
    choices = [["SOLDIER_BLACK"], ["CHARIOT_RED"], ["CHARIOT_RED"], ["SOLDIER_RED"]]
    game, _ = play_turn(turning(hands_of(*choices), leader=0), choices)
    assert game.history[-1].piles == (0, 1, 0, 0)


# --- scoring and the end of the game -----------------------------------------------------------


LAST_TURN = hands_of(["GENERAL_RED"], ["SOLDIER_BLACK"], ["SOLDIER_BLACK"], ["SOLDIER_RED"])


def last_turn(scores, multiplier=1, declarations=(4, 2, 2, 1)):
    game = turning(
        LAST_TURN,
        declarations=declarations,
        piles=(3, 2, 2, 0),
        scores=scores,
        redeal_multiplier=multiplier,
        turn_number=8,
    )
    for seat in range(4):
        game, outcomes = play(game, seat, ids(game.hands[seat]))
    return game, outcomes


@pytest.mark.parametrize(
    ("declared", "captured", "score"),
    [(0, 0, 3), (0, 2, -2), (0, 8, -8), (1, 1, 6), (3, 3, 8), (8, 8, 13), (3, 1, -2), (1, 4, -3)],
)
def test_round_score(declared, captured, score):
    assert round_score(declared, captured) == score


@given(st.integers(0, 8), st.integers(0, 8))
def test_round_score_follows_the_formula(declared, captured):
    if declared == captured:
        expected = 3 if declared == 0 else declared + 5
    elif declared == 0:
        expected = -captured
    else:
        expected = -abs(declared - captured)
    assert round_score(declared, captured) == expected


def test_a_round_below_fifty_ends_in_scoring():
    game, outcomes = last_turn(scores=(0, 0, 0, 0))
    assert game.phase is Phase.SCORING and who_must_act(game) == ()
    assert game.scores == (9, 7, 7, -1) and game.turn_number == 8
    result = game.history[-1]
    assert result.declarations == (4, 2, 2, 1) and result.piles == (4, 2, 2, 0)
    assert result.deltas == (9, 7, 7, -1)
    assert [type(o) for o in outcomes] == [
        PlayAccepted,
        TurnWon,
        RoundScored,
        SpecialBonus,
        SpecialBonus,
        SpecialBonus,
        PhaseChanged,
    ]
    assert outcomes[3] == SpecialBonus(0, "PERFECT_DECLARATION", 5)
    assert outcomes[-1] == PhaseChanged(Phase.SCORING, game)
    with pytest.raises(errors.NotYourTurn):
        timeout_action(game, 0)


def test_the_multiplier_multiplies_every_round_score():
    game, outcomes = last_turn(scores=(0, 0, 0, 0), multiplier=3)
    assert game.scores == (27, 21, 21, -3)
    assert SpecialBonus(1, "PERFECT_DECLARATION", 15) in outcomes


def test_declaring_and_capturing_nothing_is_an_exact_hit_worth_three():
    game, outcomes = last_turn(scores=(0, 0, 0, 0), multiplier=2, declarations=(4, 2, 1, 0))
    assert game.scores == (18, 14, -2, 6)
    assert SpecialBonus(3, "PERFECT_DECLARATION", 6) in outcomes
    assert SpecialBonus(0, "PERFECT_DECLARATION", 10) in outcomes


def test_reaching_fifty_ends_the_game_with_the_top_scorers_winning():
    game, outcomes = last_turn(scores=(45, 47, 40, 10))
    assert game.scores == (54, 54, 47, 9)
    assert game.phase is Phase.GAME_OVER and game.winners == (0, 1)
    assert outcomes[-3:] == (
        PhaseChanged(Phase.SCORING, attrs.evolve(game, phase=Phase.SCORING, winners=())),
        PhaseChanged(Phase.GAME_OVER, game),
        GameOver((0, 1), (54, 54, 47, 9)),
    )
    assert who_must_act(game) == ()
    with pytest.raises(errors.NotYourTurn):
        play(game, 0, [])


def test_exactly_fifty_ends_the_game():
    game, _ = last_turn(scores=(41, 0, 0, 0))
    assert game.scores[0] == 50 and game.winners == (0,)


# --- timeouts ----------------------------------------------------------------------------------


def test_timeout_declines_a_redeal():
    assert timeout_action(preparing(weak={1, 2}), 2) == RedealDecision(2, False)


def test_timeout_declares_the_smallest_legal_value():
    assert timeout_action(declaring(), 0) == Declare(0, 0)
    game = declare_all(declaring(), [4, 4, 0])
    assert timeout_action(game, 3) == Declare(3, 1)
    with pytest.raises(errors.NotYourTurn):
        timeout_action(game, 0)


def test_timeout_leads_the_weakest_single_and_follows_with_the_weakest_pieces():
    game = turning(TABLE)
    assert timeout_action(game, 0) == Play(0, by_kind(game, 0, "CANNON_RED"))
    game, _ = play(game, 0, by_kind(game, 0, "CHARIOT_RED", "HORSE_RED", "CANNON_RED"))
    # Bob holds ADVISOR_BLACK 11, HORSE_BLACK 5 x2, SOLDIER_BLACK 1.
    weakest = by_kind(game, 1, "HORSE_BLACK", "HORSE_BLACK", "SOLDIER_BLACK")
    assert timeout_action(game, 1) == Play(1, weakest)


@settings(max_examples=30, deadline=None)
@given(st.integers())
def test_timeouts_alone_always_finish_a_round(seed):
    rnd = random.Random(seed)
    game, _ = play_round(started(seed), rnd, lambda g, seat, _: timeout_action(g, seat))
    assert sum(game.history[-1].piles) == 8


# --- properties over whole rounds --------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.integers())
def test_a_round_hands_out_exactly_eight_piles_and_scores_follow_the_formula(seed):
    rnd = random.Random(seed)
    game = started(seed)
    for _ in range(3):
        scores_before = game.scores
        game, outcomes = play_round(game, rnd)
        result = game.history[-1]
        turns = [o.turn for o in outcomes if isinstance(o, TurnWon)]
        assert sum(result.piles) == 8 == sum(turn.piles for turn in turns)
        assert all(turn.piles == len(turn.plays[0].pieces) for turn in turns)
        assert all(len(hand) == 0 for hand in game.hands)
        assert result.deltas == tuple(
            round_score(d, n) * result.redeal_multiplier
            for d, n in zip(result.declarations, result.piles, strict=True)
        )
        assert game.scores == tuple(
            s + d for s, d in zip(scores_before, result.deltas, strict=True)
        )
        assert sum(1 for o in outcomes if isinstance(o, RoundScored)) == 1
        if game.phase is Phase.GAME_OVER:
            break
        game, _ = next_round(game, rnd)


@settings(max_examples=20, deadline=None)
@given(st.integers())
def test_the_same_seed_and_moves_give_the_same_game(seed):
    first, _ = play_round(started(seed), random.Random(seed))
    second, _ = play_round(started(seed), random.Random(seed))
    assert first == second


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (errors.GameNotStarted, 2001),
        (errors.NotYourTurn, 2002),
        (errors.InvalidPlay, 2003),
        (errors.WrongPieceCount, 2003),
        (errors.PiecesNotInHand, 2003),
        (errors.NotAPlayType, 2003),
        (errors.InvalidDeclaration, 2004),
        (errors.AlreadyDeclared, 2005),
        (errors.NoPiecesSelected, 2006),
    ],
)
def test_error_codes(error, code):
    assert issubclass(error, errors.LiaptuiRuleError)
    assert issubclass(errors.LiaptuiRuleError, Exception)
    raised = error(details={"x": 1})
    assert raised.code == code and raised.message == error.default_message
    assert raised.details == {"x": 1} and str(raised) == raised.message
    assert error("custom").message == "custom" and error().details == {}


def test_not_your_turn_is_not_recoverable_but_an_invalid_play_is():
    assert not errors.NotYourTurn.recoverable
    assert errors.InvalidPlay.recoverable and errors.InvalidDeclaration.recoverable


def test_a_game_is_an_immutable_value():
    game = started()
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        game.phase = Phase.TURN
    assert isinstance(game, Game)
